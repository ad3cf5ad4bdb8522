import * as pako from 'pako';
import { adler32 } from './adler32';
import { Deflater } from './deflater';

/**
 * Self-describing compressed values, as stored in the remote's BLOB columns (docs/remote-schema.md).
 * A value is one or more frames back to back, so a growing field is extended on the server with
 * `col = col || ?` and only the new frame travels. Frame version 2 (written now):
 *
 *   byte 0     0x53 ('S')      magic
 *   byte 1     2               frame format version
 *   byte 2     codec           bits 0-6: 0 = none, 3 = raw deflate (RFC 1951), 4 = raw deflate with a preset
 *                              dictionary (the remote's session_sync_dictionaries row); 1 and 2 as in version 1;
 *                              bit 7 (0x80): the content is binary (a timeline chunk of layout 3), not UTF-8 JSON
 *   byte 3     dictionary id   only for the codecs with a dictionary (2 and 4)
 *   varint     length          payload bytes, unsigned LEB128
 *   payload    the content as it is (codec 0), or its deflate stream then the content's Adler-32, 4 bytes
 *              big-endian (codecs 3 and 4)
 * Version 1 (written by earlier releases, still read): bytes 0-2 the same with codecs 0, 1 = zlib (RFC 1950) and
 * 2 = zlib with a preset dictionary, byte 3 the dictionary id (0 when none), bytes 4-7 the payload length as an
 * unsigned 32-bit big-endian number. Version 2 spends 9 or 10 bytes on a compressed frame where version 1 spent 18
 * (zlib's header and dictionary id repeat what the frame header says), and keeps the Adler-32 check.
 * Readers from before bit 7 existed refuse such a frame as an unknown codec, readers of version 1 refuse version 2
 * as newer, each with a message to update.
 */
export const FRAME_MAGIC = 0x53;
/** The version this release writes; it reads both. */
export const FRAME_VERSION = 2;
export const CODEC_NONE = 0;
/** Written by earlier releases (frame version 1): zlib streams, with and without a preset dictionary. */
export const CODEC_ZLIB = 1;
export const CODEC_ZLIB_DICT = 2;
/** Raw deflate then the content's Adler-32, with and without a preset dictionary. */
export const CODEC_DEFLATE = 3;
export const CODEC_DEFLATE_DICT = 4;
/** Added to the codec byte when the content is bytes rather than JSON text. */
export const CODEC_BINARY = 0x80;

const usesDictionary = (codec: number): boolean => codec === CODEC_ZLIB_DICT || codec === CODEC_DEFLATE_DICT;

/** A preset dictionary: zlib starts with these bytes already seen, so short values compress well. */
export interface Dictionary {
  id: number;
  bytes: Uint8Array;
}
/** Header bytes of a version-1 frame; version 2's are 4 to 9 (its length is a varint). */
const HEADER_V1 = 8;
const CHECK = 4;

/** Payloads smaller than this are stored plainly: deflate's own overhead would outweigh the saving. */
const MIN_COMPRESS = 64;

export class FrameError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
/** This thread's deflate stream and UTF-8 space (encodeJsonFrame is synchronous and copies what it keeps). */
const deflater = new Deflater(6, true);
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
  let deflated: Uint8Array | undefined;
  if (content.length >= MIN_COMPRESS || dict) {
    const out = deflater.deflateParts(partsOf(content, blocks), dict?.bytes);
    if (out.length + CHECK < content.length) {
      codec = dict ? CODEC_DEFLATE_DICT : CODEC_DEFLATE;
      deflated = out;
    }
  }
  const length = deflated ? deflated.length + CHECK : content.length;
  const head = [FRAME_MAGIC, FRAME_VERSION, codec | kind, ...(usesDictionary(codec) ? [dict!.id] : []), ...varint(length)];
  const frame = new Uint8Array(head.length + length);
  frame.set(head);
  if (!deflated) {
    frame.set(content, head.length);
    return frame;
  }
  frame.set(deflated, head.length);
  new DataView(frame.buffer).setUint32(frame.length - CHECK, adler32(content));
  return frame;
}

/** Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on every byte but the last. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
  out.push(n);
  return out;
}

/** A frame's header fields, read at `at` (either version); undefined when the bytes end inside the header. */
interface Header {
  codec: number;
  dictId: number;
  length: number;
  /** Where the payload starts. */
  start: number;
}

function readHeader(bytes: Uint8Array, at: number, what: string): Header | undefined {
  if (bytes.length - at < 4) return undefined;
  if (bytes[at] !== FRAME_MAGIC) throw new FrameError(`${what}: not a Session Sync value (bad frame header at byte ${at})`);
  const version = bytes[at + 1];
  const codec = bytes[at + 2];
  if (version === 1) {
    if (bytes.length - at < HEADER_V1) return undefined;
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(at + 4);
    return { codec, dictId: bytes[at + 3], length, start: at + HEADER_V1 };
  }
  if (version !== FRAME_VERSION) {
    throw new FrameError(`${what}: frame version ${version} is newer than this Session Sync understands`);
  }
  let p = at + 3;
  const dictId = usesDictionary(codec & ~CODEC_BINARY) ? bytes[p++] : 0;
  let length = 0;
  for (let scale = 1; ; scale *= 128) {
    if (p >= bytes.length) return undefined;
    if (scale > 2 ** 28) throw new FrameError(`${what}: not a Session Sync value (bad frame length at byte ${at})`);
    const b = bytes[p++];
    length += (b & 127) * scale;
    if (b < 128) break;
  }
  return { codec, dictId, length, start: p };
}

/**
 * Decodes every frame of a value: JSON content parsed, binary content as bytes. `what` names the record and
 * column for the error message, and `dicts` holds the remote's dictionaries by id.
 */
export function decodeFrames(value: Uint8Array | ArrayBuffer | null, what: string,
  dicts: ReadonlyMap<number, Uint8Array> = new Map()): unknown[] {
  if (value === null) return [];
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  const out: unknown[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = readHeader(bytes, at, what);
    if (!header) throw new FrameError(`${what}: not a Session Sync value (bad frame header at byte ${at})`);
    const { codec, dictId, length, start } = header;
    const payload = bytes.subarray(start, start + length);
    if (payload.length !== length) throw new FrameError(`${what}: value is truncated`);
    const content = decodePayload(codec & ~CODEC_BINARY, dictId, payload, what, dicts);
    out.push(codec & CODEC_BINARY ? content : parseJson(textOf(content, what), what));
    at = start + length;
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
  const dictionary = usesDictionary(codec) ? dicts.get(dictId) : undefined;
  if (usesDictionary(codec) && !dictionary) {
    throw new FrameError(`${what}: needs dictionary ${dictId}, which the remote does not hold`);
  }
  try {
    if (codec === CODEC_NONE) return payload;
    if (codec === CODEC_ZLIB) return pako.inflate(payload);
    if (codec === CODEC_ZLIB_DICT) return pako.inflate(payload, { dictionary });
    if (codec === CODEC_DEFLATE || codec === CODEC_DEFLATE_DICT) return inflateChecked(payload, dictionary);
  } catch (err) {
    throw new FrameError(`${what}: compressed data is corrupt (${(err as Error).message || String(err)})`);
  }
  throw new FrameError(`${what}: unknown codec ${codec}; update Session Sync to read it`);
}

/** A codec-3 or -4 payload: the deflate stream must end exactly before the check, and the check must match. */
function inflateChecked(payload: Uint8Array, dictionary?: Uint8Array): Uint8Array {
  if (payload.length < CHECK) throw new Error('no check');
  const inflator = new pako.Inflate({ raw: true, ...(dictionary ? { dictionary } : {}) });
  inflator.push(payload.subarray(0, payload.length - CHECK), true);
  if (inflator.err) throw new Error(inflator.msg);
  // pako stops at the stream's end and leaves what follows unread (its typings call strm private).
  if ((inflator as unknown as { strm: { avail_in: number } }).strm.avail_in !== 0) {
    throw new Error('bytes after the deflate stream');
  }
  const content = inflator.result as Uint8Array;
  const check = new DataView(payload.buffer, payload.byteOffset).getUint32(payload.length - CHECK);
  if (adler32(content) !== check) throw new Error('incorrect data check');
  return content;
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
