import os from 'node:os';
import { resolve } from 'node:path';
import type { HubOptions } from '@inferlab/core';
import { modelsDirFromEnv, PermanentError, presentEnv } from '@inferlab/experiments';
import { z } from 'zod';

// The worker's whole configuration: read from the environment here, once, and passed down (core and
// the runner read no variables). An empty variable is unset, as in the api.

const schema = z.object({
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  WORKER_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  WORKER_ID: z.string().min(1).optional(),
  INFERLAB_DATA_DIR: z.string().default('./data'),
  /** Model cache (forge builds, hub downloads); default <data dir>/models. */
  INFERLAB_MODELS_DIR: z.string().optional(),
  /** Colon-separated folders that dir: models may come from. */
  INFERLAB_MODEL_ROOTS: z.string().optional(),
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5000),
  /** BullMQ lock: a killed worker's cell is retried after about this long. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(15000),
  WORKER_MODEL_CACHE: z.coerce.number().int().min(1).default(2),
  /** intraOpNumThreads of exit-head training (distill jobs); 0 = onnxruntime decides. */
  WORKER_DISTILL_THREADS: z.coerce.number().int().min(0).default(0),
  /** The commit results record (a container has no .git to ask); default: git rev-parse HEAD. */
  INFERLAB_GIT_COMMIT: z.string().optional(),
  /** cuda workers: the GPUs this process sees; the first is the one sampled for memory and utilisation. */
  CUDA_VISIBLE_DEVICES: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** hf: models come from here (a mirror's base URL); huggingface_hub's variable. */
  HF_ENDPOINT: z.url({ protocol: /^https?$/ }).default('https://huggingface.co'),
  /** Sent as a bearer token to HF_ENDPOINT's origin only (gated and private repos). */
  HF_TOKEN: z.string().optional(),
  /** 1: hf: models come from the cache only, no request is made. */
  HF_HUB_OFFLINE: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off']))
    .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))
    .default(false),
});

export type WorkerConfig = {
  redisUrl: string;
  device: 'cpu' | 'cuda';
  workerId: string;
  dataDir: string;
  modelsDir: string;
  modelRoots: string[];
  heartbeatMs: number;
  lockMs: number;
  modelCache: number;
  distillThreads: number;
  gitCommit: string | undefined;
  /** nvidia-smi's -i for the GPU probe. */
  gpu: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  /** HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE. */
  hub: HubOptions;
};

export class WorkerConfigError extends PermanentError {
  override name = 'WorkerConfigError';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = schema.safeParse(presentEnv(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new WorkerConfigError(`invalid worker environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const modelsDir = modelsDirFromEnv({ INFERLAB_MODELS_DIR: e.INFERLAB_MODELS_DIR, INFERLAB_DATA_DIR: e.INFERLAB_DATA_DIR });
  return {
    redisUrl: e.REDIS_URL,
    device: e.WORKER_DEVICE,
    workerId: e.WORKER_ID ?? `${os.hostname()}-${e.WORKER_DEVICE}-${process.pid}`,
    dataDir: resolve(e.INFERLAB_DATA_DIR),
    modelsDir,
    modelRoots: [
      modelsDir,
      ...(e.INFERLAB_MODEL_ROOTS?.split(':')
        .filter(Boolean)
        .map((p) => resolve(p)) ?? []),
    ],
    heartbeatMs: e.WORKER_HEARTBEAT_MS,
    lockMs: e.WORKER_LOCK_MS,
    modelCache: e.WORKER_MODEL_CACHE,
    distillThreads: e.WORKER_DISTILL_THREADS,
    gitCommit: e.INFERLAB_GIT_COMMIT,
    gpu: e.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim() || '0',
    logLevel: e.LOG_LEVEL,
    hub: { endpoint: e.HF_ENDPOINT, token: e.HF_TOKEN, offline: e.HF_HUB_OFFLINE },
  };
}
