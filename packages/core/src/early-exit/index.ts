export * from './confidence.ts';
export * from './exit-head.ts';
export { buildExitMapGraph } from './exit-map-graph.ts';
export * from './exit-maps.ts';
export * from './gpt2-segments.ts';
export * from './segment-files.ts';
export * from './segment-graphs.ts';
export * from './segmented-model.ts';
