// A BPE vocabulary learnt from a corpus (Sennrich et al. 2016, on GPT-2's pre-tokenization): the
// alternative to GPT-2's tokenizer that docs/training.md weighs. Merges are learnt over the distinct
// pre-tokens with their counts, updating pair counts only in the words a merge touches. Used to
// measure tokens per byte at a smaller vocabulary; models here train on GPT-2's tokenizer.

/** GPT-2's pre-tokenizer pattern: contractions, letter runs, digit runs, punctuation, whitespace. */
const PRETOKEN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export type Bpe = { symbols: string[]; merges: Array<[number, number]> };

type Word = { syms: number[]; count: number };

const key = (a: number, b: number) => a * 0x100000 + b;

export function pretokens(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(PRETOKEN)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return counts;
}

/** Learns merges until the vocabulary (characters + merged symbols) holds `vocabSize` entries. */
export function trainBpe(text: string, vocabSize: number): Bpe {
  const symbols: string[] = [];
  const idOf = new Map<string, number>();
  const sym = (s: string) => {
    let id = idOf.get(s);
    if (id === undefined) {
      id = symbols.push(s) - 1;
      idOf.set(s, id);
    }
    return id;
  };
  const words: Word[] = [...pretokens(text)].map(([w, count]) => ({ syms: Array.from(w, sym), count }));
  const pairs = new Map<number, number>(); // pair → count
  const where = new Map<number, Set<number>>(); // pair → words holding it
  const addWord = (wi: number, sign: 1 | -1) => {
    const { syms, count } = words[wi] as Word;
    for (let i = 0; i + 1 < syms.length; i++) {
      const k = key(syms[i] as number, syms[i + 1] as number);
      pairs.set(k, (pairs.get(k) ?? 0) + sign * count);
      if (sign === 1) (where.get(k) ?? where.set(k, new Set()).get(k))?.add(wi);
    }
  };
  for (let wi = 0; wi < words.length; wi++) addWord(wi, 1);
  const merges: Array<[number, number]> = [];
  while (symbols.length < vocabSize) {
    let best = -1;
    let bestCount = 1; // a pair seen once is not worth a symbol
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && best >= 0 && k < best)) [best, bestCount] = [k, c];
    if (best < 0) break;
    const a = Math.floor(best / 0x100000);
    const b = best % 0x100000;
    const merged = sym((symbols[a] as string) + (symbols[b] as string));
    merges.push([a, b]);
    for (const wi of where.get(best) ?? []) {
      addWord(wi, -1);
      const old = (words[wi] as Word).syms;
      const next: number[] = [];
      for (let i = 0; i < old.length; i++) {
        if (i + 1 < old.length && old[i] === a && old[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(old[i] as number);
      }
      (words[wi] as Word).syms = next;
      addWord(wi, 1);
    }
    pairs.delete(best);
  }
  return { symbols, merges };
}

/** Token count of `text` under `bpe` (each distinct pre-token encoded once, by merge rank). */
export function countBpeTokens(bpe: Bpe, text: string): number {
  const idOf = new Map(bpe.symbols.map((s, i) => [s, i]));
  const rank = new Map(bpe.merges.map(([a, b], r) => [key(a, b), r]));
  let total = 0;
  for (const [word, count] of pretokens(text)) {
    let syms = Array.from(word, (ch) => idOf.get(ch) ?? -1);
    for (;;) {
      let bestRank = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = rank.get(key(syms[i] as number, syms[i + 1] as number));
        if (r !== undefined && r < bestRank) [bestRank, at] = [r, i];
      }
      if (at < 0) break;
      const merged = idOf.get((bpe.symbols[syms[at] as number] as string) + (bpe.symbols[syms[at + 1] as number] as string)) as number;
      syms = [...syms.slice(0, at), merged, ...syms.slice(at + 2)];
    }
    total += syms.length * count;
  }
  return total;
}
