import type { TrainJobRow } from '@inferlab/db';
import type { TrainJobView } from '@inferlab/experiments';

/** A train job as GET /v1/train and the `train` SSE event show it. */
export function trainView(row: TrainJobRow): TrainJobView {
  return {
    id: row.id,
    kind: row.kind,
    device: row.device,
    status: row.status,
    request: row.request,
    attempt: row.attempt,
    workerId: row.workerId,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    progress: row.progress,
    curve: row.curve,
    modelId: row.modelId,
    version: row.version,
    outcome: row.outcome,
    error: row.error,
  };
}
export type TrainView = TrainJobView;
