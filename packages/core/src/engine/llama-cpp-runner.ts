import type { ControlledEvaluateInputItem, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { ensureGgufFile } from '../gguf/gguf-file.ts';
import type { GgmlType } from '../gguf/gguf-format.ts';
import { TokenClock } from '../metrics/token-clock.ts';
import { type DecoderConfig, readDecoderConfig } from '../runtime/decoder-config.ts';
import { checkPromptFits, type Generation } from './generate.ts';
import { describeBackend, type LlamaCppBackend, LlamaCppBackendError, type LlamaCppGpu, loadLlama } from './llama-cpp-backend.ts';
import { UnsupportedEngineConfigError } from './transformers-js-runner.ts';

// The llama.cpp engine: the same model folder written as GGUF (gguf/, built on first use) and run
// through node-llama-cpp's context sequence — greedy, batch 1, its own KV cache — each token timed
// as the sequence yields it into the same Generation shape our engine returns, so all engines
// land in identical RequestRecords.

/** Matrix dtype → GGUF tensor type; other dtypes have no llama.cpp file. */
export const LLAMA_CPP_DTYPES = { fp32: 'F32', fp16: 'F16', q8: 'Q8_0', q4: 'Q4_0' } as const satisfies Record<string, GgmlType>;
export type LlamaCppDtype = keyof typeof LLAMA_CPP_DTYPES;

export function isLlamaCppDtype(dtype: string): dtype is LlamaCppDtype {
  return Object.hasOwn(LLAMA_CPP_DTYPES, dtype);
}

export type LlamaCppOptions = {
  dtype: LlamaCppDtype;
  /** Threads for llama.cpp's evaluation; 0 = all cores (its default). */
  threads: number;
  gpu: LlamaCppGpu;
  /**
   * KV-cache element type. F32 by default: our engine's cache is float32 (kvCacheDtype fp32), and
   * llama.cpp's own default, F16, rounds K and V (different numbers, half the cache bytes).
   */
  kvCacheType?: 'F32' | 'F16';
};

export type TeacherForcedStep = { pick: number; probabilities: Map<number, number> | null };

function argmaxOf(probabilities: Map<number, number>): number {
  let pick = -1;
  let best = Number.NEGATIVE_INFINITY;
  for (const [token, p] of probabilities) {
    if (p > best || (p === best && token < pick)) [pick, best] = [token, p];
  }
  return pick;
}

export class LlamaCppRunner {
  private constructor(
    readonly file: string,
    readonly config: DecoderConfig,
    readonly backend: LlamaCppBackend,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    private readonly kvBytesPerElement: number,
  ) {}

  static async load(folder: string, opts: LlamaCppOptions): Promise<LlamaCppRunner> {
    if (!isLlamaCppDtype(opts.dtype))
      throw new UnsupportedEngineConfigError(`the llama.cpp engine has no GGUF for dtype ${String(opts.dtype)}`);
    const [llama, file, config] = await Promise.all([
      loadLlama(opts.gpu),
      ensureGgufFile(folder, LLAMA_CPP_DTYPES[opts.dtype]),
      readDecoderConfig(folder),
    ]);
    const model = await llama.loadModel({ modelPath: file, gpuLayers: opts.gpu === false ? 0 : 'max' });
    if (opts.gpu !== false && model.gpuLayers < config.layers) {
      await model.dispose();
      throw new LlamaCppBackendError(
        `llama.cpp offloaded ${model.gpuLayers} of ${config.layers} layers to ${opts.gpu}; refusing a partly-CPU GPU run`,
      );
    }
    const kv = opts.kvCacheType ?? 'F32';
    const context = await model.createContext({
      contextSize: config.maxPositions,
      batchSize: config.maxPositions, // the whole prompt in one forward, as our prefill
      sequences: 1,
      threads: opts.threads,
      flashAttention: false,
      experimentalKvCacheKeyType: kv,
      experimentalKvCacheValueType: kv,
    });
    const backend = await describeBackend(llama);
    return new LlamaCppRunner(file, config, backend, model, context, context.getSequence(), kv === 'F32' ? 4 : 2);
  }

  /** GPU memory as llama.cpp's backend reports it (null on the CPU): used > 0 once the weights are offloaded. */
  async gpuMemory(): Promise<{ usedBytes: number; totalBytes: number } | null> {
    if (this.backend.gpu === false) return null;
    const vram = await this.model.llama.getVramState();
    return { usedBytes: vram.used, totalBytes: vram.total };
  }

  /** Layers llama.cpp placed on the GPU (0 on the CPU). */
  get gpuLayers(): number {
    return this.model.gpuLayers;
  }

  /** llama.cpp's tokenization of `text` (no BOS: the GGUF says add_bos_token false). */
  tokenize(text: string): number[] {
    return this.model.tokenize(text) as number[];
  }

  async generate(prompt: string, opts: { maxNewTokens: number; useCache: boolean; eosTokenIds: readonly number[] }): Promise<Generation> {
    if (!opts.useCache) throw new UnsupportedEngineConfigError('the llama.cpp engine always decodes with its KV cache; use cache: true');
    await this.sequence.clearHistory(); // the previous request's cache; not part of this request's time
    const clock = new TokenClock();
    const ids = this.tokenize(prompt);
    clock.markTokenized();
    checkPromptFits(ids.length, opts.maxNewTokens, this.config.maxPositions);
    const out: number[] = [];
    let stopReason: Generation['stopReason'] = 'length';
    // temperature 0: argmax. yieldEogToken: our loop, not node-llama-cpp, decides whether eos stops.
    for await (const token of this.sequence.evaluate(ids as Token[], { temperature: 0, yieldEogToken: true })) {
      out.push(token);
      clock.emit(1);
      if (opts.eosTokenIds.includes(token)) {
        stopReason = 'eos';
        break;
      }
      if (out.length >= opts.maxNewTokens) break;
    }
    const { layers, kvHeads, headDim } = this.config;
    return {
      promptTokens: ids.length,
      tokenizeMs: clock.tokenizeMs,
      events: clock.events,
      outputTokenIds: out,
      stopReason,
      // The cells in use at the end (llama.cpp allocates the whole context up front).
      kvCacheBytes: layers * 2 * kvHeads * headDim * (ids.length + out.length - 1) * this.kvBytesPerElement,
      strategyStats: null,
      score: null,
    };
  }

  /**
   * Teacher forcing in one batch: prompt + forced[0..n−1) evaluated together; at each of the n
   * positions that predict forced[i], llama.cpp's greedy pick and, when asked, its whole next-token
   * distribution (softmax of its logits: temperature 1, no top-k/top-p/min-p). Top-1 agreement of
   * two engines or dtypes along one text, without one early flip sending the rest down another path.
   */
  async teacherForced(prompt: string, forced: readonly number[], opts: { probabilities?: boolean } = {}): Promise<TeacherForcedStep[]> {
    await this.sequence.clearHistory();
    const ids = this.tokenize(prompt);
    const input = [...ids, ...forced.slice(0, -1)] as Token[];
    const from = ids.length - 1;
    const next = opts.probabilities
      ? { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } }
      : { token: true, options: { temperature: 0 } };
    const results = await this.sequence.controlledEvaluate(
      input.map((t, i): ControlledEvaluateInputItem => (i >= from ? [t, { generateNext: next }] : t)),
    );
    await this.sequence.clearHistory();
    return results.slice(from).map((r, i) => {
      const probabilities = r?.next?.probabilities ?? null;
      const pick = probabilities === null ? r?.next?.token : argmaxOf(probabilities);
      if (pick === undefined || pick === null || (opts.probabilities && probabilities === null)) {
        throw new LlamaCppBackendError(`llama.cpp returned no next token at forced position ${i}`);
      }
      return { pick, probabilities };
    });
  }

  async release(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
