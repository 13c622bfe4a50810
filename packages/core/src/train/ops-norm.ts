import { attr } from '../onnx/index.ts';
import type { GradTape } from './grad-tape.ts';
import { meanLast, sumRows } from './ops-basic.ts';

// The two normalisations of the forge families, forward written as the inference graphs write them
// (forge/gpt2-blocks.ts, forge/llama/llama-graph.ts) so a trained model computes the same logits.

/**
 * GPT-2 LayerNorm over the last axis, x (…, D): onnx LayerNormalization, whose optional outputs give
 * the row mean and 1/σ (…, 1) for the backward:
 *   x̂ = (x − μ)/σ,  ∂γ = Σ dy·x̂,  ∂β = Σ dy,  ∂x = (1/σ)·(g − mean(g) − x̂·mean(g·x̂)),  g = dy·γ.
 */
export function layerNorm(t: GradTape, x: string, gamma: string, beta: string, d: number, eps: number): string {
  const [y, mean, invStd] = t.g.node('LayerNormalization', [x, gamma, beta], 3, { axis: attr.int(-1), epsilon: attr.float(eps) }) as [
    string,
    string,
    string,
  ];
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    const xHat = t.g.op('Mul', [t.g.op('Sub', [x, mean]), invStd]); // (…, D)
    t.accumulate(gamma, () => sumRows(t, t.g.op('Mul', [dy, xHat]), d));
    t.accumulate(beta, () => sumRows(t, dy, d));
    t.accumulate(x, () => {
      const gy = t.g.op('Mul', [dy, gamma]);
      const centred = t.g.op('Sub', [t.g.op('Sub', [gy, meanLast(t, gy)]), t.g.op('Mul', [xHat, meanLast(t, t.g.op('Mul', [gy, xHat]))])]);
      return t.g.op('Mul', [centred, invStd]);
    });
  });
  return y;
}

/**
 * HF LlamaRMSNorm, x (…, D): x̂ = x / √(mean(x²) + ε), y = x̂·w — the inference graph's op order.
 *   ∂w = Σ dy·x̂,  ∂x = (g − x̂·mean(g·x̂)) / rms,  g = dy·w.
 */
export function rmsNorm(t: GradTape, x: string, w: string, d: number, eps: number): string {
  const g = t.g;
  const meanSq = g.op('ReduceMean', [g.op('Pow', [x, g.float32('two', [2])])], { axes: attr.ints([-1]), keepdims: attr.int(1) }); // (…, 1)
  const rms = g.op('Sqrt', [g.op('Add', [meanSq, g.float32('rms_eps', [eps])])]);
  const xHat = g.op('Div', [x, rms]);
  const y = g.op('Mul', [xHat, w]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    t.accumulate(w, () => sumRows(t, g.op('Mul', [dy, xHat]), d));
    const gy = g.op('Mul', [dy, w]);
    t.accumulate(x, () => g.op('Div', [g.op('Sub', [gy, g.op('Mul', [xHat, meanLast(t, g.op('Mul', [gy, xHat]))])]), rms]));
  });
  return y;
}
