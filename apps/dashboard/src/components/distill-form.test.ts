import { describe, expect, it } from 'vitest';
import { parseLayers } from './distill-form.ts';

describe('parseLayers', () => {
  it('reads comma-separated integers, ignoring blanks and spaces', () => {
    expect(parseLayers(' 1, 3,,5 ')).toEqual([1, 3, 5]);
    expect(parseLayers('')).toEqual([]);
  });
  it('keeps a part that is not an integer as typed, so the api names it by index', () => {
    expect(parseLayers('1, two, 2.5, -1')).toEqual([1, 'two', '2.5', -1]);
  });
});
