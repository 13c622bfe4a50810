import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

/** One problem with a submitted matrix: a dotted field path (`variants.0.dtype`) and what to do. */
export type MatrixIssue = { path: string; message: string };

type RawIssue = z.core.$ZodRawIssue;

/**
 * Builds a per-parse zod error map that words each issue as "what was expected, what was given",
 * and remembers the known keys of every object that had unknown ones (the map is the only place
 * that sees the object schema) so `toMatrixIssues` can suggest the intended field.
 */
export function createMatrixErrorMap(): {
  errorMap: (issue: RawIssue) => string | undefined;
  toMatrixIssues: (issues: readonly z.core.$ZodIssue[]) => MatrixIssue[];
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
        return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
      }
      default:
        return undefined; // zod's own wording, or the schema's custom message
    }
  };

  const toMatrixIssues = (issues: readonly z.core.$ZodIssue[]): MatrixIssue[] =>
    issues.flatMap((issue) => {
      if (issue.code !== 'unrecognized_keys') return [{ path: pathKey(issue.path), message: issue.message }];
      // One issue per unknown key, each pointing at the key itself.
      const known = knownKeysAt.get(pathKey(issue.path)) ?? [];
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, known);
        const hint = suggestion === null ? `known fields: ${known.join(', ')}` : `did you mean ${suggestion}?`;
        return { path: pathKey([...issue.path, key]), message: `unknown field ${key}; ${hint}` };
      });
    });

  return { errorMap, toMatrixIssues };
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
