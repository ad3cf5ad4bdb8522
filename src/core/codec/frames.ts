import * as pako from 'pako';
import { Deflater } from './deflater';

/**
 * Self-describing compressed values, as stored in the remote's BLOB columns (docs/remote-schema.md).
 * A value is one or more frames back to back, so a growing field is extended on the server with
 * `col = col || ?` and only the new frame travels:
 *
 *   byte 0     0x53 ('S')      magic
 *   byte 1     1               frame format version
 *   byte 2     codec           bits 0-6: 0 = none, 1 = zlib (RFC 1950 deflate),
 *                              2 = zlib with a preset dictionary (the remote's session_sync_dictionaries row);
 *                              bit 7 (0x80): the content is binary (a timeline chunk of layout 3), not UTF-8 JSON
 *   byte 3     dictionary id   for codec 2; 0 otherwise
 *   bytes 4-7  length          payload bytes, unsigned 32-bit big-endian
 *   payload    the content, as it is (codec 0) or as a zlib stream (codecs 1 and 2)
 * Readers from before bit 7 existed refuse such a frame as an unknown codec, with a message to update.
 */
export const FRAME_MAGIC = 0x53;
export const FRAME_VERSION = 1;
export const CODEC_NONE = 0;
export const CODEC_ZLIB = 1;
export const CODEC_ZLIB_DICT = 2;
/** Added to the codec byte when the content is bytes rather than JSON text. */
export const CODEC_BINARY = 0x80;

/** A preset dictionary: zlib starts with these bytes already seen, so short values compress well. */
export interface Dictionary {
  id: number;
  bytes: Uint8Array;
}
const HEADER = 8;

/** Payloads smaller than this are stored plainly: deflate's own overhead would outweigh the saving. */
const MIN_COMPRESS = 64;

export class FrameError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
/** This thread's deflate stream and UTF-8 space (encodeJsonFrame is synchronous and copies what it keeps). */
const deflater = new Deflater(6);
let utf8 = new Uint8Array(64 * 1024);

export function encodeFrame(value: unknown, dict?: Dictionary): Uint8Array {
  return encodeJsonFrame(JSON.stringify(value), dict);
}

/** A frame of JSON text the caller has already serialized (it hashes the same text). */
export function encodeJsonFrame(text: string, dict?: Dictionary): Uint8Array {
  if (utf8.length < text.length * 3) utf8 = new Uint8Array(text.length * 6); // UTF-8 takes at most 3 bytes per UTF-16 unit
  return frameOf(utf8.subarray(0, encoder.encodeInto(text, utf8).written), 0, dict);
}

/**
 * A frame of binary content (a layout-3 timeline chunk). A deflate block ends at each offset of `blocks` (ascending):
 * the near-random bit part and a long chunk's columns get blocks, so Huffman codes, of their own (see
 * Deflater.deflateParts); any inflater reads the stream the same way.
 */
export function encodeBinaryFrame(content: Uint8Array, dict?: Dictionary, blocks: readonly number[] = []): Uint8Array {
  return frameOf(content, CODEC_BINARY, dict, blocks);
}

/** `content` cut at the offsets of `blocks` that fall inside it, with no empty part. */
function partsOf(content: Uint8Array, blocks: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const end of blocks) {
    if (end <= from || end >= content.length) continue;
    parts.push(content.subarray(from, end));
    from = end;
  }
  parts.push(content.subarray(from));
  return parts;
}

/** Compresses `content` when that makes it smaller, and puts the header in front. */
function frameOf(content: Uint8Array, kind: number, dict?: Dictionary, blocks: readonly number[] = []): Uint8Array {
  let codec = CODEC_NONE;
  let payload = content;
  if (content.length >= MIN_COMPRESS || dict) {
    const deflated = deflater.deflateParts(partsOf(content, blocks), dict?.bytes);
    if (deflated.length < content.length) {
      codec = dict ? CODEC_ZLIB_DICT : CODEC_ZLIB;
      payload = deflated;
    }
  }
  const out = new Uint8Array(HEADER + payload.length);
  out[0] = FRAME_MAGIC;
  out[1] = FRAME_VERSION;
  out[2] = codec | kind;
  out[3] = codec === CODEC_ZLIB_DICT ? dict!.id : 0;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, HEADER);
  return out;
}

/**
 * Decodes every frame of a value: JSON content parsed, binary content as bytes. `what` names the record and
 * column for the error message, and `dicts` holds the remote's dictionaries by id.
 */
export function decodeFrames(value: Uint8Array | ArrayBuffer | null, what: string,
  dicts: ReadonlyMap<number, Uint8Array> = new Map()): unknown[] {
  if (value === null) return [];
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: unknown[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < HEADER || bytes[at] !== FRAME_MAGIC) {
      throw new FrameError(`${what}: not a Session Sync value (bad frame header at byte ${at})`);
    }
    if (bytes[at + 1] !== FRAME_VERSION) {
      throw new FrameError(`${what}: frame version ${bytes[at + 1]} is newer than this Session Sync understands`);
    }
    const codec = bytes[at + 2];
    const length = view.getUint32(at + 4);
    const payload = bytes.subarray(at + HEADER, at + HEADER + length);
    if (payload.length !== length) throw new FrameError(`${what}: value is truncated`);
    const content = decodePayload(codec & ~CODEC_BINARY, bytes[at + 3], payload, what, dicts);
    out.push(codec & CODEC_BINARY ? content : parseJson(textOf(content, what), what));
    at += HEADER + length;
  }
  return out;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FrameError(`${what}: the value decodes but is not JSON`);
  }
}

/** decoder.decode, with a broken UTF-8 sequence reported as a corrupt value. */
function textOf(content: Uint8Array, what: string): string {
  try {
    return decoder.decode(content);
  } catch {
    throw new FrameError(`${what}: the value decodes but is not UTF-8 text`);
  }
}

function decodePayload(codec: number, dictId: number, payload: Uint8Array, what: string,
  dicts: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const dictionary = codec === CODEC_ZLIB_DICT ? dicts.get(dictId) : undefined;
  if (codec === CODEC_ZLIB_DICT && !dictionary) {
    throw new FrameError(`${what}: needs dictionary ${dictId}, which the remote does not hold`);
  }
  try {
    if (codec === CODEC_NONE) return payload;
    if (codec === CODEC_ZLIB) return pako.inflate(payload);
    if (codec === CODEC_ZLIB_DICT) return pako.inflate(payload, { dictionary });
  } catch (err) {
    throw new FrameError(`${what}: compressed data is corrupt (${(err as Error).message || String(err)})`);
  }
  throw new FrameError(`${what}: unknown codec ${codec}; update Session Sync to read it`);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
