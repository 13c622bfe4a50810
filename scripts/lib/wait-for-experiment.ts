import type { ExperimentStatus, ExperimentView } from '@inferlab/experiments';

export type WaitOptions = {
  /** `fetch`, or an app's `request` in tests. */
  fetch?: (url: string) => Promise<Response>;
  /** Each new progress line (the demo prints it). */
  onProgress?: (line: string) => void;
  pollMs?: number;
  /** Sent as `Authorization: Bearer` when the api has read tokens. */
  token?: string;
};

const FINAL: readonly ExperimentStatus[] = ['done', 'failed', 'cancelled'];

/**
 * Polls `GET /v1/experiments/:id` until the experiment is finished — done, failed, or cancelled
 * (from the dashboard, say: its cells then never finish) — and returns the final status.
 */
export async function waitForExperiment(apiUrl: string, id: string, options: WaitOptions = {}): Promise<ExperimentStatus> {
  const get =
    options.fetch ?? ((url: string) => fetch(url, options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}));
  let last = '';
  for (;;) {
    const res = await get(`${apiUrl}/v1/experiments/${encodeURIComponent(id)}`);
    if (!res.ok) throw new Error(`GET /v1/experiments/${id} answered ${res.status}: ${await res.text()}`);
    const { status, progress: p } = (await res.json()) as ExperimentView;
    const finished = p.done + p.failed + p.cancelled;
    const counts = [`${p.done}/${p.total} done`, `${p.running} running`, `${p.failed} failed`];
    if (p.cancelled > 0) counts.push(`${p.cancelled} cancelled`);
    const line = `[demo] ${bar(finished / Math.max(1, p.total))} ${counts.join(', ')}`;
    if (line !== last) options.onProgress?.(line);
    last = line;
    if (FINAL.includes(status) || finished >= p.total) return status;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}

const bar = (f: number) => `[${'#'.repeat(Math.round(f * 20)).padEnd(20, '.')}]`;
