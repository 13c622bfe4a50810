import type { HistoryOfKey, HistoryOverview } from '@inferlab/experiments';
import { getJson } from '../api/http.ts';

/** `GET /v1/history`: the keys with the most runs and the newest regressions. */
export const loadHistoryOverview = (): Promise<HistoryOverview> => getJson<HistoryOverview>('/v1/history');

/** `GET /v1/history?key=`: every run of one configuration key, one series per hardware. */
export const loadHistoryOfKey = (key: string): Promise<HistoryOfKey> => getJson<HistoryOfKey>(`/v1/history?key=${encodeURIComponent(key)}`);
