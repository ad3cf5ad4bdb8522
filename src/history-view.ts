import * as vscode from 'vscode';
import { DAY_MS } from './core/archive/archive';
import { randomBytes } from 'node:crypto';
import type { SyncController } from './sync-controller';
import type { SharedStore } from './core/store/shared-store';
import type { SessionStore } from './core/store/session-store';
import { countRuns, listRuns, SyncRun } from './core/store/run-history';
import { savingOf } from './core/sync/saving';
import { previewNextSync } from './core/sync/preview';
import { type LiveSettings, updateSetting } from './settings';
import { COMMAND } from './command-ids';
import type { ArchivePort } from './archive-port';
import {
  ArchiveSettings, ChartPoint, CostSummary, HostMessage, PAGE_SIZE, PageMessage, parsePageMessage, PendingRow, RunRow,
} from './webview-messages';

export const HISTORY_VIEW_TYPE = 'sessionSync.history';

export interface HistoryDeps {
  extensionUri: vscode.Uri;
  controller: SyncController;
  shared: SharedStore;
  archive: ArchivePort;
  log: vscode.LogOutputChannel;
  settings: LiveSettings;
}

const CHART_RUNS = 30;
const PENDING_SHOWN = 50;
/** State events come in bursts (progress of every batch); one refresh per burst is enough. */
const REFRESH_DELAY_MS = 150;
/**
 * While the user types, every snapshot changes the state; the page's preview plans the open session's write, so
 * it is refreshed at most this often (a sync's end or the page being shown refreshes it too).
 */
const REFRESH_MIN_INTERVAL_MS = 5000;

/** The serializer that brings the panel back after a reload (commands.ts registers the command, HistoryView.show). */
export function registerHistoryView(deps: HistoryDeps): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(HISTORY_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel) => { HistoryView.adopt(panel, deps); },
  });
}

/**
 * The "Session Sync History" panel. It does not keep its page alive while hidden: the page saves its own
 * state (vscode.setState) and asks for fresh data with a `ready` message each time it loads.
 */
export class HistoryView implements vscode.Disposable {
  private static current: HistoryView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastRefreshAt = 0;

