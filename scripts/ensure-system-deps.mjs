#!/usr/bin/env node
// The Debian packages the test suite needs beside node_modules: redis-server (queues), chromium
// (dashboard browser tests), iproute2 and util-linux (multi-host tests in network namespaces),
// bible-kjv (the public-domain training corpus, printed by its `bible` command).
// Installs the missing ones with apt-get when running as root; otherwise says what to install.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};
const needs = [
  ['redis-server', has('redis-server')],
  ['chromium', existsSync('/usr/bin/chromium')],
  ['iproute2', has('ip')],
  ['util-linux', has('unshare')],
  ['bible-kjv', existsSync('/usr/bin/bible')],
]
  .filter(([, present]) => !present)
  .map(([pkg]) => pkg);

if (needs.length === 0) process.exit(0);
if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  console.log(`[deps] installing ${needs.join(' ')} with apt-get`);
  execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${needs.join(' ')}`, {
    stdio: 'inherit',
    shell: '/bin/sh',
  });
  process.exit(0);
}
console.error(
  `[deps] missing Debian packages: ${needs.join(' ')}. Install them (sudo apt-get install -y ${needs.join(' ')}) and run again.`,
);
process.exit(1);
