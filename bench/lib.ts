// The shared bench runner: arguments through node:util parseArgs (--help, unknown flags refused,
// --reps=3 and --reps 3 alike), warmup, sides in a rotated order (a cyclic Latin square: for two
// sides that is ABBA), medians with bootstrap CIs, the load average before and after, and --json
// output that scripts/render-bench-tables.ts turns into the README's results tables.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { autoKvLayout, bootstrapCi, compareSamples, type KvLayout, requestMetrics } from '@inferlab/experiments';

export type BenchOption = { type: 'string'; default: string; description: string } | { type: 'boolean'; description: string };
export type BenchSpec = { name: string; summary: string; options: Record<string, BenchOption> };
export type BenchValues = Record<string, string | boolean | undefined>;

/** A bad command line: the message says which flag and what it takes. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

const COMMON: Record<string, BenchOption> = {
  json: { type: 'string', default: '', description: 'also write the results as JSON to this file (bench/results/*.json feed the README)' },
  help: { type: 'boolean', description: 'print this help and exit' },
};

export function usage(spec: BenchSpec): string {
  const lines = Object.entries({ ...spec.options, ...COMMON }).map(([name, o]) => {
    const flag = o.type === 'string' ? `--${name} <value>` : `--${name}`;
    const fallback = o.type === 'string' && o.default !== '' ? ` (default ${o.default})` : '';
    return `  ${flag.padEnd(24)} ${o.description}${fallback}`;
  });
  return [`npx tsx bench/${spec.name}.ts [options]`, '', spec.summary, '', 'options:', ...lines].join('\n');
}

/** Parses argv strictly; `help` is true for --help. Throws BenchUsageError for an unknown flag or a stray value. */
export function parseBenchArgs(spec: BenchSpec, argv: readonly string[]): { values: BenchValues; help: boolean } {
  const all = { ...spec.options, ...COMMON };
  const options = Object.fromEntries(
    Object.entries(all).map(([name, o]) => [
      name,
      o.type === 'string' ? { type: 'string' as const, default: o.default } : { type: 'boolean' as const },
    ]),
  );
  // npm run passes a leading "--" through; it means nothing here.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { values: values as BenchValues, help: values.help === true };
  } catch (cause) {
    throw new BenchUsageError((cause as Error).message.replace(/\. To specify a positional.*$/s, ''), { cause });
  }
}

/** An integer flag ≥ min. */
export function intArg(values: BenchValues, name: string, min = 1): number {
  const raw = String(values[name]);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new BenchUsageError(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}

/** A comma-separated list of integers ≥ min. */
export function intListArg(values: BenchValues, name: string, min = 1): number[] {
  const raw = String(values[name]);
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (raw === '' || list.some((n) => !Number.isInteger(n) || n < min))
    throw new BenchUsageError(`--${name} must be comma-separated integers ≥ ${min}, got '${raw}'`);
  return list;
}

/** Rep r's order: a cyclic Latin square, so each side runs in each position equally often (2 sides: AB BA AB …). */
export function rotation<T>(sides: readonly T[], rep: number): T[] {
  return sides.map((_, i) => sides[(i + rep) % sides.length] as T);
}

/**
 * Runs every side `warmup` times, then `reps` rounds in rotated order; samples per side, in rep
 * order. `onRep` is told after each round (progress lines).
 */
export async function runRotated<S>(
  sides: readonly (readonly [name: string, run: () => Promise<S>])[],
  options: { reps: number; warmup?: number; onRep?: (rep: number) => void },
): Promise<Map<string, S[]>> {
  for (let w = 0; w < (options.warmup ?? 1); w++) for (const [, run] of sides) await run();
  const samples = new Map<string, S[]>(sides.map(([name]) => [name, []]));
  for (let r = 0; r < options.reps; r++) {
    for (const [name, run] of rotation(sides, r)) samples.get(name)?.push(await run());
    options.onRep?.(r);
  }
  return samples;
}

/** A median with its 95% bootstrap CI, or why there is none. */
export type Estimate = { median: number; lo: number; hi: number; n: number } | { na: string };

/** Median and percentile-bootstrap 95% CI (1000 resamples, seeded) of the values; nulls are undefined values. */
export function medianCi(values: readonly (number | null)[], naReason: string): Estimate {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { na: naReason };
  const ci = bootstrapCi(xs, 0.5, { resamples: 1000, seed: 1, level: 0.95 });
  return { median: ci.estimate, lo: ci.lo, hi: ci.hi, n: xs.length };
}

/** median(b) / median(a) with its bootstrap CI (a and b resampled independently); n/a when either is. */
export function ratioCi(a: readonly (number | null)[], b: readonly (number | null)[], naReason: string): Estimate {
  const finite = (v: readonly (number | null)[]) => v.filter((x): x is number => x !== null && Number.isFinite(x));
  const c = compareSamples(finite(a), finite(b), { resamples: 1000, seed: 1, level: 0.95 });
  return c === null ? { na: naReason } : { median: c.ratio, lo: c.ci.lo, hi: c.ci.hi, n: Math.min(c.nA, c.nB) };
}

/** Decode tok/s of one generation, (N_out − 1) / (E2EL − TTFT); null with one token event (docs/metrics.md). */
export function decodeTokPerS(g: { events: { t: number; n: number }[]; promptTokens: number; tokenizeMs: number }): number | null {
  return requestMetrics(g).decodeTokPerS;
}

/** N_out / E2EL in tokens per second (the seed table's tokens/s). */
export function e2eTokPerS(g: { events: { t: number; n: number }[]; promptTokens: number; tokenizeMs: number }): number | null {
  return requestMetrics(g).tokensPerS;
}

export const NA_ONE_TOKEN = '1 token per request: no decode phase';

const digitsOf = (x: number) => (Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 10 ? 2 : 3);
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(Number.isInteger(x) ? 0 : digitsOf(x)) : 'n/a');

