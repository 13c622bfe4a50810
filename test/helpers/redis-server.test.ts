import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedis } from './redis-server.ts';

describe('startRedis', () => {
  it('starts a server that answers and stops it', async () => {
    const redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port: redis.port, host: '127.0.0.1' }, () => socket.write('CONFIG GET maxmemory-policy\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString());
      });
      socket.once('error', reject);
    });
    expect(reply).toContain('noeviction');
    await redis.stop();
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect({ port: redis.port, host: '127.0.0.1' }, () => resolve('connected'));
        socket.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
