import type { CellConfig, CellResult, RequestRecord, TokenEvent } from '@inferlab/experiments';

type SyntheticRequest = Pick<RequestRecord, 'repetition' | 'promptIndex' | 'startedAt'> & {
  events: TokenEvent[];
  promptTokens?: number;
  tokenizeMs?: number;
};

/**
 * Four requests (2 repetitions × 2 prompts) whose metrics are worked by hand in the tests that use
 * them: TTFT 10, 20, 12, 16; E2EL 30, 50, 32, 56; N_out 3, 4 (one 2-token chunk), 3, 2.
 */
export const HAND_TIMELINE: SyntheticRequest[] = [
  {
    repetition: 0,
    promptIndex: 0,
    startedAt: 0,
    events: [
      { t: 10, n: 1 },
      { t: 20, n: 1 },
      { t: 30, n: 1 },
    ],
  },
  {
    repetition: 0,
    promptIndex: 1,
    startedAt: 40,
    events: [
      { t: 20, n: 1 },
      { t: 30, n: 2 },
      { t: 50, n: 1 },
    ],
  },
  {
    repetition: 1,
    promptIndex: 0,
    startedAt: 100,
    events: [
      { t: 12, n: 1 },
      { t: 22, n: 1 },
      { t: 32, n: 1 },
    ],
  },
  {
    repetition: 1,
    promptIndex: 1,
    startedAt: 140,
    events: [
      { t: 16, n: 1 },
      { t: 56, n: 1 },
    ],
  },
];

/** File size of the synthetic model: 3.5 MiB, so model_size_MB = 3.5. */
export const HAND_MODEL_BYTES = 3.5 * 2 ** 20;

/** A complete, schema-valid CellResult around the given request timelines. */
export function syntheticCellResult(input: {
  cellId: string;
  experimentId: string;
  config: CellConfig;
  attempt?: number;
  requests?: SyntheticRequest[];
}): CellResult {
  const requests = (input.requests ?? HAND_TIMELINE).map((r): RequestRecord => {
    const nOut = r.events.reduce((sum, e) => sum + e.n, 0);
    return {
      repetition: r.repetition,
      promptIndex: r.promptIndex,
      promptTokens: r.promptTokens ?? 5,
      tokenizeMs: r.tokenizeMs ?? 1,
      events: r.events,
      outputTokenIds: Array.from({ length: nOut }, (_, i) => 100 + i),
      text: `output ${r.repetition}/${r.promptIndex}`,
      startedAt: r.startedAt,
      stopReason: 'length',
    };
  });
  return {
    cellId: input.cellId,
    experimentId: input.experimentId,
    attempt: input.attempt ?? 1,
    workerId: 'worker-test',
    config: input.config,
    model: {
      id: input.config.model,
      file: 'onnx/model_int8.onnx',
      sha256: 'ab'.repeat(32),
      fileBytes: HAND_MODEL_BYTES,
      paramCount: 1000,
      paramBytes: 1000,
    },
    environment: {
      host: 'test-host',
      cpuModel: 'Test CPU',
      cores: 2,
      threads: input.config.threads,
      memoryBytes: 8 * 2 ** 30,
      os: 'Linux test',
      node: process.version,
      onnxruntime: '1.30.0',
      inferlab: '0.1.0',
      gitCommit: null,
      executionProvider: 'cpu',
      gpu: null,
      clock: 'performance.now() (monotonic, ms)',
    },
    requests,
    memory: { peakRssBytes: 123_456_789, kvCacheBytes: 4096, weightBytes: { float32: 1024, int8: 4096 } },
    cpu: { userMs: 150, systemMs: 10 },
    wallMs: 196,
    metricsVersion: '1',
  };
}
