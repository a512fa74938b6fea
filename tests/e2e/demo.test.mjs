// End to end: the demo page in headless Chromium loads the sample graph into
// IndexedDB and shows its counts; a reload reads them back from IndexedDB.
// Also: the package bundled by Vite works in a page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { sampleGraph, expectedCounts } from '../../www/sample.js';
import { launch } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = join(root, 'test-results');
mkdirSync(artifacts, { recursive: true });

let server;
let context;
before(async () => {
  server = await startServer();
  context = await launch();
});
after(async () => {
  await context?.close();
  server?.close();
});

const url = () => `http://127.0.0.1:${server.address().port}/`;

async function countsOn(page) {
  await page.waitForSelector('[data-testid=status][data-state]', { timeout: 60_000 });
  const state = await page.getAttribute('[data-testid=status]', 'data-state');
  assert.equal(state, 'ready', await page.textContent('[data-testid=status]'));
  const read = async (k) => Number(await page.textContent(`[data-testid=count-${k}]`));
  return { people: await read('people'), organizations: await read('organizations'), edges: await read('edges'), interactions: await read('interactions') };
}

test('the demo page loads the sample graph into IndexedDB and shows its counts', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(url());
  const expected = expectedCounts(sampleGraph());
  assert.deepEqual(await countsOn(page), expected);
  assert.match(await page.textContent('[data-testid=status]'), /sample graph loaded/);
  assert.equal(await page.locator('[data-testid=people] tr').count(), 50);
  await page.screenshot({ path: join(artifacts, 'demo-first-load.png'), fullPage: true });

  // Reload: the same counts, now read back from IndexedDB.
  await page.reload();
  assert.deepEqual(await countsOn(page), expected);
  assert.match(await page.textContent('[data-testid=status]'), /opened from IndexedDB/);

  // Search filters the people list.
  await page.fill('#search', 'lovelace');
  const names = await page.locator('[data-testid=people] tr td:first-child').allTextContents();
  assert.ok(names.length > 0 && names.every((n) => n.includes('Lovelace')), names.join(', '));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the package bundled by Vite opens a graph in IndexedDB', async () => {
  const { build } = await import('vite');
  const outDir = join(artifacts, 'vite-dist');
  await build({ root: join(root, 'tests/e2e/vite-app'), logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022' } });
  const vite = await startServer({ mounts: { '/': outDir } });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${vite.address().port}/`);
    await page.waitForSelector('#result[data-done]', { timeout: 60_000 });
    assert.equal(await page.textContent('#result'), 'ok 2 INVALID_EMAIL emails[0]');
    await page.close();
  } finally {
    vite.close();
  }
});
