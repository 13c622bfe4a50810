// Which config fields a short cell label names (the dashboard's and the report's): the fields whose
// values differ between the cells, each absent optional field read as what it ran as — a cell
// stored before kvLayout existed, or one where it does not apply, ran with the concat cache.

/** What an absent optional cell-config field (flattened key) ran as. */
export const ABSENT_CONFIG_VALUES: Readonly<Record<string, string>> = {
  engine: 'inferlab',
  'variant.kvCacheDtype': 'fp32',
  'variant.kvLayout': 'concat',
};

/** `keys` (flattened, in label order) whose values, absent ones read as ABSENT_CONFIG_VALUES, vary over `flat`. */
export function distinguishingKeys(flat: readonly Readonly<Record<string, string | undefined>>[], keys: readonly string[]): string[] {
  return keys.filter((k) => new Set(flat.map((f) => f[k] ?? ABSENT_CONFIG_VALUES[k] ?? '')).size > 1);
}
