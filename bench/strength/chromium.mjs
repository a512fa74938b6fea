// Full strength recompute in wasm in headless Chromium (a page), on the
// built module: the twin of bench/strength/wasm.mjs (see bench/strength/page.html).
// Usage: node bench/strength/chromium.mjs DATA.json → prints one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../../tests/e2e/browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const data = '/' + relative(root, resolve(process.argv[2]));
const server = await startServer({ mounts: { '/': root } });
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'wig-bench-strength-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [...CHROMIUM_ARGS, '--js-flags=--max-old-space-size=8192'],
});
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(e));
  const url = `http://127.0.0.1:${server.address().port}/bench/strength/page.html`;
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  const version = await page.evaluate(() => navigator.userAgent.match(/Chrom[a-z]*\/[\d.]+/)?.[0] ?? navigator.userAgent);
  const now = Date.parse('2026-01-01T00:00:00Z');
  const out = process.env.STRENGTH_IDB_ONLY ? {} : await page.evaluate(([d, n]) => window.runStrength(d, n), [data, now]);
  await page.close();
  // IndexedDB, in a page of its own (see runStrengthIndexedDb).
  const idbPage = await context.newPage();
  idbPage.on('pageerror', (e) => console.error(e));
  await idbPage.goto(url);
  await idbPage.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  const indexeddb = await idbPage.evaluate(([d, n]) => window.runStrengthIndexedDb(d, n), [data, now]);
  console.log(JSON.stringify({ ...out, indexeddb, version }));
} finally {
  await context.close();
  server.close();
}
