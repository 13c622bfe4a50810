import type { QueueDepth, WorkersList, WorkerView } from '@inferlab/experiments';
import { getJson } from '../api/http.ts';

export const loadWorkers = (): Promise<WorkerView[]> => getJson<WorkersList>('/v1/workers').then((r) => r.workers);
export const loadQueues = (): Promise<QueueDepth[]> => getJson<{ queues: QueueDepth[] }>('/v1/queues').then((r) => r.queues);
