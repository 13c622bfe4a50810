import { PermanentError } from '@inferlab/experiments';
import { AdamW, clipScale, globalNorm } from './adamw.ts';
import { type Batch, BatchSampler, sequentialBatches } from './batch-sampler.ts';
import { CheckpointError, type CheckpointMeta, readCheckpoint, type TrainWeights, writeCheckpoint } from './checkpoint.ts';
import { learningRate } from './lr-schedule.ts';
import type { TrainLoss } from './train-graph.ts';
import { optionsFingerprint, type ResolvedModelTrainOptions, resolveModelTrainOptions, type TrainModelOptions } from './train-options.ts';
import { forgeInitialWeights, TrainSession } from './train-session.ts';

// The training loop: each optimizer step runs the forward+backward graph once per micro-batch,
// sums the gradients, clips them to a global norm and applies AdamW with the scheduled learning
// rate. Weights and optimizer state live in JS Float32Arrays; checkpoints (weights, m, v, step,
// sampler state) let a killed run resume and draw exactly the batches it would have drawn.

export type TrainProgress = {
  step: number;
  totalSteps: number;
  /** Mean loss of this step's micro-batches. */
  trainLoss: number;
  heldOutLoss?: number;
  learningRate: number;
  gradNorm: number;
  tokensSeen: number;
  tokensPerSecond: number;
  etaSeconds: number;
};

export type TrainHooks = {
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** Where checkpoints go; a checkpoint already there is resumed from. */
  checkpointDir?: string;
};

export type TrainResult = {
  weights: TrainWeights;
  /** Training loss per step, from step 1 (including steps before a resume). */
  losses: number[];
  heldOut: Array<{ step: number; loss: number }>;
  steps: number;
  tokensSeen: number;
  trainSeconds: number;
  /** Tokens per second of this process's steps (forward + backward + update). */
  tokensPerSecond: number;
  /** The step the run resumed from (0: a fresh start). */
  resumedFrom: number;
  /** Where this process's step time went: graph runs (forward+backward, incl. teacher) vs clip + AdamW. */
  seconds: { graph: number; optimizer: number };
};

export class TrainCancelledError extends PermanentError {
  override readonly name = 'TrainCancelledError';
}

function graphLoss(o: ResolvedModelTrainOptions): TrainLoss {
  return o.objective.kind === 'kd' ? { kind: 'kd', temperature: o.objective.temperature, alpha: o.objective.alpha } : { kind: 'ce' };
}

/** Mean held-out loss (cross-entropy or the KD objective, as trained) over at most evalWindows windows. */
async function heldOutLoss(session: TrainSession, o: ResolvedModelTrainOptions, tokens: Int32Array): Promise<number> {
  let sum = 0;
  let n = 0;
  for (const batch of sequentialBatches(tokens, o.seqLen, o.batchSize, o.evalWindows)) {
    const teacher = o.objective.kind === 'kd' ? await o.objective.teacher.logits(batch) : undefined;
    sum += (await session.run(batch, teacher)).loss * batch.batch;
    n += batch.batch;
  }
  return sum / n;
}

