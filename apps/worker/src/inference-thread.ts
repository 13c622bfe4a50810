// Runs cells and distill jobs on a thread of its own: onnxruntime's run() blocks its thread, and
// the main thread must stay free to renew BullMQ locks and send heartbeats.
import { parentPort, workerData } from 'node:worker_threads';
import { ModelPool, runTrainJob } from '@inferlab/core';
import { assertNever, isPermanent } from '@inferlab/experiments';
import { runCell } from '@inferlab/runner';
import { runDistillTask } from './distill-task.ts';
import type { InferenceThreadData, ThreadRequest, ThreadResponse } from './thread-protocol.ts';

const { modelsDir, modelRoots, modelCache, gitCommit, hub, cancelFlag } = workerData as InferenceThreadData & {
  /** Int32Array over shared memory: the id of a run to cancel (written by the main thread). */
  cancelFlag: Int32Array;
};
const pool = new ModelPool(modelCache);
const port = parentPort;
if (!port) throw new Error('inference-thread must run as a worker thread');

const post = (msg: ThreadResponse) => port.postMessage(msg);

// The error's retry policy is read here, where its class is known.
const fail = (id: number) => (err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ kind: 'error', id, error: { name: e.name, message: e.message, permanent: isPermanent(err) } });
};

port.on('message', (msg: ThreadRequest) => {
  const { id } = msg;
  switch (msg.kind) {
    case 'cell':
      runCell(msg.spec, {
        modelsDir,
        modelRoots,
        hub,
        gitCommit,
        pool,
        isCancelled: () => Atomics.load(cancelFlag, 0) === id,
        onProgress: (progress) => post({ kind: 'progress', id, progress }),
        onWarning: (message, fields) => post({ kind: 'warning', id, message, fields }),
      })
        .then((run) => post({ kind: 'result', id, run }))
        .catch(fail(id));
      return;
    case 'distill':
      runDistillTask(msg.job, {
        modelsDir,
        modelRoots,
        hub,
        threads: msg.threads,
        onProgress: (progress) => post({ kind: 'distill-progress', id, progress }),
      })
        .then((outcome) => post({ kind: 'distill-result', id, outcome }))
        .catch(fail(id));
      return;
    case 'train': {
      // Checked between steps: the main thread writes this run's id to cancel it.
      const abort = new AbortController();
      runTrainJob(msg.job, {
        modelsDir,
        modelRoots,
        threads: msg.threads,
        workerId: msg.workerId,
        gitCommit,
        signal: abort.signal,
        onStart: (resumedFrom) => post({ kind: 'train-started', id, resumedFrom }),
        onProgress: (progress) => {
          post({ kind: 'train-progress', id, progress });
          if (Atomics.load(cancelFlag, 0) === id) abort.abort();
        },
      })
        .then((outcome) => post({ kind: 'train-result', id, outcome }))
        .catch(fail(id));
      return;
    }
    default:
      assertNever(msg, 'thread request');
  }
});
