import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

/** One problem with a submitted matrix: a dotted field path (`variants.0.dtype`) and what to do. */
export type MatrixIssue = { path: string; message: string };

/**
 * At most this many issues are worded and reported (errors carry the total as `issueCount`): a body
 * with 150,000 unknown keys must cost what a body with 20 does, not seconds and a 32 MB answer.
 */
export const MAX_REPORTED_ISSUES = 20;
/** Unknown keys named in one issue's message before "and N more". */
const MAX_NAMED_KEYS = 5;

/** The first MAX_REPORTED_ISSUES issues and how many there were in all. */
export type BoundedIssues = { issues: MatrixIssue[]; total: number };

/** Objects in a matrix or a distill request have a handful of fields, lists at most 64 items. */
export const MAX_OBJECT_FIELDS = 100;
export const MAX_ARRAY_ITEMS = 1024;
const MAX_VISITED = 100_000;

/**
 * An object with more fields, or a list with more items, than any valid input has — found before
 * the schema runs, so an input built to be slow to validate (150,000 unknown keys, a million list
 * items, each worded as an issue) costs a walk of its keys and nothing more. Null when none.
 */
export function oversizedInput(input: unknown): BoundedIssues | null {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: input, path: [] }];
  for (let visited = 0; stack.length > 0 && visited < MAX_VISITED; visited++) {
    const { value, path } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (Array.isArray(value)) {
      if (value.length > MAX_ARRAY_ITEMS) {
        const message = `a list of ${value.length} items; no list here takes more than ${MAX_ARRAY_ITEMS}`;
        return { issues: [{ path: pathKey(path), message }], total: 1 };
      }
      for (const [i, item] of value.entries()) stack.push({ value: item, path: [...path, i] });
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      if (keys.length > MAX_OBJECT_FIELDS) {
        const message = `an object with ${keys.length} fields (${namedKeys(keys)}); no object here has more than ${MAX_OBJECT_FIELDS}`;
        return { issues: [{ path: pathKey(path), message }], total: 1 };
      }
      for (const key of keys) stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return null;
}

type RawIssue = z.core.$ZodRawIssue;

/**
 * Builds a per-parse zod error map that words each issue as "what was expected, what was given",
 * and remembers the known keys of every object that had unknown ones (the map is the only place
 * that sees the object schema) so `toMatrixIssues` can suggest the intended field.
 */
export function createMatrixErrorMap(): {
  errorMap: (issue: RawIssue) => string | undefined;
  toMatrixIssues: (issues: readonly z.core.$ZodIssue[]) => BoundedIssues;
} {
  const knownKeysAt = new Map<string, string[]>();

  const errorMap = (issue: RawIssue): string | undefined => {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'required field is missing';
        return `expected ${article(issue.expected)}, got ${describe(issue.input)}`;
      case 'invalid_value': {
        const expected = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describe(issue.input)}`;
        const known = issue.values.filter((v): v is string => typeof v === 'string');
        const suggestion = typeof issue.input === 'string' ? didYouMean(issue.input, known) : null;
        return suggestion === null ? expected : `${expected}; did you mean ${JSON.stringify(suggestion)}?`;
      }
      case 'too_small':
        return bound(issue.inclusive === false ? 'greater than' : 'at least', issue.origin, issue.minimum, issue.input);
      case 'too_big':
        return bound(issue.inclusive === false ? 'less than' : 'at most', issue.origin, issue.maximum, issue.input);
      case 'unrecognized_keys': {
        const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
        if (shape !== undefined) knownKeysAt.set(pathKey(issue.path ?? []), Object.keys(shape));
        return `unknown field${issue.keys.length === 1 ? '' : 's'} ${namedKeys(issue.keys)}`;
      }
      default:
        return undefined; // zod's own wording, or the schema's custom message
    }
  };

  const toMatrixIssues = (issues: readonly z.core.$ZodIssue[]): BoundedIssues => {
    const out: MatrixIssue[] = [];
    let total = 0;
    for (const issue of issues) {
      if (issue.code !== 'unrecognized_keys') {
        total += 1;
        if (out.length < MAX_REPORTED_ISSUES) out.push({ path: pathKey(issue.path), message: issue.message });
        continue;
      }
      // One issue per unknown key, each pointing at the key itself; suggestions only for those reported.
      total += issue.keys.length;
      const known = knownKeysAt.get(pathKey(issue.path)) ?? [];
      for (const key of issue.keys.slice(0, Math.max(0, MAX_REPORTED_ISSUES - out.length))) {
        const suggestion = didYouMean(key, known);
        const hint = suggestion === null ? `known fields: ${known.join(', ')}` : `did you mean ${suggestion}?`;
        out.push({ path: pathKey([...issue.path, clip(key)]), message: `unknown field ${clip(key)}; ${hint}` });
      }
    }
    return { issues: out, total };
  };

  return { errorMap, toMatrixIssues };
}

function namedKeys(keys: readonly string[]): string {
  const named = keys.slice(0, MAX_NAMED_KEYS).map(clip).join(', ');
  return keys.length > MAX_NAMED_KEYS ? `${named} and ${keys.length - MAX_NAMED_KEYS} more` : named;
}

/** A key as echoed back: long ones cut, so an error body stays small whatever the keys are. */
function clip(key: string): string {
  return key.length > 64 ? `${key.slice(0, 61)}...` : key;
}

function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function bound(
  side: 'at least' | 'at most' | 'greater than' | 'less than',
  origin: string,
  limit: number | bigint | Date,
  input: unknown,
): string {
  const n = Number(limit);
  switch (origin) {
    case 'array':
      return `must have ${side} ${n} item${n === 1 ? '' : 's'}, got ${Array.isArray(input) ? input.length : '?'}`;
    case 'string':
      if (side === 'at least' && n === 1) return 'must not be empty';
      return `must be ${side} ${n} characters long, got ${typeof input === 'string' ? input.length : '?'}`;
    default:
      return `must be ${side} ${n}, got ${describe(input)}`;
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  if (typeof input === 'object') return 'an object';
  return String(input);
}
