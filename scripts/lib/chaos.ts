// A chaos run the project owns: two workers, the api and Redis (append-only, fsync always) under
// seeded random SIGKILL / SIGSTOP of workers and SIGKILL + restart of Redis and the api while an
// experiment runs; then the invariants every fault must keep:
//   - every cell done or failed with a reason;
//   - rows exact: requests = repetitions × prompts per done cell, none twice, token events summing to N_out;
//   - no result from a worker that lost its lock: no recorded result was measured across a freeze of
//     its worker longer than the lock time (its timings would contain the freeze);
//   - Redis's and SQLite's views agree (completed ↔ done, failed ↔ failed);
//   - final states stable: once the experiment says it is finished, nothing changes (checked again
//     after every frozen worker has woken and the lock time has passed).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cellQueueName } from '@inferlab/experiments';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type LocalRedis, startLocalRedis } from './local-redis.ts';
import { type Platform, startPlatform } from './platform.ts';

export type ChaosOptions = {
  dataDir: string;
  modelsDir: string;
  seed: number;
  /** Faults to inject while the experiment runs. */
  faults: number;
  /** maxNewTokens values: cells = 3 variants × this many. */
  lengths: number[];
  repetitions: number;
  /** WORKER_LOCK_MS of the workers: a frozen or killed worker's cell is taken over after about this long. */
  lockMs: number;
  /** How long a SIGSTOPped worker stays frozen. */
  freezeMs: number;
  timeoutMs: number;
  log: (line: string) => void;
};

export type Invariant = { name: string; ok: boolean; detail: string };
/** A worker SIGSTOPped from `from` to `to` (epoch ms). */
type Freeze = { workerId: string; from: number; to: number };
export type ChaosReport = {
  experimentId: string;
  faults: string[];
  cells: number;
  invariants: Invariant[];
  statuses: Record<string, string>;
};

const PROMPTS = ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world'];
const FAULTS = ['kill-worker', 'freeze-worker', 'restart-redis', 'restart-api'] as const;

/** mulberry32: the same seed injects the same faults at the same moments. */
function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

type ExperimentView = {
  status: string;
  progress: { total: number; done: number; failed: number };
  cells: { id: string; status: string }[];
};

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const random = rng(opts.seed);
  let redis: LocalRedis = await startLocalRedis({ appendOnly: true, dir: join(opts.dataDir, 'redis') });
  const platform: Platform = await startPlatform({
    dataDir: opts.dataDir,
    redisUrl: redis.url,
    workers: 0,
    env: { INFERLAB_MODELS_DIR: opts.modelsDir, WORKER_LOCK_MS: String(opts.lockMs) },
  });
  // Named workers, so a recorded result says which process measured it.
  const workerIds = new Map<ChildProcess, string>();
  const startWorker = async () => {
    const workerId = `chaos-worker-${workerIds.size}`;
    workerIds.set(await platform.startWorker({ WORKER_ID: workerId }), workerId);
  };
  for (let i = 0; i < 2; i++) await startWorker();
  const frozen = new Set<ChildProcess>();
  const freezes: Freeze[] = [];
  const faults: string[] = [];
  try {
    const res = await fetch(`${platform.apiUrl}/v1/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `chaos seed ${opts.seed}`,
        models: ['forge:gpt2-tiny'],
        variants: [
          { dtype: 'fp32', cache: false },
          { dtype: 'fp32', cache: true },
          { dtype: 'int8', cache: true },
        ],
        prompts: PROMPTS,
        maxNewTokens: opts.lengths,
        threads: [1],
        repetitions: opts.repetitions,
        warmup: 0,
      }),
    });
    if (res.status !== 201) throw new Error(`submit: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    const view = async (): Promise<ExperimentView | null> => {
      try {
        return (await getJson(`${platform.apiUrl}/v1/experiments/${id}`)) as ExperimentView;
      } catch {
        return null; // the api is restarting
      }
    };
    const finished = (v: ExperimentView | null) => v !== null && v.progress.done + v.progress.failed === v.progress.total;

    for (let i = 0; i < opts.faults; i++) {
      await sleep(1000 + random() * 3000);
      if (finished(await view())) break;
      const fault = FAULTS[Math.floor(random() * FAULTS.length)] as (typeof FAULTS)[number];
      const live = platform.workers.filter((w) => w.exitCode === null && w.signalCode === null && !frozen.has(w));
      const victim = live[Math.floor(random() * live.length)];
      faults.push(`${((Date.now() % 1e6) / 1000).toFixed(1)}s ${fault}`);
      opts.log(`[chaos] ${fault}`);
      if (fault === 'kill-worker' && victim) {
        victim.kill('SIGKILL');
        await startWorker();
      } else if (fault === 'freeze-worker' && victim) {
        victim.kill('SIGSTOP');
        frozen.add(victim);
        const freeze = { workerId: workerIds.get(victim) ?? '?', from: Date.now(), to: Number.POSITIVE_INFINITY };
        freezes.push(freeze);
        setTimeout(() => {
          victim.kill('SIGCONT');
          freeze.to = Date.now();
          frozen.delete(victim);
        }, opts.freezeMs);
      } else if (fault === 'restart-redis') {
        redis.child.kill('SIGKILL');
        await new Promise((r) => redis.child.once('exit', r));
        await sleep(1000);
        redis = await startLocalRedis({ appendOnly: true, dir: redis.dir, port: redis.port });
      } else if (fault === 'restart-api') {
        await platform.restartApi('SIGKILL');
      }
    }

    const deadline = Date.now() + opts.timeoutMs;
    let final = await view();
    while (!finished(final)) {
      if (Date.now() > deadline) throw new Error(`experiment ${id} not finished in time: ${JSON.stringify(final?.progress)}`);
      await sleep(500);
      final = await view();
    }
    // Wake every frozen worker, then wait past the lock time: late results must change nothing.
    while (frozen.size > 0) await sleep(200);
    await sleep(opts.lockMs * 2 + 3000);
    const later = await view();
    const statuses = Object.fromEntries((final?.cells ?? []).map((c) => [c.id, c.status]));
    const invariants = await checkInvariants(opts, platform.redisUrl, id, statuses, later, freezes);
    return { experimentId: id, faults, cells: final?.cells.length ?? 0, invariants, statuses };
  } finally {
    for (const w of frozen) w.kill('SIGCONT');
    await platform.stop();
    await redis.stop();
  }
}

