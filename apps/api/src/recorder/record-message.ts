import { type Db, markCellRunning, recordCellFailure, recordCellResult, upsertWorkerHeartbeat } from '@inferlab/db';
import { assertNever, type ResultMessage } from '@inferlab/experiments';
import type { MessageOutcome } from './message-outcome.ts';
import { isDistillMessage, recordDistillMessage } from './record-distill-message.ts';
import { isTrainMessage, recordTrainMessage } from './record-train-message.ts';

export type { MessageOutcome } from './message-outcome.ts';

/** Applies one validated `results` message to the database (the recorder is the only writer). */
export function recordMessage(db: Db, message: ResultMessage): MessageOutcome {
  if (isDistillMessage(message)) return recordDistillMessage(db, message);
  if (isTrainMessage(message)) return recordTrainMessage(db, message);
  switch (message.kind) {
    case 'cell-started': {
      const r = markCellRunning(db, message);
      return r.updated ? recorded(`cell ${message.cellId} running (attempt ${message.attempt})`) : skipped(message.cellId, r.reason);
    }
    case 'cell-progress':
      // Live progress is on the BullMQ job; the database keeps final results only.
      return { outcome: 'ignored', detail: `cell ${message.cellId} progress ${message.done}/${message.total}` };
    case 'cell-result': {
      const { kind: _kind, ...result } = message;
      const r = recordCellResult(db, result);
      return r.recorded
        ? recorded(`cell ${message.cellId} done: ${r.requests} requests, ${r.tokenEvents} token events`)
        : skipped(message.cellId, r.reason);
    }
    case 'cell-failed': {
      const r = recordCellFailure(db, message);
      return r.updated
        ? recorded(`cell ${message.cellId} attempt ${message.attempt} failed${message.final ? ' (final)' : ''}`)
        : skipped(message.cellId, r.reason);
    }
    case 'worker-heartbeat':
      upsertWorkerHeartbeat(db, message);
      return recorded(`worker ${message.worker.id} heartbeat`);
    default:
      return assertNever(message, 'result message');
  }
}

function recorded(detail: string): MessageOutcome {
  return { outcome: 'recorded', detail };
}

function skipped(cellId: string, reason: string): MessageOutcome {
  return { outcome: 'skipped', detail: `cell ${cellId}: ${reason}` };
}
