// Training tokens/s of our engine (forward+loss+backward as one onnxruntime graph, AdamW in JS) vs
// PyTorch (Debian python3-torch, eager, torch.optim.AdamW) on the same decoder shape, batch,
// sequence length, thread count and step recipe (cross-entropy, global-norm clip 1, AdamW with
// decoupled decay on matrices), in one run with the order rotated each repetition so machine load
// hits both alike. Prints each side's median and the ratio ours / PyTorch (goal ≥ 0.5), per
// vocabulary size (--vocab 50257,8192: GPT-2's tokenizer vs a corpus BPE's), and with
// --tokenizer-cost the KJV held-out bytes per token of GPT-2's BPE vs an 8,192-entry BPE learnt on
// the KJV training split, so tokens/s converts into training cost per corpus byte.
// PyTorch is a bench-only tool: `apt-get install -y python3-torch libopenblas0-pthread`.
// npm run bench:train-throughput -- [--family gpt2|llama] [--layers 4] [--embd 256] [--heads 4]
//   [--kv-heads 2] [--vocab 50257[,8192]] [--seq 128] [--batch 8] [--threads 2] [--steps 4] [--reps 3]
//   [--tokenizer-cost]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { countBpeTokens, gpt2Encode, loadKjvCorpus, trainBpe } from '../packages/core/src/corpus/index.ts';
import type { ForgeSpec } from '../packages/core/src/forge/forge-models.ts';
import { trainModel } from '../packages/core/src/train/index.ts';
import { loadAverage } from './lib.ts';

const { values } = parseArgs({
  options: {
    family: { type: 'string', default: 'gpt2' },
    layers: { type: 'string', default: '4' },
    embd: { type: 'string', default: '256' },
    heads: { type: 'string', default: '4' },
    'kv-heads': { type: 'string', default: '2' },
    vocab: { type: 'string', default: '50257' },
    seq: { type: 'string', default: '128' },
    batch: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '4' },
    reps: { type: 'string', default: '3' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'tokenizer-cost': { type: 'boolean', default: false },
  },
});
const n = (k: keyof typeof values) => Number(values[k]);
const vocabs = String(values.vocab).split(',').map(Number);
const [L, D, H, KV, S, B, threads, steps, reps] = [
  n('layers'),
  n('embd'),
  n('heads'),
  n('kv-heads'),
  n('seq'),
  n('batch'),
  n('threads'),
  n('steps'),
  n('reps'),
];
const family = values.family === 'llama' ? 'llama' : 'gpt2';
const specOf = (V: number): ForgeSpec =>
  family === 'gpt2'
    ? { family, nLayer: L, nHead: H, nEmbd: D, nPositions: S, vocabSize: V, seed: 1 }
    : {
        family,
        nLayer: L,
        hidden: D,
        nHead: H,
        nKvHead: KV,
        headDim: D / H,
        intermediate: Math.round((8 * D) / 3),
        maxPositions: S,
        vocabSize: V,
        ropeTheta: 10000,
        rmsNormEps: 1e-5,
        tieWordEmbeddings: true,
        seed: 1,
      };
const WARMUP = 1;
/**
 * Tokens per second of wall time, and per second of the process's CPU time (all its threads): on a
 * shared machine the second is the steadier measure of the work each engine does per token.
 */
type Rate = { wall: number; cpu: number };
/** Per run of ours: the share of step time spent in clip + AdamW (the rest is the graph run). */
const optimizerShare: number[] = [];

/** Ours: steps after the first (session creation and first-run allocation excluded), tokens/s. */
async function ours(V: number): Promise<Rate> {
  const spec = specOf(V);
  const train = Int32Array.from({ length: (WARMUP + steps) * B * S + 1 }, (_, i) => Math.imul(i + 1, 2654435761) >>> 0) // uniform ids
    .map((x) => x % V);
  let from = 0;
  let cpuFrom = process.cpuUsage();
  const rate: Rate = { wall: 0, cpu: 0 };
  const r = await trainModel(
    { spec, train, batchSize: B, seqLen: S, steps: WARMUP + steps, seed: 1, threads, learningRate: { peak: 1e-3 } },
    {
      onProgress: (p) => {
        if (p.step === WARMUP) [from, cpuFrom] = [performance.now(), process.cpuUsage()];
        if (p.step === WARMUP + steps) {
          const cpu = process.cpuUsage(cpuFrom);
          rate.wall = (steps * B * S) / ((performance.now() - from) / 1000);
          rate.cpu = (steps * B * S) / ((cpu.user + cpu.system) / 1e6);
        }
      },
    },
  );
  optimizerShare.push(r.seconds.optimizer / (r.seconds.graph + r.seconds.optimizer));
  return rate;
}

