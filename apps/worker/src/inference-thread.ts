// Runs cells on a thread of its own: onnxruntime's run() blocks its thread, and the main
// thread must stay free to renew BullMQ locks and send heartbeats.
import { parentPort, workerData } from 'node:worker_threads';
import { ModelPool } from '@inferlab/core';
import { isPermanent } from '@inferlab/experiments';
import { runCell } from '@inferlab/runner';
import { runDistillTask } from './distill-task.ts';
import type { InferenceThreadData, ThreadRequest, ThreadResponse } from './thread-protocol.ts';

const { modelsDir, modelRoots, modelCache, gitCommit, cancelFlag } = workerData as InferenceThreadData & {
  /** Int32Array over shared memory: the id of a run to cancel (written by the main thread). */
  cancelFlag: Int32Array;
};
const pool = new ModelPool(modelCache);
const port = parentPort;
if (!port) throw new Error('inference-thread must run as a worker thread');

const post = (msg: ThreadResponse) => port.postMessage(msg);

// The error's retry policy is read here, where its class is known; the main thread gets name, message and policy.
const fail = (id: number) => (err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ id, type: 'error', error: { name: e.name, message: e.message, permanent: isPermanent(err) } });
};

port.on('message', (msg: ThreadRequest) => {
  if ('distill' in msg) {
    const { id, distill, threads } = msg;
    runDistillTask(distill, { modelsDir, modelRoots, threads, onProgress: (progress) => post({ id, type: 'distill-progress', progress }) })
      .then((outcome) => post({ id, type: 'distill-result', outcome }))
      .catch(fail(id));
    return;
  }
  const { id, spec } = msg;
  const isCancelled = () => Atomics.load(cancelFlag, 0) === id;
  runCell(spec, { modelsDir, modelRoots, gitCommit, pool, isCancelled, onProgress: (progress) => post({ id, type: 'progress', progress }) })
    .then((run) => post({ id, type: 'result', run }))
    .catch(fail(id));
});
