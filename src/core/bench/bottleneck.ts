// Where the time of one sync went, and which cause dominates. The rule, also in docs/benchmarks.md:
//
//   network  = the link's lower bound for the bytes and round trips the run really used
//              (bytesUp * 8 / bandwidth + ceil(roundTrips / concurrency) * RTT); 0 for `file:`.
//   cpu      = planning (hashing, reading the store) + encoding/compression: the strategy's own main-thread work.
//   database = the rest of the duration: time spent waiting on the server (or, for `file:`, in the native
//              database) beyond what the link explains, plus client and HTTP overhead.
//
// The three add up to the duration; the bottleneck is the largest. Network is therefore named when the run is
// close to the link bound, CPU when encoding dominates, database when the server's time dominates.
import type { Bottleneck } from './types';

export interface LinkSpec {
  rttMs: number;
  mbit: number;
}

/** Fastest the link could carry `bytesUp` in `roundTrips` requests, `concurrency` of them in flight at once. */
export function linkLowerBoundMs(bytesUp: number, roundTrips: number, concurrency: number, link: LinkSpec): number {
  const transfer = link.mbit > 0 ? (bytesUp * 8) / (link.mbit * 1e6) * 1000 : 0;
  const waits = Math.ceil(roundTrips / Math.max(1, concurrency)) * link.rttMs;
  return Math.round(transfer + waits);
}

export function splitDuration(durationMs: number, phases: Record<string, number>,
  lowerBoundMs: number | null): Record<Bottleneck, number> {
  const cpu = Math.min(durationMs, (phases.plan ?? 0) + (phases.encode ?? 0));
  const network = Math.min(durationMs - cpu, lowerBoundMs ?? 0);
  return { network, cpu, database: Math.max(0, durationMs - cpu - network) };
}

export function nameBottleneck(split: Record<Bottleneck, number>): Bottleneck {
  // Ties (a run with nothing to send takes ~0 ms everywhere) go to the local side: there was no traffic to blame.
  const order: Bottleneck[] = ['cpu', 'network', 'database'];
  return order.reduce((best, k) => (split[k] > split[best] ? k : best), order[0]);
}