/** The PyTorch side: the same model, loss, clip and AdamW, timed after `warmup` steps. */
const TORCH_TRAIN_SCRIPT = `import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg['threads'])
torch.manual_seed(cfg['seed'])
V, D, L, H, S, B = cfg['vocab'], cfg['embd'], cfg['layers'], cfg['heads'], cfg['seq'], cfg['batch']
hd = D // H

class Gpt2Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.c_attn, self.c_proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc, self.proj = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)
    def forward(self, x, bias):
        q, k, v = self.c_attn(self.ln1(x)).split(D, dim=2)
        heads = lambda t: t.view(B, S, H, hd).transpose(1, 2)
        att = F.softmax((heads(q) * (1 / math.sqrt(hd))) @ heads(k).transpose(-2, -1) + bias, dim=-1)
        x = x + self.c_proj((att @ heads(v)).transpose(1, 2).reshape(B, S, D))
        return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate='tanh'))

class Gpt2(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(S, D)
        self.blocks = nn.ModuleList([Gpt2Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(D)
        for p in self.parameters():
            if p.dim() > 1: nn.init.normal_(p, std=0.02)
    def forward(self, ids, bias):
        x = self.wte(ids) + self.wpe(torch.arange(S))
        for b in self.blocks: x = b(x, bias)
        return self.ln_f(x) @ self.wte.weight.t()

def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

class LlamaBlock(nn.Module):
    def __init__(self):
        super().__init__()
        KV, F_ = cfg['kvHeads'], round(8 * D / 3)
        self.n1, self.n2 = nn.Parameter(torch.ones(D)), nn.Parameter(torch.ones(D))
        self.q, self.k, self.v, self.o = nn.Linear(D, D, bias=False), nn.Linear(D, KV * hd, bias=False), nn.Linear(D, KV * hd, bias=False), nn.Linear(D, D, bias=False)
        self.gate, self.up, self.down = nn.Linear(D, F_, bias=False), nn.Linear(D, F_, bias=False), nn.Linear(F_, D, bias=False)
        self.kv = KV
    def forward(self, x, bias, cos, sin):
        h = rms(x, self.n1)
        rot = lambda t: torch.cat((-t[..., hd // 2:], t[..., :hd // 2]), dim=-1)
        rope = lambda t: t * cos + rot(t) * sin
        q = rope(self.q(h).view(B, S, H, hd).transpose(1, 2))
        k = rope(self.k(h).view(B, S, self.kv, hd).transpose(1, 2)).repeat_interleave(H // self.kv, dim=1)
        v = self.v(h).view(B, S, self.kv, hd).transpose(1, 2).repeat_interleave(H // self.kv, dim=1)
        att = F.softmax((q * (1 / math.sqrt(hd))) @ k.transpose(-2, -1) + bias, dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(B, S, D))
        h = rms(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))

class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.blocks = nn.ModuleList([LlamaBlock() for _ in range(L)])
        self.norm = nn.Parameter(torch.ones(D))
        for p in self.parameters():
            if p.dim() > 1: nn.init.normal_(p, std=0.02)
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.outer(torch.arange(S).float(), inv)
        self.cos, self.sin = torch.cat((ang, ang), -1).cos(), torch.cat((ang, ang), -1).sin()
    def forward(self, ids, bias):
        x = self.embed(ids)
        for b in self.blocks: x = b(x, bias, self.cos, self.sin)
        return rms(x, self.norm) @ self.embed.weight.t()

model = Gpt2() if cfg['family'] == 'gpt2' else Llama()
bias = torch.triu(torch.full((S, S), float('-inf')), diagonal=1)
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}], lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
g = torch.Generator().manual_seed(cfg['seed'])

def step():
    ids = torch.randint(0, V, (B, S + 1), generator=g)
    logits = model(ids[:, :-1], bias)
    loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()

for _ in range(cfg['warmup']): step()
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(cfg['steps']): loss = step()
dt, dc = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({'wall': cfg['steps'] * B * S / dt, 'cpu': cfg['steps'] * B * S / dc, 'loss': loss, 'torch': torch.__version__}))
`;

