import { chooseOrtBackend, type OrtBackend, ortGpuSupport } from '@inferlab/core';
import {
  cancelKey,
  cellQueueName,
  type DistillJob,
  distillQueueName,
  type QueuedCellJob,
  RESULTS_QUEUE,
  type TrainJob,
  trainCancelKey,
  trainQueueName,
} from '@inferlab/experiments';
import { Worker } from 'bullmq';
import { createCellProcessor } from './cell-processor.ts';
import { loadWorkerConfig } from './config.ts';
import { createDistillProcessor } from './distill-processor.ts';
import { describeWorker, startHeartbeat } from './heartbeat.ts';
import { InferenceHost } from './inference-host.ts';
import { createWorkerLogger } from './logger.ts';
import { connectWorkerRedis } from './redis-connection.ts';
import { ResultsQueue, withResolvedPrompts } from './resolve-prompts.ts';
import { createTrainProcessor } from './train-processor.ts';

const config = loadWorkerConfig();
const log = createWorkerLogger(config);
// A GPU worker takes cells only when onnxruntime has a GPU provider here (CUDA, else WebGPU): without
// one it exits saying what to install, rather than taking cuda cells that would fail or run on the CPU.
let backend: OrtBackend;
try {
  backend = chooseOrtBackend(config.device, ortGpuSupport());
} catch (err) {
  log.fatal({ reason: (err as Error).message }, `cannot serve ${config.device} cells: ${(err as Error).message}`);
  process.exit(2);
}
// One line per retry interval while Redis refuses us (a wrong password): no stack every few hundred ms.
const { connection, report: reportRedisError, isReady: redisReady } = connectWorkerRedis(config.redisUrl, log);
const results = new ResultsQueue(RESULTS_QUEUE, { connection });
results.on('error', (err) => reportRedisError(err, RESULTS_QUEUE));
const host = new InferenceHost({
  modelsDir: config.modelsDir,
  modelRoots: config.modelRoots,
  modelCache: config.modelCache,
  gitCommit: config.gitCommit,
  hub: config.hub,
});

let currentCell: string | null = null;
const info = describeWorker(config.workerId, config.device, backend);
const heartbeat = startHeartbeat({
  results,
  worker: info,
  everyMs: config.heartbeatMs,
  currentCell: () => currentCell,
  onError: (err) => reportRedisError(err, 'heartbeat'),
});

const queueName = cellQueueName(config.device);
const worker = new Worker<QueuedCellJob>(
  queueName,
  // Jobs reference their experiment's prompts (stored once in Redis); the processor gets them inline.
  withResolvedPrompts(
    (key) => connection.get(key),
    createCellProcessor({
      host,
      isCancelled: async (experimentId) => (await connection.exists(cancelKey(experimentId))) === 1,
      results,
      workerId: config.workerId,
      gpu: config.gpu,
      lockMs: config.lockMs,
      log,
      onCurrentCell: (id) => {
        currentCell = id;
        void heartbeat.beat().catch(() => undefined);
      },
    }),
  ),
  {
    connection,
    concurrency: 1,
    lockDuration: config.lockMs,
    stalledInterval: Math.max(1000, Math.floor(config.lockMs / 2)),
    maxStalledCount: 2,
  },
);
worker.on('error', (err) => reportRedisError(err, queueName));

// Distill jobs (exit-head training) share the inference thread with cells, taking turns (InferenceHost).
const distillQueue = distillQueueName(config.device);
const distillWorker = new Worker<DistillJob>(
  distillQueue,
  createDistillProcessor({ host, results, workerId: config.workerId, threads: config.distillThreads, log }),
  {
    connection,
    concurrency: 1,
    lockDuration: config.lockMs,
    stalledInterval: Math.max(1000, Math.floor(config.lockMs / 2)),
    maxStalledCount: 2,
  },
);
distillWorker.on('error', (err) => reportRedisError(err, distillQueue));

// Train jobs (model training, student distillation) take their turn on the same thread; a retried
// job resumes from its checkpoint under the models dir.
const trainQueue = trainQueueName(config.device);
const trainWorker = new Worker<TrainJob>(
  trainQueue,
  createTrainProcessor({
    host,
    results,
    isCancelled: async (trainId) => (await connection.exists(trainCancelKey(trainId))) === 1,
    workerId: config.workerId,
    threads: config.distillThreads,
    log,
  }),
  {
    connection,
    concurrency: 1,
    lockDuration: config.lockMs,
    stalledInterval: Math.max(1000, Math.floor(config.lockMs / 2)),
    maxStalledCount: 2,
  },
);
trainWorker.on('error', (err) => reportRedisError(err, trainQueue));
worker.on('ready', () => log.info({ queue: queueName, redis: config.redisUrl.replace(/\/\/[^@]*@/, '//***@') }, 'listening'));
void heartbeat.beat().catch((err: Error) => log.warn({ err }, 'heartbeat failed'));

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  // Without Redis no cell can be running (none was taken, none could report): nothing to finish, and
  // BullMQ's close would wait for a connection that never comes.
  if (!redisReady() && currentCell === null) {
    log.info({ signal }, 'Redis is not connected and no cell is running: exiting now');
    process.exit(0);
  }
  log.info({ signal }, 'finishing the current cell, then exiting');
  heartbeat.stop();
  await Promise.all([worker.close(), distillWorker.close(), trainWorker.close()]);
  await host.close();
  await results.close();
  connection.disconnect();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
