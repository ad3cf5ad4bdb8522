// `session-sync record`: synthetic editor activity through the extension's recording path, with auto-sync; the
// steady-state benchmark's engine, and a way to watch the product work without an editor.
import { Command, InvalidArgumentError, Option } from 'commander';
import { runRecord, type RecordReport } from '../lab/bench/record-run';
import { formatBytes } from '../core/format';
import { openRemote, print } from './open';

function positive(name: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`${name} must be a number above 0 and at most ${max}.`);
    return n;
  };
}

function wholeNumber(name: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max}.`);
    return n;
  };
}

interface RecordFlags {
  store: string;
  remote?: string;
  sync: boolean;
  interval: number;
  rate: number;
  seconds: number;
  initialEvents: number;
  rng: string;
  persistence: 'journal' | 'snapshot';
  json?: boolean;
}

/** Figures per hour of recording, from a run of `seconds`. */
function perHour(r: RecordReport, value: number): number {
  return Math.round(value * 3600 / Math.max(r.seconds, 1));
}

function formatRecord(r: RecordReport): string {
  const disk = r.diskBytes ?? r.store.journalBytes + r.store.snapshotBytes;
  return [
    `Recorded ${r.activities} activities in ${r.seconds.toFixed(1)} s: ${r.snapshots} snapshots of a session now ${r.openSessionEvents} events long, ` +
      `${r.sessionsInStore} sessions in the store.`,
    `Disk: ${formatBytes(disk)} written (${formatBytes(perHour(r, disk))} per hour): journal ${formatBytes(r.store.journalBytes)} in ` +
      `${r.store.journalCommits} commits, snapshots ${formatBytes(r.store.snapshotBytes)} in ${r.store.compactions} compactions.`,
    `Snapshot CPU: p50 ${r.snapshotMs.p50.toFixed(2)} ms, p99 ${r.snapshotMs.p99.toFixed(2)} ms. ` +
      `Event-loop stall: longest ${r.stallMs.max.toFixed(1)} ms, p99 ${r.stallMs.p99.toFixed(1)} ms.`,
    `Syncs: ${r.syncs} (${r.syncFailures} failed), ${formatBytes(r.bytesSent)} sent for ${formatBytes(r.bytesRaw)} of whole records` +
      `${r.rowsWritten === null ? '' : `, ${r.rowsWritten} rows written`}.`,
  ].join('\n');
}

export function registerRecordCommand(program: Command): Command {
  return program.command('record')
    .description('simulate editor activity through the extension\'s recording path, with auto-sync, and report what it cost')
    .addOption(new Option('--store <dir>', 'folder of the local session store').makeOptionMandatory())
    .option('--remote <url>', 'database to auto-sync to (default: the embedded remote.db; token from SESSION_SYNC_TOKEN)')
    .option('--no-sync', 'record only, no auto-sync')
    .option('--interval <s>', 'seconds between auto-syncs', positive('--interval', 86_400), 30)
    .option('--rate <n>', 'activities (keystroke bursts, saves, focus changes) a second', positive('--rate', 1000), 5)
    .option('--seconds <n>', 'how long to record', positive('--seconds', 86_400), 60)
    .option('--initial-events <n>', 'events the open session holds before recording starts', wholeNumber('--initial-events', 10_000), 0)
    .option('--rng <seed>', 'random seed, for repeatable activity', '1')
    .addOption(new Option('--persistence <mode>', 'journal (the product) or snapshot (a whole-file save per change, the old store)')
      .choices(['journal', 'snapshot']).default('journal'))
    .option('--json', 'print a JSON object')
    .action(async (o: RecordFlags) => {
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        const report = await runRecord({
          storeDir: o.store, intervalSeconds: o.interval, rate: o.rate, seconds: o.seconds, initialEvents: o.initialEvents,
          seed: o.rng, persistence: o.persistence, remote: o.sync ? () => openRemote(o.store, o.remote) : undefined,
          signal: stop.signal,
          onStart: () => process.stderr.write(`Recording for ${o.seconds} s (Ctrl-C ends it early)...\n`),
        });
        print(Boolean(o.json), report, () => formatRecord(report));
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}
