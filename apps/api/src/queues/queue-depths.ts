import { DEVICES, type Device } from '@inferlab/experiments';
import type { Queue } from 'bullmq';

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
