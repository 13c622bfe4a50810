/** What applying one `results` message did: written, skipped (a final state is final), or ignored (live progress). */
export type MessageOutcome = { outcome: 'recorded' | 'skipped' | 'ignored'; detail: string };
