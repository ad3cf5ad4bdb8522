import type { Session } from '../model';

/**
 * Trains a zlib preset dictionary from the user's own sessions: the file paths and note phrases that recur
 * most, written as they appear in the JSON of the files and notes frames, and the task, debug and terminal
 * names of the timeline, as they appear in its layout-3 bytes. Those values are short, so plain deflate finds
 * little to reuse inside one of them; with the dictionary they shrink by about two thirds (measured on generated
 * sessions, see docs/remote-schema.md). 32 KB is all deflate can reach back; dictionaries trained by earlier
 * builds (16 KB, no names) stay valid, as every frame names its dictionary.
 */
export const DICTIONARY_BYTES = 32 * 1024;
/** Room for timeline detail names: a few hundred distinct names in practice. */
const DETAIL_BYTES = 2048;

function topByCount(counts: Map<string, number>, budget: number): string[] {
  const ranked = [...counts].filter(([, n]) => n > 1).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const picked: string[] = [];
  let used = 0;
  for (const [text] of ranked) {
    if (used + text.length > budget) continue;
    picked.push(text);
    used += text.length;
  }
  return picked;
}

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Paths are counted and the most frequent kept; notes are free text whose habits (phrasing, structure,
 * names) repeat more than whole sentences do, so a sample of recent notes as they are serves better
 * (measured: 64% smaller notes frames with samples, 46% with the most frequent sentences).
 */
export function trainDictionary(sessions: Iterable<Session>, maxBytes = DICTIONARY_BYTES): Uint8Array {
  const paths = new Map<string, number>();
  const details = new Map<string, number>();
  const noteSamples: string[] = [];
  for (const s of sessions) {
    for (const f of s.files) count(paths, `${JSON.stringify(f)},`);
    for (const e of s.events) if (e.detail !== undefined) count(details, e.detail);
    if (s.notes.length) noteSamples.push(JSON.stringify(s.notes.slice(0, 2)).slice(0, 600));
  }
  const detailPart = topByCount(details, Math.min(DETAIL_BYTES, maxBytes / 8)).reverse().join('');
  const pathPart = topByCount(paths, Math.floor(maxBytes / 2)).reverse().join('');
  let notePart = '';
  for (const sample of noteSamples) {
    if (notePart.length + sample.length > maxBytes - pathPart.length - detailPart.length) break;
    notePart += sample;
  }
  // zlib reaches back 32 KB and nearer matches cost fewer bits: the most frequent paths and names go last.
  return new TextEncoder().encode((notePart + pathPart + detailPart).slice(-maxBytes));
}
