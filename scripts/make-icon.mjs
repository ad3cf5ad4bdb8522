#!/usr/bin/env node
// Draws the extension's Marketplace icon (media/icon.png, 128x128) from the SVG below, rendered by the Chromium
// the integration tests already use (playwright-core), so no image tool or downloaded artwork is needed.
// Run it again after changing the drawing: node scripts/make-icon.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'media', 'icon.png');
const CHROMIUM = process.env.SESSION_SYNC_CHROMIUM ?? '/usr/bin/chromium';

// A cloud (your database) above three timeline bars (recorded sessions), joined by an upload arrow.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1f6feb"/><stop offset="1" stop-color="#0b2a5b"/>
    </linearGradient>
  </defs>
  <rect x="4" y="4" width="120" height="120" rx="26" fill="url(#bg)"/>
  <path d="M38 62a16 16 0 0 1 4-31.5A22 22 0 0 1 84 26a18 18 0 0 1 8 36z" fill="#ffffff"/>
  <path d="M64 58V36m-10 10l10-10 10 10" stroke="#1f6feb" stroke-width="6" fill="none"
    stroke-linecap="round" stroke-linejoin="round"/>
  <rect x="26" y="80" width="30" height="9" rx="4.5" fill="#7ee2b8"/>
  <rect x="26" y="94" width="52" height="9" rx="4.5" fill="#ffd866"/>
  <rect x="62" y="80" width="40" height="9" rx="4.5" fill="#ff9e7a"/>
  <rect x="84" y="94" width="18" height="9" rx="4.5" fill="#c3a6ff"/>
</svg>`;

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${SVG}</body></html>`);
  await page.locator('svg').screenshot({ path: OUT, omitBackground: true });
  console.log(`wrote ${path.relative(ROOT, OUT)}`);
} finally {
  await browser.close();
}
