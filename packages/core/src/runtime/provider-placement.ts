import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecoderConfig } from './decoder-config.ts';
import { DecoderSession, type SessionOptions } from './decoder-session.ts';
import type { OrtBackend } from './execution-provider.ts';

// Which provider ran each kernel: a session lists one provider (DecoderSession.load), but
// onnxruntime still places nodes that provider lacks a kernel for on its CPU provider (and puts
// shape arithmetic there on purpose). Its profile names the provider of every kernel run; this reads
// it, for GPU checks. Profiling slows every run, so measured cells never profile.

/** onnxruntime's names of the providers in a profile. */
export const ORT_PROVIDER_NAMES: Record<OrtBackend, string> = {
  cpu: 'CPUExecutionProvider',
  cuda: 'CUDAExecutionProvider',
  webgpu: 'WebGpuExecutionProvider',
};

/** Matrix products: where a decoder spends its time, and what a GPU run must not leave on the CPU. */
const MATMUL_OPS = new Set(['MatMul', 'FusedMatMul', 'Gemm', 'MatMulNBits', 'MatMulInteger', 'DynamicQuantizeMatMul']);

/** Kernel runs per provider, all and matrix products only. */
export type Placement = { kernels: Record<string, number>; matmuls: Record<string, number> };

type TraceEvent = { cat?: string; args?: { provider?: string; op_name?: string } };

/** The placement recorded in an onnxruntime profile (a Chrome trace: one "Node" event per kernel run). */
export function placementOfTrace(trace: readonly TraceEvent[]): Placement {
  const placement: Placement = { kernels: {}, matmuls: {} };
  for (const e of trace) {
    const provider = e.args?.provider;
    if (e.cat !== 'Node' || provider === undefined) continue;
    placement.kernels[provider] = (placement.kernels[provider] ?? 0) + 1;
    if (MATMUL_OPS.has(e.args?.op_name ?? '')) placement.matmuls[provider] = (placement.matmuls[provider] ?? 0) + 1;
  }
  return placement;
}

/** Loads `file` profiled on `options`' provider, runs one prefill of `ids` (batch 1), and returns where its kernels ran. */
export async function measurePlacement(
  file: string,
  config: DecoderConfig,
  options: SessionOptions,
  ids: readonly number[],
): Promise<Placement & { backend: OrtBackend }> {
  const dir = mkdtempSync(join(tmpdir(), 'inferlab-ort-profile-'));
  try {
    const session = await DecoderSession.load(file, config, { ...options, profileFilePrefix: join(dir, 'profile') });
    try {
      await session.forward({
        batch: 1,
        seq: ids.length,
        inputIds: BigInt64Array.from(ids, BigInt), // (1, seq)
        attentionMask: BigInt64Array.from(ids, () => 1n), // (1, seq)
        positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)), // (1, seq)
        past: session.emptyCache(1),
      });
      await session.session.endProfiling(); // writes the file
    } finally {
      await session.release();
    }
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (name === undefined) throw new Error(`onnxruntime wrote no profile under ${dir}`);
    return { ...placementOfTrace(JSON.parse(readFileSync(join(dir, name), 'utf8')) as TraceEvent[]), backend: session.backend };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
