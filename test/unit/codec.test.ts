// The remote's value encoding: self-describing frames (plain, zlib, zlib with a preset dictionary) and the
// columnar event timeline.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inflateRawSync, inflateSync } from 'node:zlib';
import * as pako from 'pako';
import {
  CODEC_BINARY, CODEC_DEFLATE, CODEC_DEFLATE_DICT, CODEC_NONE, FRAME_MAGIC, FRAME_VERSION, FrameError, concatBytes,
  decodeFrames, encodeBinaryFrame, encodeFrame,
} from '../../src/core/codec/frames';
import { frameV1 } from './frames-v1';
import { decodeBinaryTimeline, decodeTimelineChunk, encodeBinaryTimeline } from '../../src/core/codec/timeline-binary';
import { iterateWildSessions } from '../../src/lab/generator-wild';
import { DICTIONARY_BYTES, trainDictionary } from '../../src/core/codec/dictionary';
import { Deflater } from '../../src/core/codec/deflater';
import { decodeTimeline, encodeTimeline, type TimelineColumns } from '../../src/core/codec/timeline';
import { canonicalSession, type SessionEvent } from '../../src/core/model';
import { generateSessions } from '../../src/lab/generator';

const NOW = Date.UTC(2025, 5, 1, 12);
const WHAT = 'Remote session gen-1-000042, column events';
/** A version-2 frame's payload, read as docs/remote-schema.md says: dictionary byte for codecs 2 and 4, varint length. */
function payloadOf(frame: Uint8Array): Uint8Array {
  let at = [2, 4].includes(frame[2] & 0x7f) ? 4 : 3;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const b = frame[at++];
    length |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  assert.equal(frame.length, at + length, 'one frame, its length as the header says');
  return frame.subarray(at);
}
/** Adler-32 of `content` as zlib computes it: the last 4 bytes of a zlib stream. */
const zlibAdler = (content: Uint8Array | string): Buffer => Buffer.from(pako.deflate(content).subarray(-4));

const bigValue = { files: Array.from({ length: 200 }, (_, i) => `src/components/Widget${i % 17}.tsx`) };

