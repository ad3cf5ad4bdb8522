// How much the preset dictionary saves on the frames it is used for (files, notes) and on the timeline,
// on sessions it was not trained on. Run: node --import tsx scripts/measure-dictionary.ts [sessions]
import { iterateSessions } from '../src/lab/generator';
import { trainDictionary } from '../src/core/codec/dictionary';
import { encodeFrame } from '../src/core/codec/frames';
import { encodeTimeline } from '../src/core/codec/timeline';
import type { Session } from '../src/core/model';

const count = Number(process.argv[2] ?? 2300);
const sessions = [...iterateSessions({ count, seed: 5, now: Date.UTC(2026, 10, 1) })];
const train = sessions.slice(0, 300);
const unseen = sessions.slice(300);
const dict = { id: 1, bytes: trainDictionary(train) };
const fields: [string, (s: Session) => unknown][] = [
  ['files', (s) => s.files], ['notes', (s) => s.notes], ['timeline', (s) => encodeTimeline(s.events)],
];
console.log(`dictionary: ${dict.bytes.length} bytes, trained on ${train.length} sessions, measured on ${unseen.length}`);
for (const [name, field] of fields) {
  let plain = 0;
  let withDict = 0;
  let ms = 0;
  for (const s of unseen) {
    plain += encodeFrame(field(s)).length;
    const t0 = performance.now();
    withDict += encodeFrame(field(s), dict).length;
    ms += performance.now() - t0;
  }
  console.log(`${name.padEnd(8)} deflate ${plain} B, with dictionary ${withDict} B: ` +
    `${((1 - withDict / plain) * 100).toFixed(1)}% smaller (${ms.toFixed(0)} ms with the dictionary)`);
}
