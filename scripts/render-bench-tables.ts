// npm run bench:readme: renders bench/results/*.json (written by `npx tsx bench/<name>.ts --json
// bench/results/<name>.json`) into README.md between `<!-- bench:<name> -->` and
// `<!-- /bench:<name> -->`. --check exits 1 when README.md is not what the results render to.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BenchResult, renderReadme } from './lib/bench-tables.ts';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'bench/results');
const results = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult);
const readmePath = join(root, 'README.md');
const before = readFileSync(readmePath, 'utf8');
const { text, rendered, missing } = renderReadme(before, results);
const unused = results.map((r) => r.bench).filter((name) => !rendered.includes(name));
if (process.argv.includes('--check')) {
  if (text !== before) {
    console.error('README.md is out of date with bench/results: run npm run bench:readme');
    process.exit(1);
  }
} else writeFileSync(readmePath, text);
console.log(`rendered: ${rendered.join(', ') || 'none'}`);
if (missing.length > 0) console.log(`markers without a result (text kept): ${missing.join(', ')}`);
if (unused.length > 0) console.log(`results without a marker in README.md: ${unused.join(', ')}`);
