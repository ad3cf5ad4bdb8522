import type { Session, SessionEvent, SessionNote } from '../model';

/**
 * What changed between two versions of one session, small enough to journal once a second while the user
 * types: the scalar fields that differ, and for each list the index of its first changed element plus
 * everything from there on. A growing session (new events, the last edit burst growing) costs bytes in
 * proportion to what changed, never to the length of its timeline.
 */
export interface SessionPatch {
  id: string;
  /** updatedAt of the version the patch applies to: replay checks it. */
  base: number;
  set?: Partial<Record<ScalarKey, unknown>>;
  lists?: Partial<Record<ListKey, [from: number, items: unknown[]]>>;
}

type ListKey = 'files' | 'events' | 'notes';
type ScalarKey = Exclude<keyof Session, ListKey | 'id'>;

const LIST_KEYS: ListKey[] = ['files', 'events', 'notes'];
const SCALAR_KEYS: ScalarKey[] = ['workspace', 'branch', 'startedAt', 'endedAt', 'activeMs', 'languages', 'edits',
  'charsAdded', 'charsRemoved', 'updatedAt'];

export class PatchMismatchError extends Error {}

/** The patch that turns `prev` into `next` (same id). */
export function diffSession(prev: Session, next: Session): SessionPatch {
  const patch: SessionPatch = { id: next.id, base: prev.updatedAt };
  for (const k of SCALAR_KEYS) {
    if (!sameValue(prev[k], next[k])) (patch.set ??= {})[k] = next[k];
  }
  for (const k of LIST_KEYS) {
    const from = firstDifference(prev[k] as unknown[], next[k] as unknown[]);
    if (from < 0) continue;
    (patch.lists ??= {})[k] = [from, (next[k] as unknown[]).slice(from)];
  }
  return patch;
}

/** `base` with `patch` applied, as a new object (`base` is not changed). */
export function applyPatch(base: Session, patch: SessionPatch): Session {
  if (base.id !== patch.id || base.updatedAt !== patch.base) {
    throw new PatchMismatchError(`journal patch for ${patch.id} expects version ${patch.base}, the store has ${base.updatedAt}`);
  }
  const out = { ...base, ...(patch.set as Partial<Session>) };
  for (const [k, [from, items]] of Object.entries(patch.lists ?? {}) as [ListKey, [number, unknown[]]][]) {
    out[k] = [...(base[k] as unknown[]).slice(0, from), ...items] as string[] & SessionEvent[] & SessionNote[];
  }
  return out;
}

/** Index of the first element that differs (including a length change); -1 when the lists are equal. */
function firstDifference(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!sameValue(a[i], b[i])) return i;
  return a.length === b.length ? -1 : n;
}

/** Structural equality of JSON-like values (sessions hold only strings, numbers, null, arrays and plain objects). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
