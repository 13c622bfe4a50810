import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { type HfLlamaConfig, llamaSpecFromConfig } from '../forge/import/llama-config-fields.ts';
import { type HfGpt2Config, specFromConfig } from '../forge/import/read-gpt2-checkpoint.ts';
import { MODEL_FILE } from '../forge/write-forge-folder.ts';
import { ATTENTION_MASK, INPUT_IDS, LOGITS, POSITION_IDS, pastKeyName, pastValueName } from '../runtime/io-names.ts';
import type { Batch } from './batch-sampler.ts';
import { outputData } from './session-output.ts';

// The KD teacher: the teacher model's own inference graph (onnx/model.onnx of its folder), run on
// the training batch from position 0 with an empty KV cache, gives the logits (B, S, V) the
// student's KD term reads. Nothing of the teacher is rebuilt, so its logits are the ones it serves.

export type TeacherLogits = { vocabSize: number; logits(batch: Batch): Promise<Float32Array>; release(): Promise<void> };

export function specFromFolderConfig(dir: string): ForgeSpec {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model_type?: string };
  return config.model_type === 'llama' ? llamaSpecFromConfig(config as HfLlamaConfig) : specFromConfig(config as HfGpt2Config);
}

export async function loadTeacher(dir: string, threads = 0, executionProvider: 'cpu' | 'cuda' = 'cpu'): Promise<TeacherLogits> {
  const spec = specFromFolderConfig(dir);
  const session = await ort.InferenceSession.create(join(dir, MODEL_FILE), {
    executionProviders: [executionProvider],
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  const [kvHeads, headDim] = spec.family === 'llama' ? [spec.nKvHead, spec.headDim] : [spec.nHead, spec.nEmbd / spec.nHead];
  return {
    vocabSize: spec.vocabSize,
    async logits(batch: Batch): Promise<Float32Array> {
      const { batch: B, seq: S } = batch;
      const feeds: Record<string, ort.Tensor> = {
        [INPUT_IDS]: new ort.Tensor('int64', batch.inputIds, [B, S]),
        [ATTENTION_MASK]: new ort.Tensor('int64', new BigInt64Array(B * S).fill(1n), [B, S]),
        [POSITION_IDS]: new ort.Tensor(
          'int64',
          BigInt64Array.from({ length: B * S }, (_, i) => BigInt(i % S)),
          [B, S],
        ),
      };
      for (let i = 0; i < spec.nLayer; i++) {
        feeds[pastKeyName(i)] = new ort.Tensor('float32', new Float32Array(0), [B, kvHeads, 0, headDim]);
        feeds[pastValueName(i)] = new ort.Tensor('float32', new Float32Array(0), [B, kvHeads, 0, headDim]);
      }
      return outputData(await session.run(feeds), LOGITS); // (B, S, V)
    },
    release: () => session.release(),
  };
}
