import { CELL_JOB_NAME, CELL_JOB_OPTIONS, type CellJob, cellQueueName, DEVICES, type Device } from '@inferlab/experiments';
import { type ConnectionOptions, Queue } from 'bullmq';

export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}

export type CellEnqueuer = {
  enqueue: (jobs: CellJob[]) => Promise<void>;
  queues: Record<Device, Queue<CellJob>>;
  close: () => Promise<void>;
};

/**
 * One BullMQ queue per device class; each cell becomes a job with `jobId = cellId`, so enqueueing a
 * cell twice is a no-op while its job exists. Gives up after `timeoutMs` rather than hold an http
 * request while Redis is down (the cells are stored already and can be re-enqueued).
 */
export function createCellEnqueuer(
  connection: ConnectionOptions,
  options: { timeoutMs?: number; onError?: (err: Error, queue: string) => void } = {},
): CellEnqueuer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const onError = options.onError ?? ((err, queue) => console.error(`[api] queue ${queue}: ${err.message}`));
  const queues = Object.fromEntries(DEVICES.map((device) => [device, new Queue<CellJob>(cellQueueName(device), { connection })])) as Record<
    Device,
    Queue<CellJob>
  >;

  for (const queue of Object.values(queues)) queue.on('error', (err) => onError(err, queue.name));

  const enqueue = async (jobs: CellJob[]) => {
    const adds = DEVICES.flatMap((device) => {
      const mine = jobs.filter((job) => job.config.device === device);
      if (mine.length === 0) return [];
      return [
        queues[device].addBulk(mine.map((data) => ({ name: CELL_JOB_NAME, data, opts: { ...CELL_JOB_OPTIONS, jobId: data.cellId } }))),
      ];
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EnqueueError(`Redis did not accept the jobs within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(adds), timeout]);
    } catch (err) {
      throw err instanceof EnqueueError ? err : new EnqueueError(`could not enqueue cells: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };

  const close = async () => {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
  };
  return { enqueue, queues, close };
}
