import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/** How often the worker tries Redis again while it cannot connect or authenticate. */
export const REDIS_RETRY_MS = 5000;

const AUTH = /NOAUTH|WRONGPASS|invalid password|invalid username-password|AUTH failed|Authentication required/i;
const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|Connection is closed/i;

/**
 * The worker's Redis connection, retried every REDIS_RETRY_MS. Every Redis error of the process
 * (the connection's, BullMQ's workers' and queues' own connections') goes through `report`, which
 * logs one line per kind per interval — "cannot authenticate to Redis … check the password in
 * REDIS_URL" — without a stack: a wrong password must not print a stack trace every few hundred ms.
 */
export function connectWorkerRedis(url: string, log: Logger) {
  const shown = url.replace(/\/\/([^@/]*)@/, '//***@');
  const connection = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => REDIS_RETRY_MS });
  const lastAt = new Map<string, number>();
  const report = (err: Error, source: string) => {
    const kind = AUTH.test(err.message) ? 'auth' : NETWORK.test(err.message) ? 'network' : err.message;
    const now = Date.now();
    if (now - (lastAt.get(kind) ?? Number.NEGATIVE_INFINITY) < REDIS_RETRY_MS) return;
    lastAt.set(kind, now);
    const retry = `retrying every ${REDIS_RETRY_MS / 1000} s`;
    if (kind === 'auth')
      log.error(
        { source, redis: shown },
        `cannot authenticate to Redis at ${shown} (${err.message}): check the password in REDIS_URL; ${retry}`,
      );
    else if (kind === 'network') log.error({ source, redis: shown }, `cannot reach Redis at ${shown} (${err.message}); ${retry}`);
    else log.error({ source, err }, `${source}: ${err.message}`);
  };
  connection.on('error', (err) => report(err, 'redis'));
  return { connection, report, isReady: () => connection.status === 'ready' };
}
