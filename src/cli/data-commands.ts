import * as fs from 'node:fs';
import * as readline from 'node:readline';
import type { SessionStore } from '../core/store/session-store';
import { Session, parseSession } from '../core/model';
import { chooseForMutation, continueSession, mutationRng } from '../lab/generator';
import { CORPORA, type CorpusName } from '../lab/corpora';
import { yieldToEventLoop } from '../core/metrics';
import { CliError } from './open';

const CHUNK = 1000;

/** Adds `count` generated sessions of a corpus, in transactions of a thousand. Returns how many were added. */
export async function seedStore(store: SessionStore, count: number, days: number, seed: string,
  corpus: CorpusName = 'builtin'): Promise<number> {
  let chunk: Session[] = [];
  let added = 0;
  // Ids depend on the seed and on how many sessions the store had, so seeding twice adds new sessions.
  const existing = store.count();
  const idPrefix = existing === 0 ? 'gen' : `gen${existing}`;
  const sessions = CORPORA[corpus]({ count, days, seed: existing === 0 ? seed : `${seed}+${existing}`, idPrefix });
  for (const s of sessions) {
    chunk.push(s);
    if (chunk.length >= CHUNK) {
      added += store.upsertMany(chunk);
      chunk = [];
      await yieldToEventLoop();
    }
  }
  added += store.upsertMany(chunk);
  return added;
}

/** Continues a deterministic fraction of the sessions (new events, files, notes). Returns how many changed. */
export function mutateStore(store: SessionStore, fraction: number, seed: string, now = Date.now()): number {
  const ids = store.ids();
  const chosen = [...chooseForMutation(ids, fraction, seed)];
  return store.upsertMany(chosen.map((id) => continueSession(store.get(id)!, mutationRng(seed, id), now)));
}

/** Every session as canonical JSON, one a line, sorted by id. */
export function exportStore(store: SessionStore, out: NodeJS.WritableStream): void {
  // The store keeps canonical JSON already: print it as it is.
  for (const [, json] of store.iterateJson()) out.write(`${json}\n`);
}

/**
 * Reads sessions as JSON lines (the `export` format). Every line is checked before anything is written,
 * so a malformed file changes nothing; the error names the line.
 */
export async function importLines(store: SessionStore, file: string): Promise<{ read: number; changed: number }> {
  const input = file === '-' ? process.stdin : fs.createReadStream(file, 'utf8');
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const sessions: Session[] = [];
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      try {
        sessions.push(parseSession(JSON.parse(line)));
      } catch (err) {
        throw new CliError(`${file === '-' ? 'stdin' : file}, line ${n}: ${(err as Error).message}. Nothing was imported.`);
      }
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  return { read: sessions.length, changed: store.upsertMany(sessions) };
}