async function checkInvariants(
  opts: ChaosOptions,
  redisUrl: string,
  experimentId: string,
  statuses: Record<string, string>,
  later: ExperimentView | null,
  freezes: readonly Freeze[],
): Promise<Invariant[]> {
  const db = new Database(join(opts.dataDir, 'inferlab.sqlite'), { readonly: true });
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(cellQueueName('cpu'), { connection });
  try {
    const cells = db
      .prepare('select id, status, attempt, error, worker_id, started_at, finished_at from cells where experiment_id = ? order by "index"')
      .all(experimentId) as {
      id: string;
      status: string;
      attempt: number;
      error: string | null;
      worker_id: string | null;
      started_at: string | null;
      finished_at: string | null;
    }[];
    const expected = opts.repetitions * PROMPTS.length;
    const bad = (list: string[], ok: string): Pick<Invariant, 'ok' | 'detail'> =>
      list.length === 0 ? { ok: true, detail: ok } : { ok: false, detail: list.join('; ') };
    const out: Invariant[] = [];

    out.push({
      name: 'every cell done or failed with a reason',
      ...bad(
        cells
          .filter((c) => !(c.status === 'done' || (c.status === 'failed' && c.error)))
          .map((c) => `${c.id} ${c.status} ${c.error ?? ''}`),
        `${cells.filter((c) => c.status === 'done').length} done, ${cells.filter((c) => c.status === 'failed').length} failed`,
      ),
    });

    const rowProblems: string[] = [];
    for (const c of cells) {
      const requests = (db.prepare('select count(*) n from requests where cell_id = ?').get(c.id) as { n: number }).n;
      const dupes = (
        db
          .prepare(
            'select count(*) n from (select repetition, prompt_index from requests where cell_id = ? group by 1, 2 having count(*) > 1)',
          )
          .get(c.id) as { n: number }
      ).n;
      const eventMismatch = (
        db
          .prepare(
            'select count(*) n from requests r where r.cell_id = ? and r.n_out != (select coalesce(sum(e.n), 0) from token_events e where e.request_id = r.id)',
          )
          .get(c.id) as { n: number }
      ).n;
      const want = c.status === 'done' ? expected : 0;
      if (requests !== want || dupes > 0 || eventMismatch > 0)
        rowProblems.push(`${c.id}: ${requests}/${want} requests, ${dupes} doubled, ${eventMismatch} with events ≠ N_out`);
    }
    out.push({ name: 'rows exact, none twice', ...bad(rowProblems, `${expected} requests per done cell`) });

    const disagreements: string[] = [];
    const lockless: string[] = [];
    for (const c of cells) {
      const job = await queue.getJob(c.id);
      const state = job ? await job.getState() : 'missing';
      const agrees = (c.status === 'done' && state === 'completed') || (c.status === 'failed' && state === 'failed');
      if (!agrees) disagreements.push(`${c.id}: SQLite ${c.status}, Redis ${state}`);
      // The attempt that BullMQ completed is the last one started; an older attempt's result came from a worker that lost its lock.
      if (c.status === 'done' && job && c.attempt < job.attemptsStarted)
        lockless.push(`${c.id}: recorded attempt ${c.attempt}, BullMQ started ${job.attemptsStarted}`);
    }
    out.push({ name: "Redis's and SQLite's views agree", ...bad(disagreements, 'completed ↔ done, failed ↔ failed') });
    out.push({
      name: 'no result from a worker that lost its lock',
      ...bad(lockless, `${freezes.length} freezes; no recorded result spans one of its worker`),
    });

    const changed = (later?.cells ?? []).filter((c) => statuses[c.id] !== c.status).map((c) => `${c.id}: ${statuses[c.id]} → ${c.status}`);
    out.push({
      name: 'final states stable',
      ...bad(later ? changed : ['the api did not answer'], 'no cell changed after the experiment finished'),
    });
    return out;
  } finally {
    db.close();
    await queue.close();
    connection.disconnect();
  }
}
