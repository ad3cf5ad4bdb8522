// Host side of the UI bridge. The suite runs in the extension host (Node), but the command palette,
// the status bar and webviews exist only in the browser page that test/integration/launch.mjs drives
// with Playwright. So a test writes `request-N.json` into the shared directory named by
// SESSION_SYNC_UI_BRIDGE, and the launcher performs the action and answers with `response-N.json`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export type UiRequest =
  | { action: 'palette'; command: string }
  | { action: 'statusbar'; text?: string; pattern?: string; flags?: string }
  | { action: 'screenshot'; name: string }
  | { action: 'webviewText'; contains?: string }
  | { action: 'webviewFill'; selector: string; value: string }
  | { action: 'webviewClick'; selector: string }
  | { action: 'webviewQuery'; selector: string }
  | { action: 'quickInput'; text: string }
  | { action: 'quickPick'; title: string; label: string }
  | { action: 'workbenchText'; selector: string; contains?: string }
  | { action: 'workbenchClick'; selector: string; text: string }
  | { action: 'press'; key: string }
  | { action: 'notifications' }
  | { action: 'statusbarTooltip'; label: string; contains: string };

/** A notification toast on screen, as `ui.notifications` reads it. */
export interface Toast {
  severity: 'error' | 'warning' | 'info';
  message: string;
}

/** What `ui.webviewQuery` finds: how many elements match, and the text and form value of the first. */
export interface WebviewMatch {
  count: number;
  text: string | null;
  value: string | null;
}

export interface UiResponse {
  ok: boolean;
  text?: string;
  error?: string;
}

const BRIDGE_ENV = 'SESSION_SYNC_UI_BRIDGE';
const POLL_MS = 100;
// Longer than the launcher's own per-action waits (20 s), so the launcher's error reaches the test.
const RESPONSE_TIMEOUT_MS = 45_000;

let nextId = 1;

function bridgeDir(): string {
  const dir = process.env[BRIDGE_ENV];
  if (!dir) {
    throw new Error(`UI bridge unavailable: ${BRIDGE_ENV} is not set. Run the suite through ` +
      '`node test/integration/launch.mjs`, which drives the browser side.');
  }
  return dir;
}

// Write then rename, so the launcher never reads a half-written request.
function writeAtomically(file: string, data: unknown): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(data));
  fs.renameSync(`${file}.tmp`, file);
}

async function waitForFile(file: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return undefined;
}

/** Sends one request to the launcher and resolves with its answer; rejects on error or timeout. */
export async function request(req: UiRequest, timeoutMs = RESPONSE_TIMEOUT_MS): Promise<UiResponse> {
  const dir = bridgeDir();
  const id = nextId++;
  writeAtomically(path.join(dir, `request-${id}.json`), req);
  const raw = await waitForFile(path.join(dir, `response-${id}.json`), timeoutMs);
  const what = `${req.action} ${JSON.stringify(req)}`;
  if (raw === undefined) {
    throw new Error(`UI bridge: no response to request-${id} (${what}) after ${timeoutMs} ms; ` +
      'is the launcher still polling the bridge directory?');
  }
  const res = JSON.parse(raw) as UiResponse;
  if (!res.ok) throw new Error(`UI bridge: ${what} failed: ${res.error ?? 'unknown error'}`);
  return res;
}

export const ui = {
  /** True when a launcher is serving the bridge (false under a plain @vscode/test-electron run). */
  get available(): boolean {
    return Boolean(process.env[BRIDGE_ENV]);
  },

  /** Runs a command through the command palette by its title, e.g. "Session Sync: Sync Now". */
  async palette(title: string): Promise<void> {
    await request({ action: 'palette', command: title });
  },

  /** Waits (up to 20 s) for a status bar item whose text or aria-label matches; returns its text. */
  async statusBarText(contains: string | RegExp): Promise<string> {
    const req: UiRequest = typeof contains === 'string'
      ? { action: 'statusbar', text: contains }
      : { action: 'statusbar', pattern: contains.source, flags: contains.flags };
    return (await request(req)).text ?? '';
  },

  /** Waits (up to 20 s) for a status bar item whose whole text is exactly `text` (icons left out); returns it. */
  async statusBarExact(text: string): Promise<string> {
    return this.statusBarText(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  },

  /**
   * Hovers the status bar item whose accessible label starts with `label`; waits (up to 20 s) for its tooltip to
   * hold `contains` (white space compared as typed) and returns the tooltip's text.
   */
  async statusBarTooltip(label: string, contains: string): Promise<string> {
    return (await request({ action: 'statusbarTooltip', label, contains })).text ?? '';
  },

  /** Saves a PNG of the page; under SESSION_SYNC_SCREENSHOTS=1 it lands in docs/images/NAME.png. */
  async screenshot(name: string): Promise<string> {
    return (await request({ action: 'screenshot', name })).text ?? '';
  },

  /** Text of the active webview's body; with `contains`, waits (up to 20 s) until it appears. */
  async webviewText(contains?: string): Promise<string> {
    return (await request({ action: 'webviewText', contains })).text ?? '';
  },

  /** Fills a field of the visible webview, as typing would (the page sees `input` events). */
  async webviewFill(selector: string, value: string | number): Promise<void> {
    await request({ action: 'webviewFill', selector, value: String(value) });
  },

  /** Clicks an element of the visible webview (waits up to 20 s for it to be visible). */
  async webviewClick(selector: string): Promise<void> {
    await request({ action: 'webviewClick', selector });
  },

  /** Looks up `selector` in the visible webview once; no waiting beyond the webview itself. */
  async webviewQuery(selector: string): Promise<WebviewMatch> {
    return JSON.parse((await request({ action: 'webviewQuery', selector })).text ?? '{}') as WebviewMatch;
  },

  /** Text of a workbench element (outside webviews), e.g. the walkthrough page; with `contains`, waits for it. */
  async workbenchText(selector: string, contains?: string): Promise<string> {
    return (await request({ action: 'workbenchText', selector, contains })).text ?? '';
  },

  /** Clicks a visible workbench element (outside webviews) matching `selector` whose text contains `text`. */
  async workbenchClick(selector: string, text: string): Promise<void> {
    await request({ action: 'workbenchClick', selector, text });
  },

  /** Presses one key in the workbench, e.g. 'Escape'. */
  async press(key: string): Promise<void> {
    await request({ action: 'press', key });
  },

  /** The notifications shown so far and not closed, read from the notification center (opened, then closed). */
  async notifications(): Promise<Toast[]> {
    await vscode.commands.executeCommand('notifications.showList');
    try {
      return JSON.parse((await request({ action: 'notifications' })).text ?? '[]') as Toast[];
    } finally {
      await vscode.commands.executeCommand('notifications.hideList');
    }
  },

  /** Clicks the item whose label holds `label` in the open quick pick titled `title` (waits for both, up to 20 s). */
  async quickPick(title: string, label: string): Promise<void> {
    await request({ action: 'quickPick', title, label });
  },

  /** Types into the open input box or quick pick and presses Enter. */
  async quickInput(text: string): Promise<void> {
    await request({ action: 'quickInput', text });
  },
};