export async function trainModel(options: TrainModelOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const o = resolveModelTrainOptions(options);
  const fingerprint = optionsFingerprint(o);
  const resumed = hooks.checkpointDir === undefined ? undefined : readCheckpoint(hooks.checkpointDir);
  if (resumed !== undefined && resumed.meta.fingerprint !== fingerprint) {
    throw new CheckpointError(
      `the checkpoint in ${hooks.checkpointDir} was written by a run with other options (fingerprint ${resumed.meta.fingerprint}, now ${fingerprint})`,
    );
  }
  const weights: TrainWeights = resumed?.weights ?? cloneWeights(o.initialWeights ?? forgeInitialWeights(o.spec));
  const params = [...weights.values()].map((w) => w.data);
  const adam = new AdamW(
    params.map((p) => p.length),
    [...weights.values()].map((w) => w.dims.length >= 2),
    o.adamw,
    resumed?.adam,
  );
  const meta: CheckpointMeta = resumed?.meta ?? {
    step: 0,
    sampler: { epoch: 0, cursor: 0 },
    fingerprint,
    losses: [],
    heldOut: [],
    tokensSeen: 0,
    trainSeconds: 0,
  };
  const sampler = new BatchSampler(o.train, o.seqLen, o.seed, meta.sampler);
  const loss = graphLoss(o);
  const session = await TrainSession.create(o.spec, weights, {
    loss,
    grads: true,
    threads: o.threads,
    executionProvider: o.executionProvider,
  });
  const evalSession =
    o.heldOut === undefined
      ? undefined
      : await TrainSession.create(o.spec, weights, { loss, grads: false, threads: o.threads, executionProvider: o.executionProvider });
  const checkpoint = () => {
    if (hooks.checkpointDir === undefined) return;
    meta.sampler = sampler.state;
    writeCheckpoint(hooks.checkpointDir, { meta, weights, adam: adam.state });
  };

  const resumedFrom = meta.step;
  const tokensPerStep = o.batchSize * o.seqLen * o.gradAccumulation;
  const sums = o.gradAccumulation > 1 ? params.map((p) => new Float32Array(p.length)) : [];
  let ownSeconds = 0;
  const split = { graph: 0, optimizer: 0 };
  try {
    while (meta.step < o.steps) {
      if (hooks.signal?.aborted === true)
        throw new TrainCancelledError(`training cancelled at step ${meta.step}`, { cause: hooks.signal.reason });
      const started = performance.now();
      let stepLoss = 0;
      let grads: Float32Array[] = sums;
      for (let micro = 0; micro < o.gradAccumulation; micro++) {
        const batch: Batch = sampler.next(o.batchSize);
        const teacher = o.objective.kind === 'kd' ? await o.objective.teacher.logits(batch) : undefined;
        const out = await session.run(batch, teacher);
        stepLoss += out.loss / o.gradAccumulation;
        if (o.gradAccumulation === 1) grads = out.grads;
        else addInto(sums, out.grads, micro === 0);
      }
      const ran = performance.now();
      const norm = globalNorm(grads) / o.gradAccumulation;
      const lr = learningRate(meta.step, o.schedule);
      adam.step(params, grads, lr, clipScale(norm, o.clipNorm) / o.gradAccumulation);
      split.graph += (ran - started) / 1000;
      split.optimizer += (performance.now() - ran) / 1000;
      meta.step += 1;
      meta.tokensSeen += tokensPerStep;
      meta.losses.push(stepLoss);
      const seconds = (performance.now() - started) / 1000;
      ownSeconds += seconds;
      meta.trainSeconds += seconds;
      let heldOut: number | undefined;
      const last = meta.step === o.steps;
      if (evalSession !== undefined && o.heldOut !== undefined && (last || (o.evalEvery > 0 && meta.step % o.evalEvery === 0))) {
        heldOut = await heldOutLoss(evalSession, o, o.heldOut);
        meta.heldOut.push({ step: meta.step, loss: heldOut });
      }
      if (last || meta.step % o.checkpointEvery === 0) checkpoint();
      const tokensPerSecond = ((meta.step - resumedFrom) * tokensPerStep) / ownSeconds;
      await hooks.onProgress?.({
        step: meta.step,
        totalSteps: o.steps,
        trainLoss: stepLoss,
        heldOutLoss: heldOut,
        learningRate: lr,
        gradNorm: norm,
        tokensSeen: meta.tokensSeen,
        tokensPerSecond,
        etaSeconds: ((o.steps - meta.step) * tokensPerStep) / tokensPerSecond,
      });
    }
  } finally {
    await session.release();
    await evalSession?.release();
  }
  return {
    weights,
    losses: meta.losses,
    heldOut: meta.heldOut,
    steps: meta.step,
    tokensSeen: meta.tokensSeen,
    trainSeconds: meta.trainSeconds,
    tokensPerSecond: ownSeconds > 0 ? ((meta.step - resumedFrom) * tokensPerStep) / ownSeconds : 0,
    resumedFrom,
    seconds: split,
  };
}

function cloneWeights(w: TrainWeights): TrainWeights {
  return new Map([...w].map(([name, t]) => [name, { dims: [...t.dims], data: t.data.slice() }]));
}

/** sums[i] (+)= grads[i]; `first` overwrites. */
function addInto(sums: Float32Array[], grads: Float32Array[], first: boolean): void {
  for (let i = 0; i < sums.length; i++) {
    const s = sums[i] as Float32Array;
    const g = grads[i] as Float32Array;
    if (first) s.set(g);
    else for (let j = 0; j < s.length; j++) s[j] = (s[j] as number) + (g[j] as number);
  }
}
