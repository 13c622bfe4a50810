// The container images and their deployments, checked against the code (no container engine runs
// here): the api image builds the dashboard and keeps no devDependency that anything needs at run
// time, and every worker keeps its model cache on a volume that outlives it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const docs = (p: string) => parseAllDocuments(read(p)).map((d) => d.toJS() as any);
type Manifest = {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
};
const manifest = (dir: string): Manifest => JSON.parse(read(`${dir}/package.json`));

/** A Dockerfile's stages: the FROM line's alias (or its index) and the instructions under it. */
function stages(path: string): { name: string; lines: string[] }[] {
  const out: { name: string; lines: string[] }[] = [];
  for (const line of read(path)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))) {
    const from = line.match(/^FROM\s+\S+(?:\s+AS\s+(\S+))?/i);
    if (from) out.push({ name: from[1] ?? String(out.length), lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** The workspaces a service loads: the app and every @inferlab/* package it depends on, transitively. */
function closure(app: string): string[] {
  const dirs = new Map<string, string>();
  for (const base of ['apps', 'packages'])
    for (const d of readdirSync(join(ROOT, base))) {
      if (existsSync(join(ROOT, base, d, 'package.json'))) dirs.set(manifest(`${base}/${d}`).name, `${base}/${d}`);
    }
  const seen = new Set<string>([app]);
  for (const dir of seen)
    for (const dep of Object.keys(manifest(dir).dependencies ?? {})) {
      const ws = dirs.get(dep);
      if (ws) seen.add(ws);
    }
  return [...seen];
}

/** Packages a workspace's sources import at run time (type-only imports and tests left out). */
function runtimeImports(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(join(ROOT, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs)$/.test(e.name) && !/\.test\.ts$|conformance|test-harness/.test(e.name)) {
        const text = read(p);
        const specifiers = [
          ...text.matchAll(/^(?:import|export)(?!\s+type\s)[^;]*?\sfrom\s+['"]([^'"]+)['"]/gms),
          ...text.matchAll(/^import\s+['"]([^'"]+)['"]/gm),
          ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
        ].map((m) => m[1] as string);
        for (const s of specifiers) {
          if (s.startsWith('.') || s.startsWith('node:')) continue;
          found.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string));
        }
      }
    }
  };
  walk(`${dir}/src`);
  return found;
}

const SERVICES = { api: 'apps/api', worker: 'apps/worker' } as const;

/** `node --import X path`: the loader every service command preloads, by the app it runs. */
function preloads(): Map<string, Set<string>> {
  const byApp = new Map<string, Set<string>>();
  const commands: string[][] = [];
  const [compose] = docs('infra/docker-compose.yml');
  for (const svc of Object.values(compose.services) as { command?: string[] }[]) if (svc.command) commands.push(svc.command);
  for (const f of ['api.yaml', 'workers.yaml'])
    for (const d of docs(`infra/k8s/${f}`))
      for (const c of d?.spec?.template?.spec?.containers ?? []) if (c.command) commands.push(c.command);
  for (const f of ['infra/Dockerfile', 'infra/Dockerfile.gpu']) {
    const cmd = read(f).match(/^CMD\s+(\[.*\])$/m)?.[1];
    if (cmd) commands.push(JSON.parse(cmd));
  }
  for (const cmd of commands.filter((c) => c[0] === 'node')) {
    const app = Object.values(SERVICES).find((a) => cmd.some((arg) => arg.startsWith(`${a}/`)));
    expect(app, `a command that runs no known app: ${cmd.join(' ')}`).toBeDefined();
    const set = byApp.get(app as string) ?? new Set<string>();
    cmd.forEach((arg, i) => {
      if (arg === '--import' && cmd[i + 1]) set.add(cmd[i + 1] as string);
    });
    byApp.set(app as string, set);
  }
  return byApp;
}

