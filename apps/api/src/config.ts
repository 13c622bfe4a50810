import { join } from 'node:path';
import { presentEnv } from '@inferlab/experiments';
import { z } from 'zod';
import { DEFAULT_QUOTAS, type Quotas } from './experiments/quotas.ts';
import { LOG_LEVELS, type LogLevel } from './log/logger.ts';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
  INFERLAB_DATA_DIR: z.string().min(1).default('./data'),
  INFERLAB_DB: z.string().min(1).optional(),
  MAX_CELLS: z.coerce.number().int().min(1).default(512),
  RECORDER: z.enum(['on', 'off']).default('on'),
  /** Comma-separated tokens that may submit and cancel; unset: writes are open (local use). */
  INFERLAB_API_TOKENS: z.string().optional(),
  /** Comma-separated read-only tokens; when set, reads need a read or write token. */
  INFERLAB_READ_TOKENS: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `on`: refuse to start without INFERLAB_API_TOKENS (compose and k8s set it). */
  INFERLAB_REQUIRE_TOKENS: z.enum(['on', 'off']).default('off'),
  /** Open mode: comma-separated Host names served besides localhost, 127.0.0.1 and [::1]. */
  INFERLAB_PUBLIC_HOSTS: z.string().optional(),
  INFERLAB_QUOTA_CELLS: z.coerce.number().int().min(1).default(DEFAULT_QUOTAS.cells),
  INFERLAB_QUOTA_TOKENS: z.coerce.number().int().min(1).default(DEFAULT_QUOTAS.requestedTokens),
  INFERLAB_QUOTA_EXPERIMENTS: z.coerce.number().int().min(1).default(DEFAULT_QUOTAS.experiments),
});

export type ApiConfig = {
  port: number;
  host: string;
  redisUrl: string;
  dataDir: string;
  dbPath: string;
  maxCells: number;
  /** Run the results recorder in this process (off: another api process records the results). */
  recorder: boolean;
  access: { writeTokens: string[]; readTokens: string[] };
  logLevel: LogLevel;
  publicHosts: string[];
  quotas: Quotas;
};

const tokenList = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The api's whole configuration, read from the environment here and nowhere else. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  // An empty variable (`PORT=`) means "unset": the reading every process of ours shares.
  const parsed = envSchema.safeParse(presentEnv(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid api configuration: ${lines.join('; ')}`, { cause: parsed.error });
  }
  const e = parsed.data;
  if (e.INFERLAB_REQUIRE_TOKENS === 'on' && tokenList(e.INFERLAB_API_TOKENS).length === 0) {
    throw new ConfigError(
      'INFERLAB_REQUIRE_TOKENS is on but INFERLAB_API_TOKENS is not set: set a write token (e.g. `openssl rand -hex 32`)',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    dataDir: e.INFERLAB_DATA_DIR,
    dbPath: e.INFERLAB_DB ?? join(e.INFERLAB_DATA_DIR, 'inferlab.sqlite'),
    maxCells: e.MAX_CELLS,
    recorder: e.RECORDER === 'on',
    access: { writeTokens: tokenList(e.INFERLAB_API_TOKENS), readTokens: tokenList(e.INFERLAB_READ_TOKENS) },
    logLevel: e.LOG_LEVEL,
    publicHosts: tokenList(e.INFERLAB_PUBLIC_HOSTS),
    quotas: { cells: e.INFERLAB_QUOTA_CELLS, requestedTokens: e.INFERLAB_QUOTA_TOKENS, experiments: e.INFERLAB_QUOTA_EXPERIMENTS },
  };
}
