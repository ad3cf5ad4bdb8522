/**
 * Adler-32 (RFC 1950, section 9): the check zlib streams end with. Frame version 2 stores raw deflate, so it keeps
 * this check itself: a damaged value must fail to decode, never decode to something else. Python has it as
 * zlib.adler32.
 */
const BASE = 65521;
/** Bytes summed before reducing: 5552 keeps b below 2^32 in C; doubles would allow more, but this is plenty. */
const NMAX = 5552;

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(i + NMAX, bytes.length);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= BASE;
    b %= BASE;
  }
  return (b * 65536 + a) >>> 0;
}
