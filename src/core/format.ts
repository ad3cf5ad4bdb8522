/** Human-readable sizes and savings, shared by the CLI, the status bar and the history view. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

/** How much smaller `sent` is than `raw`, as a whole percentage. */
export function savingPercent(raw: number, sent: number): string {
  return raw > 0 ? `${Math.round((1 - sent / raw) * 100)}%` : '-';
}
