import { describe, expect, it } from 'vitest';
import { engineVersion } from './cell-engine.ts';

describe('engineVersion', () => {
  it('names the engine and its version', () => {
    expect(engineVersion('inferlab')).toMatch(/^inferlab \d+\.\d+\.\d+$/);
    expect(engineVersion('transformers.js')).toMatch(/^transformers\.js \d+\.\d+\.\d+$/);
  });
});
