import type { DistillJobView } from '@inferlab/experiments';
import { getJson, postJson } from '../api/http.ts';

/** Distill jobs have no live events: the list is polled this often, only while a job is queued or running. */
export const DISTILL_POLL_MS = 2000;

export const loadDistillJobs = (): Promise<DistillJobView[]> => getJson<{ jobs: DistillJobView[] }>('/v1/distill').then((r) => r.jobs);

/** Needs the write token when the api has write tokens configured. */
export const submitDistill = (body: string): Promise<DistillJobView> => postJson<DistillJobView>('/v1/distill', body);

export const anyActive = (jobs: readonly DistillJobView[]): boolean => jobs.some((j) => j.status === 'queued' || j.status === 'running');
