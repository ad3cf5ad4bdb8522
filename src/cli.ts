import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runSync } from './core/sync/engine';
import { verifyPassed, verifyRemote } from './core/sync/verify';
import { pullRemote } from './core/sync/pull';
import { archivedIdsIn } from './core/archive/archive';
import { statusOf, formatStatus } from './core/status';
import { CancelledError } from './core/sync/retry';
import { StoreBusyError } from './core/store/owner-lock';
import { StoreCorruptError, StoreFencedError } from './core/store/session-store';
import { StoreVersionError } from './core/store/schema';
import { RemoteUrlError } from './core/remote/target';
import { SyncError } from './core/remote/errors';
import { CliError, openForRead, openForWrite, openRemote, print, withStore } from './cli/open';
import { exportStore, importLines, mutateStore, seedStore } from './cli/data-commands';
import { formatPullReport, formatSyncReport, formatVerifyReport, undecodableLine } from './cli/format';
import { explainFailure, guardStdout } from './cli/failures';
import { CORPUS_NAMES } from './lab/corpora';
import { archivedCountIn, registerArchiveCommands } from './cli/archive-commands';
import { registerBenchCommand } from './cli/bench-command';
import { registerRecordCommand } from './cli/record-command';
import { registerSteadyCommand } from './cli/steady-command';
import { ArchiveCorruptError, ArchiveVersionError } from './core/archive/archive-store';

