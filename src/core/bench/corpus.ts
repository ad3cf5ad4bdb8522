// Generated corpora for the benchmark: one store file per size, copied afresh for every run so each strategy and
// target starts from the same bytes and nothing one run records (sync state, shapes) leaks into the next.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore, STORE_FILES } from '../store/session-store';
import { chooseForMutation, continueSession, iterateSessions, mutationRng } from '../generator';
import type { Session } from '../model';

/** Fixed clock and seed: the same sizes always give byte-identical corpora and the same 1% of changes. */
export const CORPUS_NOW = Date.UTC(2025, 0, 15, 12);
const SEED = 'bench';
const MUTATE_SEED = 'bench-mutate';
const MUTATE_NOW = CORPUS_NOW + 24 * 3600_000;
const CHUNK = 500;

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `session-sync-bench-${label}-`));
}

/** Writes a store of `count` generated sessions into a new temp dir and returns that dir. */
export async function buildCorpus(count: number): Promise<string> {
  const dir = tempDir(`corpus-${count}`);
  const { store } = await SessionStore.open(dir);
  let chunk: Session[] = [];
  for (const s of iterateSessions({ count, seed: SEED, now: CORPUS_NOW })) {
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
  const ids = store.rows('SELECT id FROM sessions ORDER BY id').map((r) => String(r[0]));
  const chosen = chooseForMutation(ids, Math.max(0.01, 1 / Math.max(1, ids.length)), MUTATE_SEED);
  return store.upsertMany([...chosen].map((id) => continueSession(store.get(id)!, mutationRng(MUTATE_SEED, id), MUTATE_NOW)));
}

/** The first `count` sessions of a corpus, in id order (the same sessions in every corpus size). */
export function readSample(store: SessionStore, count: number): Session[] {
  const out: Session[] = [];
  for (const s of store.iterate()) {
    if (out.length >= count) break;
    out.push(s);
  }
  return out;
}

/** Sessions from another seed, to train a dictionary on data the measured sample does not contain. */
export function trainingSessions(count: number): Session[] {
  return [...iterateSessions({ count, seed: 'bench-dictionary', now: CORPUS_NOW })];
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