describe('frames', () => {
  test('a small value is stored plain and round-trips', () => {
    const value = ['a.ts'];
    const frame = encodeFrame(value);
    assert.equal(frame[0], FRAME_MAGIC);
    assert.equal(frame[1], FRAME_VERSION);
    assert.equal(frame[2], CODEC_NONE);
    assert.equal(new TextDecoder().decode(payloadOf(frame)), JSON.stringify(value));
    assert.equal(frame.length, 4 + JSON.stringify(value).length, '4 header bytes');
    assert.deepEqual(decodeFrames(frame, WHAT), [value]);
  });

  test('a large value is compressed, much smaller than its JSON, and round-trips', () => {
    const frame = encodeFrame(bigValue);
    assert.equal(frame[2], CODEC_DEFLATE);
    payloadOf(frame);
    assert.ok(frame.length < JSON.stringify(bigValue).length / 4, `${frame.length} bytes`);
    assert.deepEqual(decodeFrames(frame, WHAT), [bigValue]);
  });

  test('any zlib reads a compressed frame: raw inflate of the payload but its last 4 bytes, the Adler-32', () => {
    const payload = payloadOf(encodeFrame(bigValue));
    const json = inflateRawSync(payload.subarray(0, -4)).toString('utf8');
    assert.deepEqual(JSON.parse(json), bigValue);
    assert.deepEqual(Buffer.from(payload.subarray(-4)), zlibAdler(json));
  });

  test('frames earlier releases wrote (version 1: plain, zlib, zlib with a dictionary, binary) still decode', () => {
    const dict = { id: 3, bytes: new TextEncoder().encode(JSON.stringify(bigValue)) };
    const dicts = new Map([[3, dict.bytes]]);
    const bytes = new Uint8Array(100).fill(3);
    const old = [frameV1(['a.ts']), frameV1(bigValue), frameV1(bigValue, dict), frameV1(null, dict, bytes)];
    assert.deepEqual(old.map((f) => f[2]), [0, 1, 2, 0x82]);
    const expected = [['a.ts'], bigValue, bigValue, bytes];
    assert.deepEqual(decodeFrames(concatBytes(old), WHAT, dicts), expected);
    // A value an earlier release wrote, extended by this one: version-1 frames, then version-2 ones.
    const extended = concatBytes([...old, encodeFrame(['b.ts']), encodeFrame(bigValue, dict)]);
    assert.deepEqual(decodeFrames(extended, WHAT, dicts), [...expected, ['b.ts'], bigValue]);
  });

  test('a compressed frame costs 8 or 9 bytes less than version 1 gave for the same value', () => {
    const dict = { id: 1, bytes: new TextEncoder().encode(JSON.stringify(bigValue).slice(0, 400)) };
    for (const [value, d] of [[bigValue, undefined], [bigValue, dict], [bigValue.files.slice(0, 9), dict]] as const) {
      const [v1, v2] = [frameV1(value, d), encodeFrame(value, d)];
      assert.equal(v2[2], d ? CODEC_DEFLATE_DICT : CODEC_DEFLATE);
      // v1: 8 header + 2 zlib header (+ 4 dictionary id) + 4 Adler-32; v2: 3 or 4 header + 1-2 length + 4 Adler-32.
      assert.ok(v2.length <= v1.length - (d ? 8 : 4) && v2.length >= v1.length - (d ? 9 : 5), `${v2.length} B vs ${v1.length} B`);
    }
  });

  test('a single bit flipped in a compressed payload is an error, never another value', () => {
    const dict = { id: 1, bytes: new TextEncoder().encode(JSON.stringify(bigValue).slice(0, 400)) };
    const dicts = new Map([[1, dict.bytes]]);
    for (const value of [bigValue.files.slice(0, 30), bigValue.files.slice(5, 40)]) {
      const frame = encodeFrame(value, value[0] === bigValue.files[0] ? undefined : dict);
      const start = frame.length - payloadOf(frame).length;
      let unchanged = 0;
      for (let bit = start * 8; bit < frame.length * 8; bit++) {
        const bad = frame.slice();
        bad[bit >> 3] ^= 0x80 >> (bit & 7);
        try {
          assert.deepEqual(decodeFrames(bad, WHAT, dicts), [value], `bit ${bit} of ${frame.length * 8}`);
          unchanged++; // the padding after the deflate stream's last code: no inflater reads it
        } catch (err) {
          assert.ok(err instanceof FrameError, `bit ${bit}: ${(err as Error).message}`);
        }
      }
      assert.ok(unchanged < 8, `${unchanged} flips gave the same value`);
    }
  });

  test('concatenated frames decode in order; null and empty decode to nothing', () => {
    const values = [[1, 2, 3], bigValue, 'x', { n: null }];
    const joined = concatBytes(values.map((v) => encodeFrame(v)));
    assert.deepEqual(decodeFrames(joined, WHAT), values);
    assert.deepEqual(decodeFrames(joined.buffer.slice(0) as ArrayBuffer, WHAT), values, 'an ArrayBuffer works too');
    assert.deepEqual(decodeFrames(null, WHAT), []);
    assert.deepEqual(decodeFrames(new Uint8Array(0), WHAT), []);
  });

  /** The failure must be a FrameError that names the record and column, so a user can find the bad row. */
  function assertFrameError(bytes: Uint8Array, detail: RegExp): void {
    assert.throws(() => decodeFrames(bytes, WHAT), (err: Error) => {
      assert.ok(err instanceof FrameError, `expected FrameError, got ${err.constructor.name}: ${err.message}`);
      assert.ok(err.message.startsWith(WHAT), err.message);
      assert.match(err.message, detail);
      return true;
    });
  }

  test('a truncated value is a FrameError naming the record and column', () => {
    const frame = encodeFrame(bigValue);
    assertFrameError(frame.subarray(0, frame.length - 5), /truncated/);
    assertFrameError(frame.subarray(0, 3), /header/);
    const two = concatBytes([encodeFrame([1]), frame]);
    assertFrameError(two.subarray(0, two.length - 1), /truncated/);
  });

  test('bad magic, a newer frame version and an unknown codec are FrameErrors', () => {
    const frame = encodeFrame(bigValue);
    assertFrameError(Uint8Array.from([0x00, 0x11, 0x22, 0x33]), /not a Session Sync value/);
    const magic = frame.slice();
    magic[0] = 0x54;
    assertFrameError(magic, /not a Session Sync value/);
    const version = frame.slice();
    version[1] = 9;
    assertFrameError(version, /version 9/);
    const codec = frame.slice();
    codec[2] = 7;
    assertFrameError(codec, /unknown codec 7/);
  });

  test('corrupt deflate data is a FrameError', () => {
    const frame = encodeFrame(bigValue);
    const flipped = frame.slice();
    flipped[flipped.length - 3] ^= 0xff; // breaks the Adler-32 check at least
    assertFrameError(flipped, /corrupt/);
    const garbage = frame.slice();
    for (let i = 10; i < garbage.length; i++) garbage[i] ^= 0x5a;
    assertFrameError(garbage, /corrupt/);
    // A byte between the deflate stream's end and the check: the stream must end exactly where the check starts.
    const payload = payloadOf(frame);
    const padded = concatBytes([payload.subarray(0, -4), new Uint8Array([0]), payload.subarray(-4)]);
    assert.ok(padded.length < 128 * 128);
    const header = [FRAME_MAGIC, FRAME_VERSION, CODEC_DEFLATE, (padded.length & 0x7f) | 0x80, padded.length >> 7];
    assertFrameError(concatBytes([new Uint8Array(header), padded]), /corrupt \(bytes after the deflate stream\)/);
  });

  test('a payload that is not JSON is a FrameError naming the record and column',
    () => {
      const notJson = new TextEncoder().encode('{oops');
      const frame = new Uint8Array(8 + notJson.length);
      frame.set([FRAME_MAGIC, 1, CODEC_NONE, 0]);
      new DataView(frame.buffer).setUint32(4, notJson.length);
      frame.set(notJson, 8);
      assertFrameError(frame, /JSON|corrupt/i);
    });
});

