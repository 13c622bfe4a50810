import type { GradTape } from './grad-tape.ts';

// The MLP nonlinearities of the forge families.

const GELU_C = 0.044715;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * gelu_new (tanh form), the primitives and order of forge/gpt2-blocks.ts:
 *   y = ½x(1 + tanh u),  u = √(2/π)(x + 0.044715x³)
 *   ∂x = dy·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)),  t = tanh u.
 */
export function geluTanh(t: GradTape, x: string): string {
  const g = t.g;
  const cube = g.op('Pow', [x, g.float32('three', [3])]);
  const inner = g.op('Add', [x, g.op('Mul', [cube, g.float32('gelu_c', [GELU_C])])]);
  const th = g.op('Tanh', [g.op('Mul', [inner, g.float32('sqrt_2_over_pi', [SQRT_2_OVER_PI])])]);
  const half = g.op('Mul', [x, g.float32('half', [0.5])]);
  const y = g.op('Mul', [half, g.op('Add', [th, g.float32('one_f', [1])])]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    const one = g.float32('one_f', [1]);
    const left = g.op('Mul', [g.op('Add', [th, one]), g.float32('half', [0.5])]);
    const du = g.op('Mul', [
      g.float32('sqrt_2_over_pi', [SQRT_2_OVER_PI]),
      g.op('Add', [one, g.op('Mul', [g.op('Mul', [x, x]), g.float32('three_c', [3 * GELU_C])])]),
    ]);
    const right = g.op('Mul', [g.op('Mul', [half, g.op('Sub', [one, g.op('Mul', [th, th])])]), du]);
    t.accumulate(x, () => g.op('Mul', [dy, g.op('Add', [left, right])]));
  });
  return y;
}

/**
 * SwiGLU's gate: y = silu(z)·u = z·σ(z)·u, as forge/llama/llama-graph.ts.
 *   ∂u = dy·silu(z),  ∂z = dy·u·σ(z)·(1 + z(1 − σ(z))).
 */
export function swiGlu(t: GradTape, z: string, u: string): string {
  const g = t.g;
  const s = g.op('Sigmoid', [z]);
  const act = g.op('Mul', [z, s]);
  const y = g.op('Mul', [act, u]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    const one = g.float32('one_f', [1]);
    t.accumulate(u, () => g.op('Mul', [dy, act]));
    const dAct = g.op('Mul', [s, g.op('Add', [one, g.op('Mul', [z, g.op('Sub', [one, s])])])]);
    t.accumulate(z, () => g.op('Mul', [g.op('Mul', [dy, u]), dAct]));
  });
  return y;
}
