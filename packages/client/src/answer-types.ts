// The answers of the api's routes, as its own handlers type them (hono/client infers them from
// AppType): the one place a reader of the api gets its types from, no hand copy.
import type { AppEvent } from '@inferlab/api/src/events/event-bus.ts';
import type { InferResponseType } from 'hono/client';
import type { Ok } from './answer.ts';
import type { InferlabClient } from './create-client.ts';

type C = InferlabClient['v1'];
/** A route's 2xx answer, given its typed call (`C['experiments']['$post']`). */
export type AnswerOf<R> = R extends (...args: never[]) => unknown ? Ok<InferResponseType<R>> : never;

export type Submitted = AnswerOf<C['experiments']['$post']>;
export type ExperimentPageBody = AnswerOf<C['experiments']['$get']>;
export type ExperimentBody = AnswerOf<C['experiments'][':id']['$get']>;
export type ResultsBody = AnswerOf<C['experiments'][':id']['results']['$get']>;
export type Enqueued = AnswerOf<C['experiments'][':id']['enqueue']['$post']>;
export type CancelOutcome = AnswerOf<C['experiments'][':id']['cancel']['$post']>;
export type ExperimentOutputsBody = AnswerOf<C['experiments'][':id']['outputs']['$get']>;
export type CellBody = AnswerOf<C['cells'][':id']['$get']>;
export type TokensBody = AnswerOf<C['cells'][':id']['tokens']['$get']>;
export type PositionsBody = AnswerOf<C['cells'][':id']['positions']['$get']>;
export type CellOutputsBody = AnswerOf<C['cells'][':id']['outputs']['$get']>;
export type HistoryBody = AnswerOf<C['history']['$get']>;
export type ComparisonBody = AnswerOf<C['compare']['$get']>;
export type DistillSubmitted = AnswerOf<C['distill']['$post']>;
export type DistillJobsBody = AnswerOf<C['distill']['$get']>;
export type DistillJobBody = AnswerOf<C['distill'][':id']['$get']>;
export type TrainSubmitted = AnswerOf<C['train']['$post']>;
export type TrainJobsBody = AnswerOf<C['train']['$get']>;
export type TrainJobBody = AnswerOf<C['train'][':id']['$get']>;
export type TrainCancelled = AnswerOf<C['train'][':id']['cancel']['$post']>;
export type WorkersBody = AnswerOf<C['workers']['$get']>;
export type NoiseBody = AnswerOf<C['workers'][':id']['noise']['$get']>;
export type QueuesBody = AnswerOf<C['queues']['$get']>;

/** What `GET /v1/events` streams, by event name (not in AppType: it is read as a stream). */
export type LiveEvents = { [E in AppEvent as E['type']]: E['data'] };
export type ExperimentEvent = LiveEvents['experiment'];
