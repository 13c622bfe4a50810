import os from 'node:os';
import type { ResultMessage, WorkerInfo } from '@inferlab/experiments';
import type { Queue } from 'bullmq';
import * as ort from 'onnxruntime-node';

/** Sends `worker-heartbeat` messages through `results` (workers never open the database). */
export function startHeartbeat(opts: {
  results: Queue<ResultMessage>;
  worker: WorkerInfo;
  everyMs: number;
  currentCell: () => string | null;
  onError: (err: Error) => void;
}): { stop: () => void; beat: () => Promise<void> } {
  const beat = async () => {
    await opts.results.add(
      'worker-heartbeat',
      { kind: 'worker-heartbeat', worker: opts.worker, currentCellId: opts.currentCell(), at: new Date().toISOString() },
      { removeOnComplete: true, removeOnFail: 100 },
    );
  };
  const timer = setInterval(() => void beat().catch(opts.onError), opts.everyMs);
  return { stop: () => clearInterval(timer), beat };
}

/** `executionProvider`: the onnxruntime provider its cells' sessions are created on (cpu; cuda, else webgpu, for a GPU worker). */
export function describeWorker(id: string, deviceClass: 'cpu' | 'cuda', executionProvider: string): WorkerInfo {
  return {
    id,
    host: os.hostname(),
    deviceClass,
    executionProvider,
    threads: os.cpus().length,
    pid: process.pid,
    versions: { node: process.version, onnxruntime: ort.env.versions.node ?? 'unknown' },
    startedAt: new Date().toISOString(),
  };
}
