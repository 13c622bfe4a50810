import { cudaProviderStatus } from '@inferlab/core';
import {
  cancelKey,
  cellQueueName,
  type DistillJob,
  distillQueueName,
  type QueuedCellJob,
  RESULTS_QUEUE,
  type ResultMessage,
} from '@inferlab/experiments';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createCellProcessor } from './cell-processor.ts';
import { loadWorkerConfig } from './config.ts';
import { createDistillProcessor } from './distill-processor.ts';
import { describeWorker, startHeartbeat } from './heartbeat.ts';
import { InferenceHost } from './inference-host.ts';
import { createWorkerLogger } from './logger.ts';
import { withResolvedPrompts } from './resolve-prompts.ts';

const config = loadWorkerConfig();
const log = createWorkerLogger(config);
if (config.device === 'cuda') {
  const cuda = cudaProviderStatus();
  if (!cuda.available) {
    log.fatal({ reason: cuda.reason }, `cannot serve cuda cells: ${cuda.reason}`);
    process.exit(2);
  }
}
const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection });
const host = new InferenceHost({
  modelsDir: config.modelsDir,
  modelRoots: config.modelRoots,
  modelCache: config.modelCache,
  gitCommit: config.gitCommit,
});

let currentCell: string | null = null;
const info = describeWorker(config.workerId, config.device);
const heartbeat = startHeartbeat({
  results,
  worker: info,
  everyMs: config.heartbeatMs,
  currentCell: () => currentCell,
  onError: (err) => log.warn({ err }, 'heartbeat failed'),
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
worker.on('error', (err) => log.error({ err, queue: queueName }, 'queue error'));

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
distillWorker.on('error', (err) => log.error({ err, queue: distillQueue }, 'queue error'));
worker.on('ready', () => log.info({ queue: queueName, redis: config.redisUrl.replace(/\/\/[^@]*@/, '//***@') }, 'listening'));
void heartbeat.beat().catch((err: Error) => log.warn({ err }, 'heartbeat failed'));

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'finishing the current cell, then exiting');
  heartbeat.stop();
  await Promise.all([worker.close(), distillWorker.close()]);
  await host.close();
  await results.close();
  connection.disconnect();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
