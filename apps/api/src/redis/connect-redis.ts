import { Redis } from 'ioredis';

/** A connection BullMQ accepts: workers block on Redis, so ioredis must not give up on commands. */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** PING that answers false instead of throwing; /healthz bounds how long it may take. */
export function redisPinger(redis: Redis): () => Promise<boolean> {
  return async () => {
    // While disconnected, a command would wait in ioredis' offline queue; say "down" at once.
    if (redis.status !== 'ready') return false;
    try {
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  };
}
