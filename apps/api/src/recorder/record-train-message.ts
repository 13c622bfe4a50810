import { type Db, markTrainRunning, recordTrainFailure, recordTrainProgress, recordTrainResult } from '@inferlab/db';
import { assertNever, type ResultMessage } from '@inferlab/experiments';
import type { MessageOutcome } from './message-outcome.ts';

export type TrainMessage = Extract<ResultMessage, { kind: `train-${string}` }>;

export function isTrainMessage(message: ResultMessage): message is TrainMessage {
  return message.kind.startsWith('train-');
}

/** Applies one validated train message to `train_jobs` (progress too: it draws the loss curves). */
export function recordTrainMessage(db: Db, message: TrainMessage): MessageOutcome {
  const { trainId, attempt } = message;
  let r: ReturnType<typeof markTrainRunning>;
  let detail: string;
  switch (message.kind) {
    case 'train-started':
      r = markTrainRunning(db, message);
      detail = `train ${trainId} running (attempt ${attempt}, from step ${message.resumedFrom})`;
      break;
    case 'train-progress': {
      const { kind: _kind, trainId: _id, attempt: _attempt, ...progress } = message;
      r = recordTrainProgress(db, { trainId, attempt, progress });
      detail = `train ${trainId} step ${message.step}/${message.totalSteps}`;
      break;
    }
    case 'train-result':
      r = recordTrainResult(db, message);
      detail = `train ${trainId} done: ${message.modelId}`;
      break;
    case 'train-failed':
      r = recordTrainFailure(db, message);
      detail = `train ${trainId} attempt ${attempt} ${message.cancelled ? 'cancelled' : `failed${message.final ? ' (final)' : ''}`}`;
      break;
    default:
      return assertNever(message, 'train message');
  }
  return r.updated ? { outcome: 'recorded', detail } : { outcome: 'skipped', detail: `train ${trainId}: ${r.reason}` };
}
