import { h } from '../dom.ts';

export type Issue = { path: string; message: string };

/** The api's validation answer as the Submit view shows it: a title, then one line per field path. */
export function issueBox(title: string, list: readonly Issue[], whole = '(request)'): HTMLElement[] {
  const box = h('div', { class: 'state state-error', role: 'alert' }, h('strong', {}, title));
  if (list.length === 0) return [box];
  return [
    box,
    h(
      'ul',
      { class: 'issue-list' },
      ...list.map((i) => h('li', {}, h('code', { class: 'path' }, i.path || whole), ' ', h('span', {}, i.message))),
    ),
  ];
}
