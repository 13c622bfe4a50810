import { ApiError } from '@inferlab/client';
import type { TrainJobView } from '@inferlab/experiments';
import { onLive } from '../api/live.ts';
import { plot } from '../charts/plot.ts';
import { issueBox } from '../components/issue-list.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import {
  anyTraining,
  cancelTrain,
  EXAMPLE_TRAIN_JOB,
  loadTrainJobs,
  lossCurveSpec,
  newExperimentHref,
  submitTrain,
  TRAIN_POLL_MS,
} from '../data/train-data.ts';
import { h, replace } from '../dom.ts';
import { duration, num } from '../format.ts';

/** Training: pretraining and student-distillation jobs with live loss curves, and the models they made. */
export function trainView(root: HTMLElement): () => void {
  const body = h('div', {}, loading('training jobs'));
  const input = h('textarea', { id: 'train-job', spellcheck: 'false', rows: 12, 'aria-describedby': 'train-issues' });
  input.value = JSON.stringify(EXAMPLE_TRAIN_JOB, null, 2);
  const issues = h(
    'div',
    { id: 'train-issues', class: 'issues', 'aria-live': 'polite' },
    h('p', { class: 'hint' }, 'Validation errors from the api appear here.'),
  );
  const button = h('button', { type: 'submit', class: 'button' }, 'Start training');
  const form = h('form', { class: 'submit-form', novalidate: true }, input, h('div', { class: 'actions' }, button), issues);
  root.append(
    h('h1', {}, 'Training'),
    h(
      'p',
      { class: 'hint' },
      'Pretrain a model on the KJV corpus, or distil a student ({"kind": "student", "teacher": …, "student": {"firstLayers": 2}, …}).',
    ),
    form,
    h('h2', {}, 'Training jobs'),
    body,
  );
  const charts: Array<{ destroy: () => void }> = [];
  let left = false;
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const jobCard = (job: TrainJobView) => {
    const p = job.progress;
    const chart = plot(`train-loss-${job.id}`, lossCurveSpec(job));
    charts.push(chart);
    const stats =
      p === null
        ? 'waiting for a worker'
        : `step ${p.step} / ${p.totalSteps} · ${num(p.tokensPerSecond, 0)} tokens/s · ETA ${duration(p.etaSeconds * 1000)}`;
    const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
    cancel.addEventListener(
      'click',
      () =>
        void cancelTrain(job.id).then(
          () => load(),
          () => load(),
        ),
    );
    return h(
      'section',
      { class: 'train-job', 'data-testid': 'train-job', 'data-status': job.status, 'data-points': String(job.curve.length) },
      h('h3', {}, `${job.request.name ?? job.id} `, h('span', { class: `status status-${job.status}` }, job.status), ` (${job.kind})`),
      h('p', { class: 'hint', 'data-testid': 'train-stats' }, stats, job.error === null ? '' : ` · ${job.error}`),
      job.status === 'queued' || job.status === 'running' ? cancel : '',
      chart.el,
      job.modelId === null
        ? ''
        : h(
            'p',
            {},
            h('code', {}, job.modelId),
            job.outcome?.heldOutPerplexity == null ? '' : ` · held-out perplexity ${num(job.outcome.heldOutPerplexity, 1)} `,
            h(
              'a',
              { href: newExperimentHref(job.modelId), 'data-link': true, class: 'button', 'data-testid': 'new-experiment' },
              'New experiment with this model',
            ),
          ),
    );
  };

  const render = (jobs: TrainJobView[]) => {
    for (const c of charts.splice(0)) c.destroy();
    if (jobs.length === 0) return replace(body, empty('No training jobs yet. Start one above.'));
    replace(body, ...jobs.map(jobCard));
  };

  const load = async (): Promise<void> => {
    clearTimeout(timer);
    const mine = ++generation;
    try {
      const jobs = await loadTrainJobs();
      if (left || mine !== generation) return;
      render(jobs);
      if (anyTraining(jobs)) timer = setTimeout(() => void load(), TRAIN_POLL_MS);
    } catch (err) {
      if (left || mine !== generation) return;
      replace(
        body,
        errorBox('the training jobs', err, () => void load()),
      );
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    replace(issues, h('p', { class: 'state state-loading', role: 'status' }, 'Submitting…'));
    try {
      const job = await submitTrain(input.value);
      replace(issues, h('p', { class: 'state state-empty', role: 'status' }, `Queued training job ${job.id}.`));
      void load();
    } catch (err) {
      if (!(err instanceof ApiError)) replace(issues, ...issueBox(String(err), []));
      else replace(issues, ...issueBox(`${err.status} ${err.code}: ${err.message}`, err.issues));
    } finally {
      button.disabled = false;
    }
  });

  // Every recorded step of any job arrives as a `train` event: redraw from it (it carries the newest jobs).
  const offTrain = onLive('train', (data) => {
    if (!left) render(data.jobs);
  });
  const offOpen = onLive('open', () => void load());
  void load();
  return () => {
    left = true;
    clearTimeout(timer);
    offTrain();
    offOpen();
    for (const c of charts.splice(0)) c.destroy();
  };
}
