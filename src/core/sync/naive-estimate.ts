// What the naive approach (sync/naive.ts: whole records as JSON text through @libsql/client's Hrana v2 JSON, one
// INSERT per record, batches of 100) would send for given records, without sending it: the yardstick each run of
// the optimized sync is shown against. Measured on the socket against sqld 0.24, the request for a batch is the
// records' canonical JSON and ids as JSON string literals, plus a fixed part per statement and per batch; the
// constants below reproduce the socket count of real naive runs within 1% (test/unit/sync-server.test.ts).
export const NAIVE_BATCH = 100;
/** Per INSERT: its SQL text, the step, its condition and the argument wrappers. */
export const NAIVE_PER_RECORD = 188;
/** Per request: HTTP request line and headers, BEGIN, COMMIT, ROLLBACK and the pipeline around them. */
export const NAIVE_PER_BATCH = 736;

/** The bytes of one record in naive's request, less the fixed parts: its JSON and id, each as a JSON string. */
export function naiveRecordBytes(id: string, json: string): number {
  return Buffer.byteLength(JSON.stringify(json)) + Buffer.byteLength(JSON.stringify(id)) + NAIVE_PER_RECORD;
}

/** Naive's bytes for `records` records whose naiveRecordBytes sum to `recordBytes`. */
export function naiveBytesFor(records: number, recordBytes: number): number {
  return records === 0 ? 0 : recordBytes + Math.ceil(records / NAIVE_BATCH) * NAIVE_PER_BATCH;
}
