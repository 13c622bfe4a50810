import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { RetryableError } from '@inferlab/experiments';

// The King James Bible as Debian's bible-kjv package prints it: one verse a line, "Ge1:1 In the
// beginning…", Genesis to Revelation. Obtained offline from the Debian archive (no internet beyond
// apt's mirror); installed on demand when running as root, otherwise a clear error says how.

export const KJV_DEBIAN_PACKAGE = 'bible-kjv';
export const KJV_RANGE = 'Gen1:1-Rev22:21';
const BIBLE = '/usr/bin/bible';

export class CorpusUnavailableError extends RetryableError {
  override readonly name = 'CorpusUnavailableError';
}

function install(): void {
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', '-qq', KJV_DEBIAN_PACKAGE]);
  } catch {
    apt(['update', '-qq']); // a fresh machine has no package lists yet
    apt(['install', '-y', '-qq', KJV_DEBIAN_PACKAGE]);
  }
}

/** The package's version as dpkg records it (part of the corpus's provenance). */
export function kjvPackageVersion(): string {
  const format = ['-f=$', '{Version}'].join(''); // dpkg-query's own ${…} syntax, not a JS template
  return execFileSync('dpkg-query', ['-W', format, KJV_DEBIAN_PACKAGE], { encoding: 'utf8' }).trim();
}

/** `bible -f Gen1:1-Rev22:21`, installing bible-kjv first when it is missing and we are root. */
export function readKjvText(): string {
  if (!existsSync(BIBLE)) {
    const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
    if (!canInstall) {
      throw new CorpusUnavailableError(
        `the KJV corpus needs Debian's ${KJV_DEBIAN_PACKAGE}: run sudo apt-get install -y ${KJV_DEBIAN_PACKAGE}`,
      );
    }
    try {
      install();
    } catch (cause) {
      throw new CorpusUnavailableError(`apt-get install ${KJV_DEBIAN_PACKAGE} failed: ${(cause as Error).message}`, { cause });
    }
  }
  return execFileSync(BIBLE, ['-f', KJV_RANGE], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
