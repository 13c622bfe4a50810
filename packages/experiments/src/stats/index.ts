export * from './bootstrap.ts';
export * from './cell-metrics.ts';
export * from './cell-throughput.ts';
export * from './percentile.ts';
export * from './prng.ts';
export * from './request-metrics.ts';
export * from './summarize.ts';
