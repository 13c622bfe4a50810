import { PermanentError } from '@inferlab/experiments';
import { Xoshiro128 } from '../forge/prng.ts';

// Seeded data order over a token stream: the stream is cut into windows of S+1 tokens at stride S
// (inputs are tokens 0..S−1, targets 1..S), each epoch visits every window once in the order of a
// Fisher–Yates shuffle drawn from (seed, epoch). The whole random state is (epoch, cursor), so a
// checkpoint records it as two integers and a resumed run draws the same batches.

export type SamplerState = { epoch: number; cursor: number };

export type Batch = { inputIds: BigInt64Array; targets: BigInt64Array; batch: number; seq: number };

export class BatchSamplerError extends PermanentError {
  override readonly name = 'BatchSamplerError';
}

export class BatchSampler {
  readonly windows: number;
  #order: Uint32Array;
  #state: SamplerState;

  constructor(
    private readonly tokens: Int32Array,
    private readonly seq: number,
    private readonly seed: number,
    state: SamplerState = { epoch: 0, cursor: 0 },
  ) {
    this.windows = Math.floor((tokens.length - 1) / seq);
    if (this.windows < 1) throw new BatchSamplerError(`${tokens.length} tokens hold no window of ${seq + 1}`);
    this.#state = { ...state };
    this.#order = this.#shuffle(state.epoch);
  }

  get state(): SamplerState {
    return { ...this.#state };
  }

  /** The next `batch` windows (crossing into the next epoch when this one runs out). */
  next(batch: number): Batch {
    const S = this.seq;
    const inputIds = new BigInt64Array(batch * S); // (B, S)
    const targets = new BigInt64Array(batch * S); // (B, S)
    for (let b = 0; b < batch; b++) {
      if (this.#state.cursor >= this.windows) {
        this.#state = { epoch: this.#state.epoch + 1, cursor: 0 };
        this.#order = this.#shuffle(this.#state.epoch);
      }
      const start = (this.#order[this.#state.cursor++] as number) * S;
      for (let i = 0; i < S; i++) {
        inputIds[b * S + i] = BigInt(this.tokens[start + i] as number);
        targets[b * S + i] = BigInt(this.tokens[start + i + 1] as number);
      }
    }
    return { inputIds, targets, batch, seq: S };
  }

  #shuffle(epoch: number): Uint32Array {
    const order = Uint32Array.from({ length: this.windows }, (_, i) => i);
    const rng = new Xoshiro128((Math.imul(this.seed | 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) | 0);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.nextUint32() % (i + 1); // modulo bias ≤ windows / 2^32
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    return order;
  }
}

/** Consecutive windows from the start (held-out evaluation: every window once, no shuffle). */
export function sequentialBatches(tokens: Int32Array, seq: number, batch: number, maxWindows = Number.POSITIVE_INFINITY): Batch[] {
  const windows = Math.min(Math.floor((tokens.length - 1) / seq), maxWindows);
  const out: Batch[] = [];
  for (let w = 0; w < windows; w += batch) {
    const n = Math.min(batch, windows - w);
    const inputIds = new BigInt64Array(n * seq);
    const targets = new BigInt64Array(n * seq);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < seq; i++) {
        inputIds[b * seq + i] = BigInt(tokens[(w + b) * seq + i] as number);
        targets[b * seq + i] = BigInt(tokens[(w + b) * seq + i + 1] as number);
      }
    }
    out.push({ inputIds, targets, batch: n, seq });
  }
  return out;
}
