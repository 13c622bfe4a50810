import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';

// `trained:<name>@<version>` names the folder a training job published (trained/run-train-job.ts)
// relative to the models dir, not by a host path: every worker that mounts the same
// INFERLAB_MODELS_DIR volume (infra/docker-compose.yml, infra/k8s/workers.yaml) resolves the same
// id to the same immutable folder, and no result carries one host's layout. The name and version
// are single path segments (experiments' model-id.ts), so the folder cannot leave <modelsDir>/trained/.

/** Where training jobs publish, under the models dir; `.checkpoints/` beside the models holds unfinished jobs. */
export const TRAINED_DIR = 'trained';

export const trainedModelFolder = (modelsDir: string, name: string, version: string): string => join(modelsDir, TRAINED_DIR, name, version);

export class TrainedModelMissingError extends PermanentError {
  override readonly name = 'TrainedModelMissingError';
}

/** The published folder of `id` (trained:<name>@<version>) on this worker. */
export function resolveTrainedFolder(id: string, name: string, version: string, modelsDir: string): string {
  const folder = trainedModelFolder(modelsDir, name, version);
  if (!existsSync(folder)) {
    throw new TrainedModelMissingError(
      `${id}: this worker has no folder ${TRAINED_DIR}/${name}/${version} in its INFERLAB_MODELS_DIR (looked in ${folder}); ` +
        'a trained model lives in the models dir of the worker that trained it: run this matrix on workers that share ' +
        `that INFERLAB_MODELS_DIR volume, or copy the published folder to ${folder}`,
    );
  }
  return realpathSync(folder);
}
