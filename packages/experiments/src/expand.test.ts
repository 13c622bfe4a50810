import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CellConfig } from './cell-config.ts';
import { cellId, countCells, expandMatrix, TooManyCellsError } from './expand.ts';
import { parseMatrix } from './matrix-schema.ts';

const matrix = parseMatrix({
  models: ['forge:gpt2-tiny', 'forge:gpt2-small'],
  variants: [
    { dtype: 'fp32', cache: false },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['p0', 'p1'],
  maxNewTokens: [8, 16],
  threads: [1, 2],
  repetitions: 2,
  warmup: 0,
});

describe('expandMatrix', () => {
  it('is the cartesian product in a fixed order, the last axis fastest', () => {
    const cells = expandMatrix('exp-1', matrix);
    expect(countCells(matrix)).toBe(16);
    expect(cells).toHaveLength(16);
    expect(cells.map((c) => c.index)).toEqual([...Array(16).keys()]);
    expect(cells.slice(0, 3).map((c) => [c.config.model, c.config.variant.dtype, c.config.maxNewTokens, c.config.threads])).toEqual([
      ['forge:gpt2-tiny', 'fp32', 8, 1],
      ['forge:gpt2-tiny', 'fp32', 8, 2],
      ['forge:gpt2-tiny', 'fp32', 16, 1],
    ]);
    expect(cells[15]?.config).toEqual({
      model: 'forge:gpt2-small',
      variant: { dtype: 'int8', cache: true, kvLayout: 'in-place' },
      decoding: { strategy: 'greedy' },
      prompts: ['p0', 'p1'],
      maxNewTokens: 16,
      batchSize: 1,
      device: 'cpu',
      threads: 2,
      repetitions: 2,
      warmup: 0,
      engine: 'inferlab',
      scenario: { kind: 'single-stream' },
    });
    expect(new Set(cells.map((c) => c.id)).size).toBe(16);
    expect(expandMatrix('exp-1', matrix)).toEqual(cells);
  });

  it('throws a typed error over the cap', () => {
    expect(() => expandMatrix('exp-1', matrix, { maxCells: 15 })).toThrow(TooManyCellsError);
    try {
      expandMatrix('exp-1', matrix, { maxCells: 15 });
    } catch (err) {
      expect(err).toMatchObject({ cells: 16, limit: 15 });
      expect((err as Error).message).toMatch(/16 cells, over the limit of 15/);
    }
    expect(expandMatrix('exp-1', matrix, { maxCells: 16 })).toHaveLength(16);
  });
});

describe('cellId', () => {
  const config: CellConfig = {
    model: 'forge:gpt2-tiny',
    variant: { dtype: 'fp32', cache: true },
    decoding: { strategy: 'greedy' },
    prompts: ['hi'],
    maxNewTokens: 4,
    batchSize: 1,
    device: 'cpu',
    threads: 0,
    repetitions: 1,
    warmup: 0,
  };

  it('is the first 32 hex chars of sha256 over the key-sorted JSON of { experimentId, config }', () => {
    const canonical =
      '{"config":{"batchSize":1,"decoding":{"strategy":"greedy"},"device":"cpu","maxNewTokens":4,"model":"forge:gpt2-tiny",' +
      '"prompts":["hi"],"repetitions":1,"threads":0,"variant":{"cache":true,"dtype":"fp32"},"warmup":0},"experimentId":"e"}';
    const expected = createHash('sha256').update(canonical).digest('hex').slice(0, 32);
    expect(cellId('e', config)).toBe(expected);
    expect(cellId('e', config)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('ignores key order and depends on the experiment and every field', () => {
    const reordered = Object.fromEntries(Object.entries(config).reverse()) as CellConfig;
    expect(cellId('e', reordered)).toBe(cellId('e', config));
    expect(cellId('f', config)).not.toBe(cellId('e', config));
    expect(cellId('e', { ...config, prompts: ['hi', 'there'] })).not.toBe(cellId('e', config));
  });
});

describe('engine and scenario axes', () => {
  it('puts the engines of one config side by side and carries scenario, SLO and price into every cell', () => {
    const matrix = parseMatrix({
      models: ['forge:gpt2-tiny'],
      prompts: ['p'],
      engines: ['inferlab', 'transformers.js'],
      scenarios: [{ kind: 'single-stream' }, { kind: 'server', ratePerS: 5 }],
      slo: { ttftMs: 200, tpotMs: 50 },
      pricePerHour: 0.8,
    });
    const cells = expandMatrix('e', matrix);
    expect(cells.map((c) => [c.config.scenario?.kind, c.config.engine])).toEqual([
      ['single-stream', 'inferlab'],
      ['single-stream', 'transformers.js'],
      ['server', 'inferlab'],
      ['server', 'transformers.js'],
    ]);
    expect(cells[2]?.config.scenario).toEqual({ kind: 'server', ratePerS: 5, maxConcurrency: 1, seed: 1 });
    expect(cells.every((c) => c.config.slo?.ttftMs === 200 && c.config.pricePerHour === 0.8)).toBe(true);
    expect(countCells(matrix)).toBe(4);
  });

  it('defaults to our engine, single-stream, and rejects an unknown engine by path', () => {
    const m = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['p'] });
    expect([m.engines, m.scenarios]).toEqual([['inferlab'], [{ kind: 'single-stream' }]]);
    expect(() => parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['p'], engines: ['vllm'] })).toThrow(/engines\.0/);
    expect(() => parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['p'], scenarios: [{ kind: 'server' }] })).toThrow(
      /scenarios\.0\.ratePerS/,
    );
  });
});
