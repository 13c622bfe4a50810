import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import { type ExitHead, type ExitHeadSet, UNTRAINED_HEADS_VERSION, untrainedExitHeads } from '../early-exit/exit-head.ts';
import { readSafetensorsFile } from '../forge/import/safetensors-read.ts';
import { encodeSafetensors, type TensorToWrite } from '../forge/import/safetensors-write.ts';
import { fileSha256 } from '../metrics/model-files.ts';
import {
  compactUtc,
  EXIT_HEADS_DIR,
  EXIT_HEADS_FORMAT_VERSION,
  type ExitHeadsFile,
  type ExitHeadsMeta,
  HEADS_FILE,
  HEADS_META_FILE,
  HEADS_VERSION_PATTERN,
} from './exit-heads-meta.ts';

// Trained exit heads live beside the model: <modelDir>/exit-heads/<version>/{heads.safetensors,heads.json}.
// A version is written under a temp name and published with one rename(2), so readers see a complete
// folder or none, and a published folder is never rewritten. 'untrained' (identity heads) has no folder.
// The version name is <createdAt as yyyymmddThhmmssZ>-<sha8 of model sha, job id (or content), config>:
// sortable by time, and a retried distill job (same job id and createdAt) lands on the same name.

export class ExitHeadsError extends PermanentError {
  override readonly name = 'ExitHeadsError';
}

export class ExitHeadsNotFoundError extends PermanentError {
  override readonly name = 'ExitHeadsNotFoundError';
  constructor(
    readonly version: string,
    readonly modelDir: string,
    readonly present: string[],
  ) {
    super(
      `exit heads version '${version}' not found in ${join(modelDir, EXIT_HEADS_DIR)}; present: ` +
        `${[UNTRAINED_HEADS_VERSION, ...present].join(', ')}. Train one with POST /v1/distill (heads are stored on the ` +
        `worker host that trained them) or use '${UNTRAINED_HEADS_VERSION}'`,
    );
  }
}

const tensorName = (layer: number, part: 'w' | 'down' | 'up') => `layer.${layer}.${part}`;
const modelFile = (modelDir: string) => join(modelDir, 'onnx', 'model.onnx');

/** Every published version's heads.json, oldest first. */
export function listExitHeads(modelDir: string): ExitHeadsFile[] {
  const root = join(modelDir, EXIT_HEADS_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => HEADS_VERSION_PATTERN.test(v))
    .sort()
    .flatMap((v) => {
      try {
        return [JSON.parse(readFileSync(join(root, v, HEADS_META_FILE), 'utf8')) as ExitHeadsFile];
      } catch {
        return []; // not ours or unreadable: listed by nobody, loaded by nobody
      }
    });
}

export function findExitHeadsByJob(modelDir: string, jobId: string): ExitHeadsFile | null {
  return listExitHeads(modelDir).find((f) => f.jobId === jobId) ?? null;
}

function headTensors(set: ExitHeadSet): Map<string, TensorToWrite> {
  const d = set.hidden;
  const tensors = new Map<string, TensorToWrite>();
  for (const h of set.heads) {
    if (h.kind === 'linear') tensors.set(tensorName(h.layer, 'w'), { shape: [d, d], data: h.w });
    if (h.kind === 'low-rank') {
      tensors.set(tensorName(h.layer, 'down'), { shape: [d, h.rank], data: h.down });
      tensors.set(tensorName(h.layer, 'up'), { shape: [h.rank, d], data: h.up });
    }
  }
  return tensors;
}

