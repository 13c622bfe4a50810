import { describe, expect, it } from 'vitest';
import { KdShapeError, kdLoss, kdLossGradient, kdLossWithGradient } from './kd-loss.ts';

// The seed's demo drew its logits with torch.manual_seed(0) + torch.randn; torch's RNG cannot be
// reproduced here, so these are fixed arrays of the same character: a sharp teacher (≈3·randn)
// and a soft student (≈randn) over a 10-word vocabulary.
const TEACHER = [4.62, -0.88, 6.51, -2.17, 1.05, 3.93, -5.4, 0.27, 2.86, -1.34];
const STUDENT = [0.41, -1.22, 0.93, 0.15, -0.57, 1.38, -0.09, 0.66, -1.71, 0.24];

// Produced with python3 + numpy by another road: no max subtraction, no log-softmax, and the
// gradient by the chain rule through the softmax Jacobian rather than the closed form:
//   p = exp(t/T)/exp(t/T).sum();  q = exp(s/T)/exp(s/T).sum()
//   loss = T*T*sum(p*log(p/q));  g = ((diag(q) - outer(q, q))/T).T @ (-T*T*p/q);  norm(g)
// torch's KLDivLoss(reduction="batchmean") on the seed's 1-D tensors divides by size(0) = 10, so
// the seed would print one tenth of these (a single row here is a batch of one).
const SEED_DEMO = [
  { T: 1, loss: 1.1059835300059837, gradNorm: 0.6824220042641845 },
  { T: 2, loss: 2.5402211892701723, gradNorm: 0.8383362212899603 },
  { T: 5, loss: 4.297221082485847, gradNorm: 0.9486176264770856 },
];

const norm = (xs: ArrayLike<number>) => Math.hypot(...Array.from(xs));

function finiteDifference(teacher: number[], student: number[], T: number, vocab: number, h: number): Float64Array {
  const g = new Float64Array(student.length);
  for (let i = 0; i < student.length; i++) {
    const plus = student.slice();
    const minus = student.slice();
    plus[i] = (plus[i] as number) + h;
    minus[i] = (minus[i] as number) - h;
    g[i] = (kdLoss(teacher, plus, T, vocab) - kdLoss(teacher, minus, T, vocab)) / (2 * h);
  }
  return g;
}

describe('kdLoss', () => {
  it.each(SEED_DEMO)('reproduces the seed demo at T=$T against numpy', ({ T, loss, gradNorm }) => {
    const r = kdLossWithGradient(TEACHER, STUDENT, T);
    // Both sides are float64; different summation orders leave ~1e-16 relative.
    expect(Math.abs(r.loss - loss) / loss).toBeLessThan(1e-12);
    expect(Math.abs(norm(r.grad) - gradNorm) / gradNorm).toBeLessThan(1e-12);
  });

  it('has the analytic gradient T·(q − p) of the central finite difference', () => {
    // Two rows of the seed's logits plus a shifted, scaled pair: batchmean over rows.
    const teacher = [...TEACHER, ...STUDENT.map((x) => 2 * x - 1)];
    const student = [...STUDENT, ...TEACHER.map((x) => 0.5 * x + 0.3)];
    // h = 1e-5: truncation ~h²·|f'''| ≈ 1e-10, rounding ~ε·|f|/h ≈ 1e-11; 1e-8 leaves 100× room.
    for (const T of [0.5, 1, 2, 5]) {
      const analytic = kdLossGradient(teacher, student, T, 10);
      const numeric = finiteDifference(teacher, student, T, 10, 1e-5);
      let worst = 0;
      for (let i = 0; i < analytic.length; i++) worst = Math.max(worst, Math.abs((analytic[i] as number) - (numeric[i] as number)));
      expect(worst).toBeLessThan(1e-8);
    }
  });

  it('averages over rows and is zero with zero gradient when student equals teacher', () => {
    const twoRows = kdLoss([...TEACHER, ...TEACHER], [...STUDENT, ...STUDENT], 2, 10);
    expect(twoRows).toBeCloseTo(kdLoss(TEACHER, STUDENT, 2), 14);
    const same = kdLossWithGradient(TEACHER, TEACHER, 3);
    expect(same.loss).toBe(0);
    expect(norm(same.grad)).toBe(0);
  });

  it('stays finite for logits that would overflow a naive exp', () => {
    const big = TEACHER.map((x) => 1000 * x);
    const r = kdLossWithGradient(big, STUDENT, 1);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.loss).toBeGreaterThan(0);
    expect(Array.from(r.grad).every(Number.isFinite)).toBe(true);
    // Shifting a row's logits by a constant changes neither distribution.
    expect(
      kdLoss(
        TEACHER.map((x) => x + 700),
        STUDENT.map((x) => x - 700),
        2,
      ),
    ).toBeCloseTo(kdLoss(TEACHER, STUDENT, 2), 12);
  });

  it('rejects mismatched shapes and non-positive temperatures', () => {
    expect(() => kdLoss(TEACHER, STUDENT.slice(1), 1)).toThrow(KdShapeError);
    expect(() => kdLoss(TEACHER, STUDENT, 1, 3)).toThrow(KdShapeError);
    expect(() => kdLoss(TEACHER, STUDENT, 0)).toThrow(KdShapeError);
  });
});
