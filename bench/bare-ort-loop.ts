// The honest anchor: greedy decoding with a KV cache in plain onnxruntime-node, no inferlab code.
// It feeds an Optimum-layout decoder (input_ids, attention_mask, position_ids, past_key_values.*)
// exactly as a hand-written loop would: zero-length past first, then each step's present as the
// next past, logits for every fed position, argmax of the last row.
//   tsx bench/bare-ort-loop.ts <model.onnx> <comma-separated prompt ids> [new tokens] [threads]
import * as ort from 'onnxruntime-node';

export type BareRun = { tokens: number[]; ttftMs: number; decodeTokPerS: number };

export class BareOrtLoop {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly layers: number,
    private readonly kvHeads: number,
    private readonly headDim: number,
  ) {}

  static async load(file: string, threads: number): Promise<BareOrtLoop> {
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const pastKeys = session.inputNames.filter((n) => /^past_key_values\.\d+\.key$/.test(n));
    const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    const shape = meta?.isTensor ? meta.shape : [];
    const [, heads, , headDim] = shape;
    if (typeof heads !== 'number' || typeof headDim !== 'number') throw new Error(`${file}: cannot read the KV shape`);
    return new BareOrtLoop(session, pastKeys.length, heads, headDim);
  }

  async generate(promptIds: readonly number[], newTokens: number): Promise<BareRun> {
    const t0 = performance.now();
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.layers; i++) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, this.kvHeads, 0, this.headDim]);
      }
    }
    let ids = [...promptIds];
    let total = 0;
    const tokens: number[] = [];
    const times: number[] = [];
    while (tokens.length < newTokens) {
      const s = ids.length;
      feeds.input_ids = new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, s]);
      feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(total + s).fill(1n), [1, total + s]);
      feeds.position_ids = new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (_, j) => BigInt(total + j)),
        [1, s],
      );
      const out = await this.session.run(feeds);
      const logits = out.logits as ort.Tensor;
      const vocab = Number(logits.dims[2]);
      const data = logits.data as Float32Array;
      let best = 0;
      for (let v = 1, off = (s - 1) * vocab; v < vocab; v++) if ((data[off + v] as number) > (data[off + best] as number)) best = v;
      for (let i = 0; i < this.layers; i++) {
        for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = out[`present.${i}.${kind}`] as ort.Tensor;
      }
      total += s;
      ids = [best];
      tokens.push(best);
      times.push(performance.now() - t0);
    }
    const first = times[0] as number;
    const last = times.at(-1) as number;
    return { tokens, ttftMs: first, decodeTokPerS: (tokens.length - 1) / ((last - first) / 1000) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

if (process.argv[1]?.endsWith('bare-ort-loop.ts')) {
  const [file, ids, n = '32', threads = '2'] = process.argv.slice(2);
  if (file === undefined || ids === undefined)
    throw new Error('usage: tsx bench/bare-ort-loop.ts <model.onnx> <ids,…> [new tokens] [threads]');
  const loop = await BareOrtLoop.load(file, Number(threads));
  console.log(await loop.generate(ids.split(',').map(Number), Number(n)));
  await loop.release();
}
