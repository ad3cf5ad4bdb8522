// The generated corpora by name: `seed --corpus NAME` and `bench --corpus NAME` draw from the same list.
import type { Session } from '../core/model';
import { iterateSessions } from './generator';
import { iterateWildSessions } from './generator-wild';

export interface CorpusOptions {
  count: number;
  seed: string;
  now?: number;
  days?: number;
  idPrefix?: string;
  first?: number;
}

/**
 * `builtin`: the generator the codec was developed on (generator.ts). `wild`: distributions that differ on purpose
 * (generator-wild.ts): heavy-tailed gaps, deep paths, 2 to 40,000 events, edits of every size, long notes or none,
 * several machines' ids. Wild ids come from its machines, so `idPrefix` does not apply to it.
 */
export const CORPORA = {
  builtin: (o: CorpusOptions): Iterable<Session> => iterateSessions(o),
  wild: (o: CorpusOptions): Iterable<Session> => iterateWildSessions(o),
} as const;

export type CorpusName = keyof typeof CORPORA;
export const CORPUS_NAMES = Object.keys(CORPORA) as CorpusName[];

export function isCorpusName(name: string): name is CorpusName {
  return (CORPUS_NAMES as string[]).includes(name);
}
