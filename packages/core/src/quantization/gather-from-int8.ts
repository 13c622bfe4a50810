import { attr, DataType, type NodeProto } from '../onnx/index.ts';
import type { QuantizedWeight } from './int8-weights.ts';
import { QuantizationError } from './quantize-per-channel.ts';

/**
 * Gather(W, idx, axis) on a per-column-quantized W (rows, cols):
 *   axis 1 gathers columns → (rows, ...idx): scale each by Gather(scales, idx) (…idx) broadcast;
 *   axis 0 gathers rows → (...idx, cols): the (cols) scales broadcast on the last axis directly.
 * Asymmetric weights subtract their zero points (same layout as the scales) before scaling;
 * per-tensor scale and zero point are scalars that broadcast as they are.
 */
export function gatherFromInt8(n: NodeProto, q: QuantizedWeight, fresh: (base: string) => string): NodeProto[] {
  const axisAttr = n.attributes.find((a) => a.name === 'axis');
  const axis = axisAttr?.i ?? 0;
  if (axis !== 0 && axis !== 1 && axis !== -1 && axis !== -2) {
    throw new QuantizationError(`Gather '${n.name}' on a matrix with axis ${axis}`);
  }
  const onColumns = axis === 1 || axis === -1;
  const indices = n.inputs[1] as string;
  const [out] = n.outputs as [string];
  const gathered = fresh(`${out}_int8`);
  const asFloat = fresh(`${out}_int8_float`);
  const node = (opType: string, inputs: string[], output: string, attributes: NodeProto['attributes'] = []) => ({
    name: fresh(`${n.name}_${opType.toLowerCase()}`),
    opType,
    domain: '',
    inputs,
    outputs: [output],
    attributes,
  });
  const nodes: NodeProto[] = [
    { ...n, inputs: [q.values, indices], outputs: [gathered] },
    node('Cast', [gathered], asFloat, [{ name: 'to', ...attr.int(DataType.FLOAT) }]),
  ];
  // Per-column tables (scales, zero points) are gathered along with the columns they belong to.
  const perColumn = (table: string, suffix: string) => {
    if (!onColumns || q.perTensor === true) return table;
    const picked = fresh(`${out}_${suffix}`);
    nodes.push(node('Gather', [table, indices], picked, [{ name: 'axis', ...attr.int(0) }]));
    return picked;
  };
  let centred = asFloat;
  if (q.zeroPoints !== undefined) {
    centred = fresh(`${out}_int8_centred`);
    nodes.push(node('Sub', [asFloat, perColumn(q.zeroPoints.float, 'zero_points')], centred));
  }
  nodes.push(node('Mul', [centred, perColumn(q.scales, 'scales')], out));
  return nodes;
}