  static show(deps: HistoryDeps): void {
    if (HistoryView.current) {
      HistoryView.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(HISTORY_VIEW_TYPE, 'Session Sync History', vscode.ViewColumn.Active, {});
    HistoryView.adopt(panel, deps);
  }

  static adopt(panel: vscode.WebviewPanel, deps: HistoryDeps): void {
    HistoryView.current?.dispose();
    HistoryView.current = new HistoryView(panel, deps);
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly deps: HistoryDeps) {
    const media = vscode.Uri.joinPath(deps.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.webview.html = pageHtml(panel.webview, media);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => void this.onMessage(m)),
      deps.controller.onDidChangeState((s) => { if (s.kind !== 'syncing') this.scheduleRefresh(); }),
      deps.settings.onDidChange((change) => {
        if (change.affects('archive')) this.post({ type: 'settings', archive: this.archiveSettings() });
      }),
    );
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  private scheduleRefresh(): void {
    if (!this.panel.visible || this.timer) return; // the page asks again (`ready`) when it is shown
    const wait = Math.max(REFRESH_DELAY_MS, this.lastRefreshAt + REFRESH_MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRefreshAt = Date.now();
      void this.sendHistory();
    }, wait);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parsePageMessage(raw);
    if (!m) return this.deps.log.warn(`History view: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
    try {
      await this.handle(m);
    } catch (err) {
      this.deps.log.error(`History view: ${m.type}: ${(err as Error).message}`);
      this.post({ type: 'archiveResult', ok: false, message: (err as Error).message });
    }
  }

  private async handle(m: PageMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'settings', archive: this.archiveSettings() });
        this.offset = m.offset;
        return this.sendHistory();
      case 'page':
        this.offset = m.offset;
        return this.sendHistory();
      case 'setArchive':
        return this.setArchive(m.key, m.value);
      case 'previewArchive':
        return this.post({ type: 'archivePreview', preview: await this.deps.archive.preview(m.days) });
      case 'archiveNow':
      case 'restore': {
        const r = m.type === 'archiveNow' ? await this.deps.archive.archiveNow() : await this.deps.archive.restore();
        this.post({ type: 'archiveResult', ...r });
        return this.sendHistory();
      }
      case 'syncNow':
        await vscode.commands.executeCommand(COMMAND.syncNow);
    }
  }

  /** Writes the real setting; cloud deletion is opt-in and asks first, in the editor rather than the page. */
  private async setArchive(key: keyof ArchiveSettings, value: ArchiveSettings[keyof ArchiveSettings]): Promise<void> {
    if (key === 'deleteFromRemote' && value === true && !(await confirmCloudDeletion())) {
      this.post({ type: 'settings', archive: this.archiveSettings() }); // puts the checkbox back
      return;
    }
    await updateSetting(`archive.${key}`, value);
  }

  private archiveSettings(): ArchiveSettings {
    const s = this.deps.settings.current;
    return { olderThanDays: s.archiveOlderThanDays, schedule: s.archiveSchedule, deleteFromRemote: s.archiveDeleteFromRemote };
  }

  private async sendHistory(): Promise<void> {
    const store = this.deps.shared.owned;
    if (!store) {
      this.post({ type: 'guest', message: 'Another VS Code window owns the session store and syncs for this one. ' +
        'Open Session Sync: Show Sync History in that window to see the history.' });
      return;
    }
    const total = countRuns(store);
    if (this.offset >= total) this.offset = Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);
    const preview = await previewNextSync(store, { limit: PENDING_SHOWN, firstOnly: true });
    this.post({
      type: 'history', total, offset: this.offset, pageSize: PAGE_SIZE,
      runs: listRuns(store, PAGE_SIZE, this.offset).map(toRunRow),
      chart: listRuns(store, CHART_RUNS).reverse().map((r): ChartPoint => ({ at: r.startedAt, bytesSent: r.bytesSent,
        saving: savingOf(r) })),
      cost: costSummary(store, Date.now()),
      pending: preview.records.map((r): PendingRow => ({ id: r.id, workspace: r.workspace, branch: r.branch,
        kind: r.kind, newEvents: r.newEvents, newNotes: r.newNotes, encodedBytes: r.encodedBytes, lastNote: r.lastNote })),
      pendingTotal: preview.total,
    });
  }

  dispose(): void {
    if (HistoryView.current === this) HistoryView.current = undefined;
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

async function confirmCloudDeletion(): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage('Delete archived sessions from the cloud database?', {
    modal: true,
    detail: 'Archived sessions stay in the local archive file, and Restore uploads them again, but the cloud ' +
      'copy will no longer hold them. This cuts storage cost.',
  }, 'Delete from Cloud');
  return choice === 'Delete from Cloud';
}

export function toRunRow(r: SyncRun): RunRow {
  const slowest = Object.entries(r.phases).sort((a, b) => b[1] - a[1])[0];
  return {
    id: r.id ?? 0, startedAt: r.startedAt, durationMs: r.endedAt === null ? null : r.endedAt - r.startedAt,
    result: r.result, sent: r.sent, skipped: r.skipped, bytesRaw: r.bytesRaw, bytesSent: r.bytesSent,
    naiveBytes: r.naiveBytes, setupBytes: r.setupBytes, saving: savingOf(r),
    slowestPhase: slowest ? { name: slowest[0], ms: slowest[1] } : null,
    rowsWritten: r.rowsWritten, rowsRead: r.rowsRead, error: r.error,
  };
}

/** Row counters of the last 30 days' runs, projected to a 30-day month at the same rate. */
export function costSummary(store: SessionStore, now: number): CostSummary {
  const since = now - 30 * DAY_MS;
  const runs: SyncRun[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = listRuns(store, 500, offset);
    runs.push(...page.filter((r) => r.startedAt >= since));
    if (page.length < 500 || page[page.length - 1].startedAt < since) break;
  }
  const metered = runs.filter((r) => r.rowsWritten !== null || r.rowsRead !== null);
  const rowsWritten = metered.reduce((n, r) => n + (r.rowsWritten ?? 0), 0);
  const rowsRead = metered.reduce((n, r) => n + (r.rowsRead ?? 0), 0);
  const oldest = metered.length ? Math.min(...metered.map((r) => r.startedAt)) : now;
  const spanDays = Math.max(1, (now - oldest) / DAY_MS);
  return {
    runs: runs.length, metered: metered.length, rowsWritten, rowsRead, spanDays: Math.round(spanDays * 10) / 10,
    monthRowsWritten: Math.round((rowsWritten / spanDays) * 30), monthRowsRead: Math.round((rowsRead / spanDays) * 30),
  };
}

function pageHtml(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`].join('; ');
  const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'history.css'));
  const js = webview.asWebviewUri(vscode.Uri.joinPath(media, 'history.js'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>Session Sync History</title>
</head>
<body>
<main id="app" aria-live="polite"><p>Loading…</p></main>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}
