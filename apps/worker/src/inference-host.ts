import { Worker } from 'node:worker_threads';
import type { CellRun, CellSpec, Progress } from '@inferlab/core';
import type { ThreadResponse } from './thread-protocol.ts';

/** An error raised inside the inference thread, carried back by name and message. */
export class InferenceError extends Error {
  constructor(
    readonly originalName: string,
    message: string,
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}

type Pending = { resolve: (r: CellRun) => void; reject: (e: Error) => void; onProgress: (p: Progress) => void };

/** Owns the inference thread: one cell at a time; restarts the thread if it dies. */
export class InferenceHost {
  private thread: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly data: { modelsDir: string; modelRoots: string[]; modelCache: number }) {}

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(new URL('./inference-thread-entry.mjs', import.meta.url), { workerData: this.data });
    thread.on('message', (msg: ThreadResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') return p.onProgress(msg.progress);
      this.pending.delete(msg.id);
      if (msg.type === 'result') p.resolve(msg.run);
      else p.reject(new InferenceError(msg.error.name, msg.error.message));
    });
    const fail = (err: Error) => {
      this.thread = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    thread.on('error', (err) => fail(new InferenceError('ThreadCrash', `inference thread crashed: ${err.message}`)));
    thread.on('exit', (code) => fail(new InferenceError('ThreadCrash', `inference thread exited with code ${code}`)));
    this.thread = thread;
    return thread;
  }

  run(spec: CellSpec, onProgress: (p: Progress) => void): Promise<CellRun> {
    const thread = this.ensureThread();
    const id = this.nextId++;
    return new Promise<CellRun>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      thread.postMessage({ id, spec });
    });
  }

  async close(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    if (t) await t.terminate();
  }
}
