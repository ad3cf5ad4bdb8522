import { EVENT_KINDS, EventKind, SessionEvent } from '../model';
import { ALL_FIELDS, DEFAULT_FIELDS, FIELD_COLUMNS, TimelineColumns, decodeTimeline } from './timeline';

/**
 * Timeline chunk layout 3: the columns of layout 2 (timeline.ts) as bytes instead of JSON. Gaps and edit sizes are
 * heavy-tailed numbers whose low bits are noise: each is split into its bit length (one byte, in the structured
 * part, where deflate finds the patterns) and the bits below its leading one (packed into the bit part at the end,
 * which deflate stores as it is). Deflated in one block with the rest, those near-random bits cost the structured
 * bytes longer codes; in a block of their own they cost their number. Kinds are one byte each, files and detail
 * lengths LEB128 varints. Measured on 2,000 sessions of each corpus, deflated with the dictionary it is 24% (builtin)
 * and 18% (wild) smaller than layout 2 as written before, deflated without (`node --import tsx scripts/measure-encode.ts`).
 * docs/remote-schema.md describes the bytes for other readers:
 *
 *   u8      3 (the layout)
 *   u8      flags: 1 = gaps, 2 = added, 4 = removed, 8 = the first time are zigzag-encoded (a value is negative)
 *   varint  n, the number of events
 *   varint  first event time (ms epoch), if n > 0
 *   n ×     u8 kind (index in EVENT_KINDS: open edit save focus blur debug task terminal note)
 *   varint  x, events whose fields differ from their kind's default; x × (varint index step, u8 fields)
 *   n-1 ×   u8 bit length of the gap to the next event (ms)
 *   then per field, for the events that have it, in event order:
 *           file: varint; added: u8 bit length; removed: u8 bit length; detail: varint UTF-8 length + bytes
 *   bits    for every gap, then every added, then every removed whose bit length k is 2 or more: its k-1 low bits,
 *           most significant first, packed from the high bit of each byte; the last byte padded with zeros
 */
export const BINARY_LAYOUT = 3;

const SIGNED_GAPS = 1;
const SIGNED_ADDED = 2;
const SIGNED_REMOVED = 4;
const SIGNED_FIRST = 8;
/** Values beyond this cannot be zigzag-encoded exactly in a double: such a chunk stays JSON (layout 2). */
const MAX_MAGNITUDE = 2 ** 52;

const KIND_CODE = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, i])) as Record<EventKind, number>;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A growing byte buffer (one per column, reused between calls on this thread). */
class Bytes {
  buf = new Uint8Array(1024);
  at = 0;

  reset(): this {
    this.at = 0;
    return this;
  }

  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }

  /** Unsigned LEB128; division, not shifts, so values up to 2^53 stay exact. */
  varint(v: number): void {
    this.room(8);
    while (v >= 128) {
      this.buf[this.at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.at++] = v;
  }

  /** Its UTF-8 length as a varint, then the bytes. */
  text(s: string): void {
    if (s.length > 42) { // might take 128 bytes or more: measure first
      const bytes = utf8.encode(s);
      this.varint(bytes.length);
      this.room(bytes.length);
      this.buf.set(bytes, this.at);
      this.at += bytes.length;
      return;
    }
    this.room(1 + s.length * 3); // at most 3 bytes per UTF-16 unit, so at most 126: a one-byte length
    const n = utf8.encodeInto(s, this.buf.subarray(this.at + 1)).written;
    this.buf[this.at] = n;
    this.at += 1 + n;
  }
}

/** Bits written most significant first into whole bytes. */
class BitWriter extends Bytes {
  private acc = 0;
  private used = 0;

  override reset(): this {
    this.acc = 0;
    this.used = 0;
    return super.reset();
  }

  /** The `k` low bits of `v` (k <= 52), in chunks of at most 24 so the accumulator fits 31 bits. */
  bits(v: number, k: number): void {
    while (k > 24) {
      k -= 24;
      this.bits(Math.floor(v / 2 ** k) % 2 ** 24, 24);
    }
    // Fewer than 8 bits wait in acc, so acc << k stays below 2^31.
    this.acc = (this.acc << k) | (v & ((1 << k) - 1));
    this.used += k;
    this.room(4);
    while (this.used >= 8) {
      this.used -= 8;
      this.buf[this.at++] = this.acc >>> this.used;
      this.acc &= (1 << this.used) - 1;
    }
  }

  flush(): void {
    if (this.used > 0) this.byte(this.acc * 2 ** (8 - this.used));
    this.acc = 0;
    this.used = 0;
  }
}

const bitLength = (v: number): number => (v === 0 ? 0 : v < 2 ** 31 ? 32 - Math.clz32(v) : Math.floor(Math.log2(v)) + 1);
const zigzag = (v: number, on: boolean): number => (on ? (v < 0 ? -2 * v - 1 : 2 * v) : v);

