import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../runtime/tokenizer.ts';
import { GPT2_EOS_ID, gpt2TokenizerConfig, gpt2TokenizerJson } from './gpt2-tokenizer-files.ts';

// GPT-2's tokenizer, and cut to a micro model's vocabulary: its first merges make exactly its
// first tokens, so a cut tokenizer encodes every text into ids below its size and decodes it back.

const work = mkdtempSync(join(tmpdir(), 'inferlab-gpt2-tok-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const folder = (vocabSize?: number) => {
  const dir = mkdtempSync(join(work, 'tok-'));
  writeFileSync(join(dir, 'tokenizer.json'), gpt2TokenizerJson(vocabSize));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(gpt2TokenizerConfig(64)));
  return dir;
};
const TEXT = 'Explain briefly why KV caching and quantization help LLM inference.';

describe('gpt2TokenizerJson', () => {
  it('cut to 512 tokens: ids below 512, the text back, longer than the full tokenizer’s encoding, eos the last id', async () => {
    const [full, cut] = [await loadTokenizer(folder()), await loadTokenizer(folder(512))];
    const [a, b] = [await full.encode(TEXT), await cut.encode(TEXT)];
    expect(Math.max(...b)).toBeLessThan(512);
    expect(b.length).toBeGreaterThan(a.length);
    expect(await cut.decode(b)).toBe(TEXT);
    expect(Math.max(...a)).toBeGreaterThan(511);
    const json = JSON.parse(gpt2TokenizerJson(512));
    expect(Object.keys(json.model.vocab)).toHaveLength(512);
    expect(json.model.merges).toHaveLength(255);
    expect(json.added_tokens[0].id).toBe(511);
    expect(JSON.parse(gpt2TokenizerJson()).added_tokens[0].id).toBe(GPT2_EOS_ID);
    expect(() => gpt2TokenizerJson(100)).toThrow(/257 to 50257 tokens/);
  });
});
