// End to end: the Manifest V3 example extension (www/extension/) loaded
// unpacked into Debian's Chromium in new headless mode. Its service worker
// runs @wig/graph with the graph in IndexedDB; the popup (opened as a page
// with ?tab=ID, since headless has no toolbar to click) answers "how am I
// connected to the person on this page?" for locally served profile pages.
// The answers are checked against the same engine run in Node on the same
// demo graph. Screenshots go to test-artifacts/ (git-ignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildExtension } from '../../scripts/build-extension.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { expectedCounts } from '../../www/sample.js';
import { CHROMIUM_ARGS } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const extensionDir = join(root, 'www/extension');
const artifacts = join(root, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

// The copy of the package inside the extension must exist before Chromium loads it.
buildExtension({ log: () => {} });
// Imported after the build: seed.js reads the sample graph from the copy.
const { demoGraph, seedDemoGraph } = await import('../../www/extension/seed.js');
const { Graph } = await import('../../pkg/node.js');

let server;
let context;
let userDataDir;
let worker;
let extensionId;
let reference; // the same demo graph, in memory, in Node: what the popup must show

before(async () => {
  server = await startServer({ mounts: { '/': join(extensionDir, 'demo') } });
  userDataDir = mkdtempSync(join(tmpdir(), 'wig-extension-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Playwright passes --disable-extensions by default; extensions need it gone.
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--headless=new', `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`, ...CHROMIUM_ARGS],
  });
  worker = context.serviceWorkers().find((w) => w.url().endsWith('/background.js')) ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
  extensionId = new URL(worker.url()).host;
  reference = await Graph.open('reference', { storage: 'memory' });
  await seedDemoGraph(reference);
});

after(async () => {
  await context?.close();
  server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

const pageUrl = (file) => `http://127.0.0.1:${server.address().port}/${file}`;

/** Asks the service worker from an extension page, as the popup does. */
async function askWorker(message) {
  const page = await context.newPage();
  try {
    await page.goto(`chrome-extension://${extensionId}/popup.html?tab=0`);
    return await page.evaluate((m) => chrome.runtime.sendMessage(m), message);
  } finally {
    await page.close();
  }
}

/** Opens a profile page (a file of demo/, or a URL) and finds its tab id: the tab whose content script reads that name. */
async function openProfile(fileOrUrl, name) {
  const page = await context.newPage();
  await page.goto(fileOrUrl.startsWith('http') ? fileOrUrl : pageUrl(fileOrUrl));
  const tabId = await worker.evaluate(async (name) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const tab of await chrome.tabs.query({})) {
        try {
          const profile = await chrome.tabs.sendMessage(tab.id, { type: 'wig:extract' });
          if (profile?.name === name) return tab.id;
        } catch {
          // no content script in this tab
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }, name);
  assert.ok(Number.isInteger(tabId), `no tab with a content script reading "${name}"`);
  return { page, tabId };
}

async function badge(tabId) {
  return worker.evaluate(async (tabId) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const text = await chrome.action.getBadgeText({ tabId });
      if (text) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    return '';
  }, tabId);
}

async function openPopup(tabId) {
  const popup = await context.newPage();
  await popup.setViewportSize({ width: 460, height: 640 }); // about a toolbar popup's size
  const errors = [];
  popup.on('pageerror', (e) => errors.push(e));
  await popup.goto(`chrome-extension://${extensionId}/popup.html?tab=${tabId}`);
  await popup.waitForSelector('[data-testid=status]:not([data-state=busy])[data-state]', { timeout: 60_000 });
  return { popup, errors };
}

const byName = (name) => {
  const person = demoGraph().people.find((p) => p.names[0] === name);
  assert.ok(person, `${name} is not in the demo graph any more: www/sample.js changed; update www/extension/demo/*.html`);
  return person;
};

test('the extension loads in new headless Chromium and its service worker keeps the demo graph in IndexedDB', { timeout: 120_000 }, async () => {
  assert.match(worker.url(), /^chrome-extension:\/\/[a-p]{32}\/background\.js$/);
  const answer = await askWorker({ type: 'wig:stats' });
  assert.equal(answer.ok, true, JSON.stringify(answer));
  const demo = demoGraph();
  const { stats, meId, timings } = answer.result;
  assert.ok(timings.seedSeconds > 0, 'this worker seeded the demo graph on install');
  assert.deepEqual(
    { people: stats.people, organizations: stats.organizations, edges: stats.edges, interactions: stats.interactions },
    expectedCounts(demo),
  );
  assert.equal(meId, demo.people[0].id, 'default "me" is the sample graph\'s first person');
  // In the worker itself (no DOM there): the data is in IndexedDB, not in memory.
  const idb = await worker.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('wig-extension');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const stores = [...db.objectStoreNames];
    const count = (store) =>
      new Promise((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).count();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const rows = { people: await count('people'), edges: await count('edges') };
    db.close();
    return { names, stores, rows, hasWindow: typeof window !== 'undefined', hasDocument: typeof document !== 'undefined' };
  });
  assert.ok(idb.names.includes('wig-extension'), `databases: ${idb.names}`);
  for (const store of ['people', 'edges', 'interactions', 'audit', 'outbox']) assert.ok(idb.stores.includes(store), `stores: ${idb.stores}`);
  assert.ok(idb.rows.people > 0 && idb.rows.edges > 0, JSON.stringify(idb.rows));
  assert.equal(idb.hasWindow, false);
  assert.equal(idb.hasDocument, false);
});

test('the popup shows the person on the profile page (matched by profile URL) and the best intro paths with hop strengths', { timeout: 120_000 }, async () => {
  const { page, tabId } = await openProfile('profile.html', 'Margaret Lamport');
  const me = demoGraph().people[0];
  const target = byName('Margaret Lamport');
  const expected = reference.introPaths(me.id, target.id, { k: 3, maxHops: 4 });
  assert.ok(expected.length > 0, 'the fixture person must be reachable in the demo graph');
  // The content script told the worker on page load: the badge counts the paths.
  assert.equal(await badge(tabId), String(expected.length));
  await page.screenshot({ path: join(artifacts, 'extension-profile-page.png') });

  const { popup, errors } = await openPopup(tabId);
  await popup.screenshot({ path: join(artifacts, 'extension-popup-matched.png'), fullPage: true });
  assert.equal(await popup.getAttribute('[data-testid=status]', 'data-state'), 'matched', await popup.textContent('[data-testid=status]'));
  assert.equal(await popup.textContent('[data-testid=person]'), 'Margaret Lamport');
  assert.equal(await popup.textContent('[data-testid=person-details]'), 'CTO · Pied Piper');
  assert.match(await popup.textContent('[data-testid=match]'), /profile URL \(linkedin\.com\/in\/margaret-lamport\)/);
  assert.equal(await popup.textContent('[data-testid=me]'), 'From Ada Lovelace (Cyberdyne)');

  const paths = popup.locator('[data-testid=path]');
  assert.equal(await paths.count(), expected.length);
  for (let i = 0; i < expected.length; i++) {
    const path = paths.nth(i);
    const people = await path.locator('[data-testid=path-person]').allTextContents();
    assert.deepEqual(people, expected[i].personIds.map((id) => reference.getPerson(id).names[0]));
    const hops = await path.locator('[data-testid=hop-strength]').allTextContents();
    assert.deepEqual(
      hops.map((h) => h.match(/(\d\.\d\d)/)[1]),
      expected[i].hopStrengths.map((s) => s.toFixed(2)),
    );
    // Exactly one hop is marked as the weakest link, the one the engine names.
    const weakest = hops.map((h, j) => (h.includes('weakest') ? j : -1)).filter((j) => j >= 0);
    assert.deepEqual(weakest, [expected[i].weakestHop.index]);
  }

  // Keyboard: focus starts on the answer; Tab reaches the first path, then the next.
  assert.equal(await popup.evaluate(() => document.activeElement.id), 'result-heading');
  await popup.keyboard.press('Tab');
  assert.equal(await popup.evaluate(() => document.activeElement.dataset.testid), 'path');
  assert.match(await popup.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Path 1: Ada Lovelace, then .*Margaret Lamport; \d hops?, score \d\.\d\d/);
  assert.deepEqual(errors, []);
  await popup.close();
  await page.close();
});

test('a profile whose URL is not on record is matched by name and company, with the evidence shown', { timeout: 120_000 }, async () => {
  const { page, tabId } = await openProfile('profile-by-name.html', 'Frances Allen');
  const { popup, errors } = await openPopup(tabId);
  await popup.screenshot({ path: join(artifacts, 'extension-popup-by-name.png'), fullPage: true });
  assert.equal(await popup.getAttribute('[data-testid=status]', 'data-state'), 'matched', await popup.textContent('[data-testid=status]'));
  assert.equal(await popup.textContent('[data-testid=person]'), 'Frances Allen');
  const match = await popup.textContent('[data-testid=match]');
  assert.match(match, /Matched by name and company: \d+% likely the same person/);
  assert.match(match, /name: exact/);
  // "Acme Analytics, Inc." on the page is the graph's "Acme Analytics".
  assert.match(match, /org: exact/);
  const target = byName('Frances Allen');
  const expected = reference.introPaths(demoGraph().people[0].id, target.id, { k: 3, maxHops: 4 });
  assert.equal(await popup.locator('[data-testid=path]').count(), expected.length);
  assert.ok(expected.length >= 1);
  assert.deepEqual(errors, []);
  await popup.close();
  await page.close();
});

test('a person who is not in the graph gets a clear "not found"', { timeout: 120_000 }, async () => {
  const { page, tabId } = await openProfile('profile-unknown.html', 'Marie Curie');
  assert.equal(await badge(tabId), '?');
  const { popup, errors } = await openPopup(tabId);
  await popup.screenshot({ path: join(artifacts, 'extension-popup-not-found.png'), fullPage: true });
  assert.equal(await popup.getAttribute('[data-testid=status]', 'data-state'), 'not-found');
  assert.match(await popup.textContent('[data-testid=status]'), /^Not found: Marie Curie at Radium Institute is not in your graph/);
  assert.equal(await popup.isVisible('[data-testid=paths]'), false);
  assert.deepEqual(errors, []);
  await popup.close();
  await page.close();
});

test('names from the page are shown as text: markup in a profile never becomes HTML in the popup', { timeout: 120_000 }, async () => {
  const hostile = '<img src=x onerror="document.title=\'pwned\'">Eve <b>Mallory</b>';
  const dir = mkdtempSync(join(tmpdir(), 'wig-hostile-'));
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  // The page itself shows the markup as text (escaped), as LinkedIn would; the content script reads that text.
  writeFileSync(join(dir, 'profile-hostile.html'), `<!doctype html><meta charset="utf-8"><title>hostile</title><main><h1>${escape(hostile)}</h1><div class="text-body-medium">Spy at ${escape('<script>alert(1)</script>')}</div></main>`);
  const hostileServer = await startServer({ mounts: { '/': dir } });
  try {
    const { page, tabId } = await openProfile(`http://127.0.0.1:${hostileServer.address().port}/profile-hostile.html`, hostile);
    const { popup, errors } = await openPopup(tabId);
    assert.equal(await popup.getAttribute('[data-testid=status]', 'data-state'), 'not-found');
    const status = await popup.textContent('[data-testid=status]');
    assert.ok(status.includes(hostile), status);
    assert.ok(status.includes('<script>alert(1)</script>'), status);
    assert.equal(await popup.locator('img, b, script:not([src])').count(), 0, 'no element made from page text');
    assert.notEqual(await popup.title(), 'pwned');
    assert.deepEqual(errors, []);
    await popup.close();
    await page.close();
  } finally {
    hostileServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('"This is me", chosen with the keyboard, moves the start of every path; bad messages get typed errors', { timeout: 120_000 }, async () => {
  const { page, tabId } = await openProfile('profile-by-name.html', 'Frances Allen');
  const { popup, errors } = await openPopup(tabId);
  await popup.focus('#set-me');
  await popup.keyboard.press('Enter');
  await popup.waitForSelector('[data-testid=status][data-state=is-me]');
  assert.equal(await popup.textContent('[data-testid=me]'), 'From Frances Allen (Acme Analytics)');
  assert.equal(await popup.textContent('[data-testid=status]'), 'This is you.');
  const frances = byName('Frances Allen');
  assert.equal((await askWorker({ type: 'wig:stats' })).result.meId, frances.id);

  // Refused, naming the field, and nothing changed.
  const badId = await askWorker({ type: 'wig:set-me', personId: '00000000-0000-4000-8000-000000000000' });
  assert.deepEqual([badId.ok, badId.error.code, badId.error.field], [false, 'NOT_FOUND', 'personId']);
  const badProfile = await askWorker({ type: 'wig:lookup', profile: { name: 42 } });
  assert.deepEqual([badProfile.ok, badProfile.error.code, badProfile.error.field], [false, 'INVALID_PROFILE', 'name']);
  const noName = await askWorker({ type: 'wig:lookup', profile: { company: 'Globex' } });
  assert.deepEqual([noName.ok, noName.error.code, noName.error.field], [false, 'INVALID_PROFILE', 'name']);
  assert.equal((await askWorker({ type: 'wig:stats' })).result.meId, frances.id);

  // Back to the default "me" for the tests after this one.
  const reset = await askWorker({ type: 'wig:set-me', personId: demoGraph().people[0].id });
  assert.equal(reset.ok, true);
  assert.deepEqual(errors, []);
  await popup.close();
  await page.close();
});

test('a stopped service worker starts again on the next question and reads the graph back from IndexedDB, without seeding twice', { timeout: 120_000 }, async () => {
  const before = await askWorker({ type: 'wig:stats' });
  assert.equal(before.ok, true);
  // MV3 stops idle workers. Stop it now from chrome://serviceworker-internals
  // (the DevTools protocol of a page session does not reach extension workers).
  const internals = await context.newPage();
  await internals.goto('chrome://serviceworker-internals/');
  const registration = internals.locator('.serviceworker-registration', { hasText: `chrome-extension://${extensionId}/` });
  const state = async () => {
    const text = (await registration.textContent()).replace(/\s+/g, ' ');
    return { status: text.match(/Running Status: (\w+)/)?.[1], process: text.match(/Renderer process ID: (\d+)/)?.[1] };
  };
  await internals.waitForFunction(() => document.body.textContent.includes('Running Status'));
  const running = await state();
  assert.equal(running.status, 'RUNNING');
  await registration.locator('cr-button', { hasText: 'Stop' }).first().click();
  await internals.waitForFunction(() => /Running Status:\s*STOPPED/.test(document.body.textContent));

  const after = await askWorker({ type: 'wig:stats' });
  assert.equal(after.ok, true, JSON.stringify(after));
  // graphIndexBytes is null until a query builds the (lazy) search index in the new worker.
  const persisted = ({ graphIndexBytes, ...rest }) => rest;
  assert.deepEqual(persisted(after.result.stats), persisted(before.result.stats), 'same counts, same audit trail: read back, not seeded again');
  assert.equal(after.result.meId, before.result.meId);
  assert.equal(after.result.timings.seedSeconds, null, 'the restarted worker did not seed');
  assert.ok(after.result.timings.openSeconds > 0);
  await internals.reload();
  await internals.waitForFunction(() => document.body.textContent.includes('Running Status'));
  const restarted = await state();
  assert.equal(restarted.status, 'RUNNING');
  assert.notEqual(restarted.process, running.process, 'a new worker process answered');
  await internals.close();

  const { page: profile, tabId } = await openProfile('profile.html', 'Margaret Lamport');
  const { popup } = await openPopup(tabId);
  assert.equal(await popup.getAttribute('[data-testid=status]', 'data-state'), 'matched');
  await popup.close();
  await profile.close();
});
