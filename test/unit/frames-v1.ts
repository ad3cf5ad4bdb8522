// Frames as releases before frame version 2 wrote them (8-byte header, zlib streams), built independently of the
// product's encoder so the tests prove such stored values still decode.
import * as pako from 'pako';

const MIN_COMPRESS = 64;

/** A version-1 frame of `value`'s JSON (or of `bytes`, with codec bit 7), as an earlier release would write it. */
export function frameV1(value: unknown, dict?: { id: number; bytes: Uint8Array }, bytes?: Uint8Array): Uint8Array {
  const content = bytes ?? new TextEncoder().encode(JSON.stringify(value));
  let codec = 0;
  let payload = content;
  if (content.length >= MIN_COMPRESS || dict) {
    const deflated = pako.deflate(content, dict ? { level: 6, dictionary: dict.bytes } : { level: 6 });
    if (deflated.length < content.length) [codec, payload] = [dict ? 2 : 1, deflated];
  }
  const frame = new Uint8Array(8 + payload.length);
  frame.set([0x53, 1, codec | (bytes ? 0x80 : 0), codec === 2 ? dict!.id : 0]);
  new DataView(frame.buffer).setUint32(4, payload.length);
  frame.set(payload, 8);
  return frame;
}
