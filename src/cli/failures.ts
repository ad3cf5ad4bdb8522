// Failures the CLI expects (a read-only folder, a full disk, a closed pipe) told in one line that says what to do,
// instead of "unexpected error" and a stack trace.

/** What to do about a file-system error code, when the code alone says it. */
const FILE_ADVICE: Record<string, string> = {
  EACCES: 'Session Sync may not read or write there: fix the permissions, or use another --store folder',
  EPERM: 'Session Sync may not read or write there: fix the permissions, or use another --store folder',
  EROFS: 'the file system is read-only: use a --store folder on a writable disk',
  ENOSPC: 'the disk is full: free some space and run the command again (nothing was lost)',
  EDQUOT: 'the disk quota is used up: free some space and run the command again (nothing was lost)',
  ENOTDIR: 'a file stands where a folder should be: give --store a folder',
  EISDIR: 'a folder stands where a file should be: move it away or use another --store folder',
  EMFILE: 'too many files are open: close other programs and try again',
};

/** One line for a failure the CLI knows how to explain, or undefined for a real surprise. */
export function explainFailure(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { cause?: unknown };
  const code = e?.code ?? (e?.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code && FILE_ADVICE[code]) {
    const where = e.path ?? (e.cause as NodeJS.ErrnoException | undefined)?.path;
    return `${where ? `${where}: ` : ''}${FILE_ADVICE[code]} (${code}).`;
  }
  // sql.js reports a file that is an SQLite database of another program through the schema it finds.
  const message = e?.message ?? '';
  if (/already exists|file is not a database/i.test(message)) {
    return `The --store folder holds a sessions.sqlite that is not a Session Sync store (${message.split('\n')[0]}). ` +
      'Use another --store folder, or move that file away.';
  }
  return undefined;
}

/**
 * `export | head` closes the pipe early: that is a normal end, not an error. Any other write error (a full disk
 * behind `> file`) ends the run with one line instead of an unhandled 'error' event.
 */
export function guardStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`session-sync: cannot write the output: ${explainFailure(err) ?? err.message}\n`);
    process.exit(1);
  });
}
