// A stand-in for inference-thread.ts in inference-host.test.ts: it speaks the thread protocol
// (thread-protocol.ts) without loading a model. The cell's model id says what to do.
import { parentPort, workerData } from 'node:worker_threads';

const { cancelFlag } = workerData;
const post = (msg) => parentPort.postMessage(msg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

parentPort.on('message', async (msg) => {
  const { id } = msg;
  if (msg.kind === 'distill') {
    post({ kind: 'distill-progress', id, progress: { phase: 'teacher', step: 0, totalSteps: 2, epoch: 0 } });
    post({ kind: 'distill-progress', id, progress: { phase: 'train', step: 2, totalSteps: 2, epoch: 1 } });
    post({ kind: 'distill-result', id, outcome: { version: 'v1', threads: msg.threads, distillId: msg.job.distillId } });
    return;
  }
  const started = Date.now();
  switch (msg.spec.model) {
    case 'stub:ok':
      post({ kind: 'progress', id, progress: { done: 0, total: 2, phase: 'loading' } });
      post({ kind: 'warning', id, message: 'quality not measured', fields: { model: 'stub:ok' } });
      post({ kind: 'progress', id, progress: { done: 2, total: 2, phase: 'measuring' } });
      post({ kind: 'result', id, run: { wallMs: 1, requests: [], workerData: Object.keys(workerData).sort() } });
      return;
    case 'stub:slow':
      await sleep(100);
      post({ kind: 'result', id, run: { started, ended: Date.now() } });
      return;
    case 'stub:permanent':
      post({ kind: 'error', id, error: { name: 'DecodingConfigError', message: 'bad decoding', permanent: true } });
      return;
    case 'stub:loop':
      while (Atomics.load(cancelFlag, 0) !== id) await sleep(5);
      post({ kind: 'error', id, error: { name: 'CellCancelledError', message: 'the experiment was cancelled', permanent: true } });
      return;
    case 'stub:crash':
      process.exit(3);
  }
});