const scriptDir = mkdtempSync(join(tmpdir(), 'inferlab-train-bench-'));
const script = join(scriptDir, 'torch_train.py');
writeFileSync(script, TORCH_TRAIN_SCRIPT);

/** PyTorch: same shape and recipe in a child python, BLAS pinned to `threads`; tokens/s. */
function torch(V: number): Rate {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE; // unset for this command only: let OpenBLAS pick its kernels for this CPU
  delete env.OPENBLAS_L2_SIZE;
  const cfg = { family, threads, seed: 1, vocab: V, embd: D, layers: L, heads: H, kvHeads: KV, seq: S, batch: B, warmup: WARMUP, steps };
  const out = execFileSync(values.python as string, [script, JSON.stringify(cfg)], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Rate;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

if (!existsSync(values.python as string)) {
  console.error(`${values.python} not found: apt-get install -y python3-torch libopenblas0-pthread (bench only)`);
  process.exit(1);
}
console.log(
  `${family} L${L} D${D} H${H}${family === 'llama' ? ` KV${KV}` : ''}, batch ${B} × seq ${S}, ${threads} threads, ${steps} timed steps × ${reps} reps; load average before: ${loadAverage()}`,
);
const rows: Array<{ vocab: number; ours: Rate; pytorch: Rate }> = [];
for (const V of vocabs) {
  const results: Record<'ours' | 'pytorch', Rate[]> = { ours: [], pytorch: [] };
  for (let r = 0; r < reps; r++) {
    const order: Array<'ours' | 'pytorch'> = r % 2 === 0 ? ['ours', 'pytorch'] : ['pytorch', 'ours'];
    for (const side of order) {
      const rate = side === 'ours' ? await ours(V) : torch(V);
      results[side].push(rate);
      console.log(`  V ${V} rep ${r + 1} ${side.padEnd(7)} ${rate.wall.toFixed(0)} tokens/s wall, ${rate.cpu.toFixed(0)} per CPU-second`);
    }
  }
  const med = (xs: Rate[]): Rate => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  rows.push({ vocab: V, ours: med(results.ours), pytorch: med(results.pytorch) });
}
rmSync(scriptDir, { recursive: true, force: true });
for (const { vocab, ours: a, pytorch: b } of rows) {
  console.log(
    `V ${vocab}: median tokens/s ours ${a.wall.toFixed(0)}, PyTorch ${b.wall.toFixed(0)}, ratio ours/PyTorch ${(a.wall / b.wall).toFixed(2)} (goal ≥ 0.5); per CPU-second ${a.cpu.toFixed(0)} vs ${b.cpu.toFixed(0)}, ratio ${(a.cpu / b.cpu).toFixed(2)}`,
  );
}
console.log(
  `ours, where the step time goes: graph (forward+loss+backward, weights in, grads out) ${(100 * (1 - median(optimizerShare))).toFixed(1)}%, clip + AdamW in JS ${(100 * median(optimizerShare)).toFixed(1)}%`,
);
if (values['tokenizer-cost'] === true) {
  const corpus = loadKjvCorpus();
  const bytes = Buffer.byteLength(corpus.heldOut);
  const gpt2 = bytes / gpt2Encode(corpus.heldOut).length;
  const bpe = bytes / countBpeTokens(trainBpe(corpus.train, 8192), corpus.heldOut);
  console.log(`KJV held-out bytes per token: GPT-2 BPE (50,257) ${gpt2.toFixed(2)}, KJV-trained BPE (8,192) ${bpe.toFixed(2)}`);
  const perByte = (vocab: number, bytesPerToken: number) => {
    const row = rows.find((r) => r.vocab === vocab);
    return row === undefined ? undefined : row.ours.cpu * bytesPerToken;
  };
  const [g, k] = [perByte(50257, gpt2), perByte(8192, bpe)];
  if (g !== undefined && k !== undefined) {
    console.log(
      `ours, corpus bytes trained per CPU-second: GPT-2 tokenizer ${g.toFixed(0)}, 8k BPE ${k.toFixed(0)} (${(k / g).toFixed(2)}× faster)`,
    );
  }
}
console.log(`load average after: ${loadAverage()}`);
