import { redisTroubleReporter } from '@inferlab/experiments';
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/** How often the worker tries Redis again while it cannot connect or authenticate. */
export const REDIS_RETRY_MS = 5000;

/**
 * The worker's Redis connection, retried every REDIS_RETRY_MS. Every Redis error of the process
 * (the connection's, BullMQ's workers' and queues' own connections') goes through `report`
 * (redisTroubleReporter): one line when Redis becomes unreachable and one when it answers again;
 * a refused password once per interval — "cannot authenticate to Redis … check the password in
 * REDIS_URL" — never a stack trace every few hundred ms.
 */
export function connectWorkerRedis(url: string, log: Logger) {
  const connection = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => REDIS_RETRY_MS });
  const reporter = redisTroubleReporter({
    redisUrl: url,
    retryMs: REDIS_RETRY_MS,
    log: { error: (message, fields) => log.error(fields, message), info: (message, fields) => log.info(fields, message) },
  });
  connection.on('error', (err) => reporter.report(err, 'redis'));
  connection.on('ready', () => reporter.ready());
  return { connection, report: reporter.report, isReady: () => connection.status === 'ready' };
}
