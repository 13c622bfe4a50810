import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { openDb } from '@inferlab/db';
import { FORGE_MODEL_NAMES, redisTroubleReporter } from '@inferlab/experiments';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createDistillEnqueuer } from './distill/distill-enqueuer.ts';
import { createEventBus } from './events/event-bus.ts';
import { publishRecorderOutcomes } from './events/recorder-events.ts';
import { createCellEnqueuer } from './experiments/cell-enqueuer.ts';
import { redactUrl } from './http/auth.ts';
import { createLog } from './log/logger.ts';
import { bullQueueDepths } from './queues/queue-depths.ts';
import { watchFailedCells } from './recorder/failed-cells-watcher.ts';
import { watchFailedDistillJobs } from './recorder/failed-distill-watcher.ts';
import { watchFailedTrainJobs } from './recorder/failed-train-watcher.ts';
import { startRecorder } from './recorder/recorder.ts';
import { connectRedis, redisPinger } from './redis/connect-redis.ts';
import { createTrainEnqueuer } from './train/train-enqueuer.ts';

/** `npm run build` writes the dashboard here; the api serves it at `/`. */
const DASHBOARD_DIST = resolve(import.meta.dirname, '../../dashboard/dist');

// Process wiring only: every piece is built and tested on its own.
const config = loadConfig();
const log = createLog({ level: config.logLevel, component: 'api' });
const { db, close: closeDb } = openDb(config.dbPath);
const redis = connectRedis(config.redisUrl);
// Every Redis error of the process, from every connection BullMQ makes: one line per outage and
// one when Redis answers again, not a stack trace per connection every few hundred ms.
const redisTrouble = redisTroubleReporter({ log, redisUrl: config.redisUrl, retryMs: 5000 });
const onRedisError = redisTrouble.report;
redis.on('error', (err) => onRedisError(err, 'redis'));
redis.on('ready', () => redisTrouble.ready());
const enqueuer = createCellEnqueuer(redis, { log, onError: (err, queue) => onRedisError(err, `queue ${queue}`) });
const distillEnqueuer = createDistillEnqueuer(redis, { log, onError: (err, queue) => onRedisError(err, `queue ${queue}`) });
const trainEnqueuer = createTrainEnqueuer(redis, { log, onError: (err, queue) => onRedisError(err, `queue ${queue}`) });
// The recorder tells SSE clients (GET /v1/events) about every cell and heartbeat it writes.
const events = createEventBus((err) => log.error('an event listener failed', { err }));
const recorderLog = log.child({ component: 'recorder' });
const recorder = config.recorder
  ? startRecorder({ db, connection: redis, log: recorderLog, onOutcome: publishRecorderOutcomes(db, events), onRedisError })
  : null;
// Cells whose job BullMQ failed on its own (stalled past its limit) are marked failed too.
const failedCells = config.recorder ? watchFailedCells({ db, connection: redis, log: recorderLog, onRedisError }) : null;
const failedDistill = config.recorder ? watchFailedDistillJobs({ db, connection: redis, log: recorderLog, onRedisError }) : null;
const failedTrain = config.recorder ? watchFailedTrainJobs({ db, connection: redis, log: recorderLog, onRedisError }) : null;

const app = createApp({
  db,
  enqueue: enqueuer.enqueue,
  enqueueDistill: distillEnqueuer.enqueue,
  train: trainEnqueuer,
  redisPing: redisPinger(redis),
  knownForgeModels: FORGE_MODEL_NAMES,
  maxCells: config.maxCells,
  events,
  queueDepths: bullQueueDepths(enqueuer.queues),
  dashboardDir: DASHBOARD_DIST,
  access: config.access,
  publicHosts: config.publicHosts,
  quotas: config.quotas,
  cancelCells: enqueuer.cancel,
  log,
});
if (config.access.writeTokens.length === 0) {
  const loopback = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(config.host);
  if (loopback) log.info('open mode (no INFERLAB_API_TOKENS): local use only; web pages cannot drive it (Origin, Host and JSON checks)');
  else
    log.warn(
      `HOST=${config.host} without INFERLAB_API_TOKENS: anyone on the network who can reach this port can submit and cancel experiments and read every result; set INFERLAB_API_TOKENS (only Host names ${['localhost', '127.0.0.1', '[::1]', ...config.publicHosts].join(', ')} are answered)`,
    );
}

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  const where = { db: config.dbPath, redis: redactUrl(config.redisUrl), recorder: config.recorder };
  log.info(`listening on http://${config.host}:${info.port}`, where);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(1), 10_000).unref();
  server.close();
  const closing = (what: string) => (err: Error) => log.error(`${what} close: ${err.message}`);
  // The recorder finishes its current message (one transaction) before the database closes.
  await recorder?.close().catch(closing('recorder'));
  await failedCells?.close().catch(closing('cell queue events'));
  await failedDistill?.close().catch(closing('distill queue events'));
  await failedTrain?.close().catch(closing('train queue events'));
  await enqueuer.close().catch(closing('cell queue'));
  await distillEnqueuer.close().catch(closing('distill queue'));
  await trainEnqueuer.close().catch(closing('train queue'));
  await redis.quit().catch(() => redis.disconnect());
  closeDb();
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
