// How the api and the worker speak of Redis trouble. A Redis outage makes every connection of a
// process (its own, each BullMQ queue's, worker's and events' duplicates) emit an error every few
// hundred ms; printed as they come, that is a wall of ECONNREFUSED stack traces. One line when an
// outage starts, one when Redis answers again; a refused password once per retry interval.

export type RedisTroubleLog = {
  error: (message: string, fields: Record<string, unknown>) => void;
  info: (message: string, fields: Record<string, unknown>) => void;
};

const AUTH = /NOAUTH|WRONGPASS|invalid password|invalid username-password|AUTH failed|Authentication required/i;
const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|EPIPE|Connection is closed|connect ETIMEDOUT|Socket closed unexpectedly/i;

export type RedisTroubleReporter = {
  /** Every Redis-related error of the process goes here, with where it came from. */
  report: (err: Error, source: string) => void;
  /** The process's connection is ready (ioredis 'ready'): ends an outage, with one line. */
  ready: () => void;
  readonly down: boolean;
};

/** `redis` is shown in lines: the URL with its password masked. */
export function redisTroubleReporter(options: {
  log: RedisTroubleLog;
  redisUrl: string;
  retryMs: number;
  now?: () => number;
}): RedisTroubleReporter {
  const now = options.now ?? Date.now;
  const redis = options.redisUrl.replace(/\/\/([^@/]*)@/, '//***@');
  let downSince: number | null = null;
  let lastAuthLine = Number.NEGATIVE_INFINITY;
  return {
    report(err, source) {
      if (AUTH.test(err.message)) {
        if (now() - lastAuthLine < options.retryMs) return;
        lastAuthLine = now();
        options.log.error(
          `cannot authenticate to Redis at ${redis} (${err.message}): check the password in REDIS_URL; retrying every ${options.retryMs / 1000} s`,
          { source, redis },
        );
        return;
      }
      if (NETWORK.test(err.message)) {
        if (downSince !== null) return;
        downSince = now();
        options.log.error(`cannot reach Redis at ${redis} (${err.message}): retrying until it answers; work waits meanwhile`, {
          source,
          redis,
        });
        return;
      }
      options.log.error(`${source}: ${err.message}`, { source, redis });
    },
    ready() {
      if (downSince === null) return;
      const seconds = ((now() - downSince) / 1000).toFixed(1);
      downSince = null;
      options.log.info(`Redis at ${redis} answers again after ${seconds} s`, { redis });
    },
    get down() {
      return downSince !== null;
    },
  };
}
