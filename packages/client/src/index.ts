export * from './answer.ts';
export * from './answer-types.ts';
export * from './api-error.ts';
export * from './create-client.ts';
export * from './server-events.ts';
