export { greedyContinuation } from './greedy-continuation.ts';
export { runTrainJob, type TrainJobContext, TrainJobError, type TrainJobOutcome, trainedName, trainedVersion } from './run-train-job.ts';
export { type StudentAgreement, studentAgreement } from './student-agreement.ts';
export { pretrainSpec, StudentShapeError, specOfShape, studentStart } from './trained-spec.ts';
