import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * The store's write-ahead journal: an append-only file of checksummed records beside the snapshot
 * (sessions.sqlite), so a change costs the bytes of the change, not a rewrite of the whole database.
 *
 * File layout (all integers little-endian):
 *   header  16 bytes: "SSJ1", u32 format version (1), u64 sequence number
 *   record  u32 payload length, u32 CRC-32 of the payload, payload (UTF-8 JSON, see journal-ops.ts)
 *
 * The sequence number ties a journal to a snapshot: the snapshot's meta `journal_seq` is the first journal it
 * does not contain. A journal with a lower number was already folded into the snapshot and is ignored.
 * A record that is cut short or fails its checksum ends the readable journal (a torn tail from a crash).
 */
export const JOURNAL_FILE = 'sessions.journal';

const MAGIC = Buffer.from('SSJ1');
const FORMAT_VERSION = 1;
export const HEADER_BYTES = 16;
const RECORD_HEAD = 8;
/** A record larger than this is taken as garbage, not as a length to trust. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export class JournalFormatError extends Error {}

export interface JournalScan {
  seq: number;
  /** Payloads of the readable records, in order. */
  records: Buffer[];
  /** Byte offset just past the last good record. */
  goodBytes: number;
  /** Bytes after the last good record (a torn or corrupt tail); 0 when the file is whole. */
  tailBytes: number;
}

export function journalHeader(seq: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(FORMAT_VERSION, 4);
  h.writeBigUInt64LE(BigInt(seq), 8);
  return h;
}

/** One framed record: length, checksum, payload. */
export function frameRecord(payload: Buffer): Buffer {
  const head = Buffer.alloc(RECORD_HEAD);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

/** Reads a journal's bytes; throws JournalFormatError when the header is not ours (a foreign or newer file). */
export function scanJournal(bytes: Buffer): JournalScan {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw new JournalFormatError('not a Session Sync journal (bad header)');
  }
  const version = bytes.readUInt32LE(4);
  if (version !== FORMAT_VERSION) {
    throw new JournalFormatError(`journal format ${version} is newer than this Session Sync understands (${FORMAT_VERSION})`);
  }
  const seq = Number(bytes.readBigUInt64LE(8));
  const records: Buffer[] = [];
  let at = HEADER_BYTES;
  while (at + RECORD_HEAD <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    const sum = bytes.readUInt32LE(at + 4);
    const end = at + RECORD_HEAD + length;
    if (length > MAX_RECORD_BYTES || end > bytes.length) break;
    const payload = bytes.subarray(at + RECORD_HEAD, end);
    if (crc32(payload) !== sum) break;
    records.push(payload);
    at = end;
  }
  return { seq, records, goodBytes: at, tailBytes: bytes.length - at };
}

/**
 * The open journal of the owning process: records are queued in memory and written together
 * (group commit) by `commit()`, one append and one fdatasync for everything queued since the last one.
 */
export class JournalWriter {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes appended to this file over its life (header included), for compaction decisions and metrics. */
  private size: number;

  private constructor(readonly file: string, readonly seq: number, private fd: number, size: number) {
    this.size = size;
  }

  /** Creates (or replaces) the journal file with an empty journal of sequence `seq`, durably. */
  static create(file: string, seq: number): JournalWriter {
    const tmp = `${file}.new`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, journalHeader(seq));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return JournalWriter.append(file, seq, HEADER_BYTES);
  }

  /** Opens an existing journal for appending, after cutting anything past `goodBytes` (a torn tail). */
  static append(file: string, seq: number, goodBytes: number): JournalWriter {
    const fd = fs.openSync(file, 'r+');
    if (fs.fstatSync(fd).size !== goodBytes) {
      fs.ftruncateSync(fd, goodBytes);
      fs.fsyncSync(fd);
    }
    return new JournalWriter(file, seq, fd, goodBytes);
  }

  get bytes(): number {
    return this.size + this.queuedBytes;
  }

  get hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /** Takes the queued records out (framed), for a compaction that makes them redundant once it succeeds. */
  takeQueued(): Buffer[] {
    const taken = this.queue;
    this.discardQueue();
    return taken;
  }

  /** Puts framed records back in front of the queue (a compaction that failed). */
  requeue(framed: Buffer[]): void {
    this.queue.unshift(...framed);
    this.queuedBytes += framed.reduce((n, b) => n + b.length, 0);
  }

  enqueue(payload: Buffer): void {
    const framed = frameRecord(payload);
    this.queue.push(framed);
    this.queuedBytes += framed.length;
  }

  /** Writes every queued record and syncs the file; returns the bytes written. */
  async commit(): Promise<number> {
    if (!this.queue.length) return 0;
    const data = this.takeQueue();
    try {
      await writeAll(this.fd, data, this.size);
      await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      // Keep the records for the next try: writes are positional, so a partial one is simply overwritten.
      this.queue.unshift(data);
      this.queuedBytes += data.length;
      throw err;
    }
    this.size += data.length;
    return data.length;
  }

  /** Drops queued records (they are in a snapshot now, or must not be written at all). */
  discardQueue(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private takeQueue(): Buffer {
    const data = Buffer.concat(this.queue);
    this.discardQueue();
    return data;
  }
}

function writeAll(fd: number, data: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number) => {
      if (done >= data.length) return resolve();
      fs.write(fd, data, done, data.length - done, position + done, (err, n) => (err ? reject(err) : step(done + n)));
    };
    step(0);
  });
}
