import type { ExperimentListRow } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { applyListEvent, filterFromQuery, filterQuery, type ListedExperiment } from './experiments-data.ts';

const progress = { total: 2, queued: 1, running: 1, done: 0, failed: 0, cancelled: 0 };
const item: ExperimentListRow = {
  id: 'e1',
  name: 'x',
  createdAt: '2026-01-01T00:00:00Z',
  status: 'running',
  progress,
  models: ['forge:gpt2-tiny'],
  durationMs: null,
};

describe('applyListEvent', () => {
  it('updates a listed experiment and the running cell’s request count', () => {
    const listed = new Map<string, ListedExperiment>([['e1', { item }]]);
    const done = { ...progress, running: 0, done: 2, queued: 0 };
    expect(applyListEvent(listed, { id: 'e1', status: 'done', progress: done, cell: { id: 'c', status: 'running', done: 3, total: 4 } })).toBe(
      'updated',
    );
    expect(listed.get('e1')).toEqual({ item: { ...item, status: 'done', progress: done }, running: { done: 3, total: 4 } });
  });
  it('says when an experiment is not listed (the list is stale)', () => {
    expect(applyListEvent(new Map(), { id: 'new', status: 'queued', progress })).toBe('unlisted');
  });
});

describe('list filters', () => {
  it('round-trips through the URL, dropping empty fields and unknown statuses', () => {
    const filter = filterFromQuery(new URLSearchParams('status=done&model=forge%3Agpt2-tiny&name=&prompt=a%20b'));
    expect(filter).toEqual({ status: 'done', model: 'forge:gpt2-tiny', name: '', prompt: 'a b' });
    expect(filterQuery(filter)).toBe('?status=done&model=forge%3Agpt2-tiny&prompt=a+b');
    expect(filterQuery(filter, 'abc')).toBe('?status=done&model=forge%3Agpt2-tiny&prompt=a+b&cursor=abc');
    expect(filterFromQuery(new URLSearchParams('status=finished')).status).toBe('');
    expect(filterQuery(filterFromQuery(new URLSearchParams()))).toBe('');
  });
});
