import { type DestinationStream, pino } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields of one log line: `experimentId`, `cellId`, `jobId`, `err` (an Error, serialized with its stack)… */
export type LogFields = Record<string, unknown>;

/**
 * What the api's pieces log through: a sentence first, structured fields second. A narrow shape
 * (not pino's own) so a test can pass `{ info, warn, error }` that collects lines.
 */
export type Log = {
  debug: (msg: string, fields?: LogFields) => void;
  info: (msg: string, fields?: LogFields) => void;
  warn: (msg: string, fields?: LogFields) => void;
  error: (msg: string, fields?: LogFields) => void;
  child: (bindings: LogFields) => Log;
};

/**
 * JSON lines (pino): errors and worse on stderr, the rest on stdout, like the worker's; `destination`
 * replaces both (tests). `component` names the piece (`api`, `recorder`…).
 */
export function createLog(options: { level?: LogLevel; component?: string; destination?: DestinationStream } = {}): Log {
  const settings = { level: options.level ?? 'info', base: { component: options.component ?? 'api' } };
  const streams =
    options.destination ??
    pino.multistream(
      [
        { level: 'trace', stream: pino.destination({ dest: 1, sync: true }) },
        { level: 'error', stream: pino.destination({ dest: 2, sync: true }) },
      ],
      { dedupe: true },
    );
  return wrap(pino(settings, streams));
}

function wrap(logger: pino.Logger): Log {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
    child: (bindings) => wrap(logger.child(bindings)),
  };
}

/** For pieces built without a log (tests): warnings and errors still reach stdout. */
export const DEFAULT_LOG: Log = createLog({ level: 'warn' });

/** Logs nothing: tests that provoke failures on purpose. */
export const SILENT_LOG: Log = createLog({ level: 'silent' });
