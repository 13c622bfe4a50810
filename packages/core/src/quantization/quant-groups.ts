import { QuantizationError } from './quantize-per-channel.ts';

// Which values of a (rows, cols) row-major matrix share one scale and zero point.
//   tensor:               1 group;
//   channel per row:      group r (rows groups) — a Linear's output channel when W is (out, in);
//   channel per column:   group c (cols groups) — the output channel of MatMul's B (in, out);
//   block per row/column: each row (column) cut into blocks of `size` consecutive values, group
//                         = line · blocksPerLine + offset / size; per column is MatMulNBits'
//                         layout: scales (N, K / size) for B (K, N).

export type Granularity =
  | { kind: 'tensor' }
  | { kind: 'channel'; per: 'row' | 'column' }
  | { kind: 'block'; per: 'row' | 'column'; size: number };

export type GroupLayout = { count: number; of: (r: number, c: number) => number };

export function groupLayout(g: Granularity, rows: number, cols: number): GroupLayout {
  switch (g.kind) {
    case 'tensor':
      return { count: 1, of: () => 0 };
    case 'channel':
      return g.per === 'row' ? { count: rows, of: (r) => r } : { count: cols, of: (_r, c) => c };
    case 'block': {
      if (!Number.isInteger(g.size) || g.size < 1) throw new QuantizationError(`block size ${g.size} is not a positive integer`);
      if (g.per === 'row') {
        const nb = Math.ceil(cols / g.size);
        return { count: rows * nb, of: (r, c) => r * nb + Math.floor(c / g.size) };
      }
      const nb = Math.ceil(rows / g.size);
      return { count: cols * nb, of: (r, c) => c * nb + Math.floor(r / g.size) };
    }
    default:
      return assertNever(g);
  }
}

function assertNever(x: never): never {
  throw new QuantizationError(`unknown granularity ${JSON.stringify(x)}`);
}
