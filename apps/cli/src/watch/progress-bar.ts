/** `[████████░░░░░░░░░░░░]` for done/total, `width` characters between the brackets. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total <= 0 ? width : Math.round((Math.min(done, total) / total) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
