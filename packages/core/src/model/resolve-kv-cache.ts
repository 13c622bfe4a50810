import type { KvCacheDtype } from '@inferlab/experiments';
import { ensureKvInPlaceFile } from '../forge/kv-in-place-files.ts';
import { ensureKvInt8File, KvInt8UnsupportedError } from '../forge/kv-int8-files.ts';
import type { Variant } from '../quantization/variant-files.ts';
import { parseModelId } from './model-id.ts';
import { type ResolvedModel, type ResolveOptions, resolveModel } from './resolve-model.ts';

export type CellVariant = {
  dtype: Variant;
  kvCacheDtype?: KvCacheDtype;
  /** 'in-place': the in-place-KV graph (decode steps copy no cache; kv-in-place-files.ts). Default 'concat'. */
  kvLayout?: 'concat' | 'in-place';
};

/**
 * model id + weight variant + KV-cache dtype → the file to load. The int8 KV cache is a graph forge
 * builds (gpt2-kv-int8.ts) beside the folder's weight files, so only forge models have one.
 */
export async function resolveCellModel(id: string, variant: CellVariant, opts: ResolveOptions): Promise<ResolvedModel> {
  const kv = variant.kvCacheDtype ?? 'fp32';
  if (kv === 'int8' && parseModelId(id).kind !== 'forge') {
    throw new KvInt8UnsupportedError(`${id}: the int8 KV cache needs a forge-built graph (a forge:<name> model); use kvCacheDtype "fp32"`);
  }
  if (variant.kvLayout === 'in-place') {
    // Rebuilt for our builders' graphs (forge, imported, trained), rewritten for a hub export; from
    // the fp32 graph either way, so the variant's own concat file is not built for it.
    const source = await resolveModel(id, 'fp32', opts);
    const file = await ensureKvInPlaceFile(source.folder, variant.dtype, kv, opts.modelsDir, source.file);
    return kv === 'fp32' ? { ...source, variant: variant.dtype, file } : { ...source, variant: variant.dtype, file, kvCacheDtype: 'int8' };
  }
  const resolved = await resolveModel(id, variant.dtype, opts);
  if (kv === 'fp32') return resolved;
  return { ...resolved, file: await ensureKvInt8File(resolved.folder, variant.dtype), kvCacheDtype: 'int8' };
}
