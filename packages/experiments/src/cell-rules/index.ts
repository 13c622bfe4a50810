export * from './cell-issue.ts';
export * from './cell-issues.ts';
export * from './engine-limits.ts';
export * from './matrix-cell-issues.ts';