const cols = { head: new Bytes(), kinds: new Bytes(), x: new Bytes(), gaps: new Bytes(), f: new Bytes(),
  a: new Bytes(), r: new Bytes(), d: new Bytes() };
const COLS = Object.values(cols);
/** The numbers whose low bits go to the bit part, in its order: gaps, then added, then removed. */
const numbers = { gaps: [] as number[], a: [] as number[], r: [] as number[] };
const bitPart = new BitWriter();

/** Its bit length to `lengths`, the value to `list`, to be packed once the structured part is done. */
function put(v: number, lengths: Bytes, list: number[]): void {
  lengths.byte(bitLength(v));
  list.push(v);
}

/**
 * A layout-3 chunk: its bytes, where its bit part starts, and where each deflate block should end (ascending offsets,
 * the last one `bitsAt`): deflate gives the bit part a block of its own, and a long chunk's columns one each.
 */
export interface BinaryTimeline {
  bytes: Uint8Array;
  bitsAt: number;
  blocks: number[];
}

/**
 * From this many events on, the columns get deflate blocks of their own: each block carries its own Huffman codes
 * (some 40-60 bytes of code lengths), which pays once the columns are long, as kinds, gap lengths, file indexes and
 * edit-size lengths each have a distribution of their own. Measured on 2,000 sessions (frames with the dictionary)
 * against one block for the structured part: from 400 events on, 21 B less per session on the builtin corpus and
 * 42 B on the wild one; from 100 on, 26 and 45 B, but each block's codes cost CPU (pako builds them in JS: about
 * 20 us per split session), which from 100 events on made a wild session's whole encoding a few percent slower.
 */
const SPLIT_EVENTS = 400;

/** Layout 3 of `events`, or undefined when a value is out of range (the caller writes layout 2). */
export function encodeBinaryTimeline(events: SessionEvent[]): BinaryTimeline | undefined {
  let flags = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (i > 0 && e.t < events[i - 1].t) flags |= SIGNED_GAPS;
    if (e.added !== undefined && e.added < 0) flags |= SIGNED_ADDED;
    if (e.removed !== undefined && e.removed < 0) flags |= SIGNED_REMOVED;
    if (i === 0 && e.t < 0) flags |= SIGNED_FIRST;
    if (Math.abs(e.t) > MAX_MAGNITUDE || Math.abs(e.added ?? 0) > MAX_MAGNITUDE ||
      Math.abs(e.removed ?? 0) > MAX_MAGNITUDE || (i > 0 && Math.abs(e.t - events[i - 1].t) > MAX_MAGNITUDE)) {
      return undefined;
    }
  }
  const c = cols;
  for (const b of COLS) b.reset();
  numbers.gaps.length = numbers.a.length = numbers.r.length = 0;
  const [zGaps, zAdded, zRemoved] = [(flags & SIGNED_GAPS) !== 0, (flags & SIGNED_ADDED) !== 0,
    (flags & SIGNED_REMOVED) !== 0];
  c.head.byte(BINARY_LAYOUT);
  c.head.byte(flags);
  c.head.varint(events.length);
  let exceptions = 0;
  let lastException = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (i === 0) c.head.varint(zigzag(e.t, (flags & SIGNED_FIRST) !== 0));
    else put(zigzag(e.t - events[i - 1].t, zGaps), c.gaps, numbers.gaps);
    c.kinds.byte(KIND_CODE[e.kind]);
    let fields = 0;
    if (e.file !== undefined) { fields |= 1; c.f.varint(e.file); }
    if (e.added !== undefined) { fields |= 2; put(zigzag(e.added, zAdded), c.a, numbers.a); }
    if (e.removed !== undefined) { fields |= 4; put(zigzag(e.removed, zRemoved), c.r, numbers.r); }
    if (e.detail !== undefined) { fields |= 8; c.d.text(e.detail); }
    if (fields !== DEFAULT_FIELDS[e.kind]) {
      exceptions++;
      c.x.varint(i - lastException);
      c.x.byte(fields);
      lastException = i;
    }
  }
  bitPart.reset();
  for (const [list, lengths] of [[numbers.gaps, c.gaps], [numbers.a, c.a], [numbers.r, c.r]] as const) {
    for (let j = 0; j < list.length; j++) {
      const k = lengths.buf[j];
      if (k > 1) bitPart.bits(list[j] - 2 ** (k - 1), k - 1);
    }
  }
  bitPart.flush();
  const xHead = new Bytes();
  xHead.varint(exceptions);
  const parts = [c.head, c.kinds, xHead, c.x, c.gaps, c.f, c.a, c.r, c.d, bitPart];
  // Blocks when split: kinds with their exceptions, gap lengths, files, edit-size lengths, details.
  const blockEnds = events.length >= SPLIT_EVENTS ? new Set<Bytes>([c.x, c.gaps, c.f, c.r]) : new Set<Bytes>();
  const blocks: number[] = [];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.at, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.buf.subarray(0, p.at), at);
    at += p.at;
    if (blockEnds.has(p) && at > (blocks[blocks.length - 1] ?? 0)) blocks.push(at);
  }
  const bitsAt = out.length - bitPart.at;
  if (bitsAt > (blocks[blocks.length - 1] ?? 0)) blocks.push(bitsAt);
  return { bytes: out, bitsAt, blocks };
}

