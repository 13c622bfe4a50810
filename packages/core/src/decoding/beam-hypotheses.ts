/** The best `numBeams` finished sequences of a beam search, scored Σ log p / length^lengthPenalty. */
export class BeamHypotheses {
  private readonly hyps: { tokens: number[]; score: number }[] = [];

  constructor(
    private readonly numBeams: number,
    private readonly lengthPenalty: number,
    private readonly earlyStopping: boolean,
  ) {}

  private normalize(sumLogProbs: number, length: number): number {
    return sumLogProbs / length ** this.lengthPenalty;
  }

  add(tokens: number[], sumLogProbs: number): void {
    const score = this.normalize(sumLogProbs, tokens.length);
    if (this.hyps.length >= this.numBeams && score <= this.worst()) return;
    this.hyps.push({ tokens, score });
    this.hyps.sort((a, b) => b.score - a.score);
    if (this.hyps.length > this.numBeams) this.hyps.pop();
  }

  private worst(): number {
    return this.hyps[this.hyps.length - 1]?.score ?? Number.NEGATIVE_INFINITY;
  }

  /** Full, and (early stopping) or no running beam of this length could still beat the worst kept. */
  isDone(bestRunningSumLogProbs: number, length: number): boolean {
    if (this.hyps.length < this.numBeams) return false;
    if (this.earlyStopping) return true;
    return this.worst() >= this.normalize(bestRunningSumLogProbs, length);
  }

  best(): { tokens: number[]; score: number } | null {
    return this.hyps[0] ?? null;
  }
}

export type Candidate = { parent: number; token: number; score: number };

/** The `n` best (beam, token) extensions by cumulative log-probability, best first (ties: lower beam, then token). */
export function topCandidates(logProbs: readonly Float64Array[], scores: readonly number[], n: number): Candidate[] {
  const top: Candidate[] = []; // sorted descending, at most n
  logProbs.forEach((lp, parent) => {
    const base = scores[parent] as number;
    if (base === Number.NEGATIVE_INFINITY) return;
    for (let token = 0; token < lp.length; token++) {
      const score = base + (lp[token] as number);
      if (top.length === n && score <= (top[n - 1] as Candidate).score) continue;
      if (score === Number.NEGATIVE_INFINITY) continue;
      let i = top.length;
      while (i > 0 && (top[i - 1] as Candidate).score < score) i--;
      top.splice(i, 0, { parent, token, score });
      if (top.length > n) top.pop();
    }
  });
  return top;
}
