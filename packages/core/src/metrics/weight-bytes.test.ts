import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { attr, createModel, DataType, type GraphProto, MS_DOMAIN, type NodeProto, readModelFile, tensorFromArray } from '../onnx/index.ts';
import { fileWeightBytes, WeightBytesError, weightBytesByDtype } from './weight-bytes.ts';

const node = (opType: string, inputs: string[], outputs: string[], attributes: NodeProto['attributes'] = [], domain = ''): NodeProto => ({
  name: outputs[0] ?? opType,
  opType,
  domain,
  inputs,
  outputs,
  attributes,
});
const graph = (g: Partial<GraphProto>): GraphProto => ({
  name: 'g',
  nodes: [],
  initializers: [],
  inputs: [],
  outputs: [],
  valueInfo: [],
  ...g,
});

describe('weightBytesByDtype', () => {
  it('sums every stored tensor by element type, packed 4-bit blobs and If branches included (counts by hand)', () => {
    const thenBranch = graph({ initializers: [tensorFromArray('half', DataType.FLOAT16, [3], new Uint16Array(3))] }); // 3 × 2 = 6
    const model = createModel(
      graph({
        initializers: [
          tensorFromArray('w', DataType.FLOAT, [3, 4], new Float32Array(12)), // 48
          tensorFromArray('w_int8', DataType.INT8, [2, 5], new Int8Array(10)), // 10
          tensorFromArray('w_q4', DataType.UINT8, [4, 1, 16], new Uint8Array(64)), // MatMulNBits B: 64 bytes of 4-bit codes
          tensorFromArray('w_q4_scales', DataType.FLOAT, [4], new Float32Array(4)), // 16
          tensorFromArray('w_q8', DataType.UINT8, [2, 1, 32], new Uint8Array(64)), // MatMulNBits bits 8: plain uint8
          tensorFromArray('zp', DataType.UINT8, [7], new Uint8Array(7)), // 7
        ],
        nodes: [
          node('MatMulNBits', ['a', 'w_q4', 'w_q4_scales'], ['y4'], [{ name: 'bits', ...attr.int(4) }], MS_DOMAIN),
          node('MatMulNBits', ['a', 'w_q8', 'w_q4_scales'], ['y8'], [{ name: 'bits', ...attr.int(8) }], MS_DOMAIN),
          node(
            'Constant',
            [],
            ['shape'],
            [{ name: 'value', ...attr.tensor(tensorFromArray('s', DataType.INT64, [2], new BigInt64Array(2))) }],
          ), // 16
          node('If', ['cond'], ['out'], [{ name: 'then_branch', type: 5, g: thenBranch }]),
        ],
      }),
    );
    expect(weightBytesByDtype(model)).toEqual({ float32: 48 + 16, int8: 10, uint4: 64, uint8: 64 + 7, int64: 16, float16: 6 });
  });

  it('names a tensor whose type has no fixed size', () => {
    const model = createModel(
      graph({ initializers: [{ name: 'names', dataType: DataType.STRING, dims: [2], rawData: new Uint8Array(0) }] }),
    );
    expect(() => weightBytesByDtype(model)).toThrow(WeightBytesError);
    expect(() => weightBytesByDtype(model)).toThrow(/'names' has ONNX data type 8/);
  });

  it('gpt2-tiny files: the int8 and q4 weight payloads equal the counts from its shapes', async () => {
    const folder = join(await sharedModelsDir(['gpt2-tiny']), 'forge', 'gpt2-tiny');
    // gpt2-tiny: 2 layers, d = 64, vocab 50257. Quantized MatMul weights (K, N) per layer: c_attn (64, 192),
    // attn c_proj (64, 64), c_fc (64, 256), mlp c_proj (256, 64); plus the tied LM head (64, 50257).
    const layers: [number, number][] = [
      [64, 192],
      [64, 64],
      [64, 256],
      [256, 64],
    ];
    const weights: [number, number][] = [...layers, ...layers, [64, 50257]];
    const int8 = weights.reduce((s, [k, n]) => s + k * n, 0);
    expect(int8).toBe(3_314_752);
    // q4, block 32: N rows × ceil(K / 32) blocks × 16 bytes (32 codes, two a byte).
    const q4 = weights.reduce((s, [k, n]) => s + n * Math.ceil(k / 32) * 16, 0);
    expect(q4).toBe(1_657_376);

    const bytes = (file: string) => fileWeightBytes({ folder, file: join(folder, file) });
    expect((await bytes('onnx/model_int8.onnx')).int8).toBe(int8);
    expect((await bytes('onnx/model_q4.onnx')).uint4).toBe(q4);
    const fp32 = await bytes('onnx/model.onnx');
    expect(fp32.int8).toBeUndefined();
    // Every float parameter is stored once as float32 (the LM head is the embedding's transpose, stored separately).
    expect(fp32.float32).toBeGreaterThanOrEqual(4 * int8);
    // Cached: the same object for the same file content, and equal to a fresh scan.
    expect(await bytes('onnx/model.onnx')).toBe(fp32);
    expect(weightBytesByDtype(readModelFile(join(folder, 'onnx/model.onnx')))).toEqual(fp32);
  }, 120_000);
});
