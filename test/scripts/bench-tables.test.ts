import { describe, expect, it } from 'vitest';
import { type BenchResult, commandOf, renderReadme } from '../../scripts/lib/bench-tables.ts';

const result: BenchResult = {
  bench: 'kv-cache',
  options: { model: 'forge:gpt2-small', reps: '3', lengths: '40', quick: false },
  machine: { host: 'h', cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'linux 6.1', node: 'v20.20.2', commit: 'abc1234', dirty: true },
  load: { before: [0.5, 0.4, 0.3], after: [1.25, 0.5, 0.3] },
  startedAt: '2026-12-03T08:00:00.000Z',
  finishedAt: '2026-12-03T08:05:30.000Z',
  tables: [
    {
      title: 'KV cache vs no cache',
      columns: ['new_tokens', 'cache tok/s', 'note'],
      rows: [{ new_tokens: '40', 'cache tok/s': '41.2 [40.1, 43.0]', note: 'a|b' }],
      notes: ['medians [95% bootstrap CI]'],
    },
  ],
};

const README = [
  '# x',
  '<!-- bench:kv-cache -->',
  'old pasted numbers',
  '<!-- /bench:kv-cache -->',
  'between',
  '<!-- bench:quantization -->',
  'kept until regenerated',
  '<!-- /bench:quantization -->',
  '',
].join('\n');

describe('renderReadme', () => {
  it('replaces a marked block with the result: table, machine, load, commit and command beside it', () => {
    const { text, rendered, missing } = renderReadme(README, [result]);
    expect(rendered).toEqual(['kv-cache']);
    expect(missing).toEqual(['quantization']);
    expect(text).not.toContain('old pasted numbers');
    expect(text).toContain('kept until regenerated');
    expect(text).toContain('| new_tokens | cache tok/s | note |\n| --- | --- | --- |\n| 40 | 41.2 [40.1, 43.0] | a\\|b |');
    expect(text).toContain('Test CPU, 2 cores, 8 GiB, linux 6.1, Node v20.20.2; load average 0.50 0.40 0.30 → 1.25 0.50 0.30');
    expect(text).toContain('commit abc1234 (with uncommitted changes); 2026-12-03 08:05 UTC');
    expect(text).toContain('`npx tsx bench/kv-cache.ts --model forge:gpt2-small --reps 3 --lengths 40`');
    expect(text).toContain('medians [95% bootstrap CI]\n\n<!-- /bench:kv-cache -->\nbetween');
  });

  it('is stable: rendering its own output again changes nothing', () => {
    const once = renderReadme(README, [result]).text;
    expect(renderReadme(once, [result]).text).toBe(once);
  });

  it('writes the command from the options (booleans as flags, empty ones left out)', () => {
    expect(commandOf({ ...result, bench: 'early-exit', options: { quick: true, model: '', reps: '2' } })).toBe(
      'npx tsx bench/early-exit.ts --quick --reps 2',
    );
  });
});
