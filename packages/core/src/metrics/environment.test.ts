import { describe, expect, it } from 'vitest';
import { captureEnvironment } from './environment.ts';

// docs/metrics.md "Environment captured with every result": every field present and meaningful here.
describe('captureEnvironment', () => {
  it('captures every docs/metrics.md environment field', () => {
    const e = captureEnvironment(2, 'cpu');
    expect(e.host).not.toBe('');
    expect(e.cpuModel).not.toBe('unknown');
    expect(e.cores).toBeGreaterThan(0);
    expect(e.threads).toBe(2); // intraOpNumThreads used, not the core count
    expect(e.memoryBytes).toBeGreaterThan(2 ** 20);
    expect(e.os).toMatch(/\S+ \S+ \S+/); // type release arch
    expect(e.node).toBe(process.version);
    expect(e.onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    expect(e.inferlab).toMatch(/^\d+\.\d+\.\d+/);
    expect(e.gitCommit === null || /^[0-9a-f]{40}$/.test(e.gitCommit)).toBe(true);
    expect(e.executionProvider).toBe('cpu');
    expect('gpu' in e).toBe(true); // "name, driver" from nvidia-smi, or null without a GPU
    expect(e.clock).toMatch(/monotonic/);
  });

  it('takes the commit from its caller when given (a container has no .git), reading no variable itself', () => {
    expect(captureEnvironment(1, 'cpu', { gitCommit: 'abc123' }).gitCommit).toBe('abc123');
    const before = process.env.INFERLAB_GIT_COMMIT;
    process.env.INFERLAB_GIT_COMMIT = 'from-the-environment';
    try {
      expect(captureEnvironment(1, 'cpu').gitCommit).not.toBe('from-the-environment');
    } finally {
      if (before === undefined) delete process.env.INFERLAB_GIT_COMMIT;
      else process.env.INFERLAB_GIT_COMMIT = before;
    }
  });
});
