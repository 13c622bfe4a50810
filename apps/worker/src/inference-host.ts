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
  // Shared with the thread, which cannot receive messages while inference blocks it.
  private readonly cancelFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly data: { modelsDir: string; modelRoots: string[]; modelCache: number }) {}

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(new URL('./inference-thread-entry.mjs', import.meta.url), {
      workerData: { ...this.data, cancelFlag: this.cancelFlag },
    });
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

  /** Runs a cell; `handle.id` can be passed to cancel(). */
  run(spec: CellSpec, onProgress: (p: Progress) => void, onStart: (id: number) => void = () => {}): Promise<CellRun> {
    const thread = this.ensureThread();
    const id = this.nextId++;
    onStart(id);
    return new Promise<CellRun>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      thread.postMessage({ id, spec });
    });
  }

  /** Asks the run to stop before its next request; it then rejects with CellCancelledError. */
  cancel(id: number): void {
    Atomics.store(this.cancelFlag, 0, id);
  }

  async close(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    if (t) await t.terminate();
  }
}
