import { answer } from '@inferlab/client';
import type { QueueDepth, WorkerView } from '@inferlab/experiments';
import { api } from '../api/http.ts';

export const loadWorkers = (): Promise<WorkerView[]> => answer(api.v1.workers.$get()).then((r) => r.workers);
export const loadQueues = (): Promise<QueueDepth[]> => answer(api.v1.queues.$get()).then((r) => r.queues);
