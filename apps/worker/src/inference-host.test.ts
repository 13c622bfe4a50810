// The host ↔ inference thread protocol, against a stand-in thread that answers like the real one
// (a real worker thread, no model): ids, progress and warnings, results, errors with their retry
// policy, a crashed thread, turns, cancel.
import type { CellConfig, DistillJob } from '@inferlab/experiments';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceError, InferenceHost } from './inference-host.ts';

const STUB = new URL('./inference-host.stub-thread.mjs', import.meta.url);
const DATA = {
  modelsDir: '/models',
  modelRoots: ['/models'],
  modelCache: 2,
  gitCommit: 'abc',
  hub: { endpoint: 'https://huggingface.co', offline: false },
};
const cell = (model: string) => ({ model }) as unknown as CellConfig;
const hosts: InferenceHost[] = [];
const newHost = () => {
  const host = new InferenceHost(DATA, STUB);
  hosts.push(host);
  return host;
};

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

describe('InferenceHost and the inference thread', () => {
  it('routes progress and warnings to the run, resolves with its result, passes the config to the thread', async () => {
    const host = newHost();
    const progress: unknown[] = [];
    const warnings: unknown[] = [];
    let started: number | null = null;
    const run = await host.run(
      cell('stub:ok'),
      (p) => progress.push(p),
      (id) => {
        started = id;
      },
      (message, fields) => warnings.push({ message, fields }),
    );
    expect(started).toBe(1);
    expect(progress).toEqual([
      { done: 0, total: 2, phase: 'loading' },
      { done: 2, total: 2, phase: 'measuring' },
    ]);
    expect(warnings).toEqual([{ message: 'quality not measured', fields: { model: 'stub:ok' } }]);
    expect((run as unknown as { workerData: string[] }).workerData).toEqual([
      'cancelFlag',
      'gitCommit',
      'hub',
      'modelCache',
      'modelRoots',
      'modelsDir',
    ]);
  });

  it('rejects with the thread error’s name, message and retry policy', async () => {
    const err = await newHost()
      .run(cell('stub:permanent'), () => {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceError);
    expect(err).toMatchObject({ originalName: 'DecodingConfigError', message: 'bad decoding', permanent: true });
  });

  it('a crashed thread fails its run as retryable, and the next run gets a fresh thread', async () => {
    const host = newHost();
    const err = await host.run(cell('stub:crash'), () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ originalName: 'ThreadCrash', permanent: false });
    expect((err as Error).message).toMatch(/exited with code 3/);
    await expect(host.run(cell('stub:ok'), () => {})).resolves.toMatchObject({ wallMs: 1 });
  });

  it('cells and distill jobs take turns on the one thread', async () => {
    const host = newHost();
    const job = { distillId: 'd1' } as unknown as DistillJob;
    const distillProgress: unknown[] = [];
    const [a, b, d] = await Promise.all([
      host.run(cell('stub:slow'), () => {}),
      host.run(cell('stub:slow'), () => {}),
      host.distill(job, 3, (p) => distillProgress.push(p)),
    ]);
    const [ra, rb] = [a, b] as unknown as { started: number; ended: number }[];
    expect(rb!.started).toBeGreaterThanOrEqual(ra!.ended);
    expect(d).toEqual({ version: 'v1', threads: 3, distillId: 'd1' });
    expect(distillProgress).toHaveLength(2);
  });

  it('cancel() reaches a run that blocks the thread, through shared memory', async () => {
    const host = newHost();
    let id = 0;
    const running = host.run(
      cell('stub:loop'),
      () => {},
      (i) => {
        id = i;
      },
    );
    await new Promise((r) => setTimeout(r, 30));
    host.cancel(id);
    await expect(running).rejects.toMatchObject({ originalName: 'CellCancelledError', permanent: true });
  });
});
