/** Text into HTML (element content and quoted attribute values): user text is never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] as string);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text into one markdown table cell: markdown renderers pass raw HTML through, so `<`, `>` and `&`
 * become entities; `|` would end the cell and a newline the row; `\`, `` ` ``, `*`, `_`, `[`, `]`
 * would start emphasis, code or links.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] as string)
    .replace(/[\\`*_[\]|]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}
