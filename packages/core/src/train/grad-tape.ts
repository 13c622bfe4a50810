import { PermanentError } from '@inferlab/experiments';
import { attr, DataType, float32Tensor, GraphBuilder } from '../onnx/index.ts';

// Reverse-mode differentiation over GraphBuilder: each differentiable op writes its forward nodes
// at once and records a closure that, when the tape is played backwards, writes the nodes of its
// vector–Jacobian product. The result is one ONNX graph holding forward, loss and backward, so a
// training step is one session.run. Gradients reaching the same value from several uses are summed
// (Add), as the chain rule asks for a value that fans out (the residual stream, a tied table).
// Frozen values (weights held fixed, data) take no gradient: an op hands `accumulate` a thunk, and
// the thunk's nodes are never written for a frozen value — onnxruntime runs a graph's dead nodes too,
// so a skipped ∂(D, V) table is a (rows × D × V) Gemm saved per step.

export class GradTapeError extends PermanentError {
  override readonly name = 'GradTapeError';
}

export class GradTape {
  readonly g: GraphBuilder;
  readonly #steps: Array<() => void> = [];
  readonly #grads = new Map<string, string>();
  readonly #frozen = new Set<string>();
  #played = false;

  constructor(name: string) {
    this.g = new GraphBuilder(name);
  }

  /** Registers the backward of the op just written; it runs once `backward()` reaches it. */
  record(step: () => void): void {
    if (this.#played) throw new GradTapeError('the tape was already played backwards');
    this.#steps.push(step);
  }

  /** ∂loss/∂value written so far, or undefined when nothing downstream depends on it. */
  grad(value: string): string | undefined {
    return this.#grads.get(value);
  }

  /** Marks values whose gradient nobody needs (weights held fixed, inputs): their VJP nodes are not written. */
  freeze(...values: string[]): void {
    for (const v of values) this.#frozen.add(v);
  }

  /**
   * Adds `grad` (same shape as `value`) to ∂loss/∂value. A thunk writes its nodes only when the value
   * is not frozen; ops pass one wherever the gradient costs nodes.
   */
  accumulate(value: string, grad: string | (() => string)): void {
    if (this.#frozen.has(value)) return;
    const d = typeof grad === 'string' ? grad : grad();
    const prior = this.#grads.get(value);
    this.#grads.set(value, prior === undefined ? d : this.g.op('Add', [prior, d]));
  }

  /**
   * Plays the tape backwards from `loss`: a scalar with ∂loss/∂loss = 1, or any value with `seed`
   * (same shape) as its incoming gradient — a vector–Jacobian product, as the grad checks probe it.
   */
  backward(loss: string, seed?: string): void {
    if (this.#played) throw new GradTapeError('the tape was already played backwards');
    this.#played = true;
    this.#grads.set(loss, seed ?? this.g.float32('d_loss', [1]));
    for (let i = this.#steps.length - 1; i >= 0; i--) (this.#steps[i] as () => void)();
  }

  /** A float32 zero tensor of static `dims`. */
  zeros(dims: number[]): string {
    return this.g.op('ConstantOfShape', [this.g.int64('zeros_shape', dims)], { value: attr.tensor(float32Tensor('zero', [0], [1])) });
  }

  /** Exposes ∂loss/∂value as graph output `name` (zeros when the loss does not depend on it). */
  outputGrad(value: string, name: string, dims: number[]): void {
    const grad = this.#grads.get(value) ?? this.zeros(dims);
    this.g.node('Identity', [grad], [name]);
    this.g.output(name, DataType.FLOAT, dims);
  }
}
