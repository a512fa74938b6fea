// End to end: the dashboard's sync screen against the real server —
// PostgreSQL 15 + the postrust gateway (scripts/pg.sh, via tests/sync/server.mjs),
// reached through serve.mjs's same-origin /gateway/ proxy with a JWT for a
// fresh user. Browser A imports contacts and meetings and syncs; browser B
// (another profile, empty graph) syncs and has the same graph.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startServer } from '../../scripts/serve.mjs';
import { startServer as startGateway } from '../sync/server.mjs';
import { userToken } from '../sync/jwt.mjs';
import { launch, openDashboard, dashboardCounts as counts } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = join(root, 'test-results/dashboard');
mkdirSync(artifacts, { recursive: true });
const fixtures = join(root, 'tests/fixtures/dashboard');

const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});


async function syncNow(page) {
  await page.click('#tab-sync');
  await page.click('#sync-now');
  await page.waitForFunction(() => /^done/.test(document.getElementById('sync-progress-text').textContent), null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('[data-testid=sync-status]', 'data-state'), 'idle', await page.textContent('[data-testid=sync-status]'));
  assert.equal(await page.locator('[data-testid=sync-error]').count(), 0, await page.textContent('[data-testid=sync-errors]'));
}

test('sync from the dashboard: one browser pushes its imports, another pulls the same graph', async () => {
  const gateway = startGateway();
  const token = userToken(`dashboard-${randomUUID()}`);
  const web = await startServer({ gateway, config: { sample: false, sync: { url: '/gateway', token } } });
  closers.push(() => web.close());
  const url = `http://127.0.0.1:${web.address().port}/`;

  const a = await launch();
  closers.push(() => a.close());
  const { page: pageA, errors: errorsA } = await openDashboard(a, url);
  assert.deepEqual(await counts(pageA), { people: 0, organizations: 0, edges: 0, interactions: 0 });
  await pageA.click('#tab-import');
  await pageA.setInputFiles('[data-testid=file-input]', [join(fixtures, 'contacts.vcf'), join(fixtures, 'calendar.ics')]);
  await pageA.click('#import-start');
  await pageA.waitForFunction(() => document.querySelectorAll('[data-testid=file-report][data-state=done]').length === 2, null, { timeout: 60_000 });
  const imported = await counts(pageA);
  assert.ok(imported.people >= 6 && imported.interactions >= 20, JSON.stringify(imported));

  await pageA.click('#tab-sync');
  assert.equal(await pageA.inputValue('#sync-url'), `${url}gateway`, 'preset from /config.json, resolved against the page');
  assert.match(await pageA.textContent('[data-testid=sync-outbox]'), /^[1-9]\d* changes not yet pushed/);
  await syncNow(pageA);
  assert.match(await pageA.textContent('[data-testid=sync-outbox]'), /^0 changes not yet pushed/);
  await pageA.screenshot({ path: join(artifacts, '30-sync-pushed.png'), fullPage: true });

  const b = await launch();
  closers.push(() => b.close());
  const { page: pageB, errors: errorsB } = await openDashboard(b, url);
  assert.equal((await counts(pageB)).people, 0);
  await syncNow(pageB);
  assert.deepEqual(await counts(pageB), imported);
  await pageB.click('#tab-people');
  await pageB.fill('#search', 'babbage');
  assert.deepEqual(await pageB.locator('[data-testid=people] tr td:first-child').allTextContents(), ['Charles Babbage']);
  await pageB.screenshot({ path: join(artifacts, '31-sync-pulled.png'), fullPage: true });

  // A wrong token is refused and shown, not swallowed.
  await pageB.click('#tab-sync');
  await pageB.fill('#sync-token', 'not-a-jwt');
  await pageB.click('#sync-save');
  await pageB.click('#sync-now');
  await pageB.waitForSelector('[data-testid=sync-error]', { timeout: 60_000 });
  assert.match(await pageB.textContent('[data-testid=sync-errors]'), /UNAUTHORIZED/);
  assert.equal(await pageB.locator('[data-testid=sync-error]').count(), 1, 'one failure, shown once');
  assert.equal(await pageB.getAttribute('[data-testid=sync-status]', 'data-state'), 'unauthorized');
  await pageB.screenshot({ path: join(artifacts, '32-sync-refused.png'), fullPage: true });
  assert.deepEqual([...errorsA, ...errorsB], []);
});
