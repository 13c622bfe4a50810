// Thin HTTP helpers for end-to-end tests against a running api.
export type Progress = { total: number; queued: number; running: number; done: number; failed: number };
export type ExperimentView = {
  id: string;
  status: string;
  progress: Progress;
  cells: { id: string; status: string; attempt: number; error: string | null; config: { model: string } }[];
};

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

export async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Polls until every cell is done or failed (or the predicate holds). */
export async function waitForExperiment(
  apiUrl: string,
  id: string,
  timeoutMs: number,
  until: (e: ExperimentView) => boolean = (e) => e.progress.done + e.progress.failed >= e.progress.total,
): Promise<ExperimentView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = (await getJson(`${apiUrl}/v1/experiments/${id}`)) as ExperimentView;
    if (until(e)) return e;
    if (Date.now() > deadline) throw new Error(`experiment ${id} not finished in ${timeoutMs} ms: ${JSON.stringify(e.progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const SEED_PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';

/**
 * Submits a one-variant gpt2-tiny experiment on the seed prompt (1 thread, no warmup) and waits
 * until its first cell is running: the start of every fault test.
 */
export async function submitAndWaitRunning(
  apiUrl: string,
  matrix: { variants: { dtype: string; cache: boolean }[]; maxNewTokens: number[]; repetitions: number },
): Promise<string> {
  const created = await postJson(`${apiUrl}/v1/experiments`, {
    models: ['forge:gpt2-tiny'],
    prompts: [SEED_PROMPT],
    threads: [1],
    warmup: 0,
    ...matrix,
  });
  if (created.status !== 201) throw new Error(`submit failed (${created.status}): ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  await waitForExperiment(apiUrl, id, 120_000, (e) => e.progress.running === 1);
  return id;
}
