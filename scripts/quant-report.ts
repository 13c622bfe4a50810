// Per-layer quantization error of one weight variant: the rewriter's report for every weight it
// quantized (MSE, max |error|, SQNR in dB), worst first, from the model's own onnx/model.onnx.
// npm run quant-report -- [--model forge:gpt2-small] [--variant q4] [--most 20] [--json]
import { join } from 'node:path';
import { isVariant, type LayerQuantError, readModelFile, resolveModel, VARIANT_SPECS, VARIANTS } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { flag, table } from '../bench/lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const variant = flag('--variant', 'q4');
const most = Number(flag('--most', '20'));
if (!isVariant(variant) || variant === 'fp32') {
  console.error(`--variant ${variant}: pick one of ${VARIANTS.filter((v) => v !== 'fp32').join(', ')}`);
  process.exit(2);
}
const modelsDir = modelsDirFromEnv(process.env);
const { folder } = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const t0 = performance.now();
const { report } = VARIANT_SPECS[variant].build(readModelFile(join(folder, VARIANT_SPECS.fp32.file)));
const layers = ((report as { layers?: LayerQuantError[] } | null)?.layers ?? []).slice().sort((a, b) => a.sqnrDb - b.sqnrDb);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ model, variant, scheme: VARIANT_SPECS[variant].scheme, layers }, null, 2));
  process.exit(0);
}
console.log(
  `${model} ${variant} (${VARIANT_SPECS[variant].scheme}): ${layers.length} weights rewritten in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
const sqnr = layers.map((l) => l.sqnrDb);
console.log(
  `SQNR dB: worst ${Math.min(...sqnr).toFixed(2)}, best ${Math.max(...sqnr).toFixed(2)}; worst ${Math.min(most, layers.length)}:`,
);
console.log(
  table(
    layers.slice(0, most).map((l) => ({
      weight: l.weight,
      dims: l.dims.join('×'),
      mse: l.mse.toExponential(3),
      'max |err|': l.maxAbsError.toExponential(3),
      'SQNR dB': l.sqnrDb.toFixed(2),
    })),
  ),
);
