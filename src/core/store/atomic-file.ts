import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the old or the new content,
 * never a mix: write a temporary file in the same folder, flush it to disk, rename it over the target,
 * then flush the folder so the rename itself survives a power loss.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** The synchronous twin, for the last save when the process is going away. */
export function writeFileAtomicSync(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* some file systems cannot fsync a directory; the rename is still atomic */ }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fs.promises.open(dir, 'r');
    try { await h.sync(); } finally { await h.close(); }
  } catch { /* see writeFileAtomicSync */ }
}

/** Moves a file that cannot be read out of the way, keeping it for the user, and returns the new path. */
export function setAside(file: string, reason: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const aside = `${file}.${reason}-${stamp}`;
  fs.renameSync(file, aside);
  return aside;
}

/** Removes temporary files left by a process killed mid-write. */
export function removeStaleTemps(dir: string, base: string): void {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    if (n.startsWith(`.${base}.`) && n.endsWith('.tmp')) fs.rmSync(path.join(dir, n), { force: true });
  }
}