describe('timeline columns', () => {
  const sessions = generateSessions({ count: 60, seed: 'codec', now: NOW });

  test('events round-trip exactly through columns and a frame', () => {
    for (const s of sessions) {
      const events = canonicalSession(s).events;
      const cols = encodeTimeline(events);
      assert.equal(cols.k.length, events.length);
      assert.deepEqual(decodeTimeline(cols, s.id), events, s.id);
      const [back] = decodeFrames(encodeFrame(cols), s.id);
      assert.deepEqual(decodeTimeline(back as typeof cols, s.id), events, `${s.id} through a frame`);
    }
  });

  test('a timeline split in two appended frames decodes to the whole', () => {
    const events = canonicalSession(sessions.find((s) => s.events.length > 10)!).events;
    const cut = Math.floor(events.length / 2);
    const value = concatBytes([encodeFrame(encodeTimeline(events.slice(0, cut))),
      encodeFrame(encodeTimeline(events.slice(cut)))]);
    const decoded = decodeFrames(value, WHAT).flatMap((c) => decodeTimeline(c as ReturnType<typeof encodeTimeline>, WHAT));
    assert.deepEqual(decoded, events);
  });

  test('columns are smaller than the events as objects', () => {
    const events = sessions.flatMap((s) => s.events);
    assert.ok(encodeFrame(encodeTimeline(events)).length < encodeFrame(events).length * 0.8);
  });

  test('optional fields absent everywhere leave no column; empty timelines work', () => {
    const cols = encodeTimeline([{ t: 5, kind: 'blur' }, { t: 9, kind: 'note' }]);
    assert.deepEqual(cols, { v: 2, t: [5, 4], k: 'bn' });
    assert.deepEqual(decodeTimeline(encodeTimeline([]), WHAT), []);
  });

  test('values are listed only for events that have them; events unlike their kind are named in x', () => {
    const events: SessionEvent[] = [
      { t: 100, kind: 'edit', file: 0, added: 3, removed: 1 },
      { t: 110, kind: 'focus' }, // a focus usually names a file
      { t: 120, kind: 'task', detail: 'build' },
      { t: 130, kind: 'edit', file: 1, added: 0, removed: 2, detail: 'odd' },
    ];
    const cols = encodeTimeline(events);
    assert.deepEqual(cols, { v: 2, t: [100, 10, 10, 10], k: 'efke', f: [0, 1], a: [3, 0], r: [1, 2],
      d: ['build', 'odd'], x: [[1, 0], [3, 15]] });
    assert.deepEqual(decodeTimeline(cols, WHAT), events);
  });

  test('version 1 chunks (one value per event, null where absent) written by earlier releases still decode', () => {
    const v1 = { t: [100, 10, 10], k: 'efk', f: [0, null, null], a: [3, null, null], r: [1, null, null],
      d: [null, null, 'build'] };
    const events: SessionEvent[] = [{ t: 100, kind: 'edit', file: 0, added: 3, removed: 1 },
      { t: 110, kind: 'focus' }, { t: 120, kind: 'task', detail: 'build' }];
    assert.deepEqual(decodeTimeline(v1, WHAT), events);
    // A value an earlier release wrote, then extended by this one: one chunk of each layout.
    const later: SessionEvent[] = [{ t: 130, kind: 'save', file: 0 }];
    const value = concatBytes([encodeFrame(v1), encodeFrame(encodeTimeline(later))]);
    const decoded = decodeFrames(value, WHAT).flatMap((c) => decodeTimeline(c as TimelineColumns, WHAT));
    assert.deepEqual(decoded, [...events, ...later]);
  });

  test('a version 2 chunk whose columns do not match its events is malformed, a newer version is named', () => {
    const good = encodeTimeline([{ t: 1, kind: 'edit', file: 0, added: 1, removed: 1 }]);
    const malformed = new RegExp(`${WHAT}: timeline frame is malformed`);
    assert.throws(() => decodeTimeline({ ...good, f: [] }, WHAT), malformed);
    assert.throws(() => decodeTimeline({ ...good, a: [1, 2] }, WHAT), malformed);
    assert.throws(() => decodeTimeline({ ...good, x: [[0, 99]] }, WHAT), malformed);
    assert.throws(() => decodeTimeline({ ...good, v: 3 as 2 }, WHAT), /timeline version 3 is newer/);
  });

  test('malformed columns and unknown kind letters are reported with the record name', () => {
    assert.throws(() => decodeTimeline({ t: [1, 2], k: 'e' }, WHAT), new RegExp(`${WHAT}: timeline frame is malformed`));
    assert.throws(() => decodeTimeline({ t: [1], k: 'Z' }, WHAT), /unknown event kind letter "Z"/);
  });
});

