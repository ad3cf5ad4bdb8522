import { createHash } from 'node:crypto';
import { Session, sessionToJson } from './model';

/** Content hash of a string (or bytes): 128 bits of SHA-256, hex. Enough to tell "changed" from "unchanged". */
export function hashText(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The `sync_status.last_sync_hash` of a session: a hash of its canonical JSON. */
export function sessionHash(s: Session): string {
  return hashText(sessionToJson(s));
}
