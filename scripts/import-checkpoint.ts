// Hugging Face checkpoint folder (config.json + model.safetensors, gpt2 or llama) → an inferlab
// model folder (transformers.js layout, onnx/model.onnx built by our graph builders), usable in a
// matrix as `dir:<out>` when <out> is inside INFERLAB_MODEL_ROOTS.
// npm run import-checkpoint -- <checkpoint dir> <out dir>
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importGpt2Checkpoint, importLlamaCheckpoint } from '@inferlab/core';

const [from, to] = process.argv.slice(2).filter((a) => a !== '--');
if (from === undefined || to === undefined) {
  console.error('usage: npm run import-checkpoint -- <checkpoint dir (config.json + model.safetensors)> <out dir>');
  process.exit(2);
}
let modelType: unknown;
try {
  modelType = (JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')) as { model_type?: unknown }).model_type;
} catch (err) {
  console.error(`cannot read ${join(from, 'config.json')}: ${(err as Error).message}`);
  process.exit(2);
}
const out = resolve(to);
const t0 = performance.now();
try {
  if (modelType === 'gpt2') importGpt2Checkpoint(from, out);
  else if (modelType === 'llama') importLlamaCheckpoint(from, out);
  else {
    console.error(`config.json model_type ${JSON.stringify(modelType)}: only "gpt2" and "llama" checkpoints import`);
    process.exit(2);
  }
} catch (err) {
  console.error(`${(err as Error).name}: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`imported ${modelType} checkpoint into ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`use it as "dir:${out}" (the folder must be inside INFERLAB_MODEL_ROOTS for workers to load it)`);
