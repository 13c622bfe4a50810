/** Wrong arguments or flags: exit 2 with the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An expected failure a command reports in one line (an unreadable or unparsable file): exit 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}
