import { readFile } from 'node:fs/promises';
import { decodeModel, encodeModel } from '../onnx/index.ts';
import { keepsLogits, rewriteLogitsToKeep } from './logits-to-keep.ts';

/**
 * What a decoder session loads: the file itself when its graph already takes `num_logits_to_keep`
 * or cannot be rewritten (no recognisable LM head, external data), else the rewritten graph's bytes
 * (logits-to-keep.ts), made in memory on every load so hub and imported folders stay untouched.
 */
export async function graphWithLogitsToKeep(file: string): Promise<string | Uint8Array> {
  try {
    const model = decodeModel(await readFile(file));
    return keepsLogits(model) ? file : encodeModel(rewriteLogitsToKeep(model));
  } catch {
    return file; // all logits, as before: correct, only slower to prefill
  }
}