/** Publishes `set` (trained heads of one kind) and returns its version; a job id already published returns that version. */
export async function saveExitHeads(modelDir: string, set: ExitHeadSet, meta: ExitHeadsMeta): Promise<string> {
  const first = set.heads[0];
  if (first === undefined || first.kind === 'identity') throw new ExitHeadsError('saveExitHeads needs trained (linear or low-rank) heads');
  if (set.heads.some((h) => h.kind !== first.kind)) throw new ExitHeadsError('every head of a saved set must have the same kind');
  if (meta.jobId !== undefined) {
    const done = findExitHeadsByJob(modelDir, meta.jobId);
    if (done !== null) return done.version;
  }
  const modelSha256 = await fileSha256(modelFile(modelDir));
  const bytes = encodeSafetensors(headTensors(set), { format: 'inferlab-exit-heads' });
  const identity = meta.jobId ?? createHash('sha256').update(bytes).digest('hex');
  const layers = set.heads.map((h) => h.layer);
  const key = JSON.stringify([modelSha256, identity, layers, first.kind, meta.training]);
  const version = `${compactUtc(meta.createdAt)}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
  const file: ExitHeadsFile = {
    formatVersion: EXIT_HEADS_FORMAT_VERSION,
    version,
    modelSha256,
    hidden: set.hidden,
    layers,
    kind: first.kind,
    ...(first.kind === 'low-rank' ? { rank: first.rank } : {}),
    ...meta,
  };
  const root = join(modelDir, EXIT_HEADS_DIR);
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${version}-${process.pid}-${randomUUID().slice(0, 8)}`);
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, HEADS_FILE), bytes);
    writeFileSync(join(tmp, HEADS_META_FILE), `${JSON.stringify(file, null, 2)}\n`); // last: marks the folder complete
    renameSync(tmp, join(root, version));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Already published under this name (a retry of the same job, or byte-identical heads): immutable, keep it.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw new ExitHeadsError(`publishing exit heads in ${root} failed`, { cause: err });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return version;
}

function modelHidden(modelDir: string): number {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const d = config.n_embd ?? config.hidden_size;
  if (typeof d !== 'number') throw new ExitHeadsError(`${modelDir}/config.json has no n_embd`);
  return d;
}

/** The heads of `version` at `layers` (all stored layers when omitted; required for 'untrained'). */
export async function loadExitHeads(modelDir: string, version: string, layers?: readonly number[]): Promise<ExitHeadSet> {
  if (version === UNTRAINED_HEADS_VERSION) {
    if (layers === undefined) throw new ExitHeadsError(`'${UNTRAINED_HEADS_VERSION}' heads need the layers to place them at`);
    return untrainedExitHeads(modelHidden(modelDir), layers);
  }
  const dir = join(modelDir, EXIT_HEADS_DIR, version);
  if (!HEADS_VERSION_PATTERN.test(version) || !existsSync(join(dir, HEADS_META_FILE))) {
    throw new ExitHeadsNotFoundError(
      version,
      modelDir,
      listExitHeads(modelDir).map((f) => f.version),
    );
  }
  const meta = JSON.parse(readFileSync(join(dir, HEADS_META_FILE), 'utf8')) as ExitHeadsFile;
  if (meta.formatVersion !== EXIT_HEADS_FORMAT_VERSION) {
    throw new ExitHeadsError(
      `exit heads ${version} have format ${meta.formatVersion}, this build reads ${EXIT_HEADS_FORMAT_VERSION}: retrain`,
    );
  }
  const sha = await fileSha256(modelFile(modelDir));
  if (sha !== meta.modelSha256) {
    throw new ExitHeadsError(
      `exit heads ${version} were trained on model sha256 ${meta.modelSha256.slice(0, 12)}…, ${modelDir} is ${sha.slice(0, 12)}…: retrain`,
    );
  }
  const wanted = layers === undefined ? meta.layers : [...new Set(layers)].sort((a, b) => a - b);
  const missing = wanted.filter((l) => !meta.layers.includes(l));
  if (missing.length > 0) {
    throw new ExitHeadsError(`exit heads ${version} have layers [${meta.layers}], not [${missing}]: pick from those or train heads there`);
  }
  const st = readSafetensorsFile(join(dir, HEADS_FILE));
  const heads = wanted.map((layer): ExitHead => {
    if (meta.kind === 'linear') return { layer, kind: 'linear', w: st.read(tensorName(layer, 'w')) };
    const rank = meta.rank ?? 0;
    return { layer, kind: 'low-rank', rank, down: st.read(tensorName(layer, 'down')), up: st.read(tensorName(layer, 'up')) };
  });
  return { version, hidden: meta.hidden, heads };
}
