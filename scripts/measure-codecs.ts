// The benchmark's codec table on its own, at any sample size and for any corpus (the bench runs it at the first
// size only): ratio of each encoding to the canonical JSON, and to deflate 6 over batches of 100 whole records.
// Run: node --import tsx scripts/measure-codecs.ts [count=10000] [corpus,...=all] [--brief]
// (--brief: only deflate 6 over batches and the sync's own encoding, the two the 0.6x target compares)
import { CORPUS_NAMES, isCorpusName } from '../src/lab/corpora';
import { corpusSample, trainingSessions } from '../src/lab/bench/corpus';
import { codecTable, makeSample } from '../src/lab/bench/codecs';
import { codecsTable } from '../src/lab/bench/text-report';

const count = Number(process.argv[2] ?? 10_000);
const brief = process.argv.includes('--brief');
const named = process.argv[3]?.startsWith('--') ? undefined : process.argv[3];
const corpora = (named?.split(',') ?? CORPUS_NAMES).filter(isCorpusName);
const rows = corpora.flatMap((corpus) => codecTable(makeSample(corpusSample(count, corpus)),
  trainingSessions(500, corpus, count), { brief }).map((r) => ({ ...r, corpus })));
console.log(codecsTable(rows));
