// The Session Sync History page. Plain JavaScript run inside the webview under a strict CSP (this file
// is its only script). Every value that comes from run or session data is put into the page with
// textContent or an attribute, never as markup, so a note like `<img src=x onerror=...>` shows as text.
// @ts-check
'use strict';

/**
 * The message shapes are the host's (src/webview-messages.ts), imported for the checker only
 * (`npx tsc -p tsconfig.page.json`, part of `npm test`).
 * @typedef {import('../src/webview-messages').RunRow} RunRow
 * @typedef {import('../src/webview-messages').ChartPoint} ChartPoint
 * @typedef {import('../src/webview-messages').CostSummary} CostSummary
 * @typedef {import('../src/webview-messages').PendingRow} PendingRow
 * @typedef {import('../src/webview-messages').ArchiveSettings} ArchiveSettings
 * @typedef {import('../src/webview-messages').ArchivePreviewData} ArchivePreview
 * @typedef {import('../src/webview-messages').HistoryMessage} HistoryMessage
 * @typedef {import('../src/webview-messages').HostMessage} HostMessage
 * @typedef {import('../src/webview-messages').PageMessage} PageMessage
 * @typedef {{ offset: number, history?: HistoryMessage, preview?: ArchivePreview, result?: string }} PageState
 */

(function main() {
  // @ts-expect-error acquireVsCodeApi is provided by the webview host.
  const vscode = acquireVsCodeApi();
  /** @type {PageState} */
  const state = vscode.getState() ?? { offset: 0 };
  const SVG = 'http://www.w3.org/2000/svg';

  /** @param {PageMessage} m */
  const send = (m) => vscode.postMessage(m);
  const save = () => vscode.setState(state);

  // ---- small DOM helpers (text only) ------------------------------------------------------------

  /**
   * @param {string} tag
   * @param {Record<string, string>} [attrs]
   * @param {(Node | string)[]} [children]
   * @returns {HTMLElement}
   */
  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c); // strings become text nodes
    return node;
  }

  /** @param {string} id */
  const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /** @param {number} n */
  function bytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(2)} MB`;
  }
  /** @param {number | null} ms */
  const duration = (ms) => (ms === null ? '-' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
  /** @param {number} t */
  const when = (t) => new Date(t).toLocaleString();
  /** @param {number} t */
  const day = (t) => new Date(t).toLocaleDateString();
  const count = new Intl.NumberFormat();

  // ---- the page skeleton ------------------------------------------------------------------------

  /** @param {string} id @param {string} title @param {...Node} children */
  function section(id, title, ...children) {
    return el('section', { id, 'aria-labelledby': `${id}-title` }, [el('h2', { id: `${id}-title` }, [title]), ...children]);
  }

  function buildPage() {
    const app = byId('app');
    app.replaceChildren(
      el('header', {}, [
        el('h1', {}, ['Session Sync History']),
        el('button', { id: 'sync-now', type: 'button' }, ['Sync Now']),
      ]),
      el('p', { id: 'guest', class: 'notice', hidden: '' }),
      section('chart', 'Bytes sent per run', el('div', { id: 'chart-body' })),
      section('runs', 'Sync runs',
        el('table', { id: 'runs-table' }, [
          el('caption', { class: 'visually-hidden' }, ['Sync runs, newest first']),
          el('thead', {}, [headerRow(['When', 'Result', 'Sent', 'Skipped', 'Naive would send', 'Sent bytes', 'Set-up',
            'Saving vs naive', 'Duration', 'Slowest phase', 'Rows written', 'Rows read', 'Error'])]),
          el('tbody', { id: 'runs-body' }),
        ]),
        el('div', { class: 'pager' }, [
          el('button', { id: 'newer', type: 'button' }, ['Newer']),
          el('span', { id: 'page-info', role: 'status' }),
          el('button', { id: 'older', type: 'button' }, ['Older']),
        ])),
      section('pending', 'Next sync', el('p', { id: 'pending-summary' }),
        el('table', { id: 'pending-table' }, [
          el('thead', {}, [headerRow(['Workspace', 'Branch', 'Write', 'New events', 'New notes', 'Encoded', 'Latest note'])]),
          el('tbody', { id: 'pending-body' }),
        ])),
      section('cost', 'Cost', el('div', { id: 'cost-body' })),
      section('archive', 'Archive', archiveForm()),
    );
    byId('sync-now').addEventListener('click', () => send({ type: 'syncNow' }));
    byId('newer').addEventListener('click', () => goTo(state.offset - pageSize()));
    byId('older').addEventListener('click', () => goTo(state.offset + pageSize()));
    wireArchive();
  }

  /** @param {string[]} names */
  function headerRow(names) {
    return el('tr', {}, names.map((n) => el('th', { scope: 'col' }, [n])));
  }

  const pageSize = () => state.history?.pageSize ?? 20;

  /** @param {number} offset */
  function goTo(offset) {
    state.offset = Math.max(0, offset);
    save();
    send({ type: 'page', offset: state.offset });
  }

  // ---- history ----------------------------------------------------------------------------------

  /** @param {HistoryMessage} m */
  function renderHistory(m) {
    state.history = m;
    state.offset = m.offset;
    save();
    byId('guest').hidden = true;
    for (const id of ['chart', 'runs', 'pending', 'cost']) byId(id).hidden = false;
    renderRuns(m);
    renderChart(m.chart);
    renderPending(m.pending, m.pendingTotal);
    renderCost(m.cost);
  }

  /** @param {HistoryMessage} m */
  function renderRuns(m) {
    const body = byId('runs-body');
    body.replaceChildren(...m.runs.map(runRow));
    if (!m.runs.length) body.append(el('tr', {}, [el('td', { colspan: '13' }, ['No sync has run yet.'])]));
    const first = m.total ? m.offset + 1 : 0;
    byId('page-info').textContent = `Runs ${first}–${m.offset + m.runs.length} of ${m.total}`;
    /** @type {HTMLButtonElement} */ (byId('newer')).disabled = m.offset === 0;
    /** @type {HTMLButtonElement} */ (byId('older')).disabled = m.offset + m.runs.length >= m.total;
  }

  /** @param {RunRow} r */
  function runRow(r) {
    // Sent bytes are the records' share; the set-up (schema, dictionary) is paid once and shown apart.
    const cells = [when(r.startedAt), r.result, count.format(r.sent), count.format(r.skipped),
      r.naiveBytes === null ? '-' : bytes(r.naiveBytes), bytes(Math.max(0, r.bytesSent - r.setupBytes)),
      r.setupBytes ? bytes(r.setupBytes) : '-', r.saving.label, duration(r.durationMs),
      r.slowestPhase ? `${r.slowestPhase.name} (${duration(r.slowestPhase.ms)})` : '-',
      r.rowsWritten === null ? '-' : count.format(r.rowsWritten), r.rowsRead === null ? '-' : count.format(r.rowsRead),
      r.error ?? ''];
    const row = el('tr', { class: `result-${r.result}` }, cells.map((c) => el('td', {}, [c])));
    return row;
  }

  /** Bars: bytes sent per run; line: saving versus naive (0-100%). Oldest on the left. @param {ChartPoint[]} points */
  function renderChart(points) {
    const box = byId('chart-body');
    if (!points.length) {
      box.replaceChildren(el('p', {}, ['The chart appears after the first sync.']));
      return;
    }
    const W = 600, H = 140, PAD = 24;
    const max = Math.max(1, ...points.map((p) => p.bytesSent));
    // A few runs keep narrow bars at the left rather than a handful of wide blocks.
    const step = Math.min(40, (W - 2 * PAD) / points.length);
    const svg = document.createElementNS(SVG, 'svg');
    setAttrs(svg, { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart',
      'aria-label': `Bytes sent by the last ${points.length} runs (largest ${bytes(max)}) and the saving versus naive` });
    /** @param {number} v */
    const y = (v) => H - PAD - (v / max) * (H - 2 * PAD);
    /** @type {string[]} */
    const line = [];
    points.forEach((p, i) => {
      const x = PAD + i * step;
      const bar = svgEl('rect', { x: String(x + step * 0.15), y: String(y(p.bytesSent)), width: String(step * 0.7),
        height: String(H - PAD - y(p.bytesSent)), class: 'bar' });
      bar.append(svgEl('title', {}, `${when(p.at)}: ${bytes(p.bytesSent)} sent, saving vs naive ${p.saving.label}`));
      svg.append(bar);
      if (p.saving.share !== null) line.push(`${x + step / 2},${H - PAD - p.saving.share * (H - 2 * PAD)}`);
    });
    svg.append(svgEl('line', { x1: String(PAD), y1: String(H - PAD), x2: String(W - PAD), y2: String(H - PAD), class: 'axis' }));
    if (line.length) svg.append(svgEl('polyline', { points: line.join(' '), class: 'saving' }));
    svg.append(svgEl('text', { x: String(PAD), y: '12', class: 'label' }, bytes(max)));
    svg.append(svgEl('text', { x: String(W - PAD), y: '12', class: 'label end' }, 'saving: 100% at the top, 0% at the axis'));
    box.replaceChildren(svg, el('p', { class: 'legend' }, [
      el('span', { class: 'key bar-key', 'aria-hidden': 'true' }), 'bytes sent  ',
      el('span', { class: 'key saving-key', 'aria-hidden': 'true' }), 'saving versus naive (set-up left out)']));
  }

  /** @param {Element} node @param {Record<string, string>} attrs */
  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  }
  /** @param {string} tag @param {Record<string, string>} attrs @param {string} [text] */
  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** @param {PendingRow[]} rows @param {number} total */
  function renderPending(rows, total) {
    byId('pending-summary').textContent = total === 0 ? 'Nothing is waiting: every session is synced.' :
      `${count.format(total)} session${total === 1 ? '' : 's'} will be sent${total > rows.length ? ` (first ${rows.length} shown)` : ''}. ` +
      'Workspaces you excluded are never recorded, so they never appear here.';
    byId('pending-table').hidden = total === 0;
    byId('pending-body').replaceChildren(...rows.map((r) => el('tr', {}, [r.workspace, r.branch ?? '-',
      r.kind === 'full' ? 'whole record' : 'append', count.format(r.newEvents), count.format(r.newNotes),
      bytes(r.encodedBytes), r.lastNote ?? ''].map((c) => el('td', {}, [c])))));
  }

  /** @param {CostSummary} c */
  function renderCost(c) {
    const box = byId('cost-body');
    if (c.metered === 0) {
      box.replaceChildren(el('p', {}, [`${c.runs} run${c.runs === 1 ? '' : 's'} in the last 30 days. ` +
        'The remote in use reported no row counters (the embedded local database does not); a libSQL or Turso ' +
        'server does, and this section then projects a month of rows written and read.']));
      return;
    }
    box.replaceChildren(el('dl', {}, [
      el('dt', {}, ['Last 30 days']),
      el('dd', {}, [`${count.format(c.rowsWritten)} rows written, ${count.format(c.rowsRead)} rows read in ${c.metered} runs`]),
      el('dt', {}, ['Projected month']),
      el('dd', { id: 'cost-month' }, [`${count.format(c.monthRowsWritten)} rows written, ${count.format(c.monthRowsRead)} rows read ` +
        `(at the rate of the last ${c.spanDays} day${c.spanDays === 1 ? '' : 's'})`]),
    ]));
  }

  // ---- archive ----------------------------------------------------------------------------------

  function archiveForm() {
    return el('div', { class: 'archive' }, [
      el('p', { id: 'archive-days-current' }),
      el('div', { class: 'field' }, [
        el('label', { for: 'archive-days' }, ['Archive sessions not updated for more than (days, 0 turns archiving off)']),
        el('input', { id: 'archive-days', type: 'number', min: '0', max: '36500', step: '1', inputmode: 'numeric' }),
        el('span', { id: 'archive-days-error', class: 'error', role: 'alert' }),
      ]),
      el('div', { class: 'field' }, [
        el('label', { for: 'archive-schedule' }, ['Run archiving']),
        el('select', { id: 'archive-schedule' }, [
          el('option', { value: 'daily' }, ['Daily']), el('option', { value: 'manual' }, ['Only when I ask'])]),
      ]),
      el('div', { class: 'field checkbox' }, [
        el('input', { id: 'archive-delete', type: 'checkbox' }),
        el('label', { for: 'archive-delete' }, ['Also delete archived sessions from the cloud database (asks first)']),
      ]),
      el('div', { class: 'actions' }, [
        el('button', { id: 'archive-preview', type: 'button', class: 'secondary' }, ['Preview']),
        el('button', { id: 'archive-now', type: 'button' }, ['Archive Now']),
        el('button', { id: 'archive-restore', type: 'button', class: 'secondary' }, ['Restore Archived Sessions']),
      ]),
      el('p', { id: 'archive-preview-text', role: 'status' }),
      el('p', { id: 'archive-result', role: 'status' }),
    ]);
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let daysTimer;

  function wireArchive() {
    const days = /** @type {HTMLInputElement} */ (byId('archive-days'));
    // Typing is committed after a pause, Enter or leaving the field commits at once.
    days.addEventListener('input', () => {
      clearTimeout(daysTimer);
      daysTimer = setTimeout(commitDays, 400);
    });
    days.addEventListener('change', commitDays);
    byId('archive-schedule').addEventListener('change', (e) => {
      const v = /** @type {HTMLSelectElement} */ (e.target).value;
      if (v === 'daily' || v === 'manual') send({ type: 'setArchive', key: 'schedule', value: v });
    });
    byId('archive-delete').addEventListener('change', (e) => {
      send({ type: 'setArchive', key: 'deleteFromRemote', value: /** @type {HTMLInputElement} */ (e.target).checked });
    });
    byId('archive-preview').addEventListener('click', () => {
      const n = readDays();
      if (n !== undefined) send({ type: 'previewArchive', days: n });
    });
    byId('archive-now').addEventListener('click', () => send({ type: 'archiveNow' }));
    byId('archive-restore').addEventListener('click', () => send({ type: 'restore' }));
  }

  /** The days field as a whole number in range, or undefined (and a message next to the field). */
  function readDays() {
    const input = /** @type {HTMLInputElement} */ (byId('archive-days'));
    const n = Number(input.value);
    const ok = input.value.trim() !== '' && Number.isInteger(n) && n >= 0 && n <= 36500;
    byId('archive-days-error').textContent = ok ? '' : 'Enter a whole number of days from 0 to 36500.';
    input.setAttribute('aria-invalid', String(!ok));
    return ok ? n : undefined;
  }

  function commitDays() {
    clearTimeout(daysTimer);
    daysTimer = undefined;
    const n = readDays();
    if (n !== undefined) send({ type: 'setArchive', key: 'olderThanDays', value: n });
  }

  /** The page follows the settings, wherever they were changed; an edit still being typed is left alone. */
  /** @param {ArchiveSettings} s */
  function renderSettings(s) {
    const days = /** @type {HTMLInputElement} */ (byId('archive-days'));
    if (daysTimer === undefined) {
      days.value = String(s.olderThanDays);
      readDays();
    }
    /** @type {HTMLSelectElement} */ (byId('archive-schedule')).value = s.schedule;
    /** @type {HTMLInputElement} */ (byId('archive-delete')).checked = s.deleteFromRemote;
    byId('archive-days-current').textContent = s.olderThanDays === 0 ? 'Archiving is off.' :
      `Current setting: sessions older than ${s.olderThanDays} days, ${s.schedule === 'daily' ? 'daily' : 'on request'}` +
      `${s.deleteFromRemote ? ', also deleted from the cloud' : ''}.`;
  }

  /** @param {ArchivePreview} p */
  function renderPreview(p) {
    state.preview = p;
    save();
    const range = p.from !== null && p.to !== null ? `, last updated ${day(p.from)} to ${day(p.to)}` : '';
    const skipped = p.skipped ? ` ${p.skipped} older session${p.skipped === 1 ? ' is' : 's are'} not synced yet and would stay.` : '';
    byId('archive-preview-text').textContent = p.olderThanDays === 0 ? 'Archiving is off (0 days): nothing would move.' :
      `Dry run: ${count.format(p.count)} session${p.count === 1 ? '' : 's'} older than ${p.olderThanDays} days would be archived` +
      `${range}, ${bytes(p.bytes)} stored.${skipped}`;
  }

  /** @param {string} text @param {boolean} ok */
  function renderResult(text, ok) {
    state.result = text;
    save();
    const p = byId('archive-result');
    p.textContent = text;
    p.classList.toggle('error', !ok);
  }

  /** Another window owns the store: say so, and hide the store's sections rather than show them empty. */
  /** @param {string} message */
  function renderGuest(message) {
    const g = byId('guest');
    g.textContent = message;
    g.hidden = false;
    for (const id of ['chart', 'runs', 'pending', 'cost']) byId(id).hidden = true;
  }

  // ---- messages ---------------------------------------------------------------------------------

  window.addEventListener('message', (event) => {
    /** @type {HostMessage} */
    const m = event.data;
    switch (m?.type) {
      case 'history': return renderHistory(m);
      case 'settings': return renderSettings(m.archive);
      case 'archivePreview': return renderPreview(m.preview);
      case 'archiveResult': return renderResult(m.message, m.ok);
      case 'guest': return renderGuest(m.message);
    }
  });

  buildPage();
  // Paint what was shown before the panel was hidden or the window reloaded, then ask for fresh data.
  if (state.history) renderHistory(state.history);
  if (state.preview) renderPreview(state.preview);
  if (state.result) renderResult(state.result, true);
  send({ type: 'ready', offset: state.offset });
})();
