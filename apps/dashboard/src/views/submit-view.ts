import { ApiError, postJson } from '../api.ts';
import { type Issue, issueBox } from '../components/issue-list.ts';
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

export const TOKEN_KEY = 'inferlab-write-token';

/** Paste or edit a matrix; the api's validation issues appear beside the text, field by field. */
export function submitView(root: HTMLElement): undefined {
  const input = h('textarea', { id: 'matrix', spellcheck: 'false', rows: 22, 'aria-describedby': 'matrix-issues' });
  input.value = JSON.stringify(EXAMPLE_MATRIX, null, 2);
  const issues = h(
    'div',
    { id: 'matrix-issues', class: 'issues', 'aria-live': 'polite' },
    h('p', { class: 'hint' }, 'Validation errors from the api appear here.'),
  );
  const button = h('button', { type: 'submit', class: 'button' }, 'Submit experiment');
  // Kept for this tab only: a token is a credential.
  const token = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'API token (only if the api requires one)' });
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
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
      if (token.value) sessionStorage.setItem(TOKEN_KEY, token.value);
      else sessionStorage.removeItem(TOKEN_KEY);
      const created = await postJson<{ id: string; cells: unknown[] }>('/v1/experiments', input.value, token.value);
      navigate(`/experiments/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (!(err instanceof ApiError)) return show(String(err), []);
      const list = Array.isArray(err.body['issues']) ? (err.body['issues'] as Issue[]) : [];
      show(`${err.status} ${err.code}: ${err.message}`, list);
    } finally {
      button.disabled = false;
    }
  });
  input.focus();
  return undefined;
}
