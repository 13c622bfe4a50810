import pino, { type Logger } from 'pino';
import type { WorkerConfig } from './config.ts';

export type { Logger };

/**
 * The worker's log: JSON lines, one per event, each with the worker id (and, in a job's child
 * logger, the cell or distill job). Errors and worse go to stderr, the rest to stdout; `destination`
 * replaces both (tests).
 */
export function createWorkerLogger(config: Pick<WorkerConfig, 'workerId' | 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = { level: config.logLevel, base: { workerId: config.workerId, pid: process.pid } };
  if (destination !== undefined) return pino(options, destination);
  const streams = pino.multistream(
    [
      { level: 'trace', stream: pino.destination({ dest: 1, sync: true }) },
      { level: 'error', stream: pino.destination({ dest: 2, sync: true }) },
    ],
    { dedupe: true },
  );
  return pino(options, streams);
}
