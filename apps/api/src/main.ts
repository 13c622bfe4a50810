import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { FORGE_MODELS } from '@inferlab/core';
import { openDb } from '@inferlab/db';
import { createApp } from './app.ts';
import { redactUrl } from './auth.ts';
import { createCellEnqueuer } from './cell-enqueuer.ts';
import { loadConfig } from './config.ts';
import { createDistillEnqueuer } from './distill-enqueuer.ts';
import { createEventBus } from './events/event-bus.ts';
import { publishRecorderOutcomes } from './events/recorder-events.ts';
import { watchFailedCells } from './failed-cells-watcher.ts';
import { watchFailedDistillJobs } from './failed-distill-watcher.ts';
import { startRecorder } from './recorder.ts';
import { connectRedis, redisPinger } from './redis.ts';
import { bullQueueDepths } from './routes/queues.ts';

/** `npm run build` writes the dashboard here; the api serves it at `/`. */
const DASHBOARD_DIST = resolve(import.meta.dirname, '../../dashboard/dist');

// Process wiring only: every piece is built and tested on its own.
const config = loadConfig();
const { db, close: closeDb } = openDb(config.dbPath);
const redis = connectRedis(config.redisUrl);
redis.on('error', (err) => console.error(`[api] redis: ${err.message}`));
const enqueuer = createCellEnqueuer(redis);
const distillEnqueuer = createDistillEnqueuer(redis);
// The recorder tells SSE clients (GET /v1/events) about every cell and heartbeat it writes.
const events = createEventBus();
const recorder = config.recorder ? startRecorder({ db, connection: redis, onOutcome: publishRecorderOutcomes(db, events) }) : null;
// Cells whose job BullMQ failed on its own (stalled past its limit) are marked failed too.
const failedCells = config.recorder ? watchFailedCells({ db, connection: redis }) : null;
const failedDistill = config.recorder ? watchFailedDistillJobs({ db, connection: redis }) : null;

const app = createApp({
  db,
  enqueue: enqueuer.enqueue,
  enqueueDistill: distillEnqueuer.enqueue,
  redisPing: redisPinger(redis),
  knownForgeModels: Object.keys(FORGE_MODELS),
  maxCells: config.maxCells,
  events,
  queueDepths: bullQueueDepths(enqueuer.queues),
  dashboardDir: DASHBOARD_DIST,
  access: config.access,
  cancelCells: enqueuer.cancel,
});
if (config.access.writeTokens.length === 0) {
  console.warn('[api] INFERLAB_API_TOKENS is not set: anyone who can reach this port can submit and cancel experiments');
}

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  console.log(
    `[api] listening on http://${config.host}:${info.port} (db ${config.dbPath}, redis ${redactUrl(config.redisUrl)}, recorder ${config.recorder ? 'on' : 'off'})`,
  );
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`[api] ${signal}: shutting down`);
  const force = setTimeout(() => process.exit(1), 10_000).unref();
  server.close();
  // The recorder finishes its current message (one transaction) before the database closes.
  await recorder?.close().catch((err: Error) => console.error(`[api] recorder close: ${err.message}`));
  await failedCells?.close().catch((err: Error) => console.error(`[api] queue events close: ${err.message}`));
  await failedDistill?.close().catch((err: Error) => console.error(`[api] distill queue events close: ${err.message}`));
  await enqueuer.close().catch((err: Error) => console.error(`[api] queue close: ${err.message}`));
  await distillEnqueuer.close().catch((err: Error) => console.error(`[api] distill queue close: ${err.message}`));
  await redis.quit().catch(() => redis.disconnect());
  closeDb();
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
