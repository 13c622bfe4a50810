import { ApiError } from '@inferlab/client';
import { h, replace } from '../dom.ts';
import { issueBox } from './issue-list.ts';

/** `"1, 3"` → [1, 3]; a part that is not an integer is sent as typed, so the api names it (`layers.1`). */
export function parseLayers(text: string): (number | string)[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
}

/**
 * Submit a distill job: model, layers, kind, epochs. The api is the only validator (`novalidate`),
 * so its field errors appear beside the form exactly as for matrices. `submit` posts the body (the
 * view's data layer); `onCreated` refreshes the list.
 */
export function distillForm(submit: (body: string) => Promise<{ id: string }>, onCreated: () => void): HTMLElement {
  const model = h('input', { id: 'distill-model', type: 'text', spellcheck: 'false', autocomplete: 'off' });
  model.value = 'forge:gpt2-tiny';
  const layers = h('input', { id: 'distill-layers', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: '1, 2' });
  layers.value = '1';
  const kind = h(
    'select',
    { id: 'distill-kind' },
    h('option', { value: 'linear' }, 'linear'),
    h('option', { value: 'low-rank' }, 'low-rank'),
  );
  const epochs = h('input', { id: 'distill-epochs', type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  epochs.value = '8';
  const issues = h(
    'div',
    { id: 'distill-issues', class: 'issues', 'aria-live': 'polite' },
    h('p', { class: 'hint' }, 'Validation errors from the api appear here.'),
  );
  const button = h('button', { type: 'submit', class: 'button' }, 'Train exit heads');
  const field = (label: string, input: HTMLElement, hint: string) =>
    h('label', { class: 'field' }, h('span', {}, label), input, h('small', { class: 'hint' }, hint));
  const form = h(
    'form',
    { class: 'submit-form distill-form', novalidate: true },
    h(
      'div',
      { class: 'fields' },
      field('model', model, 'forge:gpt2-*, trained:<name>@<version> or dir:<path>'),
      field('layers', layers, 'comma-separated, each 1..layers-1'),
      field('kind', kind, 'linear or low-rank'),
      field('epochs', epochs, '1..100'),
      h('div', { class: 'actions' }, button),
    ),
    issues,
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const e8 = epochs.value.trim();
    const body = {
      model: model.value.trim(),
      layers: parseLayers(layers.value),
      kind: kind.value,
      ...(e8 === '' ? {} : { epochs: /^-?\d+$/.test(e8) ? Number(e8) : e8 }),
    };
    button.disabled = true;
    replace(issues, h('p', { class: 'state state-loading', role: 'status' }, 'Submitting…'));
    try {
      const job = await submit(JSON.stringify(body));
      replace(issues, h('p', { class: 'state state-empty', role: 'status' }, `Queued distill job ${job.id} for ${body.model}.`));
      onCreated();
    } catch (err) {
      if (!(err instanceof ApiError)) return replace(issues, ...issueBox(String(err), []));
      replace(issues, ...issueBox(`${err.status} ${err.code}: ${err.message}`, err.issues));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
