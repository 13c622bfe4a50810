// Every error class that can reach the worker says whether a retry can fix it (retry-policy.ts in
// experiments): it extends PermanentError or RetryableError. The classes are found by walking the
// imports of the worker's own modules and of core's, the runner's and experiments' entry points, so
// a new error anywhere they reach is checked without being listed here.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as core from '@inferlab/core';
import { isNetworkFailure, isPermanent, PermanentError, RetryableError } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { InferenceError } from './inference-host.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRIES = [
  'packages/core/src/index.ts',
  'packages/runner/src/index.ts',
  'packages/experiments/src/index.ts',
  'apps/worker/src/main.ts',
  'apps/worker/src/inference-thread.ts',
];
const PACKAGES: Record<string, string> = {
  '@inferlab/core': 'packages/core/src/index.ts',
  '@inferlab/runner': 'packages/runner/src/index.ts',
  '@inferlab/experiments': 'packages/experiments/src/index.ts',
};

/** Source files reachable from the entries through relative and @inferlab imports (tests excluded). */
function reachableFiles(): string[] {
  const seen = new Set<string>();
  const queue = ENTRIES.map((e) => join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (spec === undefined) continue;
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : PACKAGES[spec] && join(ROOT, PACKAGES[spec]);
      if (target && /\.(ts|mjs)$/.test(target) && !target.endsWith('.test.ts')) queue.push(target);
    }
  }
  return [...seen];
}

/** Each `class XxxError extends Base` in those files: the name and its base. */
function errorClasses(): Map<string, { base: string; file: string }> {
  const out = new Map<string, { base: string; file: string }>();
  for (const file of reachableFiles()) {
    for (const [, name, base] of readFileSync(file, 'utf8').matchAll(/class (\w+Error) extends (\w+)/g)) {
      if (name && base) out.set(name, { base, file: file.slice(ROOT.length + 1) });
    }
  }
  return out;
}

describe('retry policy of every error class that can reach the worker', () => {
  const classes = errorClasses();

  it('finds the errors of core, the runner, experiments and the worker', () => {
    expect(classes.size).toBeGreaterThan(40);
    for (const name of ['DecodingConfigError', 'OnnxDecodeError', 'InvalidMatrixError', 'WorkerConfigError', 'InferenceError']) {
      expect(classes.has(name), name).toBe(true);
    }
  });

  it('each extends PermanentError or RetryableError, directly or through another of ours', () => {
    const policy = (name: string, depth = 0): string => {
      const c = classes.get(name);
      if (name === 'PermanentError' || name === 'RetryableError') return name;
      if (c === undefined || depth > 8) return `none (${name})`;
      return policy(c.base, depth + 1);
    };
    const missing = [...classes].filter(([name]) => !/^(Permanent|Retryable)Error$/.test(policy(name))).map(([n, c]) => `${n} (${c.file})`);
    expect(missing).toEqual([]);
  });

  it('the exported classes carry the policy at run time too', () => {
    const exported = Object.entries(core).filter(
      ([name, v]) => name.endsWith('Error') && typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error,
    );
    expect(exported.length).toBeGreaterThan(20);
    for (const [name, cls] of exported) {
      const proto = (cls as { prototype: unknown }).prototype;
      expect(proto instanceof PermanentError || proto instanceof RetryableError, name).toBe(true);
    }
  });

  it('config, model and engine errors are permanent; the ones the name list forgot too', () => {
    for (const e of [
      new core.DecodingConfigError('x'),
      new core.UnsupportedEngineConfigError('x'),
      new core.KvInt8UnsupportedError('x'),
      new core.KvCacheDtypeError('x'),
      new core.ExecutionProviderError('x'),
      new core.LlamaImportError('x'),
      new core.CellCancelledError('x'),
      new RangeError('x'),
    ]) {
      expect(isPermanent(e), e.name).toBe(true);
    }
    for (const e of [new core.SessionLoadError('x'), new core.ForgeBuildError('x'), new Error('x'), 'a string']) {
      expect(isPermanent(e)).toBe(false);
    }
  });

  it('network failures are retried, also when a permanent-looking error wraps one', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    expect(isNetworkFailure(fetchFailed)).toBe(true);
    expect(isPermanent(fetchFailed)).toBe(false);
    expect(isPermanent(Object.assign(new Error('connect'), { code: 'ETIMEDOUT' }))).toBe(false);
    expect(isPermanent(new DOMException('timed out', 'TimeoutError'))).toBe(false);
    const blip = new core.ModelUnavailableError('hf:org/name could not be fetched', { cause: fetchFailed });
    expect(blip.permanent).toBe(false);
    expect(isPermanent(blip)).toBe(false);
    for (const busy of [
      'Service unavailable error occurred while trying to load file: "https://huggingface.co/x".',
      'Gateway timeout error occurred while trying to load file: "https://huggingface.co/x".',
      'Error (429) occurred while trying to load file',
    ]) {
      expect(isPermanent(new core.ModelUnavailableError('hf:org/name could not be fetched', { cause: new Error(busy) })), busy).toBe(false);
    }
    const missing = new core.ModelUnavailableError('hf:org/name: 404', { cause: new Error('Could not locate file: "https://x".') });
    expect(missing.permanent).toBe(true);
    expect(isPermanent(missing)).toBe(true);
  });

  it('an error carried across the inference thread keeps the policy the thread read', () => {
    expect(isPermanent(new InferenceError('DecodingConfigError', 'x', true))).toBe(true);
    expect(isPermanent(new InferenceError('SessionLoadError', 'x', false))).toBe(false);
    expect(isPermanent(new InferenceError('ThreadCrash', 'inference thread exited with code 1'))).toBe(false);
  });
});
