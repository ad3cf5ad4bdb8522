// Watches the process while one sync runs: the highest RSS and the longest event-loop stall. The sync shares its
// event loop with the editor in production, so a long stall is a user-visible freeze, not just a statistic.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeResult {
  peakRssMb: number;
  rssGrowthMb: number;
  maxStallMs: number;
}

/** RSS sampling period; a stall delays the sampler too, so the sample right after a stall still sees its peak. */
const SAMPLE_MS = 20;
const MB = 1e6;

export async function probe<T>(fn: () => Promise<T>): Promise<{ value: T; probe: ProbeResult }> {
  const startRss = process.memoryUsage.rss();
  let peak = startRss;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const value = await fn();
    return { value, probe: result() };
  } finally {
    delay.disable();
    clearInterval(timer);
  }

  function result(): ProbeResult {
    sample();
    // The histogram records how late each 10 ms tick fired; its max (ns) is the longest time the loop was blocked.
    const maxStallMs = Number.isFinite(delay.max) ? delay.max / 1e6 : 0;
    return { peakRssMb: round1(peak / MB), rssGrowthMb: round1((peak - startRss) / MB), maxStallMs: round1(maxStallMs) };
  }
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
