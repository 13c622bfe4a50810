import { PermanentError } from '@inferlab/experiments';
import {
  type AttributeProto,
  AttributeType,
  type DataType,
  type Dim,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-types.ts';
import { float32Tensor, int64Tensor, tensorFromArray } from './tensor-data.ts';

// Builds a GraphProto imperatively: every node/initializer gets a unique name, so model builders
// read like the computation (`const h = g.op('Add', [x, y])`) instead of name bookkeeping.

export type AttrValue = Omit<AttributeProto, 'name'>;

/** Typed attribute constructors: ONNX distinguishes int and float attributes, JS numbers don't. */
export const attr = {
  int: (i: number): AttrValue => ({ type: AttributeType.INT, i }),
  float: (f: number): AttrValue => ({ type: AttributeType.FLOAT, f }),
  ints: (ints: number[]): AttrValue => ({ type: AttributeType.INTS, ints }),
  floats: (floats: number[]): AttrValue => ({ type: AttributeType.FLOATS, floats }),
  string: (s: string): AttrValue => ({ type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
  tensor: (t: TensorProto): AttrValue => ({ type: AttributeType.TENSOR, t }),
};

export class GraphBuilderError extends PermanentError {
  override readonly name = 'GraphBuilderError';
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly name: string) {}

  /** A fresh name `prefix`, `prefix_1`, ... never handed out before. */
  uniqueName(prefix: string): string {
    let n = this.counters.get(prefix) ?? 0;
    let candidate = n === 0 ? prefix : `${prefix}_${n}`;
    while (this.used.has(candidate)) candidate = `${prefix}_${++n}`;
    this.counters.set(prefix, n + 1);
    this.used.add(candidate);
    return candidate;
  }

  input(name: string, elemType: DataType, shape: Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  /** Declares a graph output; `name` must be produced by a node (pass it as that node's output). */
  output(name: string, elemType: DataType, shape: Dim[] | null): string {
    this.outputs.push({ name, elemType, shape });
    return name;
  }

  initializer(name: string, dataType: DataType, dims: number[], data: Float32Array | Int8Array | Uint8Array | BigInt64Array): string {
    this.claim(name);
    this.initializers.push(tensorFromArray(name, dataType, dims, data));
    return name;
  }

  /** A small int64 constant (shapes, axes, split sizes) stored as an initializer. */
  int64(hint: string, values: number[], dims: number[] = [values.length]): string {
    const t = int64Tensor(this.uniqueName(hint), values, dims);
    this.initializers.push(t);
    return t.name;
  }

  /** A float32 scalar (dims []) or small constant. */
  float32(hint: string, values: number[], dims: number[] = []): string {
    const t = float32Tensor(this.uniqueName(hint), values, dims);
    this.initializers.push(t);
    return t.name;
  }

  /**
   * Adds a node. `outputs` is either explicit names or a count of names to generate.
   * Returns the output names. '' in inputs marks an omitted optional input.
   */
  node(opType: string, inputs: string[], outputs: string[] | number, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    let outs: string[];
    if (typeof outputs === 'number') {
      outs = Array.from({ length: outputs }, () => this.uniqueName(`${opType}_out`));
    } else {
      for (const o of outputs) this.claim(o);
      outs = outputs;
    }
    const attributes = Object.entries(attrs).map(([name, v]) => ({ name, ...v }));
    this.nodes.push({ name: this.uniqueName(opType), opType, domain, inputs, outputs: outs, attributes });
    return outs;
  }

  /** A single-output node; returns its output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    const [out] = this.node(opType, inputs, 1, attrs, domain);
    return out as string;
  }

  build(): GraphProto {
    return {
      name: this.name,
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      valueInfo: [],
    };
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new GraphBuilderError(`name '${name}' is already used in graph '${this.name}'`);
    this.used.add(name);
  }
}
