import * as ort from 'onnxruntime-node';
import type { DecoderConfig } from '../runtime/decoder-config.ts';

const FLOAT32_BYTES = 4;

/** Past keys and values of every layer, as the graph returned them: (batch, kv_heads, seq, head_dim). */
export class KvCache {
  constructor(
    readonly keys: ort.Tensor[],
    readonly values: ort.Tensor[],
    readonly seqLength: number,
  ) {}

  /** Zero-length past, fed on the first step (Optimum's convention). */
  static empty(config: DecoderConfig, batch: number): KvCache {
    const dims = [batch, config.kvHeads, 0, config.headDim];
    const make = () => new ort.Tensor('float32', new Float32Array(0), dims);
    return new KvCache(Array.from({ length: config.layers }, make), Array.from({ length: config.layers }, make), 0);
  }

  /** Bytes held by the cache: layers × 2 × batch × kv_heads × seq × head_dim × 4. */
  get bytes(): number {
    let total = 0;
    for (const t of this.keys) total += t.size * FLOAT32_BYTES;
    for (const t of this.values) total += t.size * FLOAT32_BYTES;
    return total;
  }
}

/** The METRICS.md formula, for a sequence the cache has not reached yet. */
export function kvCacheBytes(config: DecoderConfig, batch: number, seq: number, bytesPerValue = FLOAT32_BYTES): number {
  return config.layers * 2 * batch * config.kvHeads * seq * config.headDim * bytesPerValue;
}
