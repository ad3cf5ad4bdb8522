import {
  Z_BLOCK, Z_FINISH, Z_OK, Z_STREAM_END, ZStream, zlibDeflate, zlibDeflateInit2, zlibDeflateReset, zlibDeflateSetDictionary,
} from 'pako';

/** Deflate's method number (the only one zlib defines) and its default strategy. */
const Z_DEFLATED = 8;
const Z_DEFAULT_STRATEGY = 0;

type Fields = Record<string, unknown>;
type Bytes = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** What setting a dictionary changed in a freshly reset stream, so it can be put back instead of redone. */
interface Primed {
  dictionary: Uint8Array;
  arrays: [string, Bytes][];
  fields: [string, unknown][];
  adler: number;
  totalIn: number;
}

/**
 * One pako deflate stream reused for every value, giving byte for byte what `pako.deflate` gives.
 * `pako.deflate` allocates a stream (about 250 KB of window and hash tables) per call, and a preset
 * dictionary is hashed into it on every call (16 KB of hashing for a 200-byte value): both cost more than
 * compressing a typical files or notes value. Here the stream is reset instead, and the state a dictionary
 * leaves is captured once and copied back, as zlib's deflateCopy allows in C (scripts/measure-encode.ts).
 * Not re-entrant: one deflater per thread, one call at a time.
 */
export class Deflater {
  private readonly strm = new ZStream();
  private primed: Primed | undefined;
  /** Output space kept between calls: a new buffer per value would only feed the garbage collector. */
  private out = new Uint8Array(64 * 1024);

  /** `raw`: RFC 1951 deflate with no zlib header or Adler-32 trailer (frame version 2 keeps its own check). */
  constructor(readonly level = 6, readonly raw = false) {
    check(zlibDeflateInit2(this.strm, level, Z_DEFLATED, raw ? -15 : 15, 8, Z_DEFAULT_STRATEGY), this.strm);
  }

  /**
   * A zlib stream (RFC 1950) of `input`: `pako.deflate(input, { level, dictionary })`, or when raw the deflate
   * stream alone, `pako.deflateRaw`. The result is a view of this deflater's own buffer, valid until its next call:
   * copy it to keep it.
   */
  deflate(input: Uint8Array, dictionary?: Uint8Array): Uint8Array<ArrayBuffer> {
    return this.deflateParts([input], dictionary);
  }

  /**
   * One zlib stream of the parts back to back, each part ending a deflate block (Z_BLOCK), so each gets the block
   * type and Huffman codes that suit it: a part of near-random bits is stored as it is instead of costing its
   * neighbours' codes more. One part gives exactly `deflate`'s bytes.
   */
  deflateParts(parts: Uint8Array[], dictionary?: Uint8Array): Uint8Array<ArrayBuffer> {
    const s = this.strm;
    this.reset();
    if (dictionary) this.applyDictionary(dictionary);
    const size = parts.reduce((n, p) => n + p.length, 0);
    // zlib's deflateBound, plus a block header per part: room for incompressible input, so no call runs out.
    const bound = size + (size >> 12) + (size >> 14) + (size >> 25) + 13 + 6 + 8 * parts.length;
    if (this.out.length < bound) this.out = new Uint8Array(bound * 2);
    s.output = this.out;
    s.next_out = 0;
    s.avail_out = bound;
    let status: number = Z_OK;
    parts.forEach((part, i) => {
      s.input = part;
      s.next_in = 0;
      s.avail_in = part.length;
      status = zlibDeflate(s, i === parts.length - 1 ? Z_FINISH : Z_BLOCK);
    });
    if (status !== Z_STREAM_END) throw new Error(`deflate failed: ${s.msg || `status ${status}`}`);
    s.input = EMPTY; // keep no reference to the caller's data
    return s.output.subarray(0, s.next_out);
  }

  /**
   * deflateReset, with its one slow step done natively: pako clears the 32,768 hash heads in a JavaScript loop,
   * which cost more than compressing a typical files or notes value (lm_init was 9% of a wild session's encoding).
   * The heads are swapped for an empty array while pako resets the rest, then cleared with a native fill.
   */
  private reset(): void {
    const s = this.strm;
    const state = s.state as { head: Uint16Array };
    const head = state.head;
    state.head = NO_HEADS;
    try {
      check(zlibDeflateReset(s), s);
    } finally {
      state.head = head;
    }
    head.fill(0);
  }

  private applyDictionary(dictionary: Uint8Array): void {
    const primed = this.primedFor(dictionary);
    const state = this.strm.state as Fields;
    for (const [key, copy] of primed.arrays) (state[key] as Bytes).set(copy);
    for (const [key, value] of primed.fields) state[key] = value;
    this.strm.adler = primed.adler;
    this.strm.total_in = primed.totalIn;
  }

  /** The captured state for `dictionary`; workers receive it as a fresh copy with every batch, so equal bytes count. */
  private primedFor(dictionary: Uint8Array): Primed {
    const p = this.primed;
    if (p && (p.dictionary === dictionary || sameBytes(p.dictionary, dictionary))) return p;
    return (this.primed = this.prime(dictionary));
  }

  /** Sets the dictionary on the reset stream and records every array and field that changed. */
  private prime(dictionary: Uint8Array): Primed {
    const state = this.strm.state as Fields;
    const before = new Map(Object.entries(state).map(([k, v]) => [k, isBytes(v) ? v.slice() : v]));
    check(zlibDeflateSetDictionary(this.strm, dictionary), this.strm);
    const arrays: [string, Bytes][] = [];
    const fields: [string, unknown][] = [];
    for (const [key, value] of Object.entries(state)) {
      const old = before.get(key);
      if (isBytes(value)) {
        if (!isBytes(old) || !sameBytes(old, value)) arrays.push([key, value.slice()]);
      } else if (value !== old) {
        fields.push([key, value]);
      }
    }
    return { dictionary, arrays, fields, adler: this.strm.adler, totalIn: this.strm.total_in };
  }
}

const EMPTY = new Uint8Array(0);
const NO_HEADS = new Uint16Array(0);

function isBytes(v: unknown): v is Bytes {
  return v instanceof Uint8Array || v instanceof Uint16Array || v instanceof Uint32Array || v instanceof Int32Array;
}

function sameBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function check(status: number, s: ZStream): void {
  if (status !== Z_OK) throw new Error(`deflate setup failed: ${s.msg || `status ${status}`}`);
}
