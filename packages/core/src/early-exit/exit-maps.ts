import { PermanentError } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/index.ts';
import type { SessionOptions } from '../runtime/decoder-session.ts';
import { ortBackendFor } from '../runtime/execution-provider.ts';
import { SEGMENT_HIDDEN_IN, SEGMENT_HIDDEN_OUT } from '../runtime/io-names.ts';
import type { ExitHeadSet } from './exit-head.ts';
import { buildExitMapGraph } from './exit-map-graph.ts';
import { SEGMENT_SESSION_EXTRA } from './gpt2-segments.ts';

export class ExitHeadMissingError extends PermanentError {
  override readonly name = 'ExitHeadMissingError';
}

/** A head set ready to run: z = head_l(h) per exit layer (identity heads cost nothing). */
export class ExitMaps {
  private constructor(
    readonly set: ExitHeadSet,
    private readonly sessions: Map<number, ort.InferenceSession | null>,
  ) {}

  static async load(set: ExitHeadSet, options: SessionOptions): Promise<ExitMaps> {
    const sessions = new Map<number, ort.InferenceSession | null>();
    for (const head of set.heads) {
      if (head.kind === 'identity') {
        sessions.set(head.layer, null);
        continue;
      }
      const bytes = encodeModel(buildExitMapGraph(head, set.hidden));
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [ortBackendFor(options.executionProvider, options.backend)], // the decoder's provider
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        extra: SEGMENT_SESSION_EXTRA,
      });
      sessions.set(head.layer, session);
    }
    return new ExitMaps(set, sessions);
  }

  get layers(): number[] {
    return [...this.sessions.keys()].sort((a, b) => a - b);
  }

  /** z (1, S, D) for the residual stream h (1, S, D) after `layer` blocks. */
  async apply(layer: number, h: ort.Tensor): Promise<ort.Tensor> {
    const session = this.sessions.get(layer);
    if (session === undefined) {
      throw new ExitHeadMissingError(`exit heads ${this.set.version} have no head at layer ${layer} (they have ${this.layers.join(', ')})`);
    }
    if (session === null) return h;
    const out = await session.run({ [SEGMENT_HIDDEN_IN]: h });
    return out[SEGMENT_HIDDEN_OUT] as ort.Tensor;
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s?.release()));
  }
}
