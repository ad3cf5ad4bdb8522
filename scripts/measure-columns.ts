// What each column of a session's remote row costs, per session, as SQLite stores it (integers in 0-8 bytes by
// magnitude, text and BLOBs by length), on a first upload with the sync's own encoding and a dictionary trained
// on other sessions of the same corpus; and what the plain columns would cost in more compact forms.
// Run: node --import tsx scripts/measure-columns.ts [count=2000] [corpus,...=all]
import type { InValue } from '@libsql/client';
import { CORPUS_NAMES, isCorpusName } from '../src/lab/corpora';
import { corpusSample, trainingSessions } from '../src/lab/bench/corpus';
import { trainDictionary } from '../src/core/codec/dictionary';
import { planWrite } from '../src/core/sync/delta';
import { SESSIONS_COLUMNS } from '../src/core/remote/sessions-table';
import { sessionToJson } from '../src/core/model';
import { hashText } from '../src/core/hash';
import { storedBytes } from '../src/lab/bench/codecs';

const count = Number(process.argv[2] ?? 2000);
const corpora = (process.argv[3]?.split(',') ?? CORPUS_NAMES).filter(isCorpusName);

for (const corpus of corpora) {
  const sessions = corpusSample(count, corpus);
  const dictionary = { id: 1, bytes: trainDictionary(trainingSessions(300, corpus, count)) };
  const perColumn = new Map<string, number>();
  let compactLanguages = 0;
  for (const s of sessions) {
    const json = sessionToJson(s);
    const row = planWrite(s, hashText(json), undefined, json.length, dictionary).row as InValue[];
    row.forEach((v, i) => perColumn.set(SESSIONS_COLUMNS[i], (perColumn.get(SESSIONS_COLUMNS[i]) ?? 0) + storedBytes(v)));
    // The same counts as "lang:n lang:n": what the JSON's quotes, braces and colons add.
    compactLanguages += Object.entries(s.languages).map(([k, n]) => `${k}:${n}`).join(' ').length;
  }
  const total = [...perColumn.values()].reduce((a, b) => a + b, 0);
  console.log(`${corpus}, ${count} sessions: ${(total / count).toFixed(1)} B per session stored`);
  for (const [col, bytes] of perColumn) {
    console.log(`  ${col.padEnd(14)} ${(bytes / count).toFixed(1).padStart(8)} B  ${((100 * bytes) / total).toFixed(1).padStart(5)}%`);
  }
  console.log(`  content_hash as a 16-byte BLOB instead of 32 hex characters: -16.0 B (${((1600 * count) / total).toFixed(1)}%)`);
  const langs = perColumn.get('languages') ?? 0;
  console.log(`  languages as "lang:n ..." text instead of JSON: -${((langs - compactLanguages) / count).toFixed(1)} B ` +
    `(${((100 * (langs - compactLanguages)) / total).toFixed(1)}%), but json_each() no longer reads it`);
}
