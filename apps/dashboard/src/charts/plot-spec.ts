// What a dashboard chart draws, and the palette and tick labels every chart shares.

/** Distinguishable on white, and for the common kinds of colour blindness (Okabe-Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
export const color = (i: number): string => PALETTE[i % PALETTE.length] as string;

export type PlotSpec = {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: { label: string; values: (number | null)[] }[];
  kind: 'line' | 'step' | 'points' | 'bars';
  /** Category names for bar charts (x = 0, 1, …). */
  categories?: string[];
  yMin?: number;
};

/** Axis labels that tell small values apart: a KL of 0.0003 is `3.0e-4`, not `0`. */
export function tick(v: number): string {
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs < 0.01 || abs >= 1e6) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
