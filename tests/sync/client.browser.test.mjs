// The sync client in headless Chromium against the real server (PostgreSQL +
// postrust via scripts/pg.sh): real IndexedDB, two tabs of one device (Web
// Locks, BroadcastChannel), a second device (another browser context), the
// browser's offline switch, and a module worker (no window).
//   node --test tests/sync/client.browser.test.mjs
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from './server.mjs';
import { userToken } from './jwt.mjs';
import { startPageServer } from './page/server.mjs';
import { launch } from '../e2e/browser.mjs';

let pages;
let deviceA;
let deviceB;
before(async () => {
  const gateway = startServer();
  pages = await startPageServer(gateway);
  deviceA = await launch();
  deviceB = await launch();
});
after(async () => {
  await deviceA?.close();
  await deviceB?.close();
  pages?.close();
});

async function tab(context) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${pages.address().port}/page/index.html`);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  page.errors = errors;
  return page;
}

// Runs in the page: opens `name` from IndexedDB and keeps graph + sync on window.
const setup = async ({ name, token }) => {
  const { Graph, createSync } = window.wig;
  window.graph = await Graph.open(name);
  window.sync = createSync(window.graph, { url: `${location.origin}/api`, getToken: () => token, batchSize: 50, pageSize: 40, backoffMs: 10 });
  window.events = [];
  for (const type of ['status', 'progress', 'remotechange', 'error']) {
    window.sync.on(type, (d) => window.events.push({ type, detail: type === 'error' ? d.code : d }));
  }
};

test('two devices and two tabs sync through the real server with IndexedDB', async () => {
  const sub = `user-${randomUUID()}`;
  const token = userToken(sub);
  const name = `g-${randomUUID()}`;
  const a1 = await tab(deviceA);
  await a1.evaluate(setup, { name, token });
  const ids = await a1.evaluate(async () => {
    const people = await graph.upsertPeople(Array.from({ length: 120 }, (_, i) => ({ names: [`Person ${i}`], emails: [`p${i}@example.org`] })));
    await graph.upsertEdges(people.slice(1).map((p, i) => ({ fromPersonId: people[i].id, toPersonId: p.id, strength: 0.5 })));
    const result = await sync.syncNow();
    return { result, ada: people[0].id, bob: people[1].id, outbox: graph.stats().outboxChanges };
  });
  assert.equal(ids.result.pushed, 239);
  assert.equal(ids.outbox, 0);

  // Device B: a fresh IndexedDB, pulled page by page.
  const b = await tab(deviceB);
  await b.evaluate(setup, { name, token });
  const pulled = await b.evaluate(async () => ({ result: await sync.syncNow(), stats: graph.stats(), checkpoint: graph.syncCheckpoint() }));
  assert.equal(pulled.result.pulled, 239);
  assert.equal(pulled.stats.people, 120);
  assert.equal(pulled.stats.edges, 119);
  assert.equal(pulled.stats.outboxChanges, 0);
  // Reopened from IndexedDB: rows and checkpoint were stored together.
  await b.reload();
  await b.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  await b.evaluate(setup, { name, token });
  assert.deepEqual(await b.evaluate(() => [graph.stats().people, graph.syncCheckpoint(), graph.shortestPath(graph.listPeople({ limit: 1 }).items[0].id, graph.listPeople({ limit: 1 }).items[0].id) !== undefined]), [120, pulled.checkpoint, true]);

  // A second tab on device A listens; device B edits; tab 1 pulls; tab 2 sees it.
  const a2 = await tab(deviceA);
  await a2.evaluate(setup, { name, token });
  await b.evaluate(async (id) => {
    await graph.upsertPerson({ id, names: ['Ada Lovelace'], emails: ['p0@example.org'], title: 'Countess' });
    await sync.syncNow();
  }, ids.ada);
  const seen = a2.evaluate(() => new Promise((resolve) => sync.on('remotechange', (d) => resolve(d.ids))));
  await a1.evaluate(() => sync.pull());
  const changed = await seen;
  assert.ok(changed.includes(ids.ada), 'the other tab was told which records changed');
  assert.equal(await a2.evaluate((id) => graph.getPerson(id).title, ids.ada), 'Countess', 'and reloaded them');

  // Web Locks: while tab 2 holds the sync lock, tab 1 does not sync.
  await a2.evaluate(() => { window.release = null; navigator.locks.request(`wig-sync:${graph.name}`, () => new Promise((r) => { window.release = r; })); });
  await a2.waitForFunction(() => window.release !== null);
  assert.deepEqual(await a1.evaluate(() => sync.syncNow()), { skipped: 'locked' });
  await a2.evaluate(() => window.release());

  // Offline: skipped and status offline; back online, a started sync resumes.
  await a1.evaluate(() => graph.upsertPerson({ names: ['Offline Person'] }));
  await deviceA.setOffline(true);
  assert.deepEqual(await a1.evaluate(async () => [await sync.syncNow(), sync.status]), [{ skipped: 'offline' }, 'offline']);
  await a1.evaluate(() => sync.start({ interval: 60_000 }));
  await deviceA.setOffline(false);
  await a1.waitForFunction(() => graph.stats().outboxChanges === 0 && sync.status === 'idle', null, { timeout: 20_000 });
  await a1.evaluate(() => sync.stop());
  assert.ok(await a1.evaluate(() => window.events.some((e) => e.type === 'status' && e.detail.status === 'offline')));
  assert.deepEqual([...a1.errors, ...a2.errors, ...b.errors], []);
});

test('a module worker (no window) syncs with IndexedDB', async () => {
  const sub = `user-${randomUUID()}`;
  const token = userToken(sub);
  const page = await tab(deviceB);
  const out = await page.evaluate(({ name, token }) => new Promise((resolve) => {
    const worker = new Worker('/page/worker.js', { type: 'module' });
    worker.onmessage = ({ data }) => resolve(data);
    worker.onerror = (e) => resolve({ error: e.message });
    worker.postMessage({ name, token, people: [{ names: ['Worker Ada'] }, { names: ['Worker Bob'] }] });
  }), { name: `w-${randomUUID()}`, token });
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.hasWindow, false);
  assert.equal(out.result.pushed, 2);
  assert.equal(out.stats.outboxChanges, 0);
  assert.equal(out.checkpoint, 2, 'pulled back its own two rows');
});
