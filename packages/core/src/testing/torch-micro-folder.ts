// Test support only: a hub-layout model folder our graph builders did not write — a micro GPT-2 or
// Llama torch.onnx.export wrote (runtime/fixtures/torch-*-micro, bench/torch/), with GPT-2's
// tokenizer cut to its 512 tokens (gpt2-tokenizer-files.ts) — so rewrites of hub exports run through
// the platform's own paths (dir: ids, derived files, the conformance suites).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gpt2TokenizerConfig, gpt2TokenizerJson } from '../forge/gpt2-tokenizer-files.ts';

export const TORCH_FIXTURES = resolve(import.meta.dirname, '../runtime/fixtures');
/** HF eager GPT-2; GPT-2 through torch 2's SDPA decomposition; HF eager Llama with grouped-query repeat_kv. */
export type TorchFixture = 'torch-gpt2-micro' | 'torch-gpt2-sdpa-micro' | 'torch-llama-micro';
export const TORCH_MICRO_FIXTURE = join(TORCH_FIXTURES, 'torch-gpt2-micro');

/** Writes (once; atomically, as test files run in parallel) the fixture's folder at `dir` and returns it. */
export function torchMicroFolder(dir: string, fixture: TorchFixture = 'torch-gpt2-micro'): string {
  const from = join(TORCH_FIXTURES, fixture);
  const source = JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')) as Record<string, unknown>;
  const vocab = source.vocab_size as number;
  const { inferlab: _provenance, ...hub } = source; // a hub config: no inferlab fields
  const files: Record<string, string | Buffer> = {
    'config.json': `${JSON.stringify({ ...hub, bos_token_id: vocab - 1, eos_token_id: vocab - 1 }, null, 2)}\n`,
    'tokenizer.json': gpt2TokenizerJson(vocab),
    'tokenizer_config.json': JSON.stringify(gpt2TokenizerConfig((source.n_positions ?? source.max_position_embeddings) as number), null, 2),
    'onnx/model.onnx': readFileSync(join(from, 'model.onnx')),
  };
  for (const [rel, data] of Object.entries(files)) {
    const path = join(dir, rel);
    if (existsSync(path) && readFileSync(path).equals(Buffer.from(data))) continue;
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  }
  return dir;
}
