import { basename, dirname, relative } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  BaseStreamer,
  env,
  type GenerationConfig,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type TextStreamer,
} from '@huggingface/transformers';
import { PermanentError } from '@inferlab/experiments';
import { kvCacheBytes } from '../kv-cache/kv-cache.ts';
import { TokenClock } from '../metrics/token-clock.ts';
import { transformersJsFileOptions, type Variant } from '../quantization/variant-files.ts';
import { type DecoderConfig, readDecoderConfig } from '../runtime/decoder-config.ts';
import type { OrtBackend } from '../runtime/execution-provider.ts';
import { checkPromptFits, type Generation } from './generate.ts';

export type TransformersJsOptions = {
  dtype: Variant;
  /** intraOpNumThreads, passed to onnxruntime through transformers.js's `session_options`; 0 = its default. */
  threads: number;
  /** onnxruntime's provider, passed as transformers.js's device (it maps cpu/cuda/webgpu to that provider alone). */
  device: OrtBackend;
  /**
   * The graph to load when it is not the variant's own `onnx/model<suffix>.onnx` (a hub folder's
   * merged decoder): a file under the folder's `onnx/`; one outside (a variant built into the cache) is refused.
   */
  file?: string | undefined;
};

/** The transformers.js engine refuses a configuration it cannot run as asked. */
export class UnsupportedEngineConfigError extends PermanentError {
  override name = 'UnsupportedEngineConfigError';
}

/** Times each token as transformers.js hands it to the streamer (right after it is chosen). */
class ClockStreamer extends BaseStreamer {
  private sawPrompt = false;
  readonly ids: number[] = [];
  constructor(private readonly clock: TokenClock) {
    super();
  }
  override put(value: bigint[][]): void {
    if (!this.sawPrompt) {
      this.sawPrompt = true; // generate() first puts the prompt itself
      return;
    }
    this.clock.emit(1);
    this.ids.push(Number(value[0]?.[0]));
  }
  override end(): void {}
}

/**
 * The peer baseline: the same model folder through @huggingface/transformers' own
 * `AutoModelForCausalLM.generate()` (greedy, KV cache), each token timed by a streamer into the
 * same Generation shape our engine returns, so both land in identical RequestRecords.
 */
export class TransformersJsRunner {
  private constructor(
    readonly model: PreTrainedModel,
    readonly tokenizer: PreTrainedTokenizer,
    readonly config: DecoderConfig,
    /** The session options handed to transformers.js (it spreads them into InferenceSession.create). */
    readonly sessionOptions: { intraOpNumThreads: number; interOpNumThreads: number; graphOptimizationLevel: 'all' },
  ) {}

  static async load(folder: string, opts: TransformersJsOptions): Promise<TransformersJsRunner> {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    // The same options our DecoderSession uses, so the comparison differs only in the engine.
    const sessionOptions = { intraOpNumThreads: opts.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
    const [config, tokenizer, model] = await Promise.all([
      readDecoderConfig(folder),
      AutoTokenizer.from_pretrained(folder, { local_files_only: true }),
      AutoModelForCausalLM.from_pretrained(folder, {
        local_files_only: true,
        // model_file_name + dtype fp32 name the variant's own file (onnx/model_q8_b64.onnx …).
        ...(opts.file === undefined ? transformersJsFileOptions(opts.dtype) : fileOptions(folder, opts.file)),
        device: opts.device,
        session_options: sessionOptions,
      }),
    ]);
    return new TransformersJsRunner(model, tokenizer, config, sessionOptions);
  }

  async generate(prompt: string, opts: { maxNewTokens: number; useCache: boolean; eosTokenIds: readonly number[] }): Promise<Generation> {
    if (!opts.useCache)
      throw new UnsupportedEngineConfigError('the transformers.js engine always decodes with its KV cache; use cache: true');
    const clock = new TokenClock();
    const inputs = this.tokenizer(prompt, { add_special_tokens: false });
    clock.markTokenized();
    const promptTokens = inputs.input_ids.dims.at(-1) as number;
    checkPromptFits(promptTokens, opts.maxNewTokens, this.config.maxPositions);
    const streamer = new ClockStreamer(clock);
    // eos_token_id null: only max_new_tokens stops (our engine's `eosTokenIds: []`).
    const eos = opts.eosTokenIds.length === 0 ? null : [...opts.eosTokenIds];
    await this.model.generate({
      ...inputs,
      max_new_tokens: opts.maxNewTokens,
      do_sample: false,
      streamer: streamer as unknown as TextStreamer, // its parameter type is TextStreamer; any BaseStreamer works
      generation_config: { eos_token_id: eos } as unknown as GenerationConfig,
    });
    const last = streamer.ids.at(-1);
    return {
      promptTokens,
      tokenizeMs: clock.tokenizeMs,
      events: clock.events,
      outputTokenIds: streamer.ids,
      stopReason: last !== undefined && opts.eosTokenIds.includes(last) ? 'eos' : 'length',
      // Its past is internal; the cache at the longest sequence by the docs/metrics.md formula.
      kvCacheBytes: kvCacheBytes(this.config, 1, promptTokens + streamer.ids.length - 1),
      strategyStats: null,
      score: null,
    };
  }

  async release(): Promise<void> {
    await this.model.dispose();
  }
}

/** transformers.js loads `<folder>/onnx/<model_file_name>.onnx` only: `file` must be one of those. */
function fileOptions(folder: string, file: string): { model_file_name: string; dtype: 'fp32' } {
  const rel = relative(folder, file);
  if (dirname(rel) !== 'onnx' || !rel.endsWith('.onnx')) {
    throw new UnsupportedEngineConfigError(
      `the transformers.js engine loads graphs under ${folder}/onnx/ only, and ${file} is not one (a variant the folder lacks is built into the platform's cache): use engine "inferlab", or add the variant's file to the folder`,
    );
  }
  return { model_file_name: basename(rel, '.onnx'), dtype: 'fp32' };
}
