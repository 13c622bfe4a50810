import { type Db, markDistillRunning, recordDistillFailure, recordDistillProgress, recordDistillResult } from '@inferlab/db';
import { assertNever, type ResultMessage } from '@inferlab/experiments';

import type { MessageOutcome } from './message-outcome.ts';

export type DistillMessage = Extract<ResultMessage, { kind: `distill-${string}` }>;

export function isDistillMessage(message: ResultMessage): message is DistillMessage {
  return message.kind.startsWith('distill-');
}

/** Applies one validated distill message to `distill_jobs` (progress is stored too: GET /v1/distill/:id shows it). */
export function recordDistillMessage(db: Db, message: DistillMessage): MessageOutcome {
  const { distillId, attempt } = message;
  let r: ReturnType<typeof markDistillRunning>;
  let detail: string;
  switch (message.kind) {
    case 'distill-started':
      r = markDistillRunning(db, message);
      detail = `distill ${distillId} running (attempt ${attempt})`;
      break;
    case 'distill-progress': {
      const { kind: _kind, distillId: _id, attempt: _attempt, ...progress } = message;
      r = recordDistillProgress(db, { distillId, attempt, progress });
      detail = `distill ${distillId} ${message.phase} ${message.step}/${message.totalSteps}`;
      break;
    }
    case 'distill-result':
      r = recordDistillResult(db, message);
      detail = `distill ${distillId} done: heads ${message.version}`;
      break;
    case 'distill-failed':
      r = recordDistillFailure(db, message);
      detail = `distill ${distillId} attempt ${attempt} failed${message.final ? ' (final)' : ''}`;
      break;
    default:
      return assertNever(message, 'distill message');
  }
  return r.updated ? { outcome: 'recorded', detail } : { outcome: 'skipped', detail: `distill ${distillId}: ${r.reason}` };
}
