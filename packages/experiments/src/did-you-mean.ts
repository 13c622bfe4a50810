const MAX_INPUT_CHARS = 64;
const MAX_KNOWN = 256;

/**
 * The known name closest to a mistyped one, or null when none is close enough. Catches the usual
 * slips: snake_case for camelCase (`max_new_tokens`), case, a missing plural, one or two typos.
 */
export function didYouMean(input: string, known: readonly string[]): string | null {
  // Bounded work: field and enum names are short and few; a 10 kB "key" is no typo of one.
  if (input.length > MAX_INPUT_CHARS) return null;
  const normalized = normalize(input);
  let best: { name: string; distance: number } | null = null;
  for (const name of known.slice(0, MAX_KNOWN)) {
    if (name.length > MAX_INPUT_CHARS) continue;
    if (normalize(name) === normalized) return name;
    const distance = editDistance(input.toLowerCase(), name.toLowerCase());
    if (best === null || distance < best.distance) best = { name, distance };
  }
  // Beyond a third of the word, a "suggestion" is a different word.
  if (best !== null && best.distance <= Math.max(1, Math.min(3, Math.floor(input.length / 3)))) return best.name;
  return null;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Edit distance where swapping two adjacent letters (`cahce`) costs 1 (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}
