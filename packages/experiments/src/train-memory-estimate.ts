/** The sizes the estimate reads (train-payloads' TrainShape satisfies it; declared here so neither file imports the other). */
export type TrainShapeSizes =
  | { family: 'gpt2'; nLayer: number; nHead: number; nEmbd: number; nPositions: number; vocabSize: number }
  | {
      family: 'llama';
      nLayer: number;
      hidden: number;
      nHead: number;
      nKvHead: number;
      intermediate: number;
      tieWordEmbeddings: boolean;
      vocabSize: number;
    };

// A float32 upper bound of one training step's memory, for refusing a job at submit time (the api
// has no inference runtime): params × 4 copies (weights, grads, AdamW m and v), the (B, S, V)
// logits with the loss's softmax and gradient (the teacher's too for KD), and per layer ~16 (B, S, D)
// activations plus the MLP's and 3 (B, H, S, S) attention maps — core/train/train-memory.ts's
// formula (a test in core/trained pins the two equal).

export function trainParamCount(s: TrainShapeSizes): number {
  if (s.family === 'gpt2') {
    const d = s.nEmbd;
    const perLayer = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d);
    return s.vocabSize * d + s.nPositions * d + s.nLayer * perLayer + 2 * d;
  }
  const { hidden: d, intermediate: f } = s;
  const headDim = d / s.nHead;
  const q = s.nHead * headDim;
  const kv = s.nKvHead * headDim;
  const perLayer = 2 * d + d * q + 2 * d * kv + q * d + 3 * d * f;
  return (s.tieWordEmbeddings ? 1 : 2) * s.vocabSize * d + s.nLayer * perLayer + d;
}

export function estimateTrainBytes(s: TrainShapeSizes, batch: number, seq: number, kd = false): number {
  const d = s.family === 'gpt2' ? s.nEmbd : s.hidden;
  const width = s.family === 'gpt2' ? 4 * d : s.intermediate;
  const rows = batch * seq;
  const logits = rows * s.vocabSize * (kd ? 6 : 4);
  const perLayer = rows * (12 * d + 2 * width) + 3 * batch * s.nHead * seq * seq;
  return 4 * (4 * trainParamCount(s) + logits + s.nLayer * perLayer);
}
