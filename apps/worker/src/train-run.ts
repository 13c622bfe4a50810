import type { TrainJob, TrainProgressPayload } from '@inferlab/experiments';

/** One train job handed to the inference thread (InferenceHost.train). */
export type TrainRun = {
  job: TrainJob;
  threads: number;
  workerId: string;
  /** The thread's run id, for InferenceHost.cancel. */
  onStart: (id: number) => void;
  /** The step the attempt resumed from (0: a fresh start), once the first step is done. */
  onTrainStarted: (resumedFrom: number) => void;
  onProgress: (p: TrainProgressPayload) => void;
};
