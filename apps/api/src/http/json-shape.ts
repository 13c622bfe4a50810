/**
 * No valid body has more than this many object fields (a full matrix has under 300) or list items
 * (prompts: 64; every other list: 16). JSON.parse of 150,000 keys alone blocks the event loop for
 * ~0.2-0.4 s (V8 builds a dictionary object), and anything that then walks it as long again.
 */
export const MAX_JSON_FIELDS = 2000;
export const MAX_JSON_ITEMS = 20_000;

export type JsonShape = { fields: number; items: number; tooLarge: boolean };

/**
 * Counts object fields and list items of a JSON text without building it: one pass over the
 * characters (a few ms for 2 MiB), stopping as soon as a limit is passed. Strings are skipped
 * whole, so a prompt that quotes JSON counts as one value. Malformed text is left to JSON.parse.
 */
export function jsonShape(text: string, limits = { fields: MAX_JSON_FIELDS, items: MAX_JSON_ITEMS }): JsonShape {
  let fields = 0;
  let items = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      // Skip the string; a field name is a string followed by a colon.
      i++;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x5c /* \ */) i += 2;
        else if (c === 0x22) break;
        else i++;
      }
      let j = i + 1;
      while (
        j < n &&
        (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x0a || text.charCodeAt(j) === 0x0d || text.charCodeAt(j) === 0x09)
      )
        j++;
      if (text.charCodeAt(j) === 0x3a /* : */ && ++fields > limits.fields) return { fields, items, tooLarge: true };
    } else if (ch === 0x2c /* , */ && ++items > limits.items + limits.fields) {
      return { fields, items, tooLarge: true };
    }
  }
  return { fields, items, tooLarge: false };
}
