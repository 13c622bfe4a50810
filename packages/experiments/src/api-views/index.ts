export * from './cell-summary-view.ts';
export * from './compare-view.ts';
export * from './distill-job-view.ts';
export * from './experiment-views.ts';
export * from './history-views.ts';
export * from './output-views.ts';
export * from './stored-cell-view.ts';
export * from './worker-views.ts';
