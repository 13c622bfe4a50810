import { type Db, getCell, getExperimentSummary, listTrainJobs } from '@inferlab/db';
import type { RecorderOutcome } from '../recorder/recorder.ts';
import { trainView } from '../train/train-view.ts';
import { workersView } from '../workers/workers-view.ts';
import type { EventBus } from './event-bus.ts';

/** How many of the newest train jobs a `train` event carries. */
const TRAIN_EVENT_JOBS = 20;

/**
 * The recorder's `onOutcome` hook: after each message is written, tells SSE clients what changed,
 * read back from the database so an event always matches what `GET /v1/experiments` would say.
 */
export function publishRecorderOutcomes(db: Db, bus: EventBus, now: () => number = Date.now): (outcome: RecorderOutcome) => void {
  return (outcome) => {
    if (outcome.outcome === 'invalid' || outcome.outcome === 'skipped') return;
    if (outcome.kind === 'worker-heartbeat') {
      bus.publish({ type: 'workers', data: { workers: workersView(db, now()) } });
      return;
    }
    if (outcome.kind.startsWith('train-')) {
      bus.publish({ type: 'train', data: { jobs: listTrainJobs(db, TRAIN_EVENT_JOBS).map(trainView) } });
      return;
    }
    const subject = outcome.subject;
    if (subject === null) return;
    const experiment = getExperimentSummary(db, subject.experimentId);
    if (experiment === null) return;
    const cell = { id: subject.cellId, status: getCell(db, subject.cellId)?.status ?? 'unknown', ...subject.progress };
    bus.publish({ type: 'experiment', data: { id: experiment.id, status: experiment.status, progress: experiment.progress, cell } });
  };
}
