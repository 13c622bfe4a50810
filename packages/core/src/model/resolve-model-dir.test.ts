// Issue #19.5: what a dir: failure reveals. A folder outside the roots, a symlink out of them, a
// path that does not exist and a relative path all get the same sentence: "not an allowed model
// folder", naming the setting — never the resolved path, the symlink target, the roots or the cwd.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelPathError, resolveModel } from './resolve-model.ts';

const work = mkdtempSync(join(tmpdir(), 'inferlab-dir-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('dir: failures', () => {
  it('say the same thing whether the folder exists, is a symlink out, or is missing', async () => {
    const root = join(work, 'models-root');
    const secret = join(work, 'secret-place');
    mkdirSync(root);
    mkdirSync(secret);
    symlinkSync(secret, join(root, 'escape'));
    const opts = { modelsDir: root, modelRoots: [root] };
    const messages: string[] = [];
    for (const path of [secret, join(work, 'absent'), join(root, 'escape'), '../../etc', 'relative/folder']) {
      const err = await resolveModel(`dir:${path}`, 'fp32', opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelPathError);
      const message = (err as Error).message;
      expect(message).toMatch(/is not an allowed model folder/);
      expect(message).toMatch(/INFERLAB_MODEL_ROOTS/);
      for (const hidden of [root, secret, process.cwd(), work]) expect(message.replace(`dir:${path}`, '')).not.toContain(hidden);
      messages.push(message.replace(`dir:${path}`, 'dir:X'));
    }
    expect(new Set(messages).size).toBe(1);
  });
});
