import { join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  LogitsProcessor,
  LogitsProcessorList,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { encode as referenceEncode } from 'gpt-3-encoder';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { transformersJsFileOptions, VARIANT_FILES, VARIANTS } from '../quantization/variant-files.ts';
import { forgeModel } from './forge-model.ts';
import { FORGE_MODELS } from './forge-models.ts';
import { ensureForgeVariant } from './forge-variant.ts';
import { maxAbsDiff, ortGreedy, TEST_CACHE_DIR } from './test-helpers.ts';

// A forge folder must load in transformers.js exactly as a hub download would, and its generate()
// must agree with a bare onnxruntime KV-cache loop over the same file: same tokens, and the same
// logits at every step (1e-4 absolute; both run the same graph in the same ORT build).

const spec = FORGE_MODELS['gpt2-tiny'];
const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const NEW_TOKENS = 8;
const TOL = 1e-4;

/** Records the logits transformers.js picks each greedy token from. */
class LogitsRecorder extends LogitsProcessor {
  readonly steps: Float32Array[] = [];
  override _call(_inputIds: bigint[][], logits: Tensor): Tensor {
    this.steps.push(Float32Array.from(logits.data as Float32Array));
    return logits;
  }
}

let dir: string;
let tokenizer: PreTrainedTokenizer;
beforeAll(async () => {
  dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
  // An absolute folder path is not a valid hub id, so transformers.js reads it as a local path
  // directly (env.localModelPath is not consulted); remote loading is off so nothing is fetched.
  env.allowRemoteModels = false;
  tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
}, 60_000);

describe('forge folder in transformers.js', () => {
  it('tokenizes with the real GPT-2 vocabulary', () => {
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.encode(PROMPT)).toEqual(referenceEncode(PROMPT));
    expect(tokenizer.encode(PROMPT).slice(0, 3)).toEqual([18438, 391, 11589]);
    expect(tokenizer.encode('<|endoftext|>')).toEqual([50256]);
    const text = ' héllo wörld 🤖  tabs\tand\nnewlines';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.eos_token_id).toBe(50256);
  });

  const references: Record<string, Float32Array[]> = {};
  // Every variant of the registry; the lazily built ones are built here first (cached in the folder).
  for (const dtype of VARIANTS) {
    it(`generate() (${dtype}) equals a bare ORT greedy loop, token for token`, async () => {
      const file = VARIANT_FILES[dtype];
      await ensureForgeVariant(dir, dtype);
      const model = await AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, ...transformersJsFileOptions(dtype) });
      const inputs = tokenizer(PROMPT);
      const recorder = new LogitsRecorder();
      const logitsProcessor = new LogitsProcessorList();
      logitsProcessor.push(recorder);
      const out = (await model.generate({
        ...inputs,
        max_new_tokens: NEW_TOKENS,
        do_sample: false,
        logits_processor: logitsProcessor,
      })) as Tensor;
      const promptIds = tokenizer.encode(PROMPT);
      const generated = (out.tolist() as bigint[][])[0]?.slice(promptIds.length).map(Number);
      await model.dispose();

      const session = await ort.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1 });
      const reference = await ortGreedy(session, spec, promptIds, NEW_TOKENS);
      await session.release();
      expect(generated).toEqual(reference.tokens);
      expect(recorder.steps).toHaveLength(NEW_TOKENS);
      const worst = Math.max(...recorder.steps.map((s, i) => maxAbsDiff(s, reference.stepLogits[i] as Float32Array)));
      const tokens = generated?.join(' ');
      console.log(`transformers.js vs ORT loop (${dtype}): tokens ${tokens}; max |Δlogit| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(TOL);
      references[dtype] = reference.stepLogits;
      if (dtype !== 'fp32' && references.fp32 !== undefined) {
        // transformers.js really loaded the variant's file: its logits differ from the fp32 file's.
        const [first, fp32First] = [references[dtype]?.[0], references.fp32[0]] as Float32Array[];
        expect(maxAbsDiff(first as Float32Array, fp32First as Float32Array)).toBeGreaterThan(TOL);
      }
    }, 60_000);
  }
});
