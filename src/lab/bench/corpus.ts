// Generated corpora for the benchmark: one store file per size, copied afresh for every run so each strategy and
// target starts from the same bytes and nothing one run records (sync state, shapes) leaks into the next.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore, STORE_FILES } from '../../core/store/session-store';
import { chooseForMutation, continueSession, mutationRng } from '../generator';
import { CORPORA, type CorpusName } from '../corpora';
import { canonicalSession, type Session } from '../../core/model';

/** Fixed clock and seed: the same sizes always give byte-identical corpora and the same 1% of changes. */
export const CORPUS_NOW = Date.UTC(2025, 0, 15, 12);
const SEED = 'bench';
const MUTATE_SEED = 'bench-mutate';
const MUTATE_NOW = CORPUS_NOW + 24 * 3600_000;
const CHUNK = 500;

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `session-sync-bench-${label}-`));
}

/** Writes a store of `count` sessions of a generated corpus into a new temp dir and returns that dir. */
export async function buildCorpus(count: number, corpus: CorpusName = 'builtin'): Promise<string> {
  const dir = tempDir(`corpus-${corpus}-${count}`);
  const { store } = await SessionStore.open(dir);
  let chunk: Session[] = [];
  for (const s of CORPORA[corpus]({ count, seed: SEED, now: CORPUS_NOW })) {
    chunk.push(s);
    if (chunk.length === CHUNK) {
      store.upsertMany(chunk);
      chunk = [];
    }
  }
  store.upsertMany(chunk);
  await store.close();
  return dir;
}

/** A private copy of a closed store (snapshot and journal) in a new temp dir; returns the dir. */
export function copyStore(fromDir: string, label: string): string {
  const dir = tempDir(label);
  for (const name of STORE_FILES) {
    if (fs.existsSync(path.join(fromDir, name))) fs.copyFileSync(path.join(fromDir, name), path.join(dir, name));
  }
  return dir;
}

/** A private copy of a corpus store, opened for writing. */
export async function openCopy(corpusDir: string, label: string): Promise<{ store: SessionStore; dir: string }> {
  const dir = copyStore(corpusDir, label);
  const { store } = await SessionStore.open(dir);
  return { store, dir };
}

/** Continues 1% of the sessions (at least one), the same ones for every strategy. Returns how many changed. */
export function changeOnePercent(store: SessionStore): number {
  const ids = store.ids();
  const chosen = chooseForMutation(ids, Math.max(0.01, 1 / Math.max(1, ids.length)), MUTATE_SEED);
  return store.upsertMany([...chosen].map((id) => continueSession(store.get(id)!, mutationRng(MUTATE_SEED, id), MUTATE_NOW)));
}

/**
 * Sessions of the same user (same seed) after the first `after`, to train a dictionary on data the measured sample
 * does not contain: as the sync trains on the user's own sessions, without flattering itself with the very records
 * it compresses.
 */
export function trainingSessions(count: number, corpus: CorpusName = 'builtin', after = 0): Session[] {
  return [...CORPORA[corpus]({ count, seed: SEED, now: CORPUS_NOW, first: after })].map((s) => canonicalSession(s));
}

/** The first `count` sessions of a corpus, generated in memory (what the codec table measures). */
export function corpusSample(count: number, corpus: CorpusName): Session[] {
  return [...CORPORA[corpus]({ count, seed: SEED, now: CORPUS_NOW })].map((s) => canonicalSession(s));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
