import type { StrategyStats } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { hiddenRow, type LayerTensors } from '../early-exit/gpt2-segments.ts';
import type { SegmentedModel } from '../early-exit/segmented-model.ts';
import { gatherKv } from '../kv-cache/kv-tensor-ops.ts';
import { EarlyExitConfigError, emptyLayerKv, layerKvBytes } from './early-exit.ts';
import { argmax } from './greedy.ts';
import { MAX_ADAPTIVE_K } from './speculative.ts';
import type { DecodeRun, DecodingStrategy } from './strategy.ts';
import { verifyGreedy } from './verify.ts';

export type SelfSpeculativeOptions = { exitLayer: number; k: number; adaptiveK: boolean };

/** Keeps the first `length` positions of every layer (rejected drafts leave the cache). */
function cropKv(kv: LayerTensors, length: number): void {
  for (let i = 0; i < kv.keys.length; i++) {
    const k = kv.keys[i] as ort.Tensor;
    if (Number(k.dims[2]) === length) continue;
    kv.keys[i] = gatherKv(k, [0], 0, length, 0);
    kv.values[i] = gatherKv(kv.values[i] as ort.Tensor, [0], 0, length, 0);
  }
}

/** Rows of several (1, S_i, D) tensors stacked into one (1, ΣS_i, D). */
function stackRows(parts: readonly ort.Tensor[]): ort.Tensor {
  if (parts.length === 1) return parts[0] as ort.Tensor;
  const total = parts.reduce((n, t) => n + t.size, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const t of parts) {
    out.set(t.data as Float32Array, at);
    at += t.size;
  }
  const rows = parts.reduce((n, t) => n + Number(t.dims[1]), 0);
  return new ort.Tensor('float32', out, [1, rows, total / rows]);
}

/** The last `n` rows of h (1, S, D) as (1, n, D), a view. */
function lastRows(h: ort.Tensor, n: number): ort.Tensor {
  const [, s, d] = h.dims.map(Number) as [number, number, number];
  return s === n ? h : new ort.Tensor('float32', (h.data as Float32Array).subarray((s - n) * d), [1, n, d]);
}

/**
 * Self-speculative decoding (LayerSkip, greedy verification): the first `exitLayer` blocks plus
 * that layer's exit head draft k tokens one by one; the remaining blocks then verify them all in
 * one forward that starts from the drafts' own exit-layer states. The first layers' KV and states
 * are computed once and shared by draft and verifier, so verifying costs only the deep blocks and
 * one LM-head pass. Greedy verification makes the output the full model's greedy output.
 */
export function selfSpeculativeStrategy(model: SegmentedModel, opts: SelfSpeculativeOptions): DecodingStrategy {
  const { segments, maps } = model;
  const vocab = segments.config.vocabSize;
  const e = opts.exitLayer;
  if (!segments.cuts.includes(e)) throw new EarlyExitConfigError(`exit layer ${e} is not a segment boundary (${segments.cuts.join(', ')})`);
  if (!maps.layers.includes(e)) throw new EarlyExitConfigError(`exit heads ${maps.set.version} have no head at layer ${e}`);
  const shallow = async (h: ort.Tensor, kv: LayerTensors) => {
    for (let c = 1; c < segments.cuts.length && (segments.cuts[c] as number) <= e; c++) {
      h = await segments.blocks(segments.cuts[c - 1] as number, segments.cuts[c] as number, h, kv);
    }
    return h;
  };
  const deep = async (h: ort.Tensor, kv: LayerTensors) => {
    for (let c = segments.cuts.indexOf(e) + 1; c < segments.cuts.length; c++) {
      h = await segments.blocks(segments.cuts[c - 1] as number, segments.cuts[c] as number, h, kv);
    }
    return h;
  };
  return {
    name: 'self-speculative',
    maxPositions: segments.config.maxPositions,
    async start(promptIds): Promise<DecodeRun> {
      const tokens = [...promptIds];
      let fed = 0; // tokens in the cache of every layer; the rest are unfed
      const kv = emptyLayerKv(model);
      const stats: StrategyStats = { targetForwards: 0, draftTokens: 0, acceptedTokens: 0 };
      let k = opts.k;
      return {
        async step(budget) {
          const base = tokens.length;
          const m = Math.max(0, Math.min(k, budget - 1));
          const states: ort.Tensor[] = []; // exit-layer states (1, S, D) of the tokens the verifier will run
          const draft: number[] = [];
          for (let j = 0; j <= m; j++) {
            const unfed = j === 0 ? tokens.slice(fed) : [draft[j - 1] as number];
            const h = await shallow(await segments.embed(unfed, j === 0 ? fed : base + j - 1), kv);
            states.push(h);
            if (j === m) break; // the last draft token only needs its state, for the bonus row
            const row = hiddenRow(h, Number(h.dims[1]) - 1); // (1, 1, D)
            draft.push(argmax(await segments.head(await maps.apply(e, row)), 0, vocab));
          }
          const top = await deep(stackRows(states), kv); // (1, rows, D)
          // Only the last m + 1 rows verify (row i scores draft[i], row m the bonus): the LM head skips the prompt's rows.
          const logits = await segments.head(lastRows(top, m + 1)); // (1, m + 1, V)
          const verdict = verifyGreedy(logits, 0, vocab, draft);
          const keep = base + verdict.accepted;
          cropKv(kv, keep);
          fed = keep;
          tokens.push(...draft.slice(0, verdict.accepted), verdict.next);
          stats.targetForwards++;
          stats.draftTokens += m;
          stats.acceptedTokens += verdict.accepted;
          if (opts.adaptiveK && m > 0) k = verdict.accepted === m ? Math.min(MAX_ADAPTIVE_K, k + 2) : Math.max(1, k - 1);
          return { tokens: [...draft.slice(0, verdict.accepted), verdict.next], done: false };
        },
        get kvCacheBytes() {
          return layerKvBytes(kv);
        },
        stats: () => ({ ...stats }),
        score: () => null,
      };
    },
  };
}
