// Where the time of one sync went, and which cause dominates. The rule, also in docs/benchmarks.md:
//
//   network  = the link's lower bound for the bytes and round trips the run really used; 0 for `file:`.
//              One request at a time: bytesUp * 8 / bandwidth + roundTrips * RTT. Several in flight: one request's
//              round trip overlaps the others' transfers, so max(transfer + RTT, ceil(roundTrips / concurrency) * RTT).
//   cpu      = planning + encoding/compression, with the encoding divided by the encode workers that ran it in
//              parallel: the time the CPU alone needed.
//   database = what neither explains: duration - max(network, cpu): waiting on the server (or, for `file:`, in
//              the native database) beyond the link, plus client and HTTP overhead.
//
// Network and CPU overlap (workers encode batches while others upload), so each is the time that resource alone
// needed, capped at the duration; the bottleneck is the largest of the three.
import type { Bottleneck } from './types';

export interface LinkSpec {
  rttMs: number;
  mbit: number;
}

/** Fastest the link could carry `bytesUp` in `roundTrips` requests, `concurrency` of them in flight at once. */
export function linkLowerBoundMs(bytesUp: number, roundTrips: number, concurrency: number, link: LinkSpec): number {
  const transfer = link.mbit > 0 ? (bytesUp * 8) / (link.mbit * 1e6) * 1000 : 0;
  if (roundTrips === 0) return 0;
  if (concurrency <= 1) return Math.round(transfer + roundTrips * link.rttMs);
  return Math.round(Math.max(transfer + link.rttMs, Math.ceil(roundTrips / concurrency) * link.rttMs));
}

export function splitDuration(durationMs: number, phases: Record<string, number>,
  lowerBoundMs: number | null, encodeParallelism = 1): Record<Bottleneck, number> {
  const cpu = Math.min(durationMs, Math.round((phases.plan ?? 0) + (phases.encode ?? 0) / Math.max(1, encodeParallelism)));
  const network = Math.min(durationMs, lowerBoundMs ?? 0);
  return { network, cpu, database: Math.max(0, durationMs - Math.max(cpu, network)) };
}

export function nameBottleneck(split: Record<Bottleneck, number>): Bottleneck {
  // Ties (a run with nothing to send takes ~0 ms everywhere) go to the local side: there was no traffic to blame.
  const order: Bottleneck[] = ['cpu', 'network', 'database'];
  return order.reduce((best, k) => (split[k] > split[best] ? k : best), order[0]);
}
