import type { SessionStore } from '../store/session-store';
import type { Remote } from '../remote/connect';
import { sessionHash } from '../hash';
import { openRemoteForRead, readNaiveSessions, readRemoteSessions } from './remote-read';
import { IdSample, newIdSample, sampleInto } from './id-sample';
import type { Strategy } from './context';
import { sessionsNextSyncSends } from './remote-identity';

/**
 * Reads the ids of the sessions archived beside the store, without writing. Pull and verify are given it by
 * their caller (core/archive's archivedIdsIn, usually), so the sync layer never reaches up into the archive;
 * it is read only once the remote turns out to hold something.
 */
export type ArchivedIds = () => Promise<ReadonlySet<string>>;

export interface VerifyReport {
  local: number;
  remote: number;
  /** Remote sessions that are archived here (the remote keeps them by default): expected, not extra. */
  archived: number;
  missing: number;
  mismatched: number;
  extra: number;
  /** Up to ten ids of each kind of difference, to look at. */
  examples: { missing: string[]; mismatched: string[]; extra: string[] };
  /** Remote rows that did not decode: they count as neither matched nor extra. */
  undecodable: IdSample;
  /** Set when nothing has been synced to the remote yet: how many sessions the next sync sends. */
  nothingSynced?: { willSend: number };
}

/** Local ids and content hashes in id order, a page at a time. */
function* localHashes(store: SessionStore, pageSize = 1000): Generator<[string, string]> {
  let after = '';
  for (;;) {
    const page = store.hashPage(after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1][0];
  }
}

async function* remoteHashes(remote: Remote, strategy: Strategy, dicts: ReadonlyMap<number, Uint8Array>,
  onBad: (id: string, message: string) => void): AsyncGenerator<[string, string]> {
  if (strategy === 'naive') {
    for await (const s of readNaiveSessions(remote, undefined, onBad)) yield [s.id, sessionHash(s)];
  } else {
    // Hash what decodes from the remote, not the hash column it carries: this proves the data itself.
    for await (const r of readRemoteSessions(remote, dicts, undefined, onBad)) {
      yield [r.session.id, sessionHash(r.session)];
    }
  }
}

/** Compares every local session with the remote copy, streaming both sides in id order. */
export async function verifyRemote(store: SessionStore, remote: Remote, archivedIds: ArchivedIds,
  strategy: Strategy = 'optimized'): Promise<VerifyReport> {
  const report: VerifyReport = { local: 0, remote: 0, archived: 0, missing: 0, mismatched: 0, extra: 0,
    examples: { missing: [], mismatched: [], extra: [] }, undecodable: newIdSample() };
  const dicts = await openRemoteForRead(remote, strategy === 'naive' ? 'sessions_naive' : 'sessions');
  if (!dicts) return { ...report, local: store.count(), nothingSynced: { willSend: sessionsNextSyncSends(store, remote) } };
  const archived = await archivedIds();
  const note = (kind: 'missing' | 'mismatched' | 'extra', id: string) => {
    report[kind]++;
    if (report.examples[kind].length < 10) report.examples[kind].push(id);
  };
  const local = localHashes(store);
  let l = local.next();
  // A local session whose remote copy did not decode is reported as undecodable, not also as missing.
  const bad = new Set<string>();
  const count = sampleInto(report.undecodable);
  const onBad = (id: string, message: string) => { bad.add(id); count(id, message); };
  const passLocal = () => {
    report.local++;
    if (!bad.has(l.value![0])) note('missing', l.value![0]);
    l = local.next();
  };
  for await (const [rid, rhash] of remoteHashes(remote, strategy, dicts, onBad)) {
    report.remote++;
    while (!l.done && l.value[0] < rid) passLocal();
    if (!l.done && l.value[0] === rid) {
      report.local++;
      if (l.value[1] !== rhash) note('mismatched', rid);
      l = local.next();
    } else if (archived.has(rid)) {
      report.archived++;
    } else {
      note('extra', rid);
    }
  }
  while (!l.done) passLocal();
  report.remote += report.undecodable.count;
  return report;
}

export function verifyPassed(r: VerifyReport): boolean {
  return r.missing === 0 && r.mismatched === 0 && r.extra === 0 && r.undecodable.count === 0;
}
