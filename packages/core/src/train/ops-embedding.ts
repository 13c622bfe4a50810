import { attr } from '../onnx/index.ts';
import type { GradTape } from './grad-tape.ts';

// Embedding lookups. The backward of a gather is a scatter-add of the rows' gradients into a zero
// table (ScatterND, reduction 'add', so a token seen twice gets both contributions).

/** Σ into rows `ids` of a zero (rows, D) table: ids (…) int64, grad (…, D). */
function scatterRows(t: GradTape, ids: string, grad: string, rows: number, d: number): string {
  const g = t.g;
  const idx = g.op('Reshape', [ids, g.int64('idx_shape', [-1, 1])]); // (N, 1)
  const upd = g.op('Reshape', [grad, g.int64('rows_d', [-1, d])]); // (N, D)
  return g.op('ScatterND', [t.zeros([rows, d]), idx, upd], { reduction: attr.string('add') }); // (rows, D)
}

/** Rows of a (V, D) table: ids (…) → (…, D). */
export function embedRows(t: GradTape, table: string, ids: string, rows: number, d: number): string {
  const y = t.g.op('Gather', [table, ids], { axis: attr.int(0) });
  t.record(() => {
    const dy = t.grad(y);
    if (dy !== undefined) t.accumulate(table, () => scatterRows(t, ids, dy, rows, d));
  });
  return y;
}

/**
 * Columns of the transposed (D, V) table the forge files store for tied embeddings, as the
 * inference graph reads it: Gather axis 1 → (D, B, S) → Transpose → (B, S, D).
 */
export function embedColumns(t: GradTape, tableT: string, ids: string, vocab: number, d: number): string {
  const g = t.g;
  const y = g.op('Transpose', [g.op('Gather', [tableT, ids], { axis: attr.int(1) })], { perm: attr.ints([1, 2, 0]) });
  t.record(() => {
    const dy = t.grad(y);
    if (dy !== undefined) t.accumulate(tableT, () => g.op('Transpose', [scatterRows(t, ids, dy, vocab, d)], { perm: attr.ints([1, 0]) }));
  });
  return y;
}
