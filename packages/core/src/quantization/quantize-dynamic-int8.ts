import { statSync } from 'node:fs';
import { PermanentError } from '@inferlab/experiments';
import { readModelFile, writeModelFile } from '../onnx/index.ts';
import { type Int8RewriteOptions, type Int8RewriteReport, rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';

// File-to-file dynamic int8 quantization (the seed notebook's quantize_dynamic equivalent).

export type QuantizeFileReport = Int8RewriteReport & { fileBytesBefore: number; fileBytesAfter: number };

export class QuantizeModelError extends PermanentError {
  override readonly name = 'QuantizeModelError';
}

export async function quantizeDynamicInt8(
  inputPath: string,
  outputPath: string,
  opts: Int8RewriteOptions = {},
): Promise<QuantizeFileReport> {
  try {
    const { model, report } = rewriteDynamicInt8(readModelFile(inputPath), opts);
    const fileBytesAfter = writeModelFile(outputPath, model).bytes;
    return { ...report, fileBytesBefore: statSync(inputPath).size, fileBytesAfter };
  } catch (cause) {
    throw new QuantizeModelError(`dynamic int8 quantization of ${inputPath} failed`, { cause });
  }
}
