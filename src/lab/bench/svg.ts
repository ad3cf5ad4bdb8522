// A dependency-free SVG chart of the initial sync: duration and bytes up against corpus size, one line per
// strategy and target, both axes logarithmic (sizes span two orders of magnitude, strategies one more).
import type { BenchResult, RunRecord } from './types';

const W = 380;
const H = 260;
const PAD = { left: 64, right: 16, top: 32, bottom: 44 };
const COLORS: Record<string, string> = { naive: '#d9534f', optimized: '#2a7ae2' };

interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: { x: number; y: number }[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const log10 = (v: number): number => Math.log10(Math.max(v, 1e-9));

function series(runs: RunRecord[], value: (r: RunRecord) => number): Series[] {
  const initial = runs.filter((r) => r.case === 'initial' && r.result === 'ok');
  const keys = [...new Set(initial.map((r) => `${r.strategy}|${r.target}`))];
  return keys.map((key) => {
    const [strategy, target] = key.split('|');
    const points = initial.filter((r) => `${r.strategy}|${r.target}` === key).sort((a, b) => a.size - b.size)
      .map((r) => ({ x: r.size, y: Math.max(1, value(r)) }));
    return { label: `${strategy} (${target === 'server' ? 'sqld via link' : 'file:'})`,
      color: COLORS[strategy] ?? '#555', dashed: target === 'file', points };
  });
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(log10(min)); e <= Math.ceil(log10(max)); e++) out.push(10 ** e);
  return out;
}

function fmt(v: number, unit: string): string {
  const units = unit === 'B' ? ['B', 'KB', 'MB', 'GB'] : [unit];
  let i = 0;
  while (unit === 'B' && v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 1000 ? v.toLocaleString('en-US') : v} ${units[i]}`;
}

/** One panel at (ox, 0): axes, decade grid lines, the lines and their points. */
function panel(ox: number, title: string, unit: string, all: Series[]): string {
  const xs = all.flatMap((s) => s.points.map((p) => p.x));
  const ys = all.flatMap((s) => s.points.map((p) => p.y));
  if (!xs.length) return '';
  const xt = decades(Math.min(...xs), Math.max(...xs));
  const yt = decades(Math.min(...ys), Math.max(...ys));
  const [x0, x1, y0, y1] = [log10(xt[0]), log10(xt[xt.length - 1]), log10(yt[0]), log10(yt[yt.length - 1])];
  const px = (x: number) => ox + PAD.left + ((log10(x) - x0) / Math.max(1e-9, x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((log10(y) - y0) / Math.max(1e-9, y1 - y0)) * (H - PAD.top - PAD.bottom);
  const out: string[] = [`<text x="${ox + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (const t of yt) {
    out.push(`<line x1="${px(xt[0])}" x2="${px(xt[xt.length - 1])}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`,
      `<text x="${px(xt[0]) - 6}" y="${py(t) + 4}" text-anchor="end">${esc(fmt(t, unit))}</text>`);
  }
  for (const t of xt) {
    out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${py(yt[0])}" y2="${py(yt[yt.length - 1])}" stroke="#eee"/>`,
      `<text x="${px(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t.toLocaleString('en-US')}</text>`);
  }
  out.push(`<text x="${ox + W / 2}" y="${H - 8}" text-anchor="middle">sessions</text>`);
  for (const s of all) {
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  return out.join('\n');
}

function legend(all: Series[], y: number): string {
  return all.map((s, i) => {
    const x = 20 + i * 190;
    return `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"` +
      `${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${x + 30}" y="${y + 4}">${esc(s.label)}</text>`;
  }).join('\n');
}

export function benchSvg(b: BenchResult): string {
  const duration = series(b.runs, (r) => r.durationMs);
  const bytes = series(b.runs, (r) => r.bytesUp);
  const height = H + 50;
  const caption = `Initial sync, ${b.options.rttMs} ms RTT, ${b.options.mbit} Mbit/s; log-log; ${b.startedAt.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" ` +
      'font-family="sans-serif" font-size="11">',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    panel(0, 'Duration', 'ms', duration),
    panel(W, 'Bytes up (file: counted in the client)', 'B', bytes),
    legend(duration, H + 10),
    `<text x="20" y="${H + 36}" fill="#555">${esc(caption)}</text>`,
    '</svg>', '',
  ].join('\n');
}