describe('preset dictionary', () => {
  const sessions = generateSessions({ count: 400, seed: 3, now: NOW });
  const dict = { id: 1, bytes: trainDictionary(sessions.slice(0, 200)) };
  const unseen = sessions.slice(200);

  test('files and notes of unseen sessions compress far better with the trained dictionary', () => {
    let plain = 0;
    let withDict = 0;
    for (const s of unseen) {
      for (const v of [s.files, s.notes]) {
        plain += encodeFrame(v).length;
        withDict += encodeFrame(v, dict).length;
      }
    }
    assert.ok(dict.bytes.length > 4096 && dict.bytes.length <= DICTIONARY_BYTES, `${dict.bytes.length} bytes`);
    assert.ok(withDict < plain * 0.6, `${withDict} bytes with the dictionary, ${plain} without`);
  });

  test('a dictionary frame names its dictionary, round-trips with it, and any zlib reads it with the same bytes', () => {
    const frame = encodeFrame(unseen[0].files, dict);
    assert.equal(frame[2], CODEC_DEFLATE_DICT);
    assert.equal(frame[3], 1);
    assert.deepEqual(decodeFrames(frame, WHAT, new Map([[1, dict.bytes]])), [unseen[0].files]);
    const payload = payloadOf(frame);
    const json = inflateRawSync(payload.subarray(0, -4), { dictionary: Buffer.from(dict.bytes) }).toString('utf8');
    assert.deepEqual(JSON.parse(json), unseen[0].files);
    assert.deepEqual(Buffer.from(payload.subarray(-4)), zlibAdler(json));
  });

  test('without its dictionary a frame fails with a message naming the record and the dictionary', () => {
    const frame = encodeFrame(unseen[0].files, dict);
    assert.throws(() => decodeFrames(frame, WHAT), (err: Error) =>
      err instanceof FrameError && err.message.includes(WHAT) && /dictionary 1/.test(err.message));
  });
});

