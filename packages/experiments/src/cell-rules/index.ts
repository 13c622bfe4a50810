export * from './cell-issue.ts';
export * from './cell-issues.ts';
export * from './engine-limits.ts';
export { autoKvLayout, inPlaceBlockers } from './kv-layout-rule.ts';
export * from './matrix-cell-issues.ts';
