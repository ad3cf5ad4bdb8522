// Where a session's encoding CPU goes, per session, on one thread: pako.deflate per value against the reused
// Deflater (same bytes), timeline layouts 1, 2 (JSON) and 3 (binary), and the whole planWrite of a first upload.
// Run: node --import tsx scripts/measure-encode.ts [count=2000] [corpus=builtin]
import * as pako from 'pako';
import { deflateSync, inflateSync } from 'node:zlib';
import { canonicalSession, sessionToJson, type Session } from '../src/core/model';
import { trainDictionary } from '../src/core/codec/dictionary';
import { encodeTimeline } from '../src/core/codec/timeline';
import { encodeBinaryTimeline } from '../src/core/codec/timeline-binary';
import { CORPORA, isCorpusName } from '../src/lab/corpora';
import { Deflater } from '../src/core/codec/deflater';
import { planWrite } from '../src/core/sync/delta';

const N = Number(process.argv[2] ?? 2000);
const corpus = process.argv[3] ?? 'builtin';
if (!isCorpusName(corpus)) throw new Error(`unknown corpus ${corpus}`);
const sessions = [...CORPORA[corpus]({ count: N, seed: 'measure-encode', now: Date.UTC(2025, 5, 1) })].map((s) => canonicalSession(s));
const dictionary = trainDictionary(sessions);
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const timelines = sessions.map((s) => bytes(encodeTimeline(s.events)));
const binary = sessions.map((s) => encodeBinaryTimeline(s.events)!.bytes);
/** The version-1 timeline layout (one value per event in every column, null where absent), for comparison. */
const timelinesV1 = sessions.map((s) => {
  const { t, k, f, a, r, d } = decodeColumns(s.events);
  return bytes({ t, k, ...f && { f }, ...a && { a }, ...r && { r }, ...d && { d } });
});
const lists = sessions.flatMap((s) => [bytes(s.files), ...(s.notes.length ? [bytes(s.notes)] : [])]);
const bodies = sessions.map((s) => deflateSync(sessionToJson(s)));

/** CPU microseconds per session of `f` (median of five runs after a warm-up), and the bytes it returned. */
function perSession(label: string, f: () => number): void {
  f();
  const runs: number[] = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = process.cpuUsage(); // CPU time of this thread's work: wall time on a shared machine counts the others too
    size = f();
    const used = process.cpuUsage(t0);
    runs.push((used.user + used.system) / N);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} ${runs[2].toFixed(1).padStart(7)} us/session ${String(size).padStart(10)} B`);
}

function decodeColumns(events: Session['events']) {
  const col = <K extends 'file' | 'added' | 'removed' | 'detail'>(key: K) =>
    events.some((e) => e[key] !== undefined) ? events.map((e) => e[key] ?? null) : undefined;
  let prev = 0;
  const t = events.map((e, i) => { const gap = i === 0 ? e.t : e.t - prev; prev = e.t; return gap; });
  return { t, k: encodeTimeline(events).k, f: col('file'), a: col('added'), r: col('removed'), d: col('detail') };
}

const sum = (f: (b: Uint8Array) => Uint8Array, list: Uint8Array[]) => () => list.reduce((n, b) => n + f(b).length, 0);
const deflater = new Deflater(6);
console.log(`${N} sessions of the ${corpus} corpus, dictionary ${dictionary.length} B`);
const total = (list: Uint8Array[]) => list.reduce((n, b) => n + b.length, 0);
console.log(`timeline before deflate: layout 1 ${total(timelinesV1)} B, layout 2 ${total(timelines)} B, ` +
  `layout 3 ${total(binary)} B`);
perSession('timeline layout 1, reused Deflater', sum((b) => deflater.deflate(b), timelinesV1));
perSession('timeline layout 2, pako.deflate per value', sum((b) => pako.deflate(b, { level: 6 }), timelines));
perSession('timeline layout 2, reused Deflater', sum((b) => deflater.deflate(b), timelines));
const layout3 = (dict?: Uint8Array) => () => sessions.reduce((n, s) => {
  const { bytes, blocks } = encodeBinaryTimeline(s.events)!; // a deflate block ends at each of `blocks`
  const parts = [...blocks.map((end, i) => bytes.subarray(blocks[i - 1] ?? 0, end)), bytes.subarray(blocks.at(-1) ?? 0)];
  return n + deflater.deflateParts(parts, dict).length;
}, 0);
perSession('timeline layout 3: encode + reused Deflater', layout3());
perSession('timeline layout 3: encode + Deflater + dictionary', layout3(dictionary));
perSession('timeline layout 2 with dictionary, reused Deflater', sum((b) => deflater.deflate(b, dictionary), timelines));
perSession('files + notes with dictionary, pako.deflate', sum((b) => pako.deflate(b, { level: 6, dictionary }), lists));
perSession('files + notes with dictionary, reused Deflater', sum((b) => deflater.deflate(b, dictionary), lists));
perSession('read a stored body (inflate + JSON.parse)', () => bodies.reduce((n, b) => n + (JSON.parse(inflateSync(b).toString()) as { id: string }).id.length, 0));
perSession('planWrite, first upload (all of the above)', () => sessions.reduce((n, s) =>
  n + (planWrite(s, 'h', undefined, 0, { id: 1, bytes: dictionary }).row?.length ?? 0), 0));
