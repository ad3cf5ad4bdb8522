// The benchmark as plain-text tables for the terminal (and, being Markdown-compatible, for docs/benchmarks.md).
import { formatBytes } from '../../core/format';
import type { BenchResult, CodecRow, RunRecord } from './types';

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const num = (n: number | null): string => (n === null ? '-' : n.toLocaleString('en-US'));
const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(3) : '-');

function phases(r: RunRecord): string {
  const p = r.phases;
  return ['plan', 'encode', 'upload'].map((k) => String(p[k] ?? 0)).join('/');
}

function runRow(r: RunRecord): string[] {
  return [num(r.size), r.target, r.strategy, r.case, r.result === 'ok' ? num(r.records) : `${r.result}: ${r.error}`,
    num(r.batches), formatBytes(r.bytesUp), formatBytes(r.bytesDown), num(r.durationMs), num(r.lowerBoundMs),
    phases(r), num(r.peakRssMb), num(r.maxStallMs), `${num(r.rowsWritten)}/${num(r.rowsRead)}`, r.bottleneck, String(r.loadAvg1m)];
}

export function runsTable(runs: RunRecord[]): string {
  return table(['sessions', 'target', 'strategy', 'case', 'records', 'batches', 'up', 'down', 'ms', 'link bound ms',
    'plan/encode/upload ms', 'peak RSS MB', 'max stall ms', 'rows written/read', 'bottleneck', 'load'], runs.map(runRow));
}

/** Optimized against naive for each size and target: the headline. */
export function comparisonTable(runs: RunRecord[]): string {
  const rows: string[][] = [];
  for (const r of runs.filter((x) => x.strategy === 'optimized')) {
    const base = runs.find((x) => x.strategy === 'naive' && x.size === r.size && x.target === r.target &&
      x.case === r.case);
    if (!base) continue;
    rows.push([num(r.size), r.target, r.case, ratio(r.bytesUp, base.bytesUp), ratio(r.durationMs, base.durationMs),
      `${num(r.durationMs)} vs ${num(r.lowerBoundMs)}`, `${base.bottleneck} / ${r.bottleneck}`,
      `${num(base.maxStallMs)} / ${num(r.maxStallMs)}`]);
  }
  return table(['sessions', 'target', 'case', 'bytes up opt/naive', 'duration opt/naive', 'opt ms vs link bound',
    'bottleneck naive / opt', 'max stall ms naive / opt'], rows);
}

/** How the initial sync's duration grows with size, per strategy and target (relative to the smallest size). */
export function growthTable(runs: RunRecord[]): string {
  const initial = runs.filter((r) => r.case === 'initial');
  const rows: string[][] = [];
  for (const key of new Set(initial.map((r) => `${r.target}|${r.strategy}`))) {
    const series = initial.filter((r) => `${r.target}|${r.strategy}` === key).sort((a, b) => a.size - b.size);
    const first = series[0];
    rows.push([...key.split('|'), series.map((r) => `${num(r.size)}: ${num(r.durationMs)} ms` +
      ` (x${(r.durationMs / Math.max(1, first.durationMs)).toFixed(1)})`).join(', ')]);
  }
  return table(['target', 'strategy', 'initial sync duration by size (growth over the smallest)'], rows);
}

/** The baseline every codec row is compared with: deflate 6 over batches of 100 whole JSON records (pako and node's
 * zlib give the same bytes). */
const BASELINE_CODECS = ['pako deflate 6', 'node zlib deflate 6'];

export function codecsTable(rows: CodecRow[]): string {
  const baseline = (c: CodecRow) => rows.find((r) => BASELINE_CODECS.includes(r.name) && r.unit === 'batch' &&
    r.corpus === c.corpus);
  return table(['corpus', 'codec', 'unit', 'sessions', 'input', 'output', 'ratio', 'x deflate-6 batch', 'MB/s',
    'note'], rows.map((c) => {
    const base = baseline(c);
    return [c.corpus ?? '', c.name, c.unit, num(c.sessions), formatBytes(c.inputBytes), formatBytes(c.outputBytes),
      c.ratio.toFixed(3), base ? (c.ratio / base.ratio).toFixed(2) : '', c.mbPerSec.toFixed(1), c.note ?? ''];
  }));
}

export function formatBench(b: BenchResult): string {
  const m = b.machine;
  return [
    `Session Sync benchmark, ${b.startedAt}: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ` +
      `${m.platform}, load ${m.loadAvg1m} at start; link ${b.options.rttMs} ms RTT, ${b.options.mbit} Mbit/s; ` +
      `runs on the ${b.options.corpus ?? 'builtin'} corpus; total ${b.totalSeconds} s`,
    '', 'Runs', runsTable(b.runs), '', 'Optimized versus naive', comparisonTable(b.runs), '',
    'Growth', growthTable(b.runs), '', 'Codecs (same sessions, ratio = output / canonical JSON)',
    codecsTable(b.codecs), '',
    ...(b.skipped.length ? ['Not run (the default plan; --full runs them)', ...b.skipped.map((x) => `  ${x}`), ''] : []),
  ].join('\n');
}
