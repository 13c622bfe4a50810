// npm run train:pair -- [--out DIR] [--target-steps 200] [--student-steps 100] [--threads 2] [--json FILE]
// A trained target (GPT-2 L6 D128) and its 2-layer student on the KJV corpus, fixed config and seed:
// 1. the target, cross-entropy from forge's init;
// 2. the student from the target's first 2 layers, KD (T 2, α 0.9) against the target's own graph;
// 3. the same student trained with cross-entropy alone, same steps, batch, seed (the baseline);
// then held-out perplexity vs the unigram baseline, a greedy continuation's vocabulary check, and
// both students' held-out KL to the target, top-1 agreement and cross-entropy (from their own graphs). Writes trained folders under
// <out>/trained/<name>/pair-v1/, model ids trained:<name>@pair-v1 (resolved by workers and benches whose
// INFERLAB_MODELS_DIR is <out>).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ForgeSpec,
  firstLayers,
  greedyContinuation,
  KJV_CORPUS_ID,
  loadKjvCorpus,
  loadTeacher,
  studentAgreement,
  type TrainModelOptions,
  tokenizeCorpus,
  trainModel,
  unigramPerplexity,
  writeTrainedFolder,
} from '@inferlab/core';
import { modelsDirFromEnv, trainedModelId } from '@inferlab/experiments';
import { decode } from 'gpt-3-encoder';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const out = arg('out', modelsDirFromEnv(process.env));
const threads = Number(arg('threads', '2'));
const VERSION = 'pair-v1';
const TARGET = { name: 'kjv-gpt2-l6', steps: Number(arg('target-steps', '200')) };
const STUDENT = { layers: 2, steps: Number(arg('student-steps', '100')), temperature: 2, alpha: 0.9 };
const SEED = 1;
const targetSpec: ForgeSpec = { family: 'gpt2', nLayer: 6, nHead: 4, nEmbd: 128, nPositions: 128, vocabSize: 50257, seed: SEED };
const common = { batchSize: 8, seqLen: 128, seed: SEED, threads, evalEvery: 50, evalWindows: 32 } as const;

const started = performance.now();
const corpus = tokenizeCorpus(loadKjvCorpus(), { cacheDir: join(out, 'corpus-cache') });
const unigram = unigramPerplexity(corpus.train, corpus.heldOut, 50257);
const folderOf = (name: string) => join(out, 'trained', name, VERSION);

async function train(name: string, options: Omit<TrainModelOptions, 'train' | 'heldOut' | 'batchSize' | 'seqLen' | 'seed'>, kind: string) {
  const t0 = performance.now();
  const r = await trainModel(
    { ...common, ...options, train: corpus.train, heldOut: corpus.heldOut },
    {
      onProgress: (p) => {
        if (p.step % 25 !== 0) return;
        const heldOut = p.heldOutLoss?.toFixed(3) ?? '-';
        console.log(
          `${name} step ${p.step}/${p.totalSteps} loss ${p.trainLoss.toFixed(3)} held-out ${heldOut} ${p.tokensPerSecond.toFixed(0)} tok/s`,
        );
      },
    },
  );
  const heldOut = r.heldOut.at(-1)?.loss ?? Number.NaN;
  const card = {
    corpus: KJV_CORPUS_ID,
    objective: kind,
    steps: r.steps,
    tokensSeen: r.tokensSeen,
    batchSize: common.batchSize,
    seqLen: common.seqLen,
    seed: SEED,
    losses: r.losses,
    heldOut: r.heldOut,
    // A KD run's held-out loss is its KD objective: its perplexity comes from studentAgreement below.
    heldOutPerplexity: kind === 'ce' || kind.startsWith('ce ') ? Math.exp(heldOut) : null,
    wallSeconds: (performance.now() - t0) / 1000,
    tokensPerSecond: r.tokensPerSecond,
    worker: 'train:pair',
    gitCommit: process.env.GIT_COMMIT ?? null,
  };
  const folder = folderOf(name);
  if (!existsSync(folder)) writeTrainedFolder(folder, { name, spec: options.spec, weights: r.weights, card });
  console.log(
    `${name}: held-out ${card.heldOutPerplexity === null ? 'KD objective' : 'loss'} ${heldOut.toFixed(3)}${card.heldOutPerplexity === null ? '' : ` (ppl ${card.heldOutPerplexity.toFixed(1)})`}, ${card.wallSeconds.toFixed(0)} s → ${folder}`,
  );
  return { r, card, folder, id: trainedModelId(name, VERSION) };
}

const learningRate = { peak: 3e-3, min: 3e-4, warmupSteps: 20 };
const target = await train(TARGET.name, { spec: targetSpec, steps: TARGET.steps, learningRate }, 'ce');
const init = firstLayers(targetSpec, target.r.weights, STUDENT.layers);
const teacher = await loadTeacher(target.folder, threads);
const studentOptions = { spec: init.spec, initialWeights: init.weights, steps: STUDENT.steps, learningRate };
const kd = await train(
  'kjv-gpt2-l2-kd',
  { ...studentOptions, objective: { kind: 'kd', temperature: STUDENT.temperature, alpha: STUDENT.alpha, teacher } },
  `kd T=${STUDENT.temperature} alpha=${STUDENT.alpha} from ${target.folder}`,
);
const ce = await train('kjv-gpt2-l2-ce', studentOptions, 'ce (baseline)');

const evalOptions = { seqLen: 128, windows: 16 };
const agreement = async (folder: string) => {
  const s = await loadTeacher(folder, threads);
  const a = await studentAgreement(teacher, s, corpus.heldOut, evalOptions);
  await s.release();
  return a;
};
const kdAgreement = await agreement(kd.folder);
const ceAgreement = await agreement(ce.folder);
const prompt = [...corpus.heldOut.subarray(0, 16)];
const continuation = await greedyContinuation(teacher, prompt, 24);
await teacher.release();

const report = {
  target: { id: target.id, heldOutPerplexity: target.card.heldOutPerplexity, unigramPerplexity: unigram },
  students: {
    kd: { id: kd.id, heldOutPerplexity: Math.exp(kdAgreement.studentCe), ...kdAgreement },
    ce: { id: ce.id, heldOutPerplexity: Math.exp(ceAgreement.studentCe), ...ceAgreement },
  },
  greedy: { prompt: decode(prompt), continuation: decode(continuation) },
  tokensPerSecond: { target: target.r.tokensPerSecond, kd: kd.r.tokensPerSecond, ce: ce.r.tokensPerSecond },
  wallSeconds: (performance.now() - started) / 1000,
};
console.log(JSON.stringify(report, null, 2));
const json = arg('json', '');
if (json !== '') {
  mkdirSync(join(json, '..'), { recursive: true });
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
}
