import { describe, expect, it } from 'vitest';
import { withTimeout } from './with-timeout.ts';

describe('withTimeout', () => {
  it('passes the value through, or rejects with the given error once the time is up', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, () => new Error('late'))).resolves.toBe(7);
    const hang = new Promise<number>(() => {});
    const t = performance.now();
    await expect(withTimeout(hang, 30, () => new Error('late'))).rejects.toThrow('late');
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it("passes the work's own rejection through", async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 50, () => new Error('late'))).rejects.toThrow('refused');
  });
});
