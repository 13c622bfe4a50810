import { env } from '@huggingface/transformers';
import {
  captureEnvironment,
  type DecoderSession,
  type Generation,
  type ModelPool,
  type OrtBackend,
  type ResolvedModel,
  type TextTokenizer,
  TransformersJsRunner,
} from '@inferlab/core';
import { assertNever, type Engine } from '@inferlab/experiments';
import { type CellDecodingSpec, prepareCellDecoding, type RunGroup } from './cell-decoding.ts';
import type { EngineRan } from './engine-ran.ts';
import { prepareLlamaCpp } from './llama-cpp-engine.ts';

// One transformers.js model per process, like the pool's sessions: cells of one config in a row
// load it once. Replaced (and released) when a cell needs another.
let peer: { key: string; runner: Promise<TransformersJsRunner> } | null = null;

async function peerRunner(model: ResolvedModel, spec: CellDecodingSpec, backend: OrtBackend): Promise<TransformersJsRunner> {
  // A forge folder holds every variant's own file; a hub or dir: folder may hold the merged decoder instead.
  const file = model.id.startsWith('forge:') ? undefined : model.file;
  const key = `${model.folder}|${spec.variant.dtype}|${file}|${spec.threads}|${backend}`;
  if (peer?.key !== key) {
    const old = peer;
    peer = {
      key,
      runner: TransformersJsRunner.load(model.folder, {
        dtype: spec.variant.dtype,
        threads: spec.threads,
        device: backend, // transformers.js lists this one provider alone, as DecoderSession does
        file,
      }),
    };
    peer.runner.catch(() => {
      if (peer?.key === key) peer = null;
    });
    await old?.runner.then((r) => r.release()).catch(() => undefined);
  }
  return peer.runner;
}

/** Recorded in the environment: which engine made the tokens, at which version (llama.cpp's names its backend: EngineRan). */
export function engineVersion(engine: Engine = 'inferlab'): string {
  switch (engine) {
    case 'inferlab':
      return `inferlab ${captureEnvironment(0, 'cpu').inferlab}`;
    case 'transformers.js':
      return `transformers.js ${env.version}`;
    case 'llama.cpp':
      return 'llama.cpp';
    default:
      return assertNever(engine);
  }
}

/**
 * The cell's engine, ready to run groups of prompts: ours (any strategy), the transformers.js peer
 * or llama.cpp (greedy, batch 1, their own float32 caches). What each engine can run is experiments' ENGINE_LIMITS,
 * checked before a cell gets here (cellIssues).
 */
export async function prepareCellEngine(
  spec: CellDecodingSpec & { engine?: Engine | undefined },
  target: { model: ResolvedModel; session: DecoderSession; tokenizer: TextTokenizer },
  ctx: Parameters<typeof prepareCellDecoding>[2] & { pool: ModelPool },
): Promise<{ run: RunGroup; ran: EngineRan }> {
  const engine = spec.engine ?? 'inferlab';
  switch (engine) {
    case 'inferlab':
      return { run: await prepareCellDecoding(spec, target, ctx), ran: { engine: engineVersion(engine), backend: target.session.backend } };
    case 'transformers.js':
      return prepareTransformersJs(spec, target);
    case 'llama.cpp':
      return prepareLlamaCpp(spec, target);
    default:
      return assertNever(engine);
  }
}

async function prepareTransformersJs(
  spec: CellDecodingSpec,
  target: { model: ResolvedModel; session: DecoderSession },
): Promise<{ run: RunGroup; ran: EngineRan }> {
  const backend = target.session.backend; // where our session of the cell runs: CUDA, else WebGPU, for a GPU cell
  const runner = await peerRunner(target.model, spec, backend);
  const options = { maxNewTokens: spec.maxNewTokens, useCache: true, eosTokenIds: target.session.config.eosTokenIds };
  const run: RunGroup = async (prompts) => {
    const out: Generation[] = [];
    for (const p of prompts) out.push(await runner.generate(p, options));
    return out;
  };
  return { run, ran: { engine: engineVersion('transformers.js'), backend } };
}
