import { inflateSync } from 'node:zlib';
import { checkSession } from '../model';
import type { Dictionary } from '../codec/frames';
import { planWrite, RecordWrite, Shape } from './delta';
import { naiveRecordBytes } from './naive-estimate';

/** One stored session as the encoder needs it: the body bytes exactly as the store keeps them. */
export interface RawRecord {
  id: string;
  hash: string;
  /** zlib-compressed canonical JSON (the store's `sessions.body`). */
  body: Uint8Array;
  shape: Shape | undefined;
}

export interface EncodeTask {
  id: number;
  records: RawRecord[];
  dictionary?: Dictionary;
}

/** A stored session the remote could not store identically (one kept from before validation): not sent. */
export interface RefusedRecord {
  id: string;
  invalid: string;
}

export type EncodedRecord = RecordWrite | RefusedRecord;

export const isRefused = (w: EncodedRecord): w is RefusedRecord => 'invalid' in w;

/** Plans the writes of a batch; the same code runs in a worker or, as a fallback, on the calling thread. */
export function encodeRecords(task: EncodeTask): EncodedRecord[] {
  return task.records.map((r) => {
    const json = inflateSync(r.body).toString('utf8');
    const session: unknown = JSON.parse(json);
    try {
      // Sent as it is, a NUL or a lone surrogate would come back changed, and the session would never verify.
      checkSession(session);
    } catch (err) {
      return { id: r.id, invalid: (err as Error).message };
    }
    const write = planWrite(session, r.hash, r.shape, Buffer.byteLength(json), task.dictionary);
    write.naiveBytes = naiveRecordBytes(r.id, json);
    return write;
  });
}

/** The compressed values of the writes, moved (not copied) back to the main thread. */
export function transferables(writes: EncodedRecord[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const w of writes) {
    if (isRefused(w)) continue;
    for (const v of [...(w.row ?? []), ...(w.args ?? [])]) {
      if (v instanceof Uint8Array && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
    }
  }
  return [...out];
}
