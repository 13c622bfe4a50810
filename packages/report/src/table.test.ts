import { describe, expect, it } from 'vitest';
import { tableToMarkdown } from './render-markdown.ts';
import { tableToCsv, tableToText } from './table.ts';

const TABLE = {
  columns: ['cell', 'value'],
  rows: [
    ['a, "b"', '1'],
    ['multi\nline | pipe', ''],
  ],
};

describe('tables', () => {
  it('CSV quotes fields with commas, quotes and newlines (RFC 4180)', () => {
    expect(tableToCsv(TABLE)).toBe('cell,value\n"a, ""b""",1\n"multi\nline | pipe",');
  });

  it('markdown keeps one row per line and escapes the pipe', () => {
    expect(tableToMarkdown(TABLE).split('\n')).toEqual([
      '| cell | value |',
      '| --- | --- |',
      '| a, "b" | 1 |',
      '| multi line \\| pipe |   |',
    ]);
  });

  it('text aligns columns under a dashed rule', () => {
    expect(tableToText({ columns: ['x', 'long'], rows: [['wide cell', '1']] }).split('\n')).toEqual([
      'x          long',
      '---------  ----',
      'wide cell  1',
    ]);
  });
});