describe('container images', () => {
  it('Dockerfile: a build stage installs, builds the dashboard and prunes devDependencies; the runtime stage copies it', () => {
    const [build, runtime, ...rest] = stages('infra/Dockerfile');
    expect(rest).toEqual([]);
    const steps = build?.lines ?? [];
    const at = (re: RegExp) => steps.findIndex((l) => re.test(l));
    expect(build?.name).toBe('build');
    expect(at(/^RUN npm ci\b/)).toBeGreaterThanOrEqual(0);
    expect(at(/^RUN npm run build -w @inferlab\/dashboard$/)).toBeGreaterThan(at(/^RUN npm ci\b/));
    expect(at(/^RUN npm prune --omit=dev\b/)).toBeGreaterThan(at(/^RUN npm run build -w @inferlab\/dashboard$/));
    expect(manifest('apps/dashboard').scripts?.build).toBe('vite build');
    // The api serves apps/dashboard/dist (apps/api/src/main.ts): what the build writes.
    expect(read('apps/api/src/main.ts')).toMatch(/resolve\(import\.meta\.dirname, '\.\.\/\.\.\/dashboard\/dist'\)/);
    expect(runtime?.lines).toContain('COPY --from=build /app /app');
    expect(runtime?.lines.join('\n')).not.toMatch(/npm (ci|install)|g\+\+/);
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'apps/dashboard/dist']));
  });

  it('Dockerfile.gpu: the CUDA provider at install, devDependencies pruned, a runtime stage without compilers', () => {
    const all = stages('infra/Dockerfile.gpu');
    const build = all.find((s) => s.name === 'build');
    expect(build?.lines).toContain('RUN ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci --no-audit --no-fund');
    expect(build?.lines.some((l) => /^RUN npm prune --omit=dev\b/.test(l))).toBe(true);
    const runtime = all.at(-1);
    expect(runtime?.lines).toContain('COPY --from=build /app /app');
    expect(runtime?.lines.join('\n')).not.toMatch(/npm (ci|install)|g\+\+/);
  });

  it('the dashboard builds with the command the image runs', () => {
    execFileSync('npm', ['run', 'build', '-w', '@inferlab/dashboard'], { cwd: ROOT, stdio: 'pipe' });
    expect(existsSync(join(ROOT, 'apps/dashboard/dist/index.html'))).toBe(true);
  });

  it('nothing the api or a worker loads at run time is a devDependency: npm prune --omit=dev keeps all of it', () => {
    const loaders = preloads();
    const problems: string[] = [];
    const needed = new Set<string>();
    for (const app of Object.values(SERVICES)) {
      const dirs = closure(app);
      const provided = new Set(dirs.flatMap((d) => [manifest(d).name, ...Object.keys(manifest(d).dependencies ?? {})]));
      const imports = new Set([...dirs.flatMap((d) => [...runtimeImports(d)]), ...(loaders.get(app) ?? [])]);
      for (const name of imports) {
        needed.add(name);
        if (!provided.has(name)) problems.push(`${app} loads ${name}, which no dependencies of ${dirs.join(', ')} declare`);
      }
    }
    expect(problems).toEqual([]);
    expect(needed).toContain('tsx'); // every service runs `node --import tsx …`
    const dryRun = execFileSync('npm', ['prune', '--omit=dev', '--dry-run', '--no-audit', '--no-fund'], { cwd: ROOT, encoding: 'utf8' });
    const removed = new Set([...dryRun.matchAll(/^remove (\S+) /gm)].map((m) => m[1]));
    expect(removed).toContain('vitest'); // the dry run really prunes
    expect([...needed].filter((n) => removed.has(n))).toEqual([]);
  });

  it('compose: every worker keeps its model cache on the shared named volume', () => {
    const [compose] = docs('infra/docker-compose.yml');
    const workers = Object.entries(compose.services).filter(([name]) => name.startsWith('worker-')) as [string, any][];
    expect(workers.map(([n]) => n).sort()).toEqual(['worker-cpu', 'worker-gpu']);
    for (const [name, svc] of workers) {
      const modelsDir = svc.environment.INFERLAB_MODELS_DIR ?? `${svc.environment.INFERLAB_DATA_DIR}/models`;
      expect(svc.volumes, name).toContain(`models:${modelsDir}`);
    }
    expect(Object.keys(compose.volumes)).toContain('models');
  });

  it('k8s: every worker Deployment mounts the shared ReadWriteMany claim at its models dir, never an emptyDir', () => {
    const all = ['api.yaml', 'workers.yaml', 'redis.yaml'].flatMap((f) => docs(`infra/k8s/${f}`));
    const claims = new Map(all.filter((d) => d?.kind === 'PersistentVolumeClaim').map((d) => [d.metadata.name, d]));
    const workers = all.filter((d) => d?.kind === 'Deployment' && d.metadata.name.startsWith('inferlab-worker-'));
    expect(workers.map((w) => w.metadata.name).sort()).toEqual(['inferlab-worker-cpu', 'inferlab-worker-cuda']);
    for (const w of workers) {
      const pod = w.spec.template.spec;
      const container = pod.containers[0];
      const env = Object.fromEntries(container.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      const modelsDir = env.INFERLAB_MODELS_DIR ?? `${env.INFERLAB_DATA_DIR}/models`;
      const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === modelsDir);
      expect(mount, w.metadata.name).toBeDefined();
      const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
      expect(volume.emptyDir, w.metadata.name).toBeUndefined();
      const claim = claims.get(volume.persistentVolumeClaim?.claimName);
      expect(claim?.spec.accessModes, w.metadata.name).toEqual(['ReadWriteMany']);
    }
  });
});
