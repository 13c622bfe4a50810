import type { TokenEvent } from '@inferlab/experiments';

/**
 * Monotonic per-request clock (performance.now). t0 is taken at construction: just before
 * tokenization, as docs/metrics.md defines it. Recording is an array push, nothing more.
 */
export class TokenClock {
  readonly t0: number;
  readonly events: TokenEvent[] = [];
  tokenizeMs = 0;

  constructor(private readonly now: () => number = performance.now.bind(performance)) {
    this.t0 = this.now();
  }

  elapsed(): number {
    return this.now() - this.t0;
  }

  markTokenized(): void {
    this.tokenizeMs = this.elapsed();
  }

  emit(n: number): void {
    this.events.push({ t: this.elapsed(), n });
  }
}
