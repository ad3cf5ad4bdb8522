// The benchmark command end to end on a small corpus: a real sqld behind the shaper and the embedded file: remote.
// Only that it ran and that its figures are sane is asserted; timings depend on the machine and are not tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { registerBenchCommand } from '../../src/cli/bench-command';
import type { BenchResult, RunRecord } from '../../src/lab/bench/types';
import { linkLowerBoundMs } from '../../src/lab/bench/bottleneck';

const SIZE = 200;

function find(b: BenchResult, target: string, strategy: string, c: string): RunRecord {
  const r = b.runs.find((x) => x.target === target && x.strategy === strategy && x.case === c);
  assert.ok(r, `a ${strategy} ${c} run against ${target}`);
  return r;
}

function allNumbersFinite(value: unknown, where = 'result'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${where} is ${value}`);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) allNumbersFinite(v, `${where}.${k}`);
  }
}

test('bench writes sane figures, a JSON file and an SVG chart', { timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
  const json = path.join(dir, 'bench.json');
  const program = new Command('session-sync').exitOverride();
  registerBenchCommand(program);
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['bench', '--sizes', String(SIZE), '--rtt-ms', '5', '--mbit', '200', '--json', json],
      { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  const b = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchResult;
  assert.equal(b.runs.length, 2 * 2 * 3, 'two targets x two strategies x three cases');
  assert.ok(b.runs.every((r) => r.result === 'ok'), JSON.stringify(b.runs.filter((r) => r.result !== 'ok')));
  allNumbersFinite(b);

  for (const target of ['server', 'file']) {
    const naive = find(b, target, 'naive', 'initial');
    const opt = find(b, target, 'optimized', 'initial');
    assert.equal(naive.records, SIZE);
    assert.equal(opt.records, SIZE);
    assert.ok(naive.bytesUp > 0 && opt.bytesUp > 0);
    assert.ok(opt.bytesUp < naive.bytesUp, `${target}: optimized ${opt.bytesUp} B < naive ${naive.bytesUp} B`);
    assert.equal(find(b, target, 'optimized', 'changed-1%').records, 2, '1% of 200 sessions changed');
    assert.equal(find(b, target, 'optimized', 'unchanged').records, 0, 'nothing changed, nothing sent');
    assert.equal(find(b, target, 'naive', 'unchanged').records, SIZE, 'naive resends everything');
  }
  const server = find(b, 'server', 'optimized', 'initial');
  assert.equal(server.bytesCountedAt, 'socket');
  assert.ok(server.bytesDown > 0 && server.lowerBoundMs! > 0 && (server.rowsWritten ?? 0) >= SIZE);
  assert.ok(['network', 'cpu', 'database'].includes(server.bottleneck));

  const codecs = new Map(b.codecs.map((c) => [c.name, c]));
  for (const name of ['pako deflate 6', 'node zlib deflate 6', 'brotli 11', 'columnar + zlib 6 + dictionary']) {
    const c = codecs.get(name);
    assert.ok(c && c.ratio > 0 && c.ratio < 1 && c.mbPerSec > 0, `codec row ${name}`);
  }
  assert.match(printed, /Optimized versus naive/);
  const svg = fs.readFileSync(path.join(dir, 'bench.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<path /g) ?? []).length * 1, 2 * 4, 'a line per strategy and target in both panels');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the link lower bound: one request at a time pays every round trip; parallel requests overlap them', () => {
  const link = { rttMs: 50, mbit: 20 }; // 20 Mbit/s: 2.5 MB take 1,000 ms
  const bytes = 2_500_000;
  assert.equal(linkLowerBoundMs(bytes, 100, 1, link), 1000 + 100 * 50);
  // Four in flight: the 25 rounds of round trips (1,250 ms) outlast the transfer plus one round trip (1,050 ms).
  assert.equal(linkLowerBoundMs(bytes, 100, 4, link), 25 * 50);
  // Ten times the bytes: the shared link's transfer time is the floor, whatever the concurrency.
  assert.equal(linkLowerBoundMs(bytes * 10, 100, 4, link), 10_000 + 50);
  assert.equal(linkLowerBoundMs(0, 0, 4, link), 0, 'a sync that sends nothing owes the link nothing');
});
