// The whole benchmark in one process: for each size a generated corpus, then every target x strategy scenario,
// then the codec table on a sample of the first corpus. Runs one after another so they never share CPU or link.
import * as os from 'node:os';
import type { Strategy } from '../../core/sync/context';
import { CORPUS_NAMES } from '../corpora';
import { buildCorpus, corpusSample, removeDir, trainingSessions } from './corpus';
import { casesFor, skipReason } from './plan';
import { runScenario } from './scenario';
import { codecTable, makeSample } from './codecs';
import type { BenchOptions, BenchResult, CodecRow, MachineInfo, RunRecord, Target } from './types';

export const DEFAULT_SIZES = [1000, 10_000, 100_000];
export const DEFAULT_RTT_MS = 50;
export const DEFAULT_MBIT = 20;
const DEFAULT_CODEC_SAMPLE = 2000;
const TRAINING_SESSIONS = 500;
const STRATEGIES: Strategy[] = ['naive', 'optimized'];

export function machineInfo(): MachineInfo {
  return { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1e9 * 10) / 10, node: process.version, platform: `${os.platform()} ${os.arch()}`,
    loadAvg1m: Math.round(os.loadavg()[0] * 10) / 10 };
}

/** The codec table on every corpus, whichever one the runs used: the codec must fit data it was not tuned to. */
function allCodecs(count: number, log: (line: string) => void): CodecRow[] {
  return CORPUS_NAMES.flatMap((corpus) => {
    log(`Codec table, ${corpus} corpus (${count} sessions)...`);
    return codecTable(makeSample(corpusSample(count, corpus)), trainingSessions(TRAINING_SESSIONS, corpus, count))
      .map((row) => ({ ...row, corpus }));
  });
}

export async function runBenchmark(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const targets: Target[] = opts.targets ?? ['server', 'file'];
  const strategies: Strategy[] = opts.strategies ?? STRATEGIES;
  const link = { rttMs: opts.rttMs, mbit: opts.mbit };
  const started = performance.now();
  const corpus = opts.corpus ?? 'builtin';
  const result: BenchResult = { startedAt: new Date().toISOString(),
    options: { sizes: opts.sizes, rttMs: opts.rttMs, mbit: opts.mbit, targets, strategies, corpus },
    machine: machineInfo(),
    corpusSeconds: {}, runs: [], skipped: [], codecs: [], totalSeconds: 0 };
  const smallest = Math.min(...opts.sizes);
  for (const [i, size] of opts.sizes.entries()) {
    const t0 = performance.now();
    log(`Generating ${size} sessions (${corpus} corpus)...`);
    const corpusDir = await buildCorpus(size, corpus);
    result.corpusSeconds[String(size)] = round1((performance.now() - t0) / 1000);
    try {
      for (const target of targets) {
        for (const strategy of strategies) {
          const cases = casesFor(size, smallest, target, strategy, !!opts.full);
          const why = skipReason(size, target, strategy, cases);
          if (why) {
            result.skipped.push(why);
            log(why);
          }
          if (!cases.length) continue;
          log(`${size} sessions, ${strategy} -> ${target}...`);
          const runs: RunRecord[] = await runScenario({ size, target, strategy, corpusDir, link, cases });
          result.runs.push(...runs);
          for (const r of runs) log(`  ${r.case}: ${r.records} records, ${r.bytesUp} B up, ${r.durationMs} ms (${r.result})`);
        }
      }
      if (i === 0) result.codecs = allCodecs(Math.min(size, opts.codecSample ?? DEFAULT_CODEC_SAMPLE), log);
    } finally {
      removeDir(corpusDir);
    }
  }
  result.totalSeconds = round1((performance.now() - started) / 1000);
  return result;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
