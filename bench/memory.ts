/**
 * Samples the process's memory every 25 ms and keeps the peak: RSS alone
 * would miss a short spike between two calls to memoryUsage().
 */
export class MemorySampler {
  private timer: NodeJS.Timeout | null = null;
  private rss = 0;
  private heap = 0;

  start(intervalMs = 25): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  reset(): void {
    this.rss = 0;
    this.heap = 0;
    this.sample();
  }

  peak(): { rssMb: number; heapMb: number } {
    this.sample();
    return { rssMb: this.rss / 2 ** 20, heapMb: this.heap / 2 ** 20 };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (m.heapUsed > this.heap) this.heap = m.heapUsed;
  }
}
