import type { Energy } from '../payloads.ts';

export type CellCost = {
  /** Process CPU time (user + system) per 1000 generated tokens. */
  cpuMsPer1kTokens: number | null;
  /** As recorded by the worker: measured (rapl, nvml) or an estimate, which `energy.method` says. */
  energy: Energy | null;
  joulesPer1kTokens: number | null;
  /** Configured price of the machine per hour (matrix `pricePerHour`); null when not configured. */
  pricePerHour: number | null;
  /** pricePerHour × measured window in hours / tokens × 1e6: the machine's time per 1M tokens at this throughput. */
  costPer1MTokens: number | null;
};

export type CellCostInput = {
  tokens: number;
  windowMs: number | null;
  cpu: { userMs: number; systemMs: number } | null;
  energy: Energy | null;
  pricePerHour: number | null;
};

/** docs/metrics.md "Cost". */
export function cellCost(input: CellCostInput): CellCost {
  const { tokens, windowMs, cpu, energy, pricePerHour } = input;
  const perToken = (total: number | null | undefined) => (total === null || total === undefined || tokens <= 0 ? null : total / tokens);
  const cpuMs = cpu === null ? null : cpu.userMs + cpu.systemMs;
  const hours = windowMs === null ? null : windowMs / 3_600_000;
  return {
    cpuMsPer1kTokens: perToken(cpuMs === null ? null : cpuMs * 1000),
    energy,
    joulesPer1kTokens: perToken(energy?.joules === null || energy === null ? null : energy.joules * 1000),
    pricePerHour,
    costPer1MTokens: pricePerHour === null || hours === null ? null : perToken(pricePerHour * hours * 1e6),
  };
}
