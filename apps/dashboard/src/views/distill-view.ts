import type { DistillJobView } from '@inferlab/experiments';
import { distillForm } from '../components/distill-form.ts';
import { DISTILL_COLUMNS, distillRows } from '../components/distill-row.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { anyActive, DISTILL_POLL_MS, loadDistillJobs, submitDistill } from '../data/distill-data.ts';
import { h, replace } from '../dom.ts';

/** Exit heads: the distill jobs (train exit heads for early exit) and a form to start one. */
export function distillView(root: HTMLElement): () => void {
  const body = h('div', {}, loading('distill jobs'));
  root.append(
    h('h1', {}, 'Exit heads'),
    h('p', { class: 'hint' }, 'Distill jobs train exit heads on a worker; early-exit and self-speculative cells use a finished version.'),
    distillForm(submitDistill, () => void load()),
    h('h2', {}, 'Distill jobs'),
    body,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  let left = false;
  let generation = 0;

  const render = (jobs: DistillJobView[]) => {
    if (jobs.length === 0) return replace(body, empty('No distill jobs yet. Submit one above.'));
    replace(
      body,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'list distill', 'data-testid': 'distill-jobs' },
          h('thead', {}, h('tr', {}, ...DISTILL_COLUMNS.map((t) => h('th', {}, t)))),
          h('tbody', {}, ...jobs.flatMap(distillRows)),
        ),
      ),
    );
  };

  const load = async (): Promise<void> => {
    clearTimeout(timer);
    // A submit during a fetch starts a newer load; only the newest one renders and schedules.
    const mine = ++generation;
    let again = false;
    try {
      const jobs = await loadDistillJobs();
      if (left || mine !== generation) return;
      render(jobs);
      again = anyActive(jobs);
    } catch (err) {
      if (left || mine !== generation) return;
      replace(
        body,
        errorBox('the distill jobs', err, () => void load()),
      );
    }
    if (again) timer = setTimeout(() => void load(), DISTILL_POLL_MS);
  };

  void load();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}
