import { DEVICES, type Device } from '@inferlab/experiments';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import { jsonError } from '../http-error.ts';

export type QueueDepth = {
  device: Device;
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  failed: number;
  completed: number;
};

export type QueueDepths = () => Promise<QueueDepth[]>;

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
const QUEUES_TIMEOUT_MS = 2000;

/** Job counts of each device's cell queue (BullMQ `getJobCounts`), for the dashboard's workers view. */
export function bullQueueDepths(queues: Record<Device, Pick<Queue, 'name' | 'getJobCounts'>>): QueueDepths {
  return () =>
    Promise.all(
      DEVICES.map(async (device) => {
        const queue = queues[device];
        const counts = await queue.getJobCounts(...STATES);
        const depth = Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])) as Record<(typeof STATES)[number], number>;
        return { device, queue: queue.name, ...depth };
      }),
    );
}

/** `GET /v1/queues` → `{ queues: QueueDepth[] }`; 503 while Redis does not answer. */
export function queuesRoutes(depths: QueueDepths): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${QUEUES_TIMEOUT_MS} ms`)), QUEUES_TIMEOUT_MS);
    });
    try {
      return c.json({ queues: await Promise.race([depths(), timeout]) });
    } catch (err) {
      return jsonError(c, 503, 'queue_unavailable', `could not read the queues: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  });
  return app;
}
