// Virtual hosts for multi-host tests: one network namespace per host, joined to this machine by a
// veth pair with its own /30 (10.231.<n>.0/30: .1 on this side, .2 inside). Traffic between a worker
// in a namespace and Redis here really crosses a (virtual) network link.
import { execFileSync } from 'node:child_process';

export type VirtualHost = { name: string; hostAddress: string; address: string; prefix: string[] };

const run = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export class NetnsUnavailableError extends Error {
  override name = 'NetnsUnavailableError';
}

/** Fails clearly when namespaces cannot be made here (needs root and iproute2). */
export function assertNetnsAvailable(): void {
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch (cause) {
    throw new NetnsUnavailableError('multi-host tests need `ip netns` (Debian: apt-get install iproute2) and root', { cause });
  }
  if (process.getuid?.() !== 0) throw new NetnsUnavailableError('multi-host tests need root to create network namespaces');
}

export function createVirtualHost(index: number, tag: string): VirtualHost {
  const name = `inferlab-${tag}-${index}`;
  const hostVeth = `il${tag.slice(0, 6)}h${index}`;
  const nsVeth = `il${tag.slice(0, 6)}n${index}`;
  const hostAddress = `10.231.${index}.1`;
  const address = `10.231.${index}.2`;
  removeVirtualHost({ name, hostAddress, address, prefix: [] }, hostVeth);
  run('netns', 'add', name);
  run('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth);
  run('link', 'set', nsVeth, 'netns', name);
  run('addr', 'add', `${hostAddress}/30`, 'dev', hostVeth);
  run('link', 'set', hostVeth, 'up');
  run('netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsVeth);
  run('netns', 'exec', name, 'ip', 'link', 'set', nsVeth, 'up');
  run('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  // Its own UTS namespace too, so the worker reports its own host name.
  const prefix = ['ip', 'netns', 'exec', name, 'unshare', '--uts', 'sh', '-c', `hostname ${name} && exec "$0" "$@"`];
  return { name, hostAddress, address, prefix };
}

export function removeVirtualHost(host: VirtualHost, hostVeth?: string): void {
  try {
    run('netns', 'del', host.name);
  } catch {
    // not there
  }
  if (hostVeth) {
    try {
      run('link', 'del', hostVeth);
    } catch {
      // deleted with the namespace
    }
  }
}
