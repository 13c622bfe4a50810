import { z } from 'zod';
import { cellConfigSchema, DEVICES } from '../cell-config.ts';
import { workerInfoSchema } from '../payloads.ts';
import { noiseFloorSchema } from './compare-view.ts';

/** One worker of `GET /v1/workers` (and of `event: workers`): its heartbeat info and whether it is alive. */
export const workerViewSchema = workerInfoSchema.extend({
  startedAt: z.string(),
  lastHeartbeatAt: z.string(),
  currentCellId: z.string().nullable(),
  status: z.enum(['alive', 'lost']),
  lastHeartbeatAgeMs: z.number(),
});
export type WorkerView = z.infer<typeof workerViewSchema>;
export const workersListSchema = z.object({ workers: z.array(workerViewSchema) });

const count = z.number().int().min(0);

/** BullMQ job counts of one device's cell queue (`GET /v1/queues`). */
export const queueDepthSchema = z.object({
  device: z.enum(DEVICES),
  queue: z.string(),
  waiting: count,
  active: count,
  delayed: count,
  prioritized: count,
  failed: count,
  completed: count,
});
export type QueueDepth = z.infer<typeof queueDepthSchema>;
export const queueDepthsSchema = z.object({ queues: z.array(queueDepthSchema) });

/**
 * `GET /v1/workers/:id/noise`: every config the worker ran twice, its two latest runs (b the newer)
 * and their A/A floor; `message` says what to do while there is no pair yet.
 */
export const workerNoiseSchema = z.object({
  workerId: z.string(),
  pairs: z.array(z.object({ config: cellConfigSchema, a: z.string(), b: z.string(), floor: noiseFloorSchema })),
  message: z.string().optional(),
});
export type WorkerNoiseView = z.infer<typeof workerNoiseSchema>;
