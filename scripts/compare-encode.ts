// Encoding CPU per session of this checkout against another one (say `git archive main | tar -x -C DIR`, with
// node_modules linked): planWrite of a first upload, with a dictionary each side trains its own way, on the same
// sessions, runs interleaved, CPU time (user + system) so other work on a shared machine counts less.
// Run: node --import tsx scripts/compare-encode.ts OTHER_CHECKOUT [corpus=builtin] [count=1000]
import * as path from 'node:path';
import { CORPORA, isCorpusName } from '../src/lab/corpora';
import { canonicalSession, type Session } from '../src/core/model';
import { planWrite } from '../src/core/sync/delta';
import { trainDictionary } from '../src/core/codec/dictionary';

type Plan = typeof planWrite;
type Train = typeof trainDictionary;

async function main(): Promise<void> {
  const [other, corpus = 'builtin', countArg = '1000'] = process.argv.slice(2);
  if (!other || !isCorpusName(corpus)) throw new Error('usage: compare-encode.ts OTHER_CHECKOUT [builtin|wild] [count]');
  const base = path.resolve(other, 'src', 'core');
  const theirs = {
    plan: ((await import(path.join(base, 'sync', 'delta.ts'))) as { planWrite: Plan }).planWrite,
    train: ((await import(path.join(base, 'codec', 'dictionary.ts'))) as { trainDictionary: Train }).trainDictionary,
  };
  const count = Number(countArg);
  const sessions: Session[] = [...CORPORA[corpus]({ count, seed: 'measure-encode', now: Date.UTC(2025, 5, 1) })]
    .map((s) => canonicalSession(s));
  const sides = [['other', theirs.plan, theirs.train(sessions)], ['this', planWrite, trainDictionary(sessions)]] as const;
  const cpu = (plan: Plan, bytes: Uint8Array): number => {
    const t0 = process.cpuUsage();
    for (const s of sessions) plan(s, 'h', undefined, 0, { id: 1, bytes });
    const used = process.cpuUsage(t0);
    return (used.user + used.system) / count;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // Whichever side runs second in a pair can measure a few percent slower, so both orders are run and reported.
  const orders = [sides, [sides[1], sides[0]]] as const;
  const cells = orders.map((order) => {
    const runs: Record<string, number[]> = { other: [], this: [] };
    for (let i = 0; i < 8; i++) for (const [name, plan, dict] of order) if (i > 0) runs[name].push(cpu(plan, dict)); else cpu(plan, dict);
    const [o, t] = [median(runs.other), median(runs.this)];
    return `${order[0][0]} first: other ${o.toFixed(0)}, this ${t.toFixed(0)} (${((t / o - 1) * 100).toFixed(1)}%)`;
  });
  console.log(`${corpus}, ${count} sessions, planWrite of a first upload, CPU us per session (median of 7 interleaved): ` +
    cells.join(' · '));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
