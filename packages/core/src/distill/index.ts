export * from './kd-loss.ts';
