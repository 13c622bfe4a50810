import { accessTokens, setAccessTokens } from '../api/access-tokens.ts';
import { h } from '../dom.ts';

/**
 * Where the API tokens are entered, for an api started with `INFERLAB_READ_TOKENS` (reads need a
 * token) or `INFERLAB_API_TOKENS` (submit and cancel need one). Reads send the read token as a
 * header, and the live stream as `?access_token=` (EventSource cannot send headers); the write
 * token only ever goes in a header.
 */
export function accessView(root: HTMLElement): undefined {
  const tokens = accessTokens();
  const read = h('input', { type: 'password', id: 'read-token', autocomplete: 'off', spellcheck: 'false' });
  read.value = tokens.read;
  const write = h('input', { type: 'password', id: 'write-token', autocomplete: 'off', spellcheck: 'false' });
  write.value = tokens.write;
  const status = h('p', { class: 'hint', role: 'status', 'data-role': 'access-status' }, describe(tokens.read, tokens.write));
  const form = h(
    'form',
    { class: 'access-form' },
    h(
      'label',
      { class: 'field', for: 'read-token' },
      h('strong', {}, 'Read token'),
      read,
      h('small', { class: 'hint' }, 'Kept in this browser (localStorage). Sent with every read, and in the live stream’s URL.'),
    ),
    h(
      'label',
      { class: 'field', for: 'write-token' },
      h('strong', {}, 'Write token'),
      write,
      h('small', { class: 'hint' }, 'Kept for this tab only (sessionStorage). Sent in a header when you submit or cancel, never in a URL.'),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Save tokens')),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setAccessTokens({ read: read.value, write: write.value });
    const now = accessTokens();
    status.textContent = `Saved. ${describe(now.read, now.write)}`;
  });
  root.append(
    h('h1', {}, 'Access'),
    h('p', { class: 'hint' }, 'Only needed when the api was started with read or write tokens. Leave a field empty to forget that token.'),
    form,
  );
  return undefined;
}

function describe(read: string, write: string): string {
  if (read && write) return 'Reads use the read token; writes the write token.';
  if (read) return 'Reads use the read token; writes send none.';
  if (write) return 'Reads send the write token as a header; the live stream has no token (it needs a read token).';
  return 'No token set: the dashboard works with an api that has none configured.';
}
