import { resolve } from 'node:path';

// How every process of ours reads the variables they share, so the api, the worker, the benches and
// the scripts agree. Each app still reads its environment in one place (its config.ts) and passes
// the values down.

/** The variables that are set: an empty one (`PORT=`) means unset, as in most shells' intent. */
export function presentEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/** The model cache (forge builds, hub downloads): INFERLAB_MODELS_DIR, else <INFERLAB_DATA_DIR or ./data>/models. */
export function modelsDirFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const e = presentEnv(env);
  return resolve(e.INFERLAB_MODELS_DIR ?? resolve(e.INFERLAB_DATA_DIR ?? './data', 'models'));
}
