/**
 * Names for the nodes and tensors a rewriter adds: `base`, else `base_1`, `base_2`… — never one
 * already in the graph or handed out before.
 */
export function freshNames(taken: Iterable<string>): (base: string) => string {
  const used = new Set(taken);
  return (base) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}
