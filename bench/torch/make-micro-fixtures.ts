// Writes two more torch-exported micro decoders under packages/core/src/runtime/fixtures/, graph
// shapes hub exports have that torch-gpt2-micro (make-micro-fixture.ts) lacks:
//   torch-llama-micro:      HF eager Llama, grouped-query attention (repeat_kv's Expand + Reshape of the cache)
//   torch-gpt2-sdpa-micro:  GPT-2 with SDPA as torch 2.x exports it (a scale Mul on the transposed cache)
// Weights are forge's deterministic generators, so tests rebuild each model with our builders.
//   npx tsx bench/torch/make-micro-fixtures.ts
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gpt2Spec } from '../../packages/core/src/forge/forge-models.ts';
import { gpt2Weights } from '../../packages/core/src/forge/gpt2-weights.ts';
import { writeGpt2Checkpoint } from '../../packages/core/src/forge/import/write-gpt2-checkpoint.ts';
import { writeLlamaCheckpoint } from '../../packages/core/src/forge/import/write-llama-checkpoint.ts';
import type { LlamaSpec } from '../../packages/core/src/forge/llama/llama-spec.ts';
import { llamaWeights } from '../../packages/core/src/forge/llama/llama-weights.ts';
import { exportGpt2WithTorch, exportLlamaWithTorch, torchVersion } from './torch-export.ts';

const FIXTURES = join(import.meta.dirname, '../../packages/core/src/runtime/fixtures');

// 2 query heads per K/V head (n_rep 2), untied head: ~310 KB, weights 200 KB of it.
const LLAMA: LlamaSpec = {
  family: 'llama',
  nLayer: 2,
  hidden: 32,
  nHead: 4,
  nKvHead: 2,
  headDim: 8,
  intermediate: 64,
  maxPositions: 64,
  vocabSize: 512,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: false,
  seed: 42,
};
// torch-gpt2-micro's spec.
const GPT2: Gpt2Spec = { family: 'gpt2', nLayer: 2, nHead: 4, nEmbd: 32, nPositions: 64, vocabSize: 512, seed: 42 };

type Fixture = {
  name: string;
  what: string;
  script: string;
  spec: LlamaSpec | Gpt2Spec;
  /** Writes the HF checkpoint (config.json + model.safetensors) into dir. */
  checkpoint: (dir: string) => void;
  export: (dir: string, onnx: string) => void;
};

const FIXTURE_LIST: Fixture[] = [
  {
    name: 'torch-llama-micro',
    what: "HF transformers 4.38–4.44's eager LlamaForCausalLM: grouped-query attention with repeat_kv (Unsqueeze → Expand → Reshape of the concatenated cache), RoPE from position_ids, the 4-D causal + padding mask",
    script: 'bench/torch/export_llama_onnx.py',
    spec: LLAMA,
    checkpoint: (dir) => writeLlamaCheckpoint(dir, 'torch-llama-micro', LLAMA, llamaWeights(LLAMA)),
    export: exportLlamaWithTorch,
  },
  {
    name: 'torch-gpt2-sdpa-micro',
    what: "GPT-2 with GPT2SdpaAttention as torch 2.x's ONNX exporter decomposes scaled_dot_product_attention: √scale from the query's shape multiplies q and the transposed concatenated key",
    script: 'bench/torch/export_gpt2_onnx.py --attention sdpa',
    spec: GPT2,
    checkpoint: (dir) => writeGpt2Checkpoint(dir, 'torch-gpt2-sdpa-micro', GPT2, gpt2Weights(GPT2)),
    export: (dir, onnx) => exportGpt2WithTorch(dir, onnx, { attention: 'sdpa' }),
  },
];

function writeFixture(f: Fixture, torch: string): void {
  const out = join(FIXTURES, f.name);
  const checkpoint = mkdtempSync(join(tmpdir(), `inferlab-${f.name}-`));
  try {
    f.checkpoint(checkpoint);
    mkdirSync(out, { recursive: true });
    f.export(checkpoint, join(out, 'model.onnx'));
    copyFileSync(join(checkpoint, 'config.json'), join(out, 'config.json'));
    // In biome's layout, so `npm run check` stays clean after a regeneration.
    execFileSync('npx', ['biome', 'format', '--write', join(out, 'config.json')], { stdio: 'ignore' });
  } finally {
    rmSync(checkpoint, { recursive: true, force: true });
  }
  const onnx = join(out, 'model.onnx');
  const sha256 = createHash('sha256').update(readFileSync(onnx)).digest('hex');
  const provenance = `# ${f.name}

A micro decoder exported by \`torch.onnx.export\`, not by our graph builders, for tests of graph
rewrites on the graph shapes hub (Optimum) exports have. Weights are forge's deterministic
generators, so tests rebuild the same model with our builders and compare logits.

Graph: ${f.what}.

- generator: \`npx tsx bench/torch/make-micro-fixtures.ts\` (${f.script}, opset 14)
- torch: ${torch} (Debian python3-torch, /usr/bin/python3)
- spec: \`${JSON.stringify(f.spec)}\` (config.json carries it; \`inferlab.seed\` is the weight seed)
- model.onnx: ${statSync(onnx).size} bytes, sha256 \`${sha256}\`
`;
  writeFileSync(join(out, 'PROVENANCE.md'), provenance);
  console.log(`wrote ${out} (model.onnx sha256 ${sha256})`);
}

const torch = torchVersion();
for (const f of FIXTURE_LIST) writeFixture(f, torch);
