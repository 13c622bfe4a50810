import type { GraphProto, NodeProto } from '../onnx/index.ts';

// Rewriters see a model as its main graph plus the subgraphs its nodes carry (If branches, Loop
// and Scan bodies — Optimum's merged decoders hold two copies of the decoder in an If). A
// subgraph reads outer-scope names (the main graph's initializers) unless it defines the same
// name itself, which then shadows the outer one inside it.

/** The graphs a node carries as attributes. */
export function subgraphsOf(n: NodeProto): GraphProto[] {
  return n.attributes.flatMap((a) => [...(a.g === undefined ? [] : [a.g]), ...(a.graphs ?? [])]);
}

/** Every name the nodes read, including the implicit reads of their subgraphs. */
export function namesReadDeep(nodes: readonly NodeProto[], into = new Set<string>()): Set<string> {
  for (const n of nodes) {
    for (const i of n.inputs) into.add(i);
    for (const g of subgraphsOf(n)) {
      namesReadDeep(g.nodes, into);
      for (const o of g.outputs) into.add(o.name);
    }
  }
  return into;
}

/** Names a graph defines itself: its inputs, initializers and node outputs. */
export function namesDefined(g: GraphProto): Set<string> {
  return new Set([...g.inputs.map((v) => v.name), ...g.initializers.map((t) => t.name), ...g.nodes.flatMap((n) => n.outputs)]);
}

/** Every node name, value name and initializer name anywhere in the graph (for fresh names). */
export function namesTakenDeep(g: GraphProto, into: string[] = []): string[] {
  into.push(...namesDefined(g), ...g.nodes.map((n) => n.name));
  for (const n of g.nodes) for (const s of subgraphsOf(n)) namesTakenDeep(s, into);
  return into;
}

/** Where a node list sits: its graph, and the outer names it cannot see (shadowed on the way down). */
export type Scope = { graph: GraphProto; shadowed: ReadonlySet<string> };

/** Calls `visit` on the main graph's nodes and on every subgraph's, outermost first. */
export function visitScopes(
  graph: GraphProto,
  visit: (nodes: readonly NodeProto[], scope: Scope) => void,
  shadowed = new Set<string>(),
): void {
  visit(graph.nodes, { graph, shadowed });
  for (const n of graph.nodes) {
    for (const s of subgraphsOf(n)) visitScopes(s, visit, new Set([...shadowed, ...namesDefined(s)]));
  }
}

/**
 * Rebuilds the graph with every node list replaced by `rewrite(nodes, scope)`, innermost first:
 * a node carrying subgraphs reaches `rewrite` with its subgraphs already rewritten.
 */
export function rewriteScopes(
  graph: GraphProto,
  rewrite: (nodes: NodeProto[], scope: Scope) => NodeProto[],
  shadowed: ReadonlySet<string> = new Set<string>(),
): GraphProto {
  const nodes = graph.nodes.map((n) => {
    if (subgraphsOf(n).length === 0) return n;
    const inner = (g: GraphProto) => rewriteScopes(g, rewrite, new Set([...shadowed, ...namesDefined(g)]));
    const attributes = n.attributes.map((a) => ({
      ...a,
      ...(a.g === undefined ? {} : { g: inner(a.g) }),
      ...(a.graphs === undefined ? {} : { graphs: a.graphs.map(inner) }),
    }));
    return { ...n, attributes };
  });
  return { ...graph, nodes: rewrite(nodes, { graph, shadowed }) };
}
