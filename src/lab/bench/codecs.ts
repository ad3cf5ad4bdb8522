// The codec table: the same sample of sessions compressed several ways, as batches of 100 whole JSON records (what
// a "gzip the batch" design would send) and record by record (what the delta sync can append to). Ratios are
// output bytes over the canonical JSON of the same records; MB/s is input MB per second of CPU on this thread.
import * as zlib from 'node:zlib';
import * as pako from 'pako';
import type { InValue } from '@libsql/client';
import type { Session } from '../../core/model';
import { sessionToJson } from '../../core/model';
import { hashText } from '../../core/hash';
import { planWrite } from '../../core/sync/delta';
import { encodeTimeline } from '../../core/codec/timeline';
import { buildDictionary } from './dictionary';
import { trainDictionary } from '../../core/codec/dictionary';
import type { Dictionary } from '../../core/codec/frames';
import type { CodecRow } from './types';

const BATCH = 100;
/** The sync trains its dictionary on this many sessions (sync/dictionary-cache.ts). */
const SYNC_TRAINING = 300;
/** Brotli 11 runs at well under 1 MB/s: it gets a smaller slice of the sample so the table stays quick. */
const SLOW_SAMPLE = 200;
const FRAME_HEADER = 8;

interface Sample {
  sessions: Session[];
  json: string[];
}

export function makeSample(sessions: Session[]): Sample {
  return { sessions, json: sessions.map(sessionToJson) };
}

function batches(json: string[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < json.length; i += BATCH) out.push(Buffer.from(`[${json.slice(i, i + BATCH).join(',')}]`));
  return out;
}

function row(name: string, unit: CodecRow['unit'], sessions: number, input: number, output: number, ms: number,
  note?: string): CodecRow {
  return { name, unit, sessions, inputBytes: input, outputBytes: output, ratio: round4(output / input),
    mbPerSec: Math.round((input / 1e6 / (ms / 1000)) * 10) / 10, ...(note ? { note } : {}) };
}

function timeBatches(name: string, bufs: Buffer[], sessions: number, compress: (b: Buffer) => Uint8Array,
  note?: string): CodecRow {
  let out = 0;
  const start = performance.now();
  for (const b of bufs) out += compress(b).length;
  const ms = performance.now() - start;
  return row(name, 'batch', sessions, bufs.reduce((n, b) => n + b.length, 0), out, ms, note);
}

const brotli = (q: number) => (b: Buffer): Buffer =>
  zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } });

function batchRows(sample: Sample): CodecRow[] {
  const all = batches(sample.json);
  const n = sample.json.length;
  const slow = sample.json.slice(0, Math.min(n, SLOW_SAMPLE));
  return [
    timeBatches('pako deflate 1', all, n, (b) => pako.deflate(b, { level: 1 })),
    timeBatches('pako deflate 6', all, n, (b) => pako.deflate(b, { level: 6 })),
    timeBatches('pako deflate 9', all, n, (b) => pako.deflate(b, { level: 9 })),
    timeBatches('node zlib deflate 6', all, n, (b) => zlib.deflateSync(b, { level: 6 })),
    timeBatches('brotli 5', all, n, brotli(5)),
    timeBatches('brotli 11', batches(slow), slow.length, brotli(11), `first ${slow.length} sessions only (slow)`),
  ];
}

/** Bytes of a value as SQLite stores it: integers in 0-8 bytes by magnitude, text and BLOBs by length. */
export function storedBytes(v: InValue): number {
  if (v === null) return 0;
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return v.byteLength;
  if (typeof v === 'number' || typeof v === 'bigint') return integerBytes(Number(v));
  return Buffer.byteLength(String(v));
}

function integerBytes(n: number): number {
  if (!Number.isInteger(n)) return 8;
  const m = Math.abs(n);
  if (n === 0 || n === 1) return 0;
  return m < 2 ** 7 ? 1 : m < 2 ** 15 ? 2 : m < 2 ** 23 ? 3 : m < 2 ** 31 ? 4 : m < 2 ** 47 ? 6 : 8;
}

/**
 * The product's own encoding, whatever it currently is: the values of a first (full) write of each record, with
 * the files and notes dictionary the sync would train (here from other sessions of the same corpus).
 */
function productRow(sample: Sample, dictionary: Dictionary): CodecRow {
  let out = 0;
  let input = 0;
  const start = performance.now();
  sample.sessions.forEach((s, i) => {
    const raw = Buffer.byteLength(sample.json[i]);
    input += raw;
    const w = planWrite(s, hashText(sample.json[i]), undefined, raw, dictionary);
    out += (w.row ?? []).reduce((n: number, v) => n + storedBytes(v), 0);
  });
  return row('chosen encoding (sync full write)', 'record', sample.sessions.length, input, out,
    performance.now() - start, 'values of a first upload, dictionary from other sessions (before Hrana framing)');
}

/** The three growing columns of a record as the sync frames them, as JSON texts. */
function columnTexts(s: Session): string[] {
  const parts: unknown[] = [s.events.length ? encodeTimeline(s.events) : null, s.files.length ? s.files : null,
    s.notes.length ? s.notes : null];
  return parts.filter((p) => p !== null).map((p) => JSON.stringify(p));
}

function plainBytes(s: Session, json: string): number {
  return Buffer.byteLength(json) - Buffer.byteLength(JSON.stringify([s.events, s.files, s.notes]));
}

function columnarRow(sample: Sample, name: string, dictionary?: Buffer): CodecRow {
  let out = 0;
  let input = 0;
  const start = performance.now();
  sample.sessions.forEach((s, i) => {
    input += Buffer.byteLength(sample.json[i]);
    out += Math.max(0, plainBytes(s, sample.json[i]));
    for (const text of columnTexts(s)) {
      out += FRAME_HEADER + zlib.deflateSync(text, { level: 6, ...(dictionary ? { dictionary } : {}) }).length;
    }
  });
  const note = dictionary ? `${dictionary.length} B dictionary from other generated sessions (measure only)` : undefined;
  return row(name, 'record', sample.sessions.length, input, out, performance.now() - start, note);
}

/**
 * Every row of the table. `training` must be other sessions than the sample, so the dictionary row does not
 * flatter itself by having seen the very records it compresses.
 */
export function codecTable(sample: Sample, training: Session[], opts: { brief?: boolean } = {}): CodecRow[] {
  const product = productRow(sample, { id: 1, bytes: trainDictionary(training.slice(0, SYNC_TRAINING)) });
  // Brief: only the baseline (node's zlib gives pako's bytes, three times faster) and the sync's own encoding.
  if (opts.brief) return [timeBatches('node zlib deflate 6', batches(sample.json), sample.json.length, (b) => zlib.deflateSync(b, { level: 6 })), product];
  const dictionary = buildDictionary(training.flatMap(columnTexts));
  return [
    ...batchRows(sample),
    product,
    columnarRow(sample, 'columnar + zlib 6'),
    columnarRow(sample, 'columnar + zlib 6 + dictionary', dictionary),
  ];
}

const round4 = (n: number): number => Math.round(n * 10_000) / 10_000;
