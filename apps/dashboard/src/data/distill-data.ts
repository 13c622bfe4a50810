import { answer, type DistillSubmitted, jsonText } from '@inferlab/client';
import type { DistillJobView } from '@inferlab/experiments';
import { api } from '../api/http.ts';

/** Distill jobs have no live events: the list is polled this often, only while a job is queued or running. */
export const DISTILL_POLL_MS = 2000;

export const loadDistillJobs = (): Promise<DistillJobView[]> => answer(api.v1.distill.$get()).then((r) => r.jobs);

/** Needs the write token when the api has write tokens configured. The api validates the body as written. */
export const submitDistill = (body: string): Promise<DistillSubmitted> => answer(api.v1.distill.$post({}, jsonText(body)));

export const anyActive = (jobs: readonly DistillJobView[]): boolean => jobs.some((j) => j.status === 'queued' || j.status === 'running');
