import { createModel, DataType, GraphBuilder, type ModelProto } from '../onnx/index.ts';
import { SEGMENT_HIDDEN_IN, SEGMENT_HIDDEN_OUT } from '../runtime/io-names.ts';
import type { ExitHead } from './exit-head.ts';

// A trained exit head's map h → z as a tiny graph (kept in memory, never written): hidden_in
// (B, S, D) → hidden_out (B, S, D). Identity heads have no graph: z = h goes straight to the head.

export function buildExitMapGraph(head: Exclude<ExitHead, { kind: 'identity' }>, hidden: number): ModelProto {
  const g = new GraphBuilder(`inferlab-exit-map-${head.layer}`);
  const h = g.input(SEGMENT_HIDDEN_IN, DataType.FLOAT, ['batch_size', 'sequence_length', hidden]);
  if (head.kind === 'linear') {
    g.node('MatMul', [h, g.initializer('w', DataType.FLOAT, [hidden, hidden], head.w)], [SEGMENT_HIDDEN_OUT]);
  } else {
    const down = g.initializer('down', DataType.FLOAT, [hidden, head.rank], head.down);
    const up = g.initializer('up', DataType.FLOAT, [head.rank, hidden], head.up);
    const delta = g.op('MatMul', [g.op('MatMul', [h, down]), up]); // (B, S, r) → (B, S, D)
    g.node('Add', [h, delta], [SEGMENT_HIDDEN_OUT]);
  }
  g.output(SEGMENT_HIDDEN_OUT, DataType.FLOAT, ['batch_size', 'sequence_length', hidden]);
  return createModel(g.build());
}
