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
