import { ApiError } from '@inferlab/client';
import { h } from '../dom.ts';

export const loading = (what: string): HTMLElement => h('p', { class: 'state state-loading', role: 'status' }, `Loading ${what}…`);

export const empty = (message: string, ...extra: (Node | string)[]): HTMLElement =>
  h('div', { class: 'state state-empty' }, h('p', {}, message), ...extra);

/** An error box that says what failed and what the api said, with a retry when given one. */
export function errorBox(what: string, err: unknown, retry?: () => void): HTMLElement {
  const detail =
    err instanceof ApiError ? `${err.status ? `${err.status} ` : ''}${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
  return h(
    'div',
    { class: 'state state-error', role: 'alert' },
    h('p', {}, h('strong', {}, `Could not load ${what}. `), detail),
    err instanceof ApiError && err.needsToken
      ? h(
          'p',
          {},
          'This api needs an API token for reads: ',
          h('a', { href: '/access', 'data-role': 'access-link' }, 'enter one under Access'),
          '.',
        )
      : null,
    retry ? h('button', { type: 'button', onclick: () => retry() }, 'Retry') : null,
  );
}
