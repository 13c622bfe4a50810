import type { OpenWork } from '@inferlab/db';
import type { Cell, Matrix } from '@inferlab/experiments';

/**
 * What one token may have queued or running at once (docs/contracts.md "Quotas"). The defaults are
 * far above what one person queues (one matrix may ask at most 512 cells); a shared deployment
 * tightens them.
 */
export type Quotas = { cells: number; requestedTokens: number; experiments: number };

export const DEFAULT_QUOTAS: Quotas = { cells: 10_000, requestedTokens: 1e11, experiments: 100 };

/** The environment variable that sets each limit, named in every refusal. */
export const QUOTA_SETTINGS: Record<keyof Quotas, string> = {
  cells: 'INFERLAB_QUOTA_CELLS',
  requestedTokens: 'INFERLAB_QUOTA_TOKENS',
  experiments: 'INFERLAB_QUOTA_EXPERIMENTS',
};

/** How long a client over a running-work quota should wait before trying again. */
export const QUOTA_RETRY_AFTER_S = 60;

/** Tokens a matrix asks workers to generate: per cell, prompts × (repetitions + warmup) × maxNewTokens. */
export function requestedTokens(
  matrix: Pick<Matrix, 'prompts' | 'repetitions' | 'warmup'>,
  cells: readonly Pick<Cell, 'config'>[],
): number {
  const perToken = matrix.prompts.length * (matrix.repetitions + matrix.warmup);
  return cells.reduce((sum, cell) => sum + perToken * cell.config.maxNewTokens, 0);
}

export type QuotaVerdict =
  | { ok: true }
  /** This request alone is over a limit: it can never pass (422). */
  | { ok: false; status: 422; limit: keyof Quotas; message: string }
  /** Over a limit with what is already running: wait for it (429 + Retry-After). */
  | { ok: false; status: 429; limit: keyof Quotas; message: string };

export function checkQuotas(quotas: Quotas, open: OpenWork, asked: { cells: number; requestedTokens: number }): QuotaVerdict {
  for (const limit of ['cells', 'requestedTokens'] as const) {
    const what = limit === 'cells' ? 'cells' : 'requested tokens (cells × prompts × (repetitions + warmup) × maxNewTokens)';
    if (asked[limit] > quotas[limit]) {
      const message = `this experiment asks ${asked[limit]} ${what}, over the limit of ${quotas[limit]} per token (${QUOTA_SETTINGS[limit]}); split it`;
      return { ok: false, status: 422, limit, message };
    }
    if (open[limit] + asked[limit] > quotas[limit]) {
      const message = `${open[limit]} ${what} of this token are queued or running; ${asked[limit]} more would pass the limit of ${quotas[limit]} (${QUOTA_SETTINGS[limit]}); retry when some finish`;
      return { ok: false, status: 429, limit, message };
    }
  }
  if (open.experiments + 1 > quotas.experiments) {
    const message = `${open.experiments} experiments of this token are unfinished, the limit (${QUOTA_SETTINGS.experiments}); retry when one finishes`;
    return { ok: false, status: 429, limit: 'experiments', message };
  }
  return { ok: true };
}
