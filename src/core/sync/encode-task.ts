import { inflateSync } from 'node:zlib';
import type { Session } from '../model';
import type { Dictionary } from '../codec/frames';
import { planWrite, RecordWrite, Shape } from './delta';

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

/** Plans the writes of a batch; the same code runs in a worker or, as a fallback, on the calling thread. */
export function encodeRecords(task: EncodeTask): RecordWrite[] {
  return task.records.map((r) => {
    const json = inflateSync(r.body).toString('utf8');
    return planWrite(JSON.parse(json) as Session, r.hash, r.shape, Buffer.byteLength(json), task.dictionary);
  });
}

/** The compressed values of the writes, moved (not copied) back to the main thread. */
export function transferables(writes: RecordWrite[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const w of writes) {
    for (const v of [...(w.row ?? []), ...(w.args ?? [])]) {
      if (v instanceof Uint8Array && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
    }
  }
  return [...out];
}
