// The seed notebook's closing experiment, through the whole platform: api + recorder + a CPU
// worker over Redis, results from SQLite. `--once` exits after the table, `--json` prints JSON.
import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FORGE_MODELS, forgeModel } from '@inferlab/core';
import { startPlatform } from './lib/platform.ts';
import { formatSeedTable } from './lib/seed-table.ts';
import { waitForExperiment } from './lib/wait-for-experiment.ts';

const args = process.argv.slice(2);
const once = args.includes('--once');
const json = args.includes('--json');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

const SEED_PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const dataDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data');

function chooseModel(): string {
  const asked = flag('--model');
  if (asked) return asked;
  const freeBytes = (() => {
    try {
      const s = statfsSync(dataDir.replace(/\/data$/, '') || '.');
      return s.bavail * s.bsize;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  })();
  if (freeBytes < 2 * 2 ** 30) {
    say(`[demo] only ${(freeBytes / 2 ** 30).toFixed(1)} GiB free on disk; forge:gpt2-small needs ~1 GiB: falling back to forge:gpt2-mini`);
    return 'forge:gpt2-mini';
  }
  return 'forge:gpt2-small';
}

async function main(): Promise<void> {
  const model = chooseModel();
  const reps = Number(flag('--repetitions') ?? 5);
  if (model.startsWith('forge:')) {
    const name = model.slice('forge:'.length);
    if (!(name in FORGE_MODELS)) throw new Error(`unknown forge model ${name}; known: ${Object.keys(FORGE_MODELS).join(', ')}`);
    const t = performance.now();
    say(`[demo] forging ${model} (deterministic random weights; cached under ${dataDir}/models after the first run)…`);
    await forgeModel(name, { cacheDir: resolve(dataDir, 'models') });
    say(`[demo] ${model} ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  say('[demo] starting redis, api + recorder, one CPU worker…');
  const platform = await startPlatform({
    dataDir,
    redisUrl: process.env.REDIS_URL,
    workers: 1,
    port: process.env.PORT ? Number(process.env.PORT) : undefined,
    log: (src, line) => {
      if (process.env.INFERLAB_DEMO_VERBOSE || /error|fail/i.test(line)) say(`  [${src}] ${line}`);
    },
  });
  const stop = async () => {
    await platform.stop();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    say(`[demo] api at ${platform.apiUrl} (redis ${platform.redis ? `started on ${platform.redisUrl}` : platform.redisUrl})`);
    say(`[demo] dashboard at ${platform.apiUrl}/ (open it to watch the cells run)`);
    const matrix = {
      name: 'seed: fp32 no-cache vs fp32 cache vs int8 cache',
      models: [model],
      variants: [
        { dtype: 'fp32', cache: false },
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
      ],
      prompts: [SEED_PROMPT],
      maxNewTokens: [40],
      threads: [2],
      repetitions: reps,
      warmup: 1,
    };
    const res = await fetch(`${platform.apiUrl}/v1/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(matrix),
    });
    const created = (await res.json()) as { id: string; cells: unknown[]; message?: string };
    if (res.status !== 201) throw new Error(`submit failed (${res.status}): ${JSON.stringify(created)}`);
    say(`[demo] experiment ${created.id}: ${created.cells.length} cells × (1 warmup + ${reps} measured) generations`);
    const status = await waitForExperiment(platform.apiUrl, created.id, { onProgress: say });
    if (status === 'cancelled') say(`[demo] experiment ${created.id} was cancelled: the results below are the cells that finished before`);
    const results = await (await fetch(`${platform.apiUrl}/v1/experiments/${created.id}/results`)).json();
    if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else say(formatSeedTable(results));
    if (once) return;
    say(
      `\n[demo] the api keeps running at ${platform.apiUrl} (try GET ${platform.apiUrl}/v1/experiments/${created.id}/results); Ctrl-C stops it.` +
        `\n[demo] dashboard: ${platform.apiUrl}/experiments/${created.id}`,
    );
    await new Promise(() => {});
  } finally {
    if (once) await stop();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`[demo] ${err.message}`);
    process.exit(1);
  },
);
