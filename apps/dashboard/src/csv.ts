import type { Scalar } from './cell-rows.ts';

/**
 * RFC 4180 CSV. A text field that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab,
 * CR) is prefixed with `'`: a prompt or error message must not run as one.
 */
export function toCsv(rows: readonly Record<string, Scalar>[]): string {
  const header: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        header.push(k);
      }
  const field = (v: Scalar | undefined): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [header.map((k) => field(k)), ...rows.map((r) => header.map((k) => field(r[k])))];
  return `${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}

/** Saves text (or a blob: a chart's PNG) as a file through a temporary object URL (no server round trip). */
export function download(filename: string, mime: string, content: string | Blob): void {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
