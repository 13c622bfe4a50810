// Writes packages/core/src/runtime/fixtures/torch-gpt2-micro/: a micro GPT-2 (forge's deterministic
// weights) exported by torch, so tests have a decoder graph our builders did not write without
// needing torch themselves. npx tsx bench/torch/make-micro-fixture.ts
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gpt2Spec } from '../../packages/core/src/forge/forge-models.ts';
import { gpt2Weights } from '../../packages/core/src/forge/gpt2-weights.ts';
import { writeGpt2Checkpoint } from '../../packages/core/src/forge/import/write-gpt2-checkpoint.ts';
import { exportGpt2WithTorch, torchVersion } from './torch-export.ts';

const NAME = 'torch-gpt2-micro';
const FIXTURE_DIR = join(import.meta.dirname, '../../packages/core/src/runtime/fixtures', NAME);
// Small enough to commit: ~330 KB, of which weights 240 KB (the tied table twice: torch folds lm_head's
// transpose into a second initializer) and node names most of the rest.
const SPEC: Gpt2Spec = { family: 'gpt2', nLayer: 2, nHead: 4, nEmbd: 32, nPositions: 64, vocabSize: 512, seed: 42 };

const checkpoint = mkdtempSync(join(tmpdir(), `inferlab-${NAME}-`));
try {
  writeGpt2Checkpoint(checkpoint, NAME, SPEC, gpt2Weights(SPEC));
  mkdirSync(FIXTURE_DIR, { recursive: true });
  exportGpt2WithTorch(checkpoint, join(FIXTURE_DIR, 'model.onnx'));
  copyFileSync(join(checkpoint, 'config.json'), join(FIXTURE_DIR, 'config.json'));
  // In biome's layout, so `npm run check` stays clean after a regeneration.
  execFileSync('npx', ['biome', 'format', '--write', join(FIXTURE_DIR, 'config.json')], { stdio: 'ignore' });
} finally {
  rmSync(checkpoint, { recursive: true, force: true });
}

const onnx = join(FIXTURE_DIR, 'model.onnx');
const sha256 = createHash('sha256').update(readFileSync(onnx)).digest('hex');
const provenance = `# ${NAME}

A micro GPT-2 decoder exported by \`torch.onnx.export\`, not by our graph builders: the kind of
graph a hub (Optimum) export gives, for tests of graph rewrites. Weights are forge's deterministic
\`gpt2Weights(spec)\`, so tests rebuild the same model with our builders and compare logits.

- generator: \`npx tsx bench/torch/make-micro-fixture.ts\` (bench/torch/export_gpt2_onnx.py, opset 14)
- torch: ${torchVersion()} (Debian python3-torch, /usr/bin/python3)
- spec: \`${JSON.stringify(SPEC)}\` (config.json carries it; \`inferlab.seed\` is the weight seed)
- model.onnx: ${statSync(onnx).size} bytes, sha256 \`${sha256}\`
`;
writeFileSync(join(FIXTURE_DIR, 'PROVENANCE.md'), provenance);
console.log(`wrote ${FIXTURE_DIR} (model.onnx sha256 ${sha256})`);
