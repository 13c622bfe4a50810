import { answer } from '@inferlab/client';
import type { HistoryOfKey, HistoryOverview } from '@inferlab/experiments';
import { api } from '../api/http.ts';

/** `GET /v1/history`: the keys with the most runs and the newest regressions. */
export const loadHistoryOverview = (): Promise<HistoryOverview> =>
  answer(api.v1.history.$get()).then((h) => ('keys' in h ? h : Promise.reject(new Error('GET /v1/history answered one key, not the overview'))));

/** `GET /v1/history?key=`: every run of one configuration key, one series per hardware. */
export const loadHistoryOfKey = (key: string): Promise<HistoryOfKey> =>
  answer(api.v1.history.$get({ query: { key } })).then((h) => ('series' in h ? h : Promise.reject(new Error(`GET /v1/history?key=${key} answered the overview`))));