/** Reads layout 3; `what` names the record and column in errors. */
export function decodeBinaryTimeline(bytes: Uint8Array, what: string): SessionEvent[] {
  const malformed = () => new Error(`${what}: timeline frame is malformed`);
  let at = 0;
  const byte = (): number => {
    if (at >= bytes.length) throw malformed();
    return bytes[at++];
  };
  const varint = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      if (scale > 2 ** 56) throw malformed();
      const b = byte();
      v += (b & 127) * scale;
      if (b < 128) return v;
    }
  };
  const layout = byte();
  if (layout !== BINARY_LAYOUT) {
    throw new Error(`${what}: timeline version ${layout} is newer than this Session Sync understands`);
  }
  const flags = byte();
  const n = varint();
  if (n > bytes.length) throw malformed(); // every event takes at least its kind byte
  const first = n > 0 ? varint() : 0;
  const kinds: EventKind[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = EVENT_KINDS[byte()];
    if (!kind) throw new Error(`${what}: unknown event kind code ${bytes[at - 1]}`);
    kinds[i] = kind;
  }
  const exceptions = new Map<number, number>();
  let index = 0;
  for (let x = varint(); x > 0; x--) {
    index += varint();
    const fields = byte();
    if (index >= n || fields > ALL_FIELDS) throw malformed();
    exceptions.set(index, fields);
  }
  const lengthByte = () => {
    const k = byte();
    if (k > 53) throw malformed();
    return k;
  };
  const gapLengths = Array.from({ length: Math.max(0, n - 1) }, lengthByte);
  const fieldsOf = (i: number) => exceptions.get(i) ?? DEFAULT_FIELDS[kinds[i]];
  const events: SessionEvent[] = kinds.map((kind) => ({ t: 0, kind }));
  const lengths: Record<'added' | 'removed', [SessionEvent, number][]> = { added: [], removed: [] };
  for (const [, field, bit] of FIELD_COLUMNS) {
    for (let i = 0; i < n; i++) {
      if (!(fieldsOf(i) & bit)) continue;
      const e = events[i];
      if (field === 'file') e.file = varint();
      else if (field === 'detail') {
        const len = varint();
        if (at + len > bytes.length) throw malformed();
        e.detail = fromUtf8.decode(bytes.subarray(at, (at += len)));
      } else lengths[field].push([e, lengthByte()]);
    }
  }
  // The bit part: the values' bits below their leading one, in the order their lengths came.
  let bitAt = at * 8;
  const value = (k: number): number => {
    if (k <= 1) return k;
    let v = 1;
    for (let i = 1; i < k; i++, bitAt++) {
      if (bitAt >= bytes.length * 8) throw malformed();
      v = v * 2 + ((bytes[bitAt >> 3] >> (7 - (bitAt & 7))) & 1);
    }
    return v;
  };
  const unzigzag = (v: number, on: boolean) => (on ? (v % 2 ? -(v + 1) / 2 : v / 2) : v);
  let t = unzigzag(first, (flags & SIGNED_FIRST) !== 0);
  if (n > 0) events[0].t = t;
  gapLengths.forEach((k, i) => { events[i + 1].t = t += unzigzag(value(k), (flags & SIGNED_GAPS) !== 0); });
  for (const [e, k] of lengths.added) e.added = unzigzag(value(k), (flags & SIGNED_ADDED) !== 0);
  for (const [e, k] of lengths.removed) e.removed = unzigzag(value(k), (flags & SIGNED_REMOVED) !== 0);
  // Only the padding of the last byte may be left, and it is zeros.
  if (Math.ceil(bitAt / 8) !== bytes.length || (bitAt % 8 && bytes[bytes.length - 1] & (0xff >> (bitAt % 8)))) {
    throw malformed();
  }
  return events;
}

/** One decoded frame of an `events` value: layout 3 arrives as bytes, layouts 1 and 2 as parsed JSON. */
export function decodeTimelineChunk(chunk: unknown, what: string): SessionEvent[] {
  return chunk instanceof Uint8Array ? decodeBinaryTimeline(chunk, what) : decodeTimeline(chunk as TimelineColumns, what);
}
