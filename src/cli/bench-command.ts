// `session-sync bench`: the benchmark of docs/benchmarks.md as one command (see src/lab/bench/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CORPUS_NAMES, type CorpusName } from '../lab/corpora';
import { DEFAULT_MBIT, DEFAULT_RTT_MS, DEFAULT_SIZES, runBenchmark } from '../lab/bench/runner';
import { formatBench } from '../lab/bench/text-report';
import { benchSvg } from '../lab/bench/svg';
import type { Strategy } from '../core/sync/context';
import type { Target } from '../lab/bench/types';

const QUICK_SIZES = [1000];

function sizes(v: string): number[] {
  const list = v.split(',').map((s) => Number(s.trim()));
  if (!list.length || list.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000_000)) {
    throw new InvalidArgumentError('--sizes must be a comma-separated list of whole numbers, e.g. 1000,10000.');
  }
  return list;
}

function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (v: string): T[] => {
    const list = v.split(',').map((s) => s.trim());
    const bad = list.find((s) => !allowed.includes(s as T));
    if (bad !== undefined) throw new InvalidArgumentError(`${name}: "${bad}" is not one of ${allowed.join(', ')}.`);
    return list as T[];
  };
}

function nonNegative(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0.`);
    return n;
  };
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

interface BenchFlags {
  sizes?: number[];
  rttMs: number;
  mbit: number;
  json?: string;
  svg?: string;
  quick?: boolean;
  full?: boolean;
  strategies?: Strategy[];
  targets?: Target[];
  corpus: CorpusName;
  codecSample?: number;
}

async function bench(o: BenchFlags): Promise<void> {
  const result = await runBenchmark({
    sizes: o.sizes ?? (o.quick ? QUICK_SIZES : DEFAULT_SIZES), rttMs: o.rttMs, mbit: o.mbit,
    strategies: o.strategies, targets: o.targets, full: o.full, corpus: o.corpus, codecSample: o.codecSample,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatBench(result));
  if (o.json) writeFile(o.json, `${JSON.stringify(result, null, 2)}\n`);
  // The chart goes next to the JSON unless asked elsewhere.
  const svg = o.svg ?? (o.json ? o.json.replace(/\.json$/i, '') + '.svg' : undefined);
  if (svg) writeFile(svg, benchSvg(result));
  const failed = result.runs.filter((r) => r.result !== 'ok');
  if (failed.length) {
    process.stderr.write(`${failed.length} run(s) failed; first: ${failed[0].error}\n`);
    process.exitCode = 1;
  }
}

export function registerBenchCommand(program: Command): Command {
  return program.command('bench')
    .description('measure naive versus optimized sync against a real libSQL server behind a shaped link and the ' +
      'embedded file: database (needs the sqld binary: see docs/benchmarks.md)')
    .option('--sizes <list>', `corpus sizes, comma-separated (default ${DEFAULT_SIZES.join(',')})`, sizes)
    .option('--rtt-ms <ms>', 'round-trip time added by the link', nonNegative('--rtt-ms'), DEFAULT_RTT_MS)
    .option('--mbit <n>', 'link bandwidth in Mbit/s (0: unlimited)', nonNegative('--mbit'), DEFAULT_MBIT)
    .option('--json <file>', 'also write the results as JSON (and the chart next to it)')
    .option('--svg <file>', 'write the chart here')
    .option('--strategies <list>', 'naive,optimized (default both)', oneOf('--strategies', ['naive', 'optimized'] as const))
    .option('--targets <list>', 'server,file (default both)', oneOf('--targets', ['server', 'file'] as const))
    .addOption(new Option('--corpus <name>', 'the generated corpus the syncs run on (the codec table covers all)')
      .choices(CORPUS_NAMES).default('builtin'))
    .option('--codec-sample <n>', 'sessions of each corpus in the codec table (default 2000, at most the first size)',
      (v: string) => sizes(v)[0])
    .option('--quick', `only ${QUICK_SIZES.join(',')} sessions (for CI)`)
    .option('--full', 'every case at every size, however long the link takes (default: a plan that fits in ten minutes)')
    .action((o: BenchFlags) => bench(o));
}
