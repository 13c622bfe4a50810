import { DTYPES, type Dtype } from '@inferlab/experiments';
import type { ModelProto } from '../onnx/index.ts';
import { gemmToMatMul, rewriteDynamicInt8, rewriteFp16Weights, rewriteMatMulNBits } from './index.ts';

// The one registry of weight variants (docs/contracts.md "Variants"): matrix dtype → file in the
// model folder, how to build it from onnx/model.onnx, and bytes per parameter. transformers.js'
// own names (model_int8, _uint8, _q4, _fp16) keep its file names; the other schemes get their own
// stems, which transformers.js loads through `model_file_name` (see transformersJsFileOptions).

/** The matrix's dtypes (experiments' DTYPES): VARIANT_SPECS below has a spec for each. */
export const VARIANTS = DTYPES;
export type Variant = Dtype;

/** The rewritten model; `report` is the rewriter's (per-layer errors etc.), null for fp32. */
export type VariantBuild = { model: ModelProto; report: object | null };

export type VariantSpec = {
  file: string;
  /** Bytes per parameter of the weights (per-channel / per-block scales and zero points not counted). */
  bytesPerParam: number;
  /** Forge writes it with the model (bytes fixed by FORGE_FORMAT_VERSION); else built on first use. */
  eager: boolean;
  /** For people: what the file holds. */
  scheme: string;
  build: (model: ModelProto) => VariantBuild;
};

/**
 * A quantizing rewrite run on `model` with its plain Gemms as MatMuls first (gemm-to-matmul.ts), so a
 * torch export's Conv1D/Linear weights are quantized too. A graph with no Gemm (every forge graph)
 * reaches the rewrite as it is, so its bytes and report stay what they were; one with Gemms reports
 * what became of them under `gemmToMatMul`.
 */
function onMatMuls<R extends object>(rewrite: (model: ModelProto) => { model: ModelProto; report: R }): VariantSpec['build'] {
  return (model) => {
    const gemms = gemmToMatMul(model);
    const { model: rewritten, report } = rewrite(gemms.model);
    const seen = gemms.report.gemmsRewritten + gemms.report.gemmsKept.length;
    return { model: rewritten, report: seen === 0 ? report : { ...report, gemmToMatMul: gemms.report } };
  };
}

const int8 = (scheme: string, file: string, opts: Parameters<typeof rewriteDynamicInt8>[1], eager = false): VariantSpec => ({
  file,
  bytesPerParam: 1,
  eager,
  scheme,
  build: onMatMuls((model) => rewriteDynamicInt8(model, opts)),
});

// MatMulNBits runs with accuracy level 4 (activations quantized to int8 per block, int8 dot
// products). 8-bit: onnxruntime-node 1.30's CPU kernel at level 0 (float compute) was ~50× slower,
// measured on forge gpt2-mini, 1 thread, 32 tokens: 5.4 tok/s at level 0, 5.7 at 1, 267 at 4. 4-bit:
// on gpt2-mini at 1 thread the levels were close (198 vs 205), but on gpt2-small at 2 threads level 4
// decodes 1.44× level 0 (2.51× vs 1.75× fp32, bench/proto/q4-accuracy-level.ts), so q4 uses it too.
const nbits = (bits: 4 | 8, blockSize: 32 | 64 | 128, file: string, eager = false): VariantSpec => {
  const accuracyLevel = 4;
  return {
    file,
    bytesPerParam: bits / 8,
    eager,
    scheme: `weight-only ${bits}-bit MatMulNBits, block ${blockSize}, accuracy level ${accuracyLevel}`,
    build: onMatMuls((model) => rewriteMatMulNBits(model, { bits, blockSize, accuracyLevel })),
  };
};

export const VARIANT_SPECS: Record<Variant, VariantSpec> = {
  fp32: { file: 'onnx/model.onnx', bytesPerParam: 4, eager: true, scheme: 'float32 weights', build: (model) => ({ model, report: null }) },
  // fp16 stores every float initializer, a Gemm's B included, so it needs no MatMul form: its
  // bytes for a Gemm graph stay those it always wrote.
  fp16: {
    file: 'onnx/model_fp16.onnx',
    bytesPerParam: 2,
    eager: false,
    scheme: 'float16 weights',
    build: (model) => rewriteFp16Weights(model),
  },
  // The three eager int8-family files keep the rewriters' defaults, so their bytes never change.
  int8: int8('dynamic int8, symmetric per-channel int8 weights', 'onnx/model_int8.onnx', {}, true),
  'int8-per-tensor': int8('dynamic int8, symmetric per-tensor int8 weights', 'onnx/model_int8_per_tensor.onnx', {
    granularity: 'per-tensor',
  }),
  'int8-asym': int8('dynamic int8, asymmetric per-channel int8 weights', 'onnx/model_int8_asym.onnx', { symmetric: false }),
  'int8-asym-per-tensor': int8('dynamic int8, asymmetric per-tensor int8 weights', 'onnx/model_int8_asym_per_tensor.onnx', {
    symmetric: false,
    granularity: 'per-tensor',
  }),
  uint8: int8('dynamic int8, asymmetric per-channel uint8 weights', 'onnx/model_uint8.onnx', { signed: false }, true),
  'uint8-per-tensor': int8('dynamic int8, asymmetric per-tensor uint8 weights', 'onnx/model_uint8_per_tensor.onnx', {
    signed: false,
    granularity: 'per-tensor',
  }),
  q8: nbits(8, 32, 'onnx/model_q8.onnx'),
  'q8-b64': nbits(8, 64, 'onnx/model_q8_b64.onnx'),
  'q8-b128': nbits(8, 128, 'onnx/model_q8_b128.onnx'),
  q4: nbits(4, 32, 'onnx/model_q4.onnx', true),
  'q4-b64': nbits(4, 64, 'onnx/model_q4_b64.onnx'),
  'q4-b128': nbits(4, 128, 'onnx/model_q4_b128.onnx'),
};

export const VARIANT_FILES = Object.fromEntries(VARIANTS.map((v) => [v, VARIANT_SPECS[v].file])) as Record<Variant, string>;

/** Bytes per parameter of each variant's weights (scales and zero points not counted). */
export const VARIANT_PARAM_BYTES = Object.fromEntries(VARIANTS.map((v) => [v, VARIANT_SPECS[v].bytesPerParam])) as Record<Variant, number>;

export function isVariant(name: string): name is Variant {
  return (VARIANTS as readonly string[]).includes(name);
}

/**
 * transformers.js `from_pretrained` options that load a variant's file: `model_file_name` is the
 * stem under `onnx/` and dtype fp32 adds no suffix, so `model_q8_b64` loads onnx/model_q8_b64.onnx
 * (its own `q8` would look for model_quantized.onnx). The KV-cache dtype it feeds comes from the
 * session's input metadata, not from this dtype.
 */
export function transformersJsFileOptions(variant: Variant): { model_file_name: string; dtype: 'fp32' } {
  const file = VARIANT_FILES[variant];
  return { model_file_name: file.slice('onnx/'.length, -'.onnx'.length), dtype: 'fp32' };
}
