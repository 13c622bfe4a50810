// Linear warmup then cosine decay, the GPT-2/nanoGPT schedule. Steps are 0-based: step 0 uses
// peak/warmup, step warmup−1 reaches the peak, the last step ends near `minLr`.

export type LrSchedule = { peak: number; min: number; warmupSteps: number; totalSteps: number };

export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.min + 0.5 * (s.peak - s.min) * (1 + Math.cos(Math.PI * progress));
}
