// A sliding window of latencies (the newest N samples) with percentiles:
// how long after the source committed a change a projection applied it.

export interface LatencySummary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;
  private total = 0;
  private readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  reset(): void {
    this.samples.length = 0;
    this.next = 0;
    this.total = 0;
  }

  summary(): LatencySummary {
    if (this.samples.length === 0) return { count: this.total, p50: null, p99: null, max: null };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { count: this.total, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
  }
}
