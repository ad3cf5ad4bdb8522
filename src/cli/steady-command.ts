// `session-sync bench-steady`: the steady-state section of the benchmark (see src/lab/bench/steady-state.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_STEADY, runSteadyState, steadyTable } from '../lab/bench/steady-state';
import { DEFAULT_MBIT, DEFAULT_RTT_MS } from '../lab/bench/runner';
import { machineInfo } from '../lab/bench/runner';

function list(name: string) {
  return (v: string): number[] => {
    const out = v.split(',').map((s) => Number(s.trim()));
    if (out.some((n) => !Number.isInteger(n) || n < 0)) throw new InvalidArgumentError(`${name} must be whole numbers, comma-separated.`);
    return out;
  };
}

function seconds(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number of seconds above 0.`);
    return n;
  };
}

interface SteadyFlags { sizes: number[]; seconds: number; naiveSeconds: number; initialEvents: number[]; json?: string }

export function registerSteadyCommand(program: Command): Command {
  return program.command('bench-steady')
    .description('the steady state: `record` on stores of each size, auto-syncing to a real sqld behind a 50 ms, ' +
      '20 Mbit/s link; bytes written to disk, snapshot CPU and event-loop stalls per hour (needs sqld, as bench does)')
    .option('--sizes <list>', 'store sizes', list('--sizes'), DEFAULT_STEADY.sizes)
    .option('--seconds <s>', 'recording per run', seconds('--seconds'), DEFAULT_STEADY.seconds)
    .option('--naive-seconds <s>', 'recording per run of the old whole-file store', seconds('--naive-seconds'), DEFAULT_STEADY.naiveSeconds)
    .option('--initial-events <list>', 'events in the open session when a run starts', list('--initial-events'), DEFAULT_STEADY.initialEvents)
    .option('--json <file>', 'also write the rows as JSON')
    .action(async (o: SteadyFlags) => {
      const rows = await runSteadyState({ sizes: o.sizes, seconds: o.seconds, naiveSeconds: o.naiveSeconds,
        initialEvents: o.initialEvents, intervalSeconds: DEFAULT_STEADY.intervalSeconds,
        link: { rttMs: DEFAULT_RTT_MS, mbit: DEFAULT_MBIT }, log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${steadyTable(rows)}\n`);
      if (o.json) {
        fs.mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
        fs.writeFileSync(o.json, `${JSON.stringify({ machine: machineInfo(), at: new Date().toISOString(), rows }, null, 2)}\n`);
      }
    });
}
