export * from './cell-engine.ts';
export * from './measure-scenario.ts';
export * from './offline-scenario.ts';
export * from './run-cell.ts';
export * from './server-scenario.ts';
