// The benchmark's inputs and results: what `session-sync bench --json` writes, so keep it stable.
import type { Strategy } from '../../core/sync/context';
import type { CorpusName } from '../corpora';

export interface BenchOptions {
  /** Corpus sizes (sessions), run in this order. */
  sizes: number[];
  /** Added round-trip time of the shaped link to the server (ms). */
  rttMs: number;
  /** Bandwidth cap of the shaped link, each direction (Mbit/s). */
  mbit: number;
  /** Which remotes to run against; default both. */
  targets?: Target[];
  /** Which strategies to run; default both (naive alone costs the whole corpus 3 times over the link). */
  strategies?: Strategy[];
  /** Sessions of each corpus for the codec table (default 2,000, capped at the first size). */
  codecSample?: number;
  /** Which generated corpus the runs use (default builtin); the codec table covers every corpus. */
  corpus?: CorpusName;
  /** Progress lines (to stderr in the CLI). */
  log?: (line: string) => void;
  /** Run every case at every size, however long the link takes (default: the budgeted plan, see plan.ts). */
  full?: boolean;
}

/** `server`: a fresh sqld over HTTP through the link shaper. `file`: the embedded `file:` default. */
export type Target = 'server' | 'file';

/** Which sync of the sequence: the first upload, after 1% of sessions changed, with nothing changed. */
export type RunCase = 'initial' | 'changed-1%' | 'unchanged';

export type Bottleneck = 'network' | 'cpu' | 'database';

export interface RunRecord {
  size: number;
  target: Target;
  strategy: Strategy;
  case: RunCase;
  result: string;
  error: string | null;
  /** Records sent and skipped (unchanged), and upload batches. */
  records: number;
  skipped: number;
  batches: number;
  /** Canonical JSON bytes of the records sent (what whole records weigh). */
  bytesRaw: number;
  /** Bytes counted at the shaper's sockets (server target); the client-side meter for `file:`. */
  bytesUp: number;
  bytesDown: number;
  /** Where bytesUp/bytesDown were counted. */
  bytesCountedAt: 'socket' | 'client';
  roundTrips: number;
  /** Batches in flight at once: 1 for naive. */
  concurrency: number;
  durationMs: number;
  phases: Record<string, number>;
  /** bytesUp over the link's bandwidth plus round trips (over concurrency) times RTT; null for `file:`. */
  lowerBoundMs: number | null;
  /** Estimated share of the duration per cause (see bottleneck.ts), summing to durationMs. */
  split: Record<Bottleneck, number>;
  bottleneck: Bottleneck;
  /** Highest RSS sampled during the run and its growth over the RSS at the start (MB). */
  peakRssMb: number;
  rssGrowthMb: number;
  /** Longest event-loop delay seen during the run (ms), from monitorEventLoopDelay. */
  maxStallMs: number;
  rowsRead: number | null;
  rowsWritten: number | null;
  /** The machine's 1-minute load average after the run: above the CPU count, other work competed for the CPU. */
  loadAvg1m: number;
}

export interface CodecRow {
  /** The corpus the sample came from. */
  corpus?: CorpusName;
  name: string;
  /** What was compressed: batches of 100 records or each record alone. */
  unit: 'batch' | 'record';
  /** Sessions and canonical JSON bytes in the sample this row used. */
  sessions: number;
  inputBytes: number;
  outputBytes: number;
  /** outputBytes / inputBytes. */
  ratio: number;
  /** Input MB (10^6 bytes) per second of compression (encoding included for the columnar rows). */
  mbPerSec: number;
  note?: string;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the benchmark started. */
  loadAvg1m: number;
}

export interface BenchResult {
  startedAt: string;
  options: { sizes: number[]; rttMs: number; mbit: number; targets: Target[]; strategies: Strategy[];
    corpus: CorpusName };
  machine: MachineInfo;
  /** Seconds to generate and store each corpus (not part of any sync). */
  corpusSeconds: Record<string, number>;
  runs: RunRecord[];
  /** Cases the budgeted plan left out, and why. */
  skipped: string[];
  codecs: CodecRow[];
  totalSeconds: number;
}
