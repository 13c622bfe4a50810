export type View = (root: HTMLElement, params: URLSearchParams, match: RegExpMatchArray) => (() => void) | undefined;
type Route = { pattern: RegExp; view: View; nav: string };

const routes: Route[] = [];
let cleanup: (() => void) | undefined;
let root: HTMLElement;

export function route(pattern: RegExp, nav: string, view: View): void {
  routes.push({ pattern, view, nav });
}

export function navigate(href: string): void {
  history.pushState(null, '', href);
  render();
}

/** History-API routing: the api answers every non-api path with index.html, so reloads work. */
export function startRouter(el: HTMLElement, notFound: View): void {
  root = el;
  window.addEventListener('popstate', render);
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.hasAttribute('download') || a.target || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey)
      return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/v1/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  routes.push({ pattern: /.*/, view: notFound, nav: '' });
  render();
}

function render(): void {
  cleanup?.();
  cleanup = undefined;
  root.replaceChildren();
  const path = location.pathname;
  for (const r of routes) {
    const match = path.match(r.pattern);
    if (match === null) continue;
    document.querySelectorAll<HTMLAnchorElement>('header nav a').forEach((a) => {
      a.classList.toggle('active', a.getAttribute('href') === r.nav);
    });
    cleanup = r.view(root, new URLSearchParams(location.search), match) ?? undefined;
    window.scrollTo(0, 0);
    return;
  }
}
