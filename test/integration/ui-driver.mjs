// Browser side of the UI bridge (host side: test/integration/suite/ui-bridge.ts). Tests in the
// extension host cannot touch the page, so they drop `request-N.json` files into the bridge
// directory; this loop performs each action on the page with Playwright, one at a time and in
// order, and answers with `response-N.json` ({ ok, text?, error? }).
import fs from 'node:fs';
import path from 'node:path';

const ACTION_TIMEOUT_MS = 20_000;
const POLL_MS = 100;

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Opens the command palette, types the title and runs the entry whose label is exactly `title`. */
export async function palette(page, { command }) {
  await page.locator('.monaco-workbench').waitFor({ timeout: ACTION_TIMEOUT_MS });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  await input.fill(`>${command}`);
  // An exact label match, so "Sync Now" never runs a longer command that merely contains it.
  const label = page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(command)}\\s*$`) });
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: label }).first();
  try {
    await row.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  } catch {
    await page.keyboard.press('Escape');
    throw new Error(`command "${command}" not found in the command palette`);
  }
  await row.click();
  // Done when the palette closed, or when the command opened its own input box in the same widget
  // (then the field no longer holds the `>` command filter).
  await page.waitForFunction(() => {
    const field = document.querySelector('.quick-input-widget input');
    const widget = document.querySelector('.quick-input-widget');
    const shown = widget instanceof HTMLElement && widget.style.display !== 'none' && widget.offsetParent !== null;
    return !shown || !(field instanceof HTMLInputElement) || !field.value.startsWith('>');
  }, undefined, { timeout: ACTION_TIMEOUT_MS, polling: 100 });
  return {};
}

/** Waits for a status bar item whose text or aria-label matches; returns what matched. */
export async function statusbar(page, { text, pattern, flags }) {
  const source = pattern ?? escapeRegExp(text ?? '');
  const handle = await page.waitForFunction(({ source, flags }) => {
    const re = new RegExp(source, flags);
    for (const item of document.querySelectorAll('.statusbar-item')) {
      const shown = (item.textContent ?? '').trim();
      const label = item.getAttribute('aria-label') ?? item.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '';
      if (re.test(shown)) return shown;
      if (re.test(label)) return label;
    }
    return undefined;
  }, { source, flags: flags ?? '' }, { timeout: ACTION_TIMEOUT_MS, polling: 200 }).catch(async () => {
    const items = await page.locator('.statusbar-item').allTextContents();
    throw new Error(`no status bar item matching /${source}/ within ${ACTION_TIMEOUT_MS} ms; ` +
      `items: ${JSON.stringify(items.map((s) => s.trim()).filter(Boolean))}`);
  });
  return { text: await handle.jsonValue() };
}

/**
 * Hovers the status bar item whose accessible label starts with `label` and returns the text of its tooltip, waiting
 * for one that holds `contains` (other hovers, such as an editor tab's, may be on the page too).
 */
export async function statusbarTooltip(page, { label, contains }) {
  const selector = `.statusbar-item[aria-label^="${label}"], .statusbar-item [aria-label^="${label}"]`;
  const item = page.locator(selector).first();
  await item.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  await page.mouse.move(1, 450); // a hover shown earlier must close first, so the one read is this item's
  await item.hover();
  const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: contains }).last();
  await hover.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS }).catch(async () => {
    const shown = await page.locator('.workbench-hover, .monaco-hover').allInnerTexts();
    throw new Error(`no tooltip holding "${contains}" over the status bar item "${label}"; hovers: ${JSON.stringify(shown)}`);
  });
  const text = await hover.innerText();
  await page.mouse.move(1, 450);
  return { text };
}

async function screenshot(page, { name }, ctx) {
  if (!/^[\w.-]+$/.test(name ?? '')) throw new Error(`invalid screenshot name "${name}"`);
  const file = path.join(ctx.screenshotDir, `${name}.png`);
  fs.mkdirSync(ctx.screenshotDir, { recursive: true });
  // The pointer rests where the last click was (often the tab bar); park it so no hover tooltip is captured.
  await page.mouse.move(1, 450);
  await page.waitForTimeout(300);
  await page.screenshot({ path: file });
  return { text: file };
}

async function webviewText(page, { contains }) {
  const body = webviewFrame(page).locator('body');
  const target = contains ? body.filter({ hasText: contains }) : body;
  await target.waitFor({ state: 'attached', timeout: ACTION_TIMEOUT_MS }).catch(() => {
    throw new Error(contains ? `no visible webview containing "${contains}"` : 'no visible webview');
  });
  return { text: await body.innerText() };
}

/** The visible webview's document (its inner frame), as a Playwright frame locator. */
const webviewFrame = (page) => page.frameLocator('iframe.webview.ready >> visible=true').first()
  .frameLocator('iframe#active-frame');

/** Types into a field of the visible webview: fill fires `input` events, as typing does. */
async function webviewFill(page, { selector, value }) {
  const field = webviewFrame(page).locator(selector).first();
  await field.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  await field.fill(String(value));
  return {};
}

async function webviewClick(page, { selector }) {
  const target = webviewFrame(page).locator(selector).first();
  await target.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  await target.click();
  return {};
}

/** How many elements match in the visible webview, and the text and form value of the first. */
async function webviewQuery(page, { selector }) {
  const body = webviewFrame(page).locator('body');
  await body.waitFor({ state: 'attached', timeout: ACTION_TIMEOUT_MS });
  const all = webviewFrame(page).locator(selector);
  const count = await all.count();
  const first = all.first();
  const value = count ? await first.evaluate((e) => ('value' in e ? String(e.value) : null)) : null;
  const text = count ? await first.innerText() : null;
  return { text: JSON.stringify({ count, text, value }) };
}

/** Answers an open input box or quick pick (e.g. the one a palette command opened): types `text`, then Enter. */
async function quickInput(page, { text }) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  await input.fill(text);
  const title = await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => null);
  await page.keyboard.press('Enter');
  // Done when the box closed, or when the command already opened its next box in the same widget (Configure
  // Remote asks for the token right after the URL): the closed state may last only a few milliseconds. The next box
  // may keep the title (Restore's pick, then its date boxes), but it starts without the text typed here.
  await page.waitForFunction(({ title, text }) => {
    const widget = document.querySelector('.quick-input-widget');
    const shown = widget instanceof HTMLElement && widget.style.display !== 'none' && widget.offsetParent !== null;
    const current = document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? null;
    const field = document.querySelector('.quick-input-widget input');
    return !shown || current !== title || !(field instanceof HTMLInputElement) || field.value !== text;
  }, { title, text }, { timeout: ACTION_TIMEOUT_MS, polling: 50 });
  return {};
}

/**
 * Picks an item of the open quick pick titled `title`, as a user would: clicks the row whose label holds `label`.
 * Waits for that pick and its items first (a command's pick opens after the palette closed, and its items arrive from
 * the extension host after the widget shows), so Enter never lands on an empty or foreign list. Done when the row is
 * gone: the pick closed, or the command's next box (an input box, without a list) took its place.
 */
async function quickPick(page, { title, label }) {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title').filter({ hasText: title }).waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS })
    .catch(() => { throw new Error(`no quick pick titled "${title}" is open`); });
  const rows = widget.locator('.quick-input-list .monaco-list-row');
  const row = rows.filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS }).catch(async () => {
    throw new Error(`no item "${label}" in the quick pick "${title}"; items: ${JSON.stringify(await rows.allInnerTexts())}`);
  });
  await row.click();
  await row.waitFor({ state: 'hidden', timeout: ACTION_TIMEOUT_MS });
  return {};
}

/** Text of the first workbench element matching `selector` (outside webviews); with `contains`, waits for it. */
async function workbenchText(page, { selector, contains }) {
  const all = page.locator(selector);
  const target = contains ? all.filter({ hasText: contains }).first() : all.first();
  await target.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS }).catch(() => {
    throw new Error(`no visible "${selector}"${contains ? ` containing "${contains}"` : ''} in the workbench`);
  });
  return { text: await target.innerText() };
}

/** Clicks the first visible workbench element matching `selector` whose text contains `text`. */
async function workbenchClick(page, { selector, text }) {
  const target = page.locator(selector).filter({ hasText: text }).first();
  await target.waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS }).catch(() => {
    throw new Error(`no visible "${selector}" with text "${text}" to click in the workbench`);
  });
  await target.click();
  return {};
}

/** Presses one key (e.g. Escape to dismiss an input box) in the workbench. */
async function press(page, { key }) {
  await page.keyboard.press(key);
  return {};
}

/**
 * The notifications in the notification center, as JSON [{ severity: 'error'|'warning'|'info', message }]. Not the
 * toasts: with the smoke-test driver the launcher enables, the workbench never shows toasts, and every notification
 * goes only to the center (the host opens it first: ui.notifications).
 */
async function notifications(page) {
  await page.locator('.notifications-center.visible').waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  const toasts = await page.locator('.notifications-center .notification-list-item').evaluateAll((nodes) => nodes.map((n) => {
    const icon = n.querySelector('.notification-list-item-icon')?.className ?? '';
    const severity = /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : 'info';
    return { severity, message: n.querySelector('.notification-list-item-message')?.textContent ?? '' };
  }));
  return { text: JSON.stringify(toasts) };
}

const ACTIONS = { palette, statusbar, screenshot, webviewText, webviewFill, webviewClick, webviewQuery, quickInput, quickPick,
  workbenchText, workbenchClick, press, notifications, statusbarTooltip };

async function handle(page, file, ctx) {
  const id = /^request-(\d+)\.json$/.exec(path.basename(file))[1];
  let response;
  let req = {};
  try {
    req = JSON.parse(fs.readFileSync(file, 'utf8'));
    const action = ACTIONS[req.action];
    if (!action) throw new Error(`unknown action "${req.action}"`);
    response = { ok: true, ...(await action(page, req, ctx)) };
  } catch (err) {
    response = { ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
  // Typed text may be a secret (Configure Remote's token box): the log shows only its length.
  const typed = req.action === 'quickInput' && typeof req.text === 'string' ? `<${req.text.length} characters>` : undefined;
  const arg = typed ?? req.command ?? req.text ?? req.pattern ?? req.name ?? req.contains ?? req.selector ?? req.key ?? req.label ?? '';
  ctx.log(`[ui] #${id} ${req.action} ${JSON.stringify(arg)} -> ${response.ok ? 'ok' : `error: ${response.error}`}`);
  const out = path.join(path.dirname(file), `response-${id}.json`);
  fs.writeFileSync(`${out}.tmp`, JSON.stringify(response));
  fs.renameSync(`${out}.tmp`, out);
}

/**
 * Serves bridge requests from `dir` until stop() is called.
 * ctx: { screenshotDir, log(line) }.
 */
export function serveBridge(page, dir, ctx) {
  const done = new Set();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pending = fs.readdirSync(dir).filter((f) => /^request-\d+\.json$/.test(f) && !done.has(f))
        .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]));
      for (const f of pending) {
        done.add(f);
        await handle(page, path.join(dir, f), ctx);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  return { stop: async () => { stopped = true; await loop.catch(() => undefined); } };
}
