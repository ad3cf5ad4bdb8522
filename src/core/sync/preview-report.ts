import type { RecordPreview, SyncPreview } from './preview';
import { isWorkspaceExcluded } from '../session-builder';
import { formatBytes, savingPercent } from '../format';

/** The document's text. Session text (workspace names, notes) is quoted as code so it reads literally. */
export function previewMarkdown(p: SyncPreview, excludedGlobs: string[]): string {
  const lines = ['# Session Sync: next sync preview', '',
    `Nothing was uploaded to make this preview. ${p.total} session${p.total === 1 ? '' : 's'} would be sent; ` +
    `${p.unchanged} already match the remote and are skipped.`, ''];
  if (p.total === 0) return [...lines, 'Everything is synced.', ''].join('\n');
  lines.push(`Encoded: ${formatBytes(p.encodedBytes)} of values for ${formatBytes(p.rawBytes)} of records as JSON ` +
    `(saving ${savingPercent(p.rawBytes, p.encodedBytes)}; request framing adds a little).`, '');
  lines.push(...privacyLines(p, excludedGlobs));
  lines.push('## Records', '', '| Workspace | Branch | Write | New events | New files | New notes | Changed columns | Encoded |',
    '|---|---|---|---|---|---|---|---|');
  for (const r of p.records) lines.push(recordLine(r));
  if (p.records.length < p.total) lines.push('', `(${p.total - p.records.length} more not listed.)`);
  return [...lines, ''].join('\n');
}

function privacyLines(p: SyncPreview, excludedGlobs: string[]): string[] {
  const lines = ['## What leaves this machine', '',
    'Workspaces matching `sessionSync.privacy.excludedWorkspaces` are never recorded, so nothing from them is in ' +
    'the store or in this sync. Workspaces in the pending records:', '',
    ...p.workspaces.map((w) => `- ${code(w)}`), ''];
  // A session recorded before its workspace was excluded is still in the store: say so rather than send it silently.
  const now = p.workspaces.filter((w) => isWorkspaceExcluded(w, '', excludedGlobs));
  if (now.length) {
    lines.push(`**Warning:** ${now.map(code).join(', ')} ${now.length === 1 ? 'matches' : 'match'} an exclusion ` +
      'added after those sessions were recorded; they are still pending and would be sent.', '');
  }
  return lines;
}

function recordLine(r: RecordPreview): string {
  const cells = [code(r.workspace), r.branch === null ? '-' : code(r.branch), r.kind === 'full' ? 'whole record' : 'append',
    String(r.newEvents), String(r.newFiles), String(r.newNotes), r.changedColumns.join(', ') || '-', formatBytes(r.encodedBytes)];
  return `| ${cells.join(' | ')} |`;
}

/** Inline code that survives any text (backticks, pipes, newlines) inside a Markdown table. */
function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const fence = '`'.repeat((clean.match(/`+/g) ?? []).reduce((n, s) => Math.max(n, s.length), 0) + 1);
  return `${fence} ${clean} ${fence}`;
}
