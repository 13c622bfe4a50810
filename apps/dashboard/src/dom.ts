/**
 * The only way the dashboard makes DOM: data goes in as text nodes or attribute values, never as
 * HTML, so a prompt like `<img src=x onerror=…>` is shown as those characters. Event handlers are
 * functions from our code; attribute names come from our code, never from data.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener> & { class?: string };

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      if (!name.startsWith('on')) throw new TypeError(`function for non-event attribute ${name}`);
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else {
      // Inline handlers (onclick="…") would be code from a string: never.
      if (name.startsWith('on')) throw new TypeError(`string value for event attribute ${name}`);
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
