import type { DistillJobView as DistillJob, DistillProgressPayload as DistillProgress } from '@inferlab/experiments';
import { h } from '../dom.ts';
import { num, when } from '../format.ts';

export const DISTILL_COLUMNS = [
  'model',
  'submitted',
  'layers',
  'kind',
  'status',
  'version',
  'held-out KD untrained → trained',
  'train s',
  'worker',
];

/** Share of the current phase's steps done, 0-100 (phases: teacher, evaluate, train; each counts its own steps). */
export function distillPercent(p: DistillProgress | null): number {
  if (p === null || p.totalSteps <= 0) return 0;
  return Math.min(100, Math.round((p.step / p.totalSteps) * 100));
}

function distillBar(p: DistillProgress | null): HTMLElement {
  const pct = distillPercent(p);
  const text = p === null ? 'waiting for a worker' : `${p.phase} ${p.step}/${p.totalSteps} · epoch ${p.epoch}`;
  const seg = h('span', { class: 'seg seg-running' });
  seg.style.width = `${pct}%`;
  return h(
    'div',
    { class: 'progress-wrap' },
    h(
      'div',
      { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': text },
      seg,
    ),
    h('span', { class: 'progress-text' }, text),
  );
}

/** `L1 4.21 → 0.93 (0.22×)`: held-out KD of the identity head, of the trained head, and trained/untrained. */
function kdLines(job: DistillJob): HTMLElement | string {
  if (!job.metrics || job.metrics.length === 0) return '–';
  return h(
    'ul',
    { class: 'kd' },
    ...job.metrics.map((m) =>
      h(
        'li',
        { 'data-layer': m.layer },
        `L${m.layer} ${num(m.untrainedKd)} → ${num(m.trainedKd)} (${m.untrainedKd > 0 ? `${num(m.trainedKd / m.untrainedKd)}×` : '–'})`,
      ),
    ),
  );
}

/** One job's row, plus a second row with the reason when it failed. */
export function distillRows(job: DistillJob): HTMLTableRowElement[] {
  const active = job.status === 'queued' || job.status === 'running';
  const row = h(
    'tr',
    { 'data-distill': job.id, 'data-status': job.status },
    h('td', { class: 'name', 'data-col': 'model' }, job.model),
    h('td', { class: 'nowrap' }, when(job.createdAt)),
    h('td', { 'data-col': 'layers' }, job.request.layers.join(', ')),
    h('td', { 'data-col': 'kind' }, job.request.kind),
    h(
      'td',
      { class: 'progress-cell', 'data-col': 'status' },
      h('span', { class: `badge badge-${job.status}` }, job.status),
      active ? distillBar(job.progress) : null,
    ),
    h('td', { class: 'mono', 'data-col': 'version' }, job.version ?? '–'),
    h('td', { 'data-col': 'kd' }, kdLines(job)),
    h('td', { class: 'num', 'data-col': 'trainSeconds' }, num(job.trainSeconds)),
    h('td', { class: 'mono', 'data-col': 'worker' }, job.workerId ?? '–'),
  );
  if (job.status !== 'failed') return [row];
  return [
    row,
    h(
      'tr',
      { class: 'error-row', 'data-error-for': job.id },
      h('td', { colspan: DISTILL_COLUMNS.length }, `failed: ${job.error ?? 'no reason recorded'}`),
    ),
  ];
}
