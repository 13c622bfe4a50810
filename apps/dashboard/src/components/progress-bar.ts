import type { ExperimentProgress as Progress } from '@inferlab/experiments';
import { h } from '../dom.ts';

const SEGMENTS = ['done', 'failed', 'cancelled', 'running', 'queued'] as const;

/** Cells that will not run again: done, failed or cancelled. */
export function finishedCount(p: Progress): number {
  return p.done + p.failed + p.cancelled;
}

/** Share of cells finished, 0-100. */
export function finishedPercent(p: Progress): number {
  return p.total === 0 ? 100 : Math.round((finishedCount(p) / p.total) * 100);
}

/**
 * A stacked bar: done, failed, running (with the running cell's request progress when the live
 * stream says it) and queued. `aria-valuenow` is the finished share, so tests and screen readers
 * read one number.
 */
export function progressBar(p: Progress, running?: { done: number; total: number }): HTMLElement {
  const pct = finishedPercent(p);
  const bar = h('div', {
    class: 'progress',
    role: 'progressbar',
    'aria-valuemin': 0,
    'aria-valuemax': 100,
    'aria-valuenow': pct,
    'aria-label': `${finishedCount(p)} of ${p.total} cells finished`,
  });
  for (const s of SEGMENTS) {
    if (p[s] === 0) continue;
    const seg = h('span', { class: `seg seg-${s}`, title: `${p[s]} ${s}` });
    seg.style.width = `${(p[s] / Math.max(1, p.total)) * 100}%`;
    bar.append(seg);
  }
  const text = [`${p.done}/${p.total} done`];
  if (p.failed) text.push(`${p.failed} failed`);
  if (p.cancelled) text.push(`${p.cancelled} cancelled`);
  if (p.running) text.push(`${p.running} running${running ? ` (${running.done}/${running.total} requests)` : ''}`);
  if (p.queued) text.push(`${p.queued} queued`);
  return h('div', { class: 'progress-wrap' }, bar, h('span', { class: 'progress-text' }, text.join(' · ')));
}
