import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import { readSafetensorsFile, type SafetensorsFile, type TensorInfo } from './safetensors-read.ts';

// The tensors of a Hugging Face checkpoint folder, in one file (model.safetensors) or sharded
// (model.safetensors.index.json: { weight_map: { tensor name: shard file } }). Shards are read
// when a tensor in them is first asked for.

export const SAFETENSORS_FILE = 'model.safetensors';
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';

export class CheckpointFilesError extends PermanentError {
  override readonly name = 'CheckpointFilesError';
}

export class CheckpointTensors {
  readonly #shards = new Map<string, SafetensorsFile>();

  private constructor(
    readonly dir: string,
    /** Tensor name → the file holding it. */
    readonly fileOf: ReadonlyMap<string, string>,
  ) {}

  static open(dir: string): CheckpointTensors {
    const index = join(dir, SAFETENSORS_INDEX_FILE);
    if (existsSync(index)) {
      let weightMap: unknown;
      try {
        weightMap = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: unknown }).weight_map;
      } catch (cause) {
        throw new CheckpointFilesError(`${index} is not JSON`, { cause });
      }
      if (typeof weightMap !== 'object' || weightMap === null || Object.values(weightMap).some((f) => typeof f !== 'string')) {
        throw new CheckpointFilesError(`${index}: weight_map must map tensor names to shard file names`);
      }
      const entries = Object.entries(weightMap as Record<string, string>);
      for (const shard of new Set(entries.map(([, f]) => f))) {
        if (!existsSync(join(dir, shard))) throw new CheckpointFilesError(`${index} names shard ${shard}, which is not in ${dir}`);
      }
      return new CheckpointTensors(dir, new Map(entries));
    }
    if (!existsSync(join(dir, SAFETENSORS_FILE))) {
      throw new CheckpointFilesError(`${dir} has neither ${SAFETENSORS_FILE} nor ${SAFETENSORS_INDEX_FILE}`);
    }
    const file = readSafetensorsFile(join(dir, SAFETENSORS_FILE));
    const tensors = new CheckpointTensors(dir, new Map([...file.tensors.keys()].map((name) => [name, SAFETENSORS_FILE])));
    tensors.#shards.set(SAFETENSORS_FILE, file);
    return tensors;
  }

  has(name: string): boolean {
    return this.fileOf.has(name);
  }

  info(name: string): TensorInfo {
    return this.#file(name).info(name);
  }

  /** As float32 (F16 and BF16 widened exactly). */
  read(name: string): Float32Array {
    return this.#file(name).read(name);
  }

  #file(name: string): SafetensorsFile {
    const rel = this.fileOf.get(name);
    if (rel === undefined) throw new CheckpointFilesError(`the checkpoint in ${this.dir} has no tensor '${name}'`);
    const file = this.#shard(rel);
    if (!file.tensors.has(name)) throw new CheckpointFilesError(`${rel} has no tensor '${name}', though the index puts it there`);
    return file;
  }

  #shard(rel: string): SafetensorsFile {
    let file = this.#shards.get(rel);
    if (file === undefined) {
      file = readSafetensorsFile(join(this.dir, rel));
      this.#shards.set(rel, file);
    }
    return file;
  }
}
