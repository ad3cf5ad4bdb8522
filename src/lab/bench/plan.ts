import type { Strategy } from '../../core/sync/context';
import type { RunCase, Target } from './types';

/**
 * Which cases run at which size, so the default benchmark finishes within ten minutes on two cores. The naive
 * strategy sends every session on every sync, so its later syncs cost exactly its initial one: they are measured
 * at the smallest size only. At 100,000 sessions naive would move about 2.3 GB per sync (15 minutes at 20 Mbit/s)
 * and the embedded file target repeats the server's CPU work, so only the optimized sync to the server runs there.
 * `--full` runs everything.
 */
export const ALL_CASES: RunCase[] = ['initial', 'changed-1%', 'unchanged'];
const LARGE = 100_000;

export function casesFor(size: number, smallest: number, target: Target, strategy: Strategy, full: boolean): RunCase[] {
  if (full) return ALL_CASES;
  if (size >= LARGE && (strategy === 'naive' || target === 'file')) return [];
  if (strategy === 'naive' && size > smallest) return ['initial'];
  return ALL_CASES;
}

export function skipReason(size: number, target: Target, strategy: Strategy, cases: RunCase[]): string | undefined {
  if (cases.length === ALL_CASES.length) return undefined;
  if (cases.length === 0) {
    return `${size} sessions, ${strategy} -> ${target}: not run (${strategy === 'naive'
      ? 'naive would send the whole corpus, ~23 KB a session, three times over the link'
      : 'the file target repeats the server run\'s encoding work'}); --full runs it`;
  }
  return `${size} sessions, naive -> ${target}: only the initial sync (naive re-sends everything, so its later syncs ` +
    'equal it; measured at the smallest size); --full runs them';
}
