import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of this process over a window. On Linux, writing 5 to
 * /proc/self/clear_refs resets VmHWM, so the kernel's own high-water mark covers exactly the
 * window; elsewhere (or when that write is refused) the probe samples RSS every 20 ms.
 */
export class PeakRssProbe {
  private sampled = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly kernel: boolean;

  constructor() {
    this.kernel = resetHighWaterMark();
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
    this.timer.unref();
  }

  private sample(): void {
    this.sampled = Math.max(this.sampled, process.memoryUsage.rss());
  }

  /** Stops the probe; the peak in bytes. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const hwm = this.kernel ? readHighWaterMark() : null;
    return Math.max(this.sampled, hwm ?? 0);
  }
}

function resetHighWaterMark(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return readHighWaterMark() !== null;
  } catch {
    return false;
  }
}

function readHighWaterMark(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