export type Cell = string | number | Estimate;

/** "41.2 [40.1, 43.0]", "n/a (why)", or the number / text. */
export function formatCell(v: Cell | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return num(v);
  if ('na' in v) return `n/a (${v.na})`;
  const d = digitsOf(v.median); // one precision for the median and its interval
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  return v.n > 1 ? `${f(v.median)} [${f(v.lo)}, ${f(v.hi)}]` : f(v.median);
}

export function table(rows: Record<string, Cell>[]): string {
  const first = rows[0];
  if (!first) return '(no rows)';
  const cols = Object.keys(first);
  const text = rows.map((r) => cols.map((c) => formatCell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...text.map((t) => (t[i] as string).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i] as number)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** @deprecated for new benches: use Bench.start's parsed values. Kept for scripts not yet converted. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The 1/5/15-minute load averages: a bench's numbers mean little under load. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export type BenchTable = {
  title: string;
  columns: string[];
  rows: Record<string, string>[];
  data: Record<string, Cell>[];
  notes: string[];
};

/** Where a bench ran: written with every --json result and printed beside every README table. */
export function machine() {
  const cpu = cpus();
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  return {
    host: hostname(),
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  };
}

/** One bench run: parsed flags, the load before, tables as they are printed, then --json. */
export class Bench {
  readonly tables: BenchTable[] = [];
  private readonly loadBefore = loadavg();
  private readonly startedAt = new Date().toISOString();
  private constructor(
    readonly spec: BenchSpec,
    readonly values: BenchValues,
  ) {}

  /** Parses process.argv; prints the help (exit 0) or the usage error (exit 2) and exits. */
  static start(spec: BenchSpec, argv: readonly string[] = process.argv.slice(2)): Bench {
    try {
      const { values, help } = parseBenchArgs(spec, argv);
      if (help) {
        console.log(usage(spec));
        process.exit(0);
      }
      return new Bench(spec, values);
    } catch (err) {
      if (!(err instanceof BenchUsageError)) throw err;
      console.error(`${err.message}\n\n${usage(spec)}`);
      process.exit(2);
    }
  }

  /** intArg / intListArg with the usage printed on a bad value. */
  int(name: string, min = 1): number {
    return this.orUsage(() => intArg(this.values, name, min));
  }
  ints(name: string, min = 1): number[] {
    return this.orUsage(() => intListArg(this.values, name, min));
  }
  str(name: string): string {
    return String(this.values[name]);
  }
  bool(name: string): boolean {
    return this.values[name] === true;
  }

  private orUsage<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof BenchUsageError)) throw err;
      console.error(`${err.message}\n\n${usage(this.spec)}`);
      process.exit(2);
    }
  }

  header(line: string): void {
    console.log(line);
    console.log(`load average before: ${this.loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  }

  table(title: string, data: Record<string, Cell>[], notes: string[] = []): void {
    const columns = Object.keys(data[0] ?? {});
    const rows = data.map((r) => Object.fromEntries(columns.map((c) => [c, formatCell(r[c])])));
    this.tables.push({ title, columns, rows, data, notes });
    console.log(`\n${title}\n${table(data)}`);
    for (const n of notes) console.log(n);
  }

  /** Prints the load after; writes the JSON when --json names a file. */
  finish(): void {
    const loadAfter = loadavg();
    console.log(`\nload average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    const file = this.str('json');
    if (file === '') return;
    const { json: _json, help: _help, ...options } = this.values;
    const result = {
      bench: this.spec.name,
      options,
      machine: machine(),
      load: { before: this.loadBefore, after: loadAfter },
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      tables: this.tables,
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}

/** The KV layout a cell of `model` runs by default (kvLayout "auto": our engine, CPU, float32 cache, greedy): benches time what cells run. */
export function cellKvLayout(model: string): KvLayout | undefined {
  return autoKvLayout({
    model,
    variant: { dtype: 'fp32', cache: true },
    decoding: { strategy: 'greedy' },
    engine: 'inferlab',
    device: 'cpu',
  });
}

/** What context benches compare per request: decode tok/s, TTFT and the tokens (to check engines agree). */
export type ContextSample = { decode: number; ttft: number; tokens: number[] };

/**
 * decode = (N_out − 1) / (time from the first token to the last); TTFT from the start of the prefill
 * (tokenization excluded) — for a Generation of our engine, transformers.js or llama.cpp.
 */
export function contextSample(g: { events: readonly { t: number }[]; outputTokenIds: number[]; tokenizeMs: number }): ContextSample {
  const first = g.events[0]?.t ?? Number.NaN;
  const last = g.events.at(-1)?.t ?? Number.NaN;
  return { decode: (g.outputTokenIds.length - 1) / ((last - first) / 1000), ttft: first - g.tokenizeMs, tokens: g.outputTokenIds };
}

/** A prompt of at most `n` tokens for the context benches: words cycled, cut at n tokens, checked by re-encoding. */
export function promptOfLength(tokenizer: { encode(text: string): number[]; decode(ids: number[]): string }, n: number): string {
  const words = 'the quick brown fox jumps over a lazy dog while seven wise owls count silver stars near the quiet river'.split(' ');
  const text = Array.from({ length: n + 8 }, (_, i) => words[i % words.length]).join(' ');
  for (let cut = n; cut > 0; cut--) {
    const candidate = tokenizer.decode(tokenizer.encode(text).slice(0, cut));
    if (tokenizer.encode(candidate).length <= n) return candidate;
  }
  throw new Error(`no prompt of ${n} tokens`);
}

/** The median decode tok/s and TTFT of one engine's samples at one context, as the context benches print them. */
export function contextMedians(samples: readonly ContextSample[]): { 'decode tok/s': Cell; 'TTFT ms': Cell } {
  return {
    'decode tok/s': medianCi(
      samples.map((x) => x.decode),
      'no decode',
    ),
    'TTFT ms': medianCi(
      samples.map((x) => x.ttft),
      'no token',
    ),
  };
}

/** Each engine's decode at the longest context over its decode at the shortest (issue #15: flat decode cost means ≈ 1). */
export function longShortRows(
  engines: readonly string[],
  of: (context: number, engine: string) => readonly ContextSample[],
  short: number,
  long: number,
): Record<string, Cell>[] {
  return engines.map((engine) => ({
    engine,
    'long / short': ratioCi(
      of(short, engine).map((x) => x.decode),
      of(long, engine).map((x) => x.decode),
      'no decode',
    ),
  }));
}
