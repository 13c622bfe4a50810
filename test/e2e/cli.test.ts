// The `inferlab` CLI against the real platform (redis-server, api + recorder, a CPU worker), run as
// a person would: matrix files in YAML, --watch on a terminal and through a pipe, then results,
// compare, report and cancel.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInferlab } from '../helpers/cli.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const ESC = String.fromCharCode(27);
const f = usePlatform('cli');
let dir: string;
const cli = (args: string[], opts: { tty?: boolean } = {}) => runInferlab(args, { api: f.platform.apiUrl, cwd: dir, ...opts });

const matrixYaml = (name: string, repetitions: number) => `# a matrix as a person writes it
name: "${name}"
models: [forge:gpt2-tiny]
variants:
  - { dtype: fp32, cache: false }
  - { dtype: fp32, cache: true }
prompts:
  - Explain briefly why KV caching helps.
maxNewTokens: [12]
threads: [1]
repetitions: ${repetitions}
warmup: 0
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-cli-'));
  writeFileSync(join(dir, 'tty.yaml'), matrixYaml('cli on a terminal', 12));
  writeFileSync(join(dir, 'piped.yaml'), matrixYaml('cli through a pipe', 12));
  writeFileSync(join(dir, 'long.yaml'), matrixYaml('cli cancelled', 500));
  writeFileSync(
    join(dir, 'bad.yaml'),
    'models: [forge:gpt2-tiny]\nvariants:\n  - { dtype: fp33, cache: true }\nprompts: []\nrepetitons: 3\n',
  );
  // A dir: model that does not exist: the worker fails the cell at once (a permanent error).
  writeFileSync(
    join(dir, 'failing.json'),
    JSON.stringify({
      name: 'cli failing',
      models: ['dir:/nonexistent-inferlab-model'],
      prompts: ['a'],
      maxNewTokens: [4],
      repetitions: 1,
      warmup: 0,
    }),
  );
  writeFileSync(join(dir, 'broken.yaml'), 'models: [forge:gpt2-tiny\nprompts: a: b\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const idOf = (out: string): string => {
  const m = out.match(/submitted experiment ([\w-]+)/);
  if (!m?.[1]) throw new Error(`no experiment id in:\n${out}`);
  return m[1];
};

describe('inferlab CLI', () => {
  let pipedId = '';

  it('refuses a bad matrix file with the api field messages, exit 1', async () => {
    const r = await cli(['run', 'bad.yaml', '--watch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the api refused the matrix (HTTP 400 invalid_matrix)');
    expect(r.stderr).toMatch(/^ {2}variants\.0\.dtype: expected one of .*got "fp33"; did you mean "fp32"\?$/m);
    expect(r.stderr).toMatch(/^ {2}prompts: .+$/m);
    expect(r.stderr).toContain('  repetitons: unknown field repetitons; did you mean repetitions?');
    const broken = await cli(['run', 'broken.yaml']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.yaml is not valid YAML');
    const usage = await cli(['run']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: inferlab run <matrix.yaml|matrix.json> [--watch]');
  });

  it('run --watch on a terminal draws progress bars in place and exits 0', async () => {
    const r = await cli(['run', 'tty.yaml', '--watch'], { tty: true });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/cells {4}\[[█░]{24}\] \d\/2/); // the cells bar
    expect(r.stdout).toMatch(/\[[█░]{16}\] \d+\/12 requests/); // a running cell's requests bar
    expect(r.stdout).toContain(`\r${ESC}[2A${ESC}[0J`); // redrawn in place: up over the two bars, clear
    expect(r.stdout).toMatch(/experiment [\w-]+ done: 2 done, 0 failed, 0 cancelled of 2/);
  });

  it('run --watch through a pipe prints plain lines, no escape codes', async () => {
    const r = await cli(['run', 'piped.yaml', '--watch']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain('\r');
    pipedId = idOf(r.stdout);
    const lines = r.stdout.trim().split('\n');
    // forge gpt2 cells with the cache keep it in place (kvLayout "auto"), and the labels say so.
    expect(lines).toContain('✓ done  cell 1/2 cache=false kvLayout=concat');
    expect(lines).toContain('✓ done  cell 2/2 cache=true kvLayout=in-place');
    expect(lines).toContain('cells 2/2: done 2, failed 0, running 0, queued 0');
    expect(lines).toContain(`experiment ${pipedId} done: 2 done, 0 failed, 0 cancelled of 2`);
  });

  it('run --watch exits 1 when a cell failed, naming the reason (a JSON matrix file)', async () => {
    const r = await cli(['run', 'failing.json', '--watch']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^✗ failed {2}cell 1\/1 dir:\/nonexistent-inferlab-model: .*nonexistent-inferlab-model/m);
    expect(r.stdout).toMatch(/experiment [\w-]+ failed: 0 done, 1 failed, 0 cancelled of 1/);
  });

  it('results --format markdown|csv|json, compare and report read what the run recorded', async () => {
    const md = await cli(['results', pipedId, '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('## cli through a pipe');
    expect(md.stdout).toMatch(/^\| cache=false kvLayout=concat \| done \| fp32 no-cache \| fp32 \| false \|/m);
    expect(md.stdout).toMatch(/^\| cache=true kvLayout=in-place \| done \| fp32 cache in-place \| fp32 \| true \|/m);
    expect(md.stdout).toMatch(/^\| cache=true kvLayout=in-place \| 12 \| [\d.]+ \\\[[\d.]+, [\d.]+\\\] \|/m); // TTFT p50 [CI]

    const csv = await cli(['results', pipedId, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(/^cell,cell_id,status,requests,mode,/);
    const json = JSON.parse((await cli(['results', pipedId, '--json'])).stdout) as { cells: { cellId: string; requests: number }[] };
    expect(json.cells.map((c) => c.requests)).toEqual([12, 12]);

    const [a, b] = json.cells.map((c) => c.cellId);
    const cmp = await cli(['compare', a as string, b as string]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/^metric +a \(median\) +b \(median\) +b\/a \[95% CI\] +p +verdict$/m);
    // Which verdict depends on the machine's load; the row's shape does not.
    expect(cmp.stdout).toMatch(/^e2el +[\d.]+ +[\d.]+ +[\d.]+ \[[\d.]+, [\d.]+\] +[\d.]+ +(b is [\d.]+× a|no significant difference)/m);

    const report = await cli(['report', pipedId, '--out', 'report.html']);
    expect(report.code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/<figure class="chart"[^>]*><svg /g)?.length).toBeGreaterThanOrEqual(4);
    // The api's route renders the same report from SQLite as the CLI did over HTTP: only the time differs.
    const served = await fetch(`${f.platform.apiUrl}/v1/experiments/${pipedId}/report`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-security-policy')).toContain("default-src 'none'");
    const untimed = (h: string) => h.replace(/<dt>report generated<\/dt><dd>[^<]*<\/dd>/, '');
    expect(untimed(await served.text())).toBe(untimed(html));

    // The terminal and the piped runs measured the same two configurations: two keys with two runs each.
    const history = JSON.parse((await cli(['history', '--json'])).stdout) as { keys: { key: string; runs: number }[] };
    expect(history.keys.map((k) => k.runs)).toEqual([2, 2]);
    const series = await cli(['history', '--key', history.keys[0]?.key as string]);
    expect(series.code).toBe(0);
    expect(series.stdout).toMatch(/^history of [0-9a-f]{16}$/m);
    expect(series.stdout.match(/ cli (on a terminal|through a pipe) /g)).toHaveLength(2);

    const workers = await cli(['workers', '--json']);
    expect((JSON.parse(workers.stdout) as { workers: unknown[] }).workers).toHaveLength(1);
  });

  it('cancel stops a watched experiment, and the watch exits non-zero', async () => {
    const submitted = await cli(['run', 'long.yaml', '--json']);
    const id = (JSON.parse(submitted.stdout) as { id: string }).id;
    const watch = cli(['run', 'long.yaml', '--watch']); // a second one, watched: it is queued behind the first
    const deadline = Date.now() + 120_000;
    for (;;) {
      const status = JSON.parse((await cli(['status', id, '--json'])).stdout) as { progress: { running: number } };
      if (status.progress.running === 1) break;
      if (Date.now() > deadline) throw new Error('the long experiment never started');
      await new Promise((r) => setTimeout(r, 300));
    }
    const cancelled = await cli(['cancel', id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^cancelled 2 cells of ${id} \\(1 queued, 1 running; `));
    const status = JSON.parse((await cli(['status', id, '--json'])).stdout) as { status: string };
    expect(status.status).toBe('cancelled');

    // The watched twin: cancel it too, then its watch ends with exit 1.
    let watchedId = '';
    for (;;) {
      const out = (await Promise.race([watch.then(() => ''), new Promise<string>((r) => setTimeout(() => r('pending'), 200))])) as string;
      if (out === '') throw new Error('the watch ended before it was cancelled');
      const list = await fetch(`${f.platform.apiUrl}/v1/experiments`).then(
        (r) => r.json() as Promise<{ experiments: { id: string; name: string; status: string }[] }>,
      );
      watchedId = list.experiments.find((e) => e.name === 'cli cancelled' && e.id !== id)?.id ?? '';
      if (watchedId) break;
    }
    expect((await cli(['cancel', watchedId])).code).toBe(0);
    const watched = await watch;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain(`experiment ${watchedId} cancelled: 0 done, 0 failed, 2 cancelled of 2`);
  });
});
