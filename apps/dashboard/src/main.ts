import './styles.css';
import { startLive } from './api/live.ts';
import { h } from './dom.ts';
import { route, startRouter } from './router.ts';
import { accessView } from './views/access-view.ts';
import { compareView } from './views/compare-view.ts';
import { distillView } from './views/distill-view.ts';
import { experimentView } from './views/experiment-view.ts';
import { experimentsView } from './views/experiments-view.ts';
import { historyView } from './views/history-view.ts';
import { submitView } from './views/submit-view.ts';
import { trainView } from './views/train-view.ts';
import { workersView } from './views/workers-view.ts';

route(/^\/$/, '/', experimentsView);
route(/^\/experiments\/([^/]+)$/, '/', experimentView);
route(/^\/compare$/, '/compare', compareView);
route(/^\/history$/, '/history', historyView);
route(/^\/workers$/, '/workers', workersView);
route(/^\/submit$/, '/submit', submitView);
route(/^\/exit-heads$/, '/exit-heads', distillView);
route(/^\/training$/, '/training', trainView);
route(/^\/access$/, '/access', accessView);

startLive(document.getElementById('live') as HTMLElement);
startRouter(document.getElementById('app') as HTMLElement, (root) => {
  root.append(h('h1', {}, 'Not found'), h('p', {}, `Nothing at ${location.pathname}. `, h('a', { href: '/' }, 'Back to the experiments')));
  return undefined;
});
