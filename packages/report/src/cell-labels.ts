import { ABSENT_CONFIG_VALUES, distinguishingKeys } from '@inferlab/experiments/labels';

/**
 * A short label per cell naming only the config fields that differ between the cells
 * (`dtype=int8 cache=true`; distinguishingKeys); prompts are left out (every cell runs them all). One cell: its model.
 */
export function cellLabels(configs: readonly { model: string }[]): string[] {
  const flat = configs.map((c) => Object.fromEntries(flatten(c as Record<string, unknown>)));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => k !== 'prompts');
  const varying = distinguishingKeys(flat, keys);
  return flat.map((f, i) => {
    if (varying.length === 0) return String(configs[i]?.model ?? `cell ${i}`);
    return varying.map((k) => `${k.split('.').at(-1)}=${f[k] ?? ABSENT_CONFIG_VALUES[k] ?? '–'}`).join(' ');
  });
}

function flatten(value: Record<string, unknown>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out;
}