/** Exit codes: 0 done, 1 failed (one clear line on stderr), 2 bad usage. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    return n;
  };
}

function fraction(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('--fraction must be a number from 0 to 1.');
  return n;
}

const storeOption = () => new Option('--store <dir>', 'folder of the local session store').makeOptionMandatory();
const remoteOption = () => new Option('--remote <url>',
  'libSQL database URL (default: the embedded file remote.db in the store folder; token from SESSION_SYNC_TOKEN)');
const strategyOption = () => new Option('--strategy <name>', 'optimized (compressed deltas) or naive (the baseline)')
  .choices(['optimized', 'naive']).default('optimized');

export function buildProgram(): Command {
  const program = new Command('session-sync')
    .description('Records coding sessions and syncs them to your own libSQL/Turso database.')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  program.command('seed').description('add generated sessions (for demos, tests and benchmarks)')
    .addOption(storeOption())
    .requiredOption('--count <n>', 'how many sessions', positiveInt('--count', 10_000_000))
    .option('--days <d>', 'spread over the last D days', positiveInt('--days', 36_500), 30)
    .option('--rng <seed>', 'random seed, for repeatable data', '1')
    .addOption(new Option('--corpus <name>', 'which generator: builtin, or wild (distributions the codec was not ' +
      'designed on)').choices(CORPUS_NAMES).default('builtin'))
    .option('--json', 'print a JSON object')
    .action(async (o) => {
      // Each writing verb prints once withStore has saved and closed the store: never a success line before a failed save.
      const r = await withStore(openForWrite(o.store), async (store) => {
        const added = await seedStore(store, o.count, o.days, o.rng, o.corpus);
        return { added, sessions: store.count() };
      });
      print(o.json, r, () => `Added ${r.added} sessions (${r.sessions} in the store).`);
    });

  program.command('mutate').description('continue a random fraction of the sessions (new events, edits, notes)')
    .addOption(storeOption())
    .requiredOption('--fraction <f>', 'share of sessions to continue, 0 to 1', fraction)
    .option('--rng <seed>', 'random seed', '1')
    .option('--json', 'print a JSON object')
    .action(async (o) => {
      const changed = await withStore(openForWrite(o.store), async (store) => mutateStore(store, o.fraction, o.rng));
      print(o.json, { changed }, () => `Continued ${changed} sessions.`);
    });

  program.command('sync').description('send what changed to the remote database')
    .addOption(storeOption()).addOption(remoteOption()).addOption(strategyOption())
    .option('--batch-size <n>', 'records per batch', positiveInt('--batch-size', 10_000), 100)
    .option('--concurrency <n>', 'batches uploaded at once', positiveInt('--concurrency', 64), 4)
    .option('--verbose', 'print retries and other notices to stderr as they happen')
    .option('--json', 'print a JSON object')
    .action(async (o) => {
      const remote = openRemote(o.store, o.remote);
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const report = await withStore(openForWrite(o.store), (store) => runSync(store, remote, {
          strategy: o.strategy, batchSize: o.batchSize, concurrency: o.concurrency, signal: abort.signal,
          log: (m) => { if (o.verbose) process.stderr.write(`${m}\n`); },
        }));
        print(o.json, report, () => formatSyncReport(report));
        if (report.result !== 'ok') {
          process.stderr.write(`session-sync: ${report.error}\n`);
          process.exitCode = EXIT_FAILED;
        }
      } finally {
        process.off('SIGINT', onSigint);
        remote.close();
      }
    });

  program.command('status').description('sessions, pending changes, the last sync and an unfinished checkpoint')
    .addOption(storeOption()).option('--json', 'print a JSON object')
    .action(async (o) => withStore(openForRead(o.store), async (store) => {
      const status = { ...statusOf(store), archived: await archivedCountIn(o.store) };
      print(o.json, status, () => formatStatus(status));
    }));

  program.command('verify').description('compare every local session with the remote copy; exit 1 on any difference')
    .addOption(storeOption()).addOption(remoteOption()).addOption(strategyOption()).option('--json', 'print a JSON object')
    .action(async (o) => {
      const remote = openRemote(o.store, o.remote);
      try {
        const report = await withStore(openForRead(o.store), (store) => verifyRemote(store, remote,
          () => archivedIdsIn(store.dir), o.strategy));
        print(o.json, report, () => formatVerifyReport(report));
        // Nothing synced yet is information, not a failure (exit 0); a difference or an undecodable row is exit 1.
        if (!report.nothingSynced && !verifyPassed(report)) process.exitCode = EXIT_FAILED;
      } finally {
        remote.close();
      }
    });

  program.command('pull').description('rebuild sessions from the remote into the store (a new machine, a lost store)')
    .addOption(storeOption()).addOption(remoteOption()).option('--json', 'print a JSON object')
    .action(async (o) => {
      const remote = openRemote(o.store, o.remote);
      try {
        const report = await withStore(openForWrite(o.store), (store) => pullRemote(store, remote,
          () => archivedIdsIn(store.dir)));
        print(o.json, report, () => formatPullReport(report));
        if (report.undecodable.count) {
          process.stderr.write(`session-sync: ${undecodableLine(report.undecodable)}\n`);
          process.exitCode = EXIT_FAILED;
        }
      } finally {
        remote.close();
      }
    });

  program.command('export').description('every session as canonical JSON, one a line, sorted by id')
    .addOption(storeOption())
    .action(async (o) => withStore(openForRead(o.store), async (store) => exportStore(store, process.stdout)));

  program.command('import').description('add or update sessions from JSON lines in the export format (- reads stdin)')
    .addOption(storeOption()).argument('<file>', 'file of JSON lines, or - for stdin').option('--json', 'print a JSON object')
    .action(async (file: string, o) => {
      const r = await withStore(openForWrite(o.store), (store) => importLines(store, file));
      print(o.json, r, () => `Read ${r.read} sessions; ${r.changed} added or updated.`);
    });

  registerArchiveCommands(program);
  registerBenchCommand(program);
  registerRecordCommand(program);
  registerSteadyCommand(program);
  return program;
}

/** One clear line for anything that went wrong, and the exit code that goes with it. */
function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    return EXIT_USAGE;
  }
  const known = err instanceof CliError || err instanceof StoreBusyError || err instanceof RemoteUrlError ||
    err instanceof SyncError || err instanceof CancelledError || err instanceof StoreCorruptError || err instanceof StoreFencedError ||
    err instanceof StoreVersionError || err instanceof ArchiveCorruptError || err instanceof ArchiveVersionError;
  const message = (err as Error)?.message ?? String(err);
  const explained = known ? message : explainFailure(err);
  process.stderr.write(`session-sync: ${explained ?? `unexpected error: ${message.split('\n')[0]}`}\n`);
  if (!explained && process.env.SESSION_SYNC_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  return EXIT_FAILED;
}

export async function main(argv: string[]): Promise<number> {
  guardStdout();
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
