import { ApiError } from '@inferlab/client';
import { accessTokens, setAccessTokens } from '../api/access-tokens.ts';
import { type Issue, issueBox } from '../components/issue-list.ts';
import { submitMatrix } from '../data/submit-data.ts';
import { h, replace } from '../dom.ts';
import { navigate } from '../router.ts';

export const EXAMPLE_MATRIX = {
  name: 'cache vs no cache',
  models: ['forge:gpt2-tiny'],
  variants: [
    { dtype: 'fp32', cache: false },
    { dtype: 'fp32', cache: true },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
  maxNewTokens: [24],
  threads: [1],
  repetitions: 5,
  warmup: 1,
};

/** Paste or edit a matrix; the api's validation issues appear beside the text, field by field. */
export function submitView(root: HTMLElement): undefined {
  const input = h('textarea', { id: 'matrix', spellcheck: 'false', rows: 22, 'aria-describedby': 'matrix-issues' });
  // `/submit?model=<id>` (a trained model's "new experiment with this model"): the example on that model.
  const model = new URLSearchParams(location.search).get('model');
  const matrix =
    model === null
      ? EXAMPLE_MATRIX
      : { ...EXAMPLE_MATRIX, name: `experiment with ${model}`, models: [model], variants: [{ dtype: 'fp32', cache: true }] };
  input.value = JSON.stringify(matrix, null, 2);
  const issues = h(
    'div',
    { id: 'matrix-issues', class: 'issues', 'aria-live': 'polite' },
    h('p', { class: 'hint' }, 'Validation errors from the api appear here.'),
  );
  const button = h('button', { type: 'submit', class: 'button' }, 'Submit experiment');
  // The write token of the Access page (kept for this tab only: a token is a credential).
  const token = h('input', {
    type: 'password',
    id: 'token',
    autocomplete: 'off',
    placeholder: 'write token (only if the api requires one)',
  });
  token.value = accessTokens().write;
  const form = h(
    'form',
    { class: 'submit-form' },
    h(
      'div',
      { class: 'editor' },
      h('label', { for: 'matrix' }, 'Matrix JSON (see docs/contracts.md)'),
      input,
      h('div', { class: 'actions' }, button, token),
    ),
    issues,
  );
  root.append(h('h1', {}, 'Submit an experiment'), form);

  const show = (title: string, list: Issue[]) => replace(issues, ...issueBox(title, list, '(matrix)'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      JSON.parse(input.value);
    } catch (err) {
      return show('This is not valid JSON.', [{ path: '(json)', message: (err as Error).message }]);
    }
    button.disabled = true;
    replace(issues, h('p', { class: 'state state-loading', role: 'status' }, 'Submitting…'));
    try {
      if (token.value.trim() !== accessTokens().write) setAccessTokens({ write: token.value });
      const created = await submitMatrix(input.value);
      navigate(`/experiments/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (!(err instanceof ApiError)) return show(String(err), []);
      show(`${err.status} ${err.code}: ${err.message}`, err.issues);
    } finally {
      button.disabled = false;
    }
  });
  input.focus();
  return undefined;
}
