/** A table of plain text cells: rendered as aligned text, markdown, CSV or HTML, each escaping its own way. */
export type Table = { columns: string[]; rows: string[][] };

export function tableToText(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(table.columns), line(widths.map((w) => '-'.repeat(w))), ...table.rows.map(line)].join('\n');
}

export function tableToCsv(table: Table): string {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [table.columns, ...table.rows].map((r) => r.map(field).join(',')).join('\n');
}