describe('reused deflate stream', () => {
  // The Deflater copies back the state pako leaves after setting a dictionary instead of redoing it; any drift
  // from pako's own output (a pako upgrade that keeps more state) must show here, not as unreadable values.
  const sessions = generateSessions({ count: 120, seed: 11, now: NOW });
  const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const dictA = trainDictionary(sessions.slice(0, 60));
  const dictB = trainDictionary(sessions.slice(60), 2048);

  for (const raw of [false, true]) {
    const name = raw ? 'pako.deflateRaw (frame version 2)' : 'pako.deflate';
    test(`gives byte for byte what ${name} gives, with, without and switching dictionaries`, () => {
      const deflater = new Deflater(6, raw);
      const reference = raw ? pako.deflateRaw : pako.deflate;
      let compared = 0;
      sessions.forEach((s, i) => {
        const dictionary = [dictA, undefined, dictB, new Uint8Array(dictA)][i % 4];
        for (const input of [encode(s.files), encode(s.notes), encode(encodeTimeline(s.events)), new Uint8Array(0)]) {
          const expected = reference(input, dictionary ? { level: 6, dictionary } : { level: 6 });
          assert.deepEqual(deflater.deflate(input, dictionary), expected, `session ${i}, ${input.length} bytes`);
          compared++;
        }
      });
      assert.equal(compared, 480);
    });
  }

  test('its output inflates with node:zlib, also after a dictionary was copied back many times', () => {
    const deflater = new Deflater(6);
    for (const s of sessions) deflater.deflate(encode(s.notes), dictA);
    const last = sessions[sessions.length - 1];
    const out = deflater.deflate(encode(last.files), dictA);
    const back = inflateSync(out, { dictionary: Buffer.from(dictA) }).toString('utf8');
    assert.deepEqual(JSON.parse(back), last.files);
  });
});

