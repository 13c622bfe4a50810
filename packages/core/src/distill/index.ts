export * from './distill-corpus.ts';
export * from './exit-heads-meta.ts';
export * from './exit-heads-store.ts';
export * from './kd-loss.ts';
export * from './train-exit-heads.ts';
export * from './train-options.ts';
