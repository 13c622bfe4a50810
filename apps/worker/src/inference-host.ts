import { Worker } from 'node:worker_threads';
import type { TrainJobOutcome } from '@inferlab/core';
import {
  assertNever,
  type CellConfig,
  type CellRun,
  type DistillJob,
  type DistillProgressPayload,
  type Progress,
  RetryableError,
  type TrainProgressPayload,
} from '@inferlab/experiments';
import type { DistillOutcome } from './distill-task.ts';
import type { InferenceThreadData, ThreadRequest, ThreadResponse } from './thread-protocol.ts';
import type { TrainRun } from './train-run.ts';

/** An error raised inside the inference thread, carried back by name, message and retry policy. */
export class InferenceError extends RetryableError {
  override readonly name = 'InferenceError';
  override readonly permanent: boolean;

  constructor(
    readonly originalName: string,
    message: string,
    /** The thrown error's own policy (isPermanent on the thread); a crashed thread is retried. */
    permanent = false,
  ) {
    super(message);
    this.permanent = permanent;
  }
}

type Pending = {
  resolve: (r: CellRun | DistillOutcome | TrainJobOutcome) => void;
  reject: (e: Error) => void;
  onProgress: (p: Progress | DistillProgressPayload | TrainProgressPayload) => void;
  onTrainStarted?: (resumedFrom: number) => void;
  onWarning: (message: string, fields: Record<string, unknown>) => void;
};

type Warn = (message: string, fields: Record<string, unknown>) => void;

const THREAD_ENTRY = new URL('./inference-thread-entry.mjs', import.meta.url);

/** Owns the inference thread: one run (cell or distill job) at a time; restarts the thread if it dies. */
export class InferenceHost {
  private thread: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  // Shared with the thread, which cannot receive messages while inference blocks it.
  private readonly cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  // Cells and distill jobs come from two BullMQ workers; they take turns so a cell's timings never
  // share the thread with training.
  private turn: Promise<unknown> = Promise.resolve();

  /** `entry`: the thread's module (tests pass a stand-in that speaks the same protocol). */
  constructor(
    private readonly data: InferenceThreadData,
    private readonly entry: URL = THREAD_ENTRY,
  ) {}

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(this.entry, { workerData: { ...this.data, cancelFlag: this.cancelFlag } });
    thread.on('message', (msg: ThreadResponse) => this.receive(msg));
    const fail = (err: Error) => {
      if (this.thread === thread) this.thread = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    thread.on('error', (err) => fail(new InferenceError('ThreadCrash', `inference thread crashed: ${err.message}`)));
    thread.on('exit', (code) => fail(new InferenceError('ThreadCrash', `inference thread exited with code ${code}`)));
    this.thread = thread;
    return thread;
  }

  private receive(msg: ThreadResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.kind) {
      case 'progress':
      case 'distill-progress':
        p.onProgress(msg.progress);
        return;
      case 'warning':
        p.onWarning(msg.message, msg.fields);
        return;
      case 'result':
        this.pending.delete(msg.id);
        p.resolve(msg.run);
        return;
      case 'distill-result':
      case 'train-result':
        this.pending.delete(msg.id);
        p.resolve(msg.outcome);
        return;
      case 'train-progress':
        p.onProgress(msg.progress);
        return;
      case 'train-started':
        p.onTrainStarted?.(msg.resumedFrom);
        return;
      case 'error':
        this.pending.delete(msg.id);
        p.reject(new InferenceError(msg.error.name, msg.error.message, msg.error.permanent));
        return;
      default:
        assertNever(msg, 'thread response');
    }
  }

  /** Runs a cell; `onStart` gets the run's id, for cancel(). */
  run(
    spec: CellConfig,
    onProgress: (p: Progress) => void,
    onStart: (id: number) => void = () => {},
    onWarning: Warn = () => {},
  ): Promise<CellRun> {
    return this.exclusive((id) => {
      onStart(id);
      return this.send<CellRun, Progress>({ kind: 'cell', id, spec }, onProgress, onWarning);
    });
  }

  /** Trains exit heads for a distill job on the inference thread. */
  distill(job: DistillJob, threads: number, onProgress: (p: DistillProgressPayload) => void): Promise<DistillOutcome> {
    return this.exclusive((id) => this.send<DistillOutcome, DistillProgressPayload>({ kind: 'distill', id, job, threads }, onProgress));
  }

  /** Trains a model for a train job on the inference thread; `run.onStart` gets the run's id, for cancel(). */
  train(run: TrainRun): Promise<TrainJobOutcome> {
    return this.exclusive((id) => {
      run.onStart(id);
      const thread = this.ensureThread();
      return new Promise<TrainJobOutcome>((resolve, reject) => {
        this.pending.set(id, {
          resolve: resolve as Pending['resolve'],
          reject,
          onProgress: run.onProgress as Pending['onProgress'],
          onTrainStarted: run.onTrainStarted,
          onWarning: () => {},
        });
        thread.postMessage({ kind: 'train', id, job: run.job, threads: run.threads, workerId: run.workerId } satisfies ThreadRequest);
      });
    });
  }

  private exclusive<T>(start: (id: number) => Promise<T>): Promise<T> {
    const mine = this.turn.then(() => start(this.nextId++));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** T and P are what the thread answers to this kind of request (thread-protocol.ts). */
  private send<T extends CellRun | DistillOutcome, P extends Progress | DistillProgressPayload>(
    request: ThreadRequest,
    onProgress: (p: P) => void,
    onWarning: Warn = () => {},
  ): Promise<T> {
    const thread = this.ensureThread();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request.id, {
        resolve: resolve as Pending['resolve'],
        reject,
        onProgress: onProgress as Pending['onProgress'],
        onWarning,
      });
      thread.postMessage(request);
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