describe('timeline layout 3 (binary columns)', () => {
  const builtin = generateSessions({ count: 60, seed: 'codec', now: NOW }).map((s) => canonicalSession(s));
  const wild = [...iterateWildSessions({ count: 60, seed: 'codec', now: NOW })].map((s) => canonicalSession(s));
  const dict = { id: 7, bytes: trainDictionary([...builtin, ...wild].slice(0, 40)) };
  const dicts = new Map([[7, dict.bytes]]);
  const binaryFrame = (events: SessionEvent[], d?: typeof dict) => {
    const { bytes, blocks } = encodeBinaryTimeline(events)!;
    return encodeBinaryFrame(bytes, d, blocks);
  };
  const throughFrame = (events: SessionEvent[], d?: typeof dict) =>
    decodeFrames(binaryFrame(events, d), WHAT, dicts).flatMap((c) => decodeTimelineChunk(c, WHAT));

  test('events of both corpora round-trip exactly, with and without the dictionary', () => {
    for (const s of [...builtin, ...wild]) {
      assert.deepEqual(decodeBinaryTimeline(encodeBinaryTimeline(s.events)!.bytes, s.id), s.events, s.id);
      assert.deepEqual(throughFrame(s.events), s.events, `${s.id} through a frame`);
      assert.deepEqual(throughFrame(s.events, dict), s.events, `${s.id} through a frame with the dictionary`);
    }
  });

  test('is smaller under deflate than layout 2 on both corpora', () => {
    for (const [name, sessions] of [['builtin', builtin], ['wild', wild]] as const) {
      const json = sessions.reduce((n, s) => n + encodeFrame(encodeTimeline(s.events)).length, 0);
      const binary = sessions.reduce((n, s) => n + binaryFrame(s.events).length, 0);
      assert.ok(binary < json * 0.9, `${name}: ${binary} B binary vs ${json} B JSON`);
    }
  });

  test('a long timeline gives each column a deflate block: fewer bytes than one block on both corpora', () => {
    for (const [name, sessions] of [['builtin', builtin], ['wild', wild]] as const) {
      const long = sessions.filter((s) => encodeBinaryTimeline(s.events)!.blocks.length > 1);
      assert.ok(long.length >= 5, `${name}: ${long.length} sessions with column blocks (the round trip covers them)`);
      const oneBlock = long.reduce((n, s) => {
        const { bytes, bitsAt } = encodeBinaryTimeline(s.events)!;
        return n + encodeBinaryFrame(bytes, dict, [bitsAt]).length;
      }, 0);
      const columns = long.reduce((n, s) => n + binaryFrame(s.events, dict).length, 0);
      assert.ok(columns < oneBlock * 0.98, `${name}: ${columns} B in column blocks vs ${oneBlock} B in one`);
    }
  });

  test('negative gaps and sizes, exceptions, long details and empty timelines survive', () => {
    const events: SessionEvent[] = [
      { t: -5, kind: 'edit', file: 0, added: -3, removed: 1 },
      { t: -50, kind: 'focus' },
      { t: 2 ** 50, kind: 'task', detail: 'é'.repeat(300) },
      { t: 2 ** 50 + 1, kind: 'edit', file: 1, added: 0, removed: -2, detail: 'odd' },
      { t: 2 ** 50 + 2, kind: 'note' },
    ];
    assert.deepEqual(throughFrame(events), events);
    assert.deepEqual(decodeBinaryTimeline(encodeBinaryTimeline([])!.bytes, WHAT), []);
  });

  test('values a double cannot zigzag exactly are left to layout 2', () => {
    assert.equal(encodeBinaryTimeline([{ t: 0, kind: 'edit', file: 0, added: -(2 ** 53 - 1), removed: 0 }]), undefined);
  });

  test('a value written by earlier releases (layouts 1 and 2) and extended by this one decodes whole', () => {
    const [a, b, c] = [builtin[1].events.slice(0, 5), builtin[1].events.slice(5, 9), builtin[1].events.slice(9)];
    const v1 = { t: a.map((e, i) => (i ? e.t - a[i - 1].t : e.t)), k: encodeTimeline(a).k,
      f: a.map((e) => e.file ?? null), a: a.map((e) => e.added ?? null), r: a.map((e) => e.removed ?? null) };
    const value = concatBytes([encodeFrame(v1), encodeFrame(encodeTimeline(b)), binaryFrame(c, dict)]);
    assert.deepEqual(decodeFrames(value, WHAT, dicts).flatMap((chunk) => decodeTimelineChunk(chunk, WHAT)), builtin[1].events);
  });

  test('truncated or foreign bytes, unknown kinds and newer layouts fail with the record name', () => {
    const good = encodeBinaryTimeline(builtin[2].events)!.bytes;
    const malformed = new RegExp(`${WHAT}: timeline frame is malformed`);
    assert.throws(() => decodeBinaryTimeline(good.subarray(0, good.length - 1), WHAT), malformed);
    assert.throws(() => decodeBinaryTimeline(concatBytes([good, new Uint8Array([0])]), WHAT), malformed);
    assert.throws(() => decodeBinaryTimeline(new Uint8Array([4, 0, 0]), WHAT), /timeline version 4 is newer/);
    assert.throws(() => decodeBinaryTimeline(new Uint8Array([3, 0, 1, 5, 42]), WHAT), /unknown event kind code 42/);
    const frame = encodeBinaryFrame(good);
    frame[2] = CODEC_BINARY | 9;
    assert.throws(() => decodeFrames(frame, WHAT), /unknown codec 9/);
  });
});

describe('deflate in parts', () => {
  test('parts inflate to their concatenation, and near-random bits in a block of their own cost about their size', () => {
    const text = new TextEncoder().encode('edit save edit focus '.repeat(200));
    const noise = new Uint8Array(randomBytes(3000));
    const deflater = new Deflater(6);
    const parts = deflater.deflateParts([text, noise]).slice();
    assert.deepEqual(inflateSync(parts), Buffer.concat([text, noise]));
    const textAlone = deflater.deflate(text).length;
    assert.ok(parts.length <= textAlone + noise.length + 16, `${parts.length} B for ${textAlone} + ${noise.length}`);
  });
});
