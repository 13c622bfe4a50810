import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from './cli.ts';

/** A stream that keeps what is written, and says whether it is a terminal. */
function capture(isTTY = false): Writable & { text: () => string; isTTY: boolean } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return Object.assign(stream, { text: () => text, isTTY });
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: capture(), stderr: capture() };
  const code = await runCli(argv, out, env);
  return { code, stdout: out.stdout.text(), stderr: out.stderr.text() };
}

describe('inferlab argument handling (no api needed)', () => {
  it('--help lists every command; a bare call prints it to stderr with exit 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${c.name} +\\S`, 'm'));
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: inferlab <command> [options]');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows its usage and the global options', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: inferlab ${name}\\b`));
    for (const flag of ['--api URL', '--token TOKEN', '--json', '-h, --help']) expect(r.stdout).toContain(flag);
  });

  it('refuses unknown commands, unknown flags, missing arguments and bad values with exit 2', async () => {
    expect((await cli(['runn'])).stderr).toContain('inferlab: unknown command "runn"');
    const flag = await cli(['status', 'x', '--wacth']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^inferlab status: Unknown option '--wacth'/);
    const missing = await cli(['compare', 'a']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('expected <cell a> <cell b>, got a');
    const format = await cli(['results', 'x', '--format', 'xml'], { INFERLAB_API: 'http://127.0.0.1:9' });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of table, markdown, csv, json, got "xml"');
    const api = await cli(['workers'], { INFERLAB_API: 'localhost:8787' });
    expect(api.code).toBe(2);
    expect(api.stderr).toContain('INFERLAB_API must be an http(s) URL such as http://127.0.0.1:8787, got "localhost:8787"');
  });

  it('an api that does not answer is exit 1 with a hint, JSON under --json', async () => {
    const r = await cli(['workers', '--api', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^inferlab workers: the api at http:\/\/127\.0\.0\.1:9 did not answer .*pass --api/);
    const j = await cli(['workers', '--json', '--api', 'http://127.0.0.1:9']);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: 'network', status: 0 });
  });

  it('a missing or unparsable matrix file is exit 1 naming the file', async () => {
    const r = await cli(['run', '/nonexistent/matrix.yaml', '--api', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read /nonexistent/matrix.yaml: no such file');
  });
});
