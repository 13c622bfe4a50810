import { join } from 'node:path';
import { DTYPES } from '@inferlab/experiments';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { DataType, type ModelProto, type NodeProto, readModelFile } from '../onnx/index.ts';
import { transformersJsFileOptions, VARIANT_FILES, VARIANT_PARAM_BYTES, VARIANT_SPECS, VARIANTS, type Variant } from './variant-files.ts';

let fp32: ModelProto;
beforeAll(async () => {
  fp32 = readModelFile(join(await sharedModelsDir(['gpt2-tiny']), 'forge', 'gpt2-tiny', VARIANT_FILES.fp32));
}, 120_000);

const nodes = (m: ModelProto, opType: string): NodeProto[] => m.graph.nodes.filter((n) => n.opType === opType);
const intAttr = (n: NodeProto | undefined, name: string) => n?.attributes.find((a) => a.name === name)?.i;
const init = (m: ModelProto, name: string | undefined) => m.graph.initializers.find((t) => t.name === name);

describe('the variant registry', () => {
  it('covers exactly the matrix dtypes, each with its own onnx/ file, a build function and bytes per parameter', () => {
    expect([...VARIANTS].sort()).toEqual([...DTYPES].sort());
    const files = VARIANTS.map((v) => VARIANT_FILES[v]);
    expect(new Set(files).size).toBe(VARIANTS.length);
    for (const v of VARIANTS) {
      expect(VARIANT_FILES[v]).toMatch(/^onnx\/model(_[a-z0-9_]+)?\.onnx$/);
      expect(typeof VARIANT_SPECS[v].build).toBe('function');
      expect(VARIANT_PARAM_BYTES[v]).toBeGreaterThan(0);
    }
    // transformers.js' own names stay, so hub folders and forge folders agree on them.
    expect(VARIANT_FILES).toMatchObject({
      fp32: 'onnx/model.onnx',
      fp16: 'onnx/model_fp16.onnx',
      int8: 'onnx/model_int8.onnx',
      uint8: 'onnx/model_uint8.onnx',
      q4: 'onnx/model_q4.onnx',
      q8: 'onnx/model_q8.onnx',
      'int8-asym-per-tensor': 'onnx/model_int8_asym_per_tensor.onnx',
      'q4-b128': 'onnx/model_q4_b128.onnx',
    });
    expect(VARIANTS.filter((v) => VARIANT_SPECS[v].eager)).toEqual(['fp32', 'int8', 'uint8', 'q4']);
    expect(VARIANT_PARAM_BYTES).toMatchObject({ fp32: 4, fp16: 2, int8: 1, 'uint8-per-tensor': 1, q8: 1, 'q4-b64': 0.5 });
  });

  it('names the file transformers.js loads through model_file_name', () => {
    expect(transformersJsFileOptions('q8-b64')).toEqual({ model_file_name: 'model_q8_b64', dtype: 'fp32' });
    expect(transformersJsFileOptions('fp32')).toEqual({ model_file_name: 'model', dtype: 'fp32' });
  });

  it.each([
    ['int8', 'int8', 'per-channel', 'none'],
    ['int8-per-tensor', 'int8', 'per-tensor', 'none'],
    ['int8-asym', 'int8', 'per-channel', 'given'],
    ['int8-asym-per-tensor', 'int8', 'per-tensor', 'given'],
    ['uint8', 'uint8', 'per-channel', 'given'],
    ['uint8-per-tensor', 'uint8', 'per-tensor', 'given'],
  ] as const)(
    '%s builds DynamicQuantizeMatMul with %s weights, %s scales, zero points %s',
    (variant, typeName, granularity, zeroPoints) => {
      const type = typeName === 'int8' ? DataType.INT8 : DataType.UINT8;
      const { model, report } = VARIANT_SPECS[variant].build(fp32);
      const matmuls = nodes(model, 'DynamicQuantizeMatMul');
      expect(matmuls).toHaveLength(9); // 4 per layer × 2 + the LM head
      for (const n of matmuls) {
        const [b, scale, zp] = [init(model, n.inputs[1]), init(model, n.inputs[2]), init(model, n.inputs[3])];
        expect(b?.dataType).toBe(type);
        const columns = b?.dims[1] ?? 0;
        expect(scale?.dims.reduce((a, d) => a * d, 1)).toBe(granularity === 'per-tensor' ? 1 : columns);
        if (zeroPoints === 'given') expect(zp?.dataType).toBe(type);
        else expect(zp).toBeUndefined();
      }
      expect((report as { layers: unknown[] }).layers).toHaveLength(9);
    },
  );

  it.each([
    ['q8', 8, 32],
    ['q8-b64', 8, 64],
    ['q8-b128', 8, 128],
    ['q4', 4, 32],
    ['q4-b64', 4, 64],
    ['q4-b128', 4, 128],
  ] as const)('%s builds MatMulNBits with bits %i, block %i', (variant: Variant, bits, block) => {
    const { model, report } = VARIANT_SPECS[variant].build(fp32);
    const matmuls = nodes(model, 'MatMulNBits');
    // K is 64 for all but the two mlp c_proj (K = 256): block 128 covers at least those two (the rewriter
    // may pad the K = 64 ones to one block), blocks 32 and 64 all 9.
    expect(matmuls.length).toBeGreaterThanOrEqual(block === 128 ? 2 : 9);
    for (const n of matmuls) {
      expect([intAttr(n, 'bits'), intAttr(n, 'block_size')]).toEqual([bits, block]);
      // int8 compute (accuracy level 4), the fast CPU kernel, at both widths (variant-files.ts).
      expect(intAttr(n, 'accuracy_level') ?? 0).toBe(4);
      const k = intAttr(n, 'K') ?? 0;
      // B: (N, ceil(K / block), block · bits / 8) bytes.
      expect(init(model, n.inputs[1])?.dims.slice(1)).toEqual([Math.ceil(k / block), (block * bits) / 8]);
    }
    expect((report as { layers: unknown[] }).layers).toHaveLength(matmuls.length);
  });

  it('fp16 stores every float weight matrix as float16 (widened by a Cast, so graph I/O stays float32)', () => {
    const { model } = VARIANT_SPECS.fp16.build(fp32);
    const types = new Set(model.graph.initializers.filter((t) => t.dims.length === 2).map((t) => t.dataType));
    expect([...types]).toEqual([DataType.FLOAT16]);
    expect(model.graph.outputs.every((o) => o.elemType === DataType.FLOAT)).toBe(true);
  });
});
