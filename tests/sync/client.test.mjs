// The sync client (pkg/sync.js over the Rust bookkeeping in src/sync) against
// the real server: PostgreSQL 15 + the postrust gateway, started by
// scripts/pg.sh (tests/sync/server.mjs), JWTs signed for test users.
//   node --test tests/sync/client.test.mjs
// Faults are injected by a loopback HTTP proxy in this file (a real TCP
// connection cut after the server answered; a 500 on a chosen request).
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Graph, createSync, errorCodes } from '@wig/graph';
import { startServer, rpc } from './server.mjs';
import { userToken } from './jwt.mjs';

let gateway;
before(() => {
  gateway = startServer();
});

const opened = [];
const syncs = [];
after(async () => {
  for (const s of syncs) s.close();
  for (const g of opened) await g.close().catch(() => {});
});

async function open() {
  const g = await Graph.open(`sync-${randomUUID()}`, { storage: 'memory' });
  opened.push(g);
  return g;
}

function client(graph, sub, extra = {}) {
  const token = userToken(sub);
  const s = createSync(graph, { url: gateway, getToken: () => token, backoffMs: 5, batchSize: 3, pageSize: 4, ...extra });
  syncs.push(s);
  return s;
}

/** Everything a graph holds, as the server would hold it (no syncVersion), by id. */
function snapshot(g) {
  const all = (list) => {
    const out = [];
    let cursor;
    do {
      const page = list({ limit: 10_000, includeDeleted: true, cursor });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out.map(({ syncVersion, ...r }) => r).sort((a, b) => a.id.localeCompare(b.id));
  };
  return {
    people: all((o) => g.listPeople(o)),
    organizations: all((o) => g.listOrganizations(o)),
    edges: all((o) => g.listEdges(o)),
    interactions: all((o) => g.listInteractions(o)),
  };
}

/** The server's live rows of user `sub`, in the same shape. */
async function serverSnapshot(sub) {
  const token = userToken(sub);
  const rows = new Map();
  let since = 0;
  for (;;) {
    const { status, body } = await rpc('wig_pull', { since, limit: 10_000 }, token);
    assert.equal(status, 200, JSON.stringify(body));
    for (const c of body.changes) rows.set(`${c.kind}/${c.id}`, c);
    since = body.checkpoint;
    if (!body.more) break;
  }
  const of = (kind) => [...rows.values()].filter((c) => c.kind === kind && !c.erased).map((c) => c.record)
    .sort((a, b) => a.id.localeCompare(b.id));
  return { snapshot: { people: of('person'), organizations: of('organization'), edges: of('edge'), interactions: of('interaction') }, rows, checkpoint: since };
}

/** Two graphs of one user, each with its sync client. */
async function twoDevices() {
  const sub = `user-${randomUUID()}`;
  const a = await open();
  const b = await open();
  return { sub, a, b, sa: client(a, sub), sb: client(b, sub) };
}

/** A loopback HTTP proxy to the gateway; `rule(n, name)` picks what happens to request n (1-based) of rpc `name`. */
async function proxy(rule) {
  const counts = new Map();
  const log = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const name = req.url.split('/').pop();
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    const action = rule(n, name) ?? 'pass';
    log.push(`${name}#${n}:${action}`);
    if (action === 'error500') {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end('{"message":"injected failure"}');
      return;
    }
    if (action === 'cut-before') {
      req.socket.destroy();
      return;
    }
    if (action === 'hang') return; // the connection stays open, no answer ever comes
    const upstream = await fetch(`${gateway}${req.url}`, {
      method: req.method,
      headers: { 'Content-Type': 'application/json', Authorization: req.headers.authorization ?? '' },
      body,
    });
    const text = await upstream.text();
    if (action === 'cut-after') {
      // The server applied the call; the client never hears about it.
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'Content-Type': 'application/json' });
    res.end(text);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

async function rejectsWith(promise, code) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${code}`);
  assert.equal(error.name, 'WigError');
  assert.equal(error.code, code, error.message);
  return error;
}

describe('two devices of one user', () => {
  for (const order of ['A then B', 'B then A']) {
    test(`edit, merge and delete offline, sync ${order}: both converge to the server's state`, async () => {
      const { sub, a, b, sa, sb } = await twoDevices();

      const acme = await a.upsertOrganization({ name: 'Acme', domain: 'acme.com' });
      const [ada, bob, cy] = await a.upsertPeople([
        { names: ['Ada Lovelace'], emails: ['ada@example.org'], organizationId: acme.id },
        { names: ['Bob Smith'], emails: ['bob@example.org'] },
        { names: ['Cy Young'], emails: ['cy@example.org'] },
      ]);
      const ab = await a.upsertEdge({ fromPersonId: ada.id, toPersonId: bob.id, strength: 0.5 });
      const ac = await a.upsertEdge({ fromPersonId: ada.id, toPersonId: cy.id, strength: 0.3 });
      await a.upsertInteraction({ sourceName: 'gmail', sourceId: 'm1', timestamp: '2024-05-01T10:00:00Z',
        participants: ['ada@example.org', 'bob@example.org'], channel: 'email' });
      await sa.syncNow();
      assert.equal(a.stats().outboxChanges, 0, 'everything acknowledged');
      await sb.syncNow();
      assert.deepEqual(snapshot(b), snapshot(a), 'B has what A pushed');
      assert.equal(b.stats().outboxChanges, 0, 'pulled rows do not enter the outbox');

      // Offline on both. A: adds an email and a title to Ada, a phone to Bob,
      // a new person and edge, deletes the Ada–Cy edge.
      await a.upsertPerson({ id: ada.id, names: ['Ada Lovelace'], emails: ['ada@example.org', 'ada@work.org'],
        organizationId: acme.id, title: 'Countess' });
      await a.upsertPerson({ id: bob.id, names: ['Bob Smith'], emails: ['bob@example.org'], phones: ['+14155550100'] });
      const dee = await a.upsertPerson({ names: ['Dee'], emails: ['dee@example.org'] });
      await a.upsertEdge({ fromPersonId: dee.id, toPersonId: ada.id, strength: 0.9 });
      await a.deleteEdge(ac.id);
      // B (later): retitles Ada, merges Bob into a new duplicate, deletes Cy.
      await new Promise((r) => setTimeout(r, 5));
      await b.upsertPerson({ id: ada.id, names: ['Ada Lovelace'], emails: ['ada@example.org'], organizationId: acme.id,
        title: 'Analyst' });
      const bob2 = await b.upsertPerson({ names: ['Robert Smith'], emails: ['bob@example.org', 'rob@example.org'] });
      await b.merge(bob2.id, [bob.id]);
      await b.deletePerson(cy.id);

      const [first, second] = order === 'A then B' ? [sa, sb] : [sb, sa];
      await first.syncNow();
      await second.syncNow();
      await first.syncNow();
      await second.syncNow();
      assert.equal(a.stats().outboxChanges, 0);
      assert.equal(b.stats().outboxChanges, 0);
      const sa1 = snapshot(a);
      assert.deepEqual(snapshot(b), sa1, 'both devices hold the same graph');
      const server = await serverSnapshot(sub);
      assert.deepEqual(server.snapshot, sa1, 'and so does the server');

      const adaNow = a.getPerson(ada.id);
      assert.equal(adaNow.title, 'Analyst', 'the later edit wins the scalar');
      assert.ok(adaNow.emails.includes('ada@work.org'), 'the earlier edit keeps its array item');
      assert.equal(a.getPerson(bob.id).mergedInto, bob2.id, 'the merge wins');
      assert.ok(a.getPerson(bob2.id).phones.includes('+14155550100'), 'the edit of the merged-away person reached the survivor');
      assert.ok(a.getPerson(cy.id).deletedAt, 'the delete wins');
      assert.ok(a.getPerson(dee.id) && b.getPerson(dee.id), 'nothing lost');
      assert.ok(a.getEdge(ac.id).deletedAt && b.getEdge(ac.id).deletedAt);
      assert.equal(b.getEdge(ab.id).toPersonId === bob2.id || b.getEdge(ab.id).fromPersonId === bob2.id, true,
        'the merge re-pointed the edge everywhere');
      // The indexes follow pulled rows: B's graph view sees A's new edge.
      assert.deepEqual(b.mutualConnections(dee.id, ada.id), [], 'a query on pulled rows runs');
      assert.ok(b.neighbors(dee.id, { depth: 1 }).total >= 1, 'pulled edge is in the graph view');
      sa.close();
      sb.close();
    });
  }

  test('both devices connect the same pair (and log the same event) offline: the pull folds ours into theirs, one edge and one interaction everywhere, search intact', async () => {
    const { sub, a, b, sa, sb } = await twoDevices();
    const [ada, bob, cy] = await a.upsertPeople([{ names: ['Ada'], emails: ['ada@x.org'] }, { names: ['Bob'], emails: ['bob@x.org'] }, { names: ['Cy'] }]);
    await sa.syncNow();
    await sb.syncNow();
    const event = { sourceName: 'cal', sourceId: 'standup-1', timestamp: '2024-05-01T10:00:00Z', participants: ['ada@x.org', 'bob@x.org'], channel: 'meeting' };
    await a.upsertEdge({ fromPersonId: ada.id, toPersonId: bob.id, strength: 0.4 });
    await a.upsertInteraction(event);
    await new Promise((r) => setTimeout(r, 5));
    const mine = await b.upsertEdge({ fromPersonId: bob.id, toPersonId: ada.id, strength: 0.7, metadata: { met: 'conference' } });
    await b.upsertEdge({ fromPersonId: bob.id, toPersonId: cy.id, strength: 0.6 });
    await b.upsertInteraction({ ...event, durationMinutes: 15 });
    await sa.syncNow();
    // B pulls A's edge and event: its own, never pushed, fold into them at
    // once (not at its push): one edge for the pair, one event, in the
    // listings and in the search index alike.
    await sb.pull();
    const pulledEdge = a.edgesOf(ada.id)[0];
    assert.equal(b.getEdge(mine.id), undefined, "B's duplicate went");
    assert.deepEqual(b.edgesOf(ada.id).map((e) => [e.id, e.strength]), [[pulledEdge.id, 0.7]]);
    assert.equal(b.listInteractions({ limit: 100 }).items.length, 1);
    assert.deepEqual(b.shortestPathIds(ada.id, cy.id), [ada.id, bob.id, cy.id]);
    await b.deleteEdge(pulledEdge.id);
    assert.equal(b.shortestPathIds(ada.id, cy.id), null, 'no second edge left behind');
    await b.upsertEdge({ ...b.getEdge(pulledEdge.id), deletedAt: null }); // restored
    await sb.syncNow();
    await sa.syncNow();
    for (const g of [a, b]) {
      const pair = g.listEdges({ limit: 100 }).items.filter((e) => [e.fromPersonId, e.toPersonId].sort().join() === [ada.id, bob.id].sort().join());
      assert.equal(pair.length, 1, 'one edge for the pair');
      assert.equal(pair[0].strength, 0.7, 'the later edit wins the scalar');
      assert.deepEqual(pair[0].metadata, { met: 'conference' }, "B's metadata folded in");
      assert.equal(g.listInteractions({ limit: 100 }).items.length, 1, 'one interaction for the source');
      assert.equal(g.stats().outboxChanges, 0);
    }
    assert.deepEqual(snapshot(b), snapshot(a));
    assert.deepEqual((await serverSnapshot(sub)).snapshot, snapshot(a));
    assert.deepEqual(a.shortestPathIds(ada.id, cy.id), [ada.id, bob.id, cy.id]);
    sa.close();
    sb.close();
  });

  test('an erase on one device beats a later edit on the other', async () => {
    const { sub, a, b, sa, sb } = await twoDevices();
    const [ada, bob] = await a.upsertPeople([{ names: ['Ada'], emails: ['ada@x.org'] }, { names: ['Bob'], emails: ['bob@x.org'] }]);
    await a.upsertEdge({ fromPersonId: ada.id, toPersonId: bob.id, strength: 0.5 });
    await sa.syncNow();
    await sb.syncNow();
    await b.upsertPerson({ id: ada.id, names: ['Ada'], emails: ['ada@x.org'], title: 'Dr' });
    await a.erasePerson(ada.id);
    await sa.syncNow();
    await sb.syncNow();
    await sa.syncNow();
    assert.equal(a.getPerson(ada.id), undefined);
    assert.equal(b.getPerson(ada.id), undefined, 'erased everywhere, the later edit included');
    assert.equal(b.stats().edges, 0, 'her edges too');
    assert.deepEqual(snapshot(a), snapshot(b));
    const server = await serverSnapshot(sub);
    assert.deepEqual(server.snapshot, snapshot(a));
    assert.equal(server.rows.get(`person/${ada.id}`).erased, true, 'the server keeps a tombstone');
    sa.close();
    sb.close();
  });
});

describe('faults', () => {
  test('a push whose connection is cut after the server applied it is replayed: no duplicate, nothing lost', async () => {
    const sub = `user-${randomUUID()}`;
    const g = await open();
    const people = await g.upsertPeople(Array.from({ length: 7 }, (_, i) => ({ names: [`P${i}`], emails: [`p${i}@x.org`] })));
    // Cut the answer of the 2nd push request (the 1st batch goes through).
    const p = await proxy((n, name) => (name === 'wig_push' && n === 2 ? 'cut-after' : 'pass'));
    const s = client(g, sub, { url: p.url, batchSize: 3 });
    const retries = [];
    s.on('retry', (r) => retries.push(r));
    await s.push();
    await p.close();
    assert.deepEqual(p.log.filter((l) => l.startsWith('wig_push')), ['wig_push#1:pass', 'wig_push#2:cut-after', 'wig_push#3:pass', 'wig_push#4:pass']);
    assert.equal(retries.length, 1, 'one retry after the cut');
    assert.equal(g.stats().outboxChanges, 0);
    const server = await serverSnapshot(sub);
    assert.equal(server.snapshot.people.length, 7, 'every person once');
    assert.equal(server.checkpoint, 7, 'each change written exactly once (7 versions for 7 records)');
    for (const person of people) assert.ok(g.getPerson(person.id).syncVersion > 0);
    assert.deepEqual(server.snapshot, snapshot(g));
    s.close();
  });

  test('a 500 on page 2 of a pull: the checkpoint stays after page 1, the next pull completes', async () => {
    const sub = `user-${randomUUID()}`;
    const src = await open();
    await src.upsertPeople(Array.from({ length: 10 }, (_, i) => ({ names: [`P${i}`], emails: [`p${i}@x.org`] })));
    const ss = client(src, sub);
    await ss.push();
    const g = await open();
    const p = await proxy((n, name) => (name === 'wig_pull' && n === 2 ? 'error500' : 'pass'));
    const s = client(g, sub, { url: p.url, pageSize: 4, retries: 0 });
    const statuses = [];
    s.on('status', ({ status }) => statuses.push(status));
    const error = await rejectsWith(s.pull(), 'SYNC_SERVER');
    assert.equal(error.status, 500);
    assert.equal(s.status, 'error');
    assert.equal(g.syncCheckpoint(), 4, 'page 1 applied with its checkpoint, nothing of page 2');
    assert.equal(g.stats().people, 4);
    await s.pull();
    assert.equal(g.syncCheckpoint(), 10);
    assert.equal(g.stats().people, 10);
    assert.equal(g.stats().outboxChanges, 0);
    assert.deepEqual(statuses, ['syncing', 'error', 'syncing', 'idle']);
    await p.close();
    // With retries, a 500 is retried with backoff and the pull goes through.
    const g2 = await open();
    const p2 = await proxy((n, name) => (name === 'wig_pull' && n === 2 ? 'error500' : 'pass'));
    const s2 = client(g2, sub, { url: p2.url, pageSize: 4, retries: 3 });
    await s2.pull();
    assert.equal(g2.stats().people, 10);
    assert.deepEqual(p2.log, ['wig_pull#1:pass', 'wig_pull#2:error500', 'wig_pull#3:pass', 'wig_pull#4:pass']);
    await p2.close();
    ss.close(); s.close(); s2.close();
  });

  test('network down: bounded retries, then NETWORK, and the outbox is intact', async () => {
    const g = await open();
    await g.upsertPerson({ names: ['Ada'] });
    const p = await proxy(() => 'cut-before');
    const s = client(g, `user-${randomUUID()}`, { url: p.url, retries: 2 });
    const errors = [];
    s.on('error', (e) => errors.push(e.code));
    await rejectsWith(s.push(), 'NETWORK');
    assert.equal(p.log.length, 3, 'first attempt + 2 retries');
    assert.deepEqual(errors, ['NETWORK']);
    assert.equal(g.stats().outboxChanges, 1);
    await p.close();
    s.close();
  });

  test('a server that never answers: each request is cut after timeoutMs and retried, then NETWORK; the next sync goes through', async () => {
    const g = await open();
    await g.upsertPerson({ names: ['Ada'] });
    const p = await proxy((n) => (n <= 2 ? 'hang' : 'pass'));
    const s = client(g, `user-${randomUUID()}`, { url: p.url, retries: 1, timeoutMs: 300 });
    const retries = [];
    s.on('retry', (r) => retries.push(r.reason));
    await rejectsWith(s.push(), 'NETWORK');
    assert.equal(retries.length, 1);
    assert.match(retries[0], /^no answer within \d+ ms$/);
    assert.equal(g.stats().outboxChanges, 1, 'nothing lost');
    await s.push();
    assert.equal(g.stats().outboxChanges, 0, 'the third request was answered');
    await p.close();
    s.close();
  });

  test('a custom fetch that ignores its AbortSignal is left after timeoutMs all the same', async () => {
    const g = await open();
    await g.upsertPerson({ names: ['Ada'] });
    const s = createSync(g, { url: gateway, getToken: () => 't', fetch: () => new Promise(() => {}), retries: 0, timeoutMs: 200 });
    await rejectsWith(s.push(), 'NETWORK');
    assert.equal(g.stats().outboxChanges, 1);
    s.close();
  });

  test('401: getToken is asked again once; a refused fresh token stops with UNAUTHORIZED', async () => {
    const g = await open();
    await g.upsertPerson({ names: ['Ada'] });
    const sub = `user-${randomUUID()}`;
    const asked = [];
    const expired = userToken(sub, { ttlSeconds: -60 });
    const s = createSync(g, { url: gateway, backoffMs: 5, getToken: ({ refresh }) => {
      asked.push(refresh);
      return refresh ? userToken(sub) : expired;
    } });
    await s.push();
    assert.deepEqual(asked, [false, true], 'the expired token was replaced once');
    assert.equal(g.stats().outboxChanges, 0);

    await g.upsertPerson({ names: ['Bob'] });
    const forged = userToken(sub, { secret: 'x'.repeat(40) });
    let calls = 0;
    const bad = createSync(g, { url: gateway, getToken: () => { calls += 1; return forged; } });
    bad.start({ interval: 60_000 });
    const error = await new Promise((resolve) => bad.on('error', resolve));
    assert.equal(error.code, 'UNAUTHORIZED');
    assert.equal(calls, 2, 'asked once more, then stopped');
    assert.equal(bad.status, 'unauthorized');
    assert.equal(g.stats().outboxChanges, 1, 'nothing lost');
    bad.close();
    s.close();

    // getToken itself failing (the auth provider is down) is typed too
    // (a graph of its own: the one above may still hold its sync lock).
    const g2 = await open();
    await g2.upsertPerson({ names: ['Cy'] });
    const down = createSync(g2, { url: gateway, getToken: async () => { throw new Error('auth provider down'); } });
    const events = [];
    down.on('error', (e) => events.push(e));
    await assert.rejects(down.syncNow(), (e) => e.code === 'UNAUTHORIZED' && /auth provider down/.test(e.message));
    assert.equal(events[0]?.code, 'UNAUTHORIZED');
    assert.equal(down.status, 'unauthorized');
    assert.equal(g2.stats().outboxChanges, 1, 'nothing lost');
    down.close();
  });

  test('offline: sync pauses, and resumes when the online event comes', async () => {
    const g = await open();
    await g.upsertPerson({ names: ['Ada'] });
    const sub = `user-${randomUUID()}`;
    // Node has no online/offline events: give globalThis what pages and workers have.
    const target = new EventTarget();
    const saved = { nav: Object.getOwnPropertyDescriptor(globalThis, 'navigator'), add: globalThis.addEventListener, remove: globalThis.removeEventListener };
    const nav = { onLine: false };
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    globalThis.addEventListener = target.addEventListener.bind(target);
    globalThis.removeEventListener = target.removeEventListener.bind(target);
    try {
      const s = client(g, sub);
      assert.deepEqual(await s.syncNow(), { skipped: 'offline' });
      assert.equal(s.status, 'offline');
      s.start({ interval: 60_000 });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(g.stats().outboxChanges, 1, 'nothing sent while offline');
      let synced = false;
      const idle = new Promise((resolve) => s.on('status', ({ status }) => {
        if (status === 'syncing') synced = true;
        if (status === 'idle' && synced) resolve();
      }));
      nav.onLine = true;
      target.dispatchEvent(new Event('online'));
      await idle;
      assert.equal(g.stats().outboxChanges, 0, 'pushed once online');
      s.close();
    } finally {
      if (saved.nav) Object.defineProperty(globalThis, 'navigator', saved.nav);
      else delete globalThis.navigator;
      globalThis.addEventListener = saved.add;
      globalThis.removeEventListener = saved.remove;
    }
  });

  test('one sync at a time per graph (the lock), progress events count rows', async () => {
    const g = await open();
    await g.upsertPeople(Array.from({ length: 5 }, (_, i) => ({ names: [`P${i}`] })));
    const s = client(g, `user-${randomUUID()}`, { batchSize: 2, lockName: `lock-${randomUUID()}` });
    const progress = [];
    s.on('progress', (p) => progress.push(p));
    const [x, y] = await Promise.all([s.push(), s.push()]);
    assert.strictEqual(x, y, 'a second call joins the running one');
    assert.deepEqual(x, { pushed: 5 });
    // Answers arriving while one is being stored are stored together, so
    // which batch ends show depends on timing; each is a batch end (2, 2, 1).
    const done = progress.map((p) => p.done);
    assert.deepEqual([done[0], done.at(-1)], [0, 5], `progress ${done}`);
    assert.ok(done.every((d, i) => i === 0 || d > done[i - 1]), `increasing: ${done}`);
    assert.ok(done.every((d) => [0, 2, 4, 5].includes(d)), `batch ends: ${done}`);
    assert.ok(progress.every((p) => p.phase === 'push' && p.total === 5));
    // Another Sync on the same lock (another tab) skips while one runs.
    const other = client(g, `user-${randomUUID()}`, { lockName: 'shared-lock' });
    const mine = client(g, `user-${randomUUID()}`, { lockName: 'shared-lock' });
    await g.upsertPerson({ names: ['Q'] });
    const both = await Promise.all([mine.push(), other.push()]);
    assert.deepEqual(both[1], { skipped: 'locked' });
    s.close(); other.close(); mine.close();
  });

  test('pipelined: a pull of many pages in groups capped by maxApplyRows, and a push with requests overlapping stores, lose and repeat nothing', async () => {
    const sub = `user-${randomUUID()}`;
    const a = await open();
    await a.upsertPeople(Array.from({ length: 40 }, (_, i) => ({ names: [`P${i}`], emails: [`p${i}@example.org`] })));
    const pushing = client(a, sub, { batchSize: 3, pushConcurrency: 3 });
    const pushed = [];
    pushing.on('progress', (p) => pushed.push(p.done));
    assert.deepEqual(await pushing.push(), { pushed: 40 });
    assert.equal(a.stats().outboxChanges, 0);
    assert.ok(pushed.length > 2, 'answers stored in several steps');
    // Nothing after version 40 on the server: each change written once.
    const tail = await rpc('wig_pull', { since: 40, limit: 10 }, userToken(sub));
    assert.deepEqual([tail.body.changes.length, tail.body.more], [0, false]);
    // Groups of at most 8 rows once the graph holds 8 (the read-ahead must
    // never stop short of the group the applier waits for).
    const b = await open();
    const pulling = client(b, sub, { pageSize: 4, maxApplyRows: 8 });
    const pulled = [];
    pulling.on('progress', (p) => pulled.push(p.done));
    assert.deepEqual(await pulling.pull(), { pulled: 40, checkpoint: 40 });
    assert.deepEqual(snapshot(b), snapshot(a));
    assert.ok(pulled.slice(1).every((d, i) => d - pulled[i] <= 8), `groups of at most 8: ${pulled}`);
  });

  test('a page that breaks the protocol is refused whole with SYNC_PROTOCOL', async () => {
    const g = await open();
    const before = snapshot(g);
    const fake = async () => new Response(JSON.stringify({ changes: [{ kind: 'table', id: randomUUID(), version: 1, erased: false, record: {} }], checkpoint: 1, more: false }), { status: 200 });
    const s = createSync(g, { url: 'http://127.0.0.1:9', getToken: () => 't', fetch: fake });
    const e = await rejectsWith(s.pull(), 'SYNC_PROTOCOL');
    assert.equal(e.field, 'changes[0].kind');
    assert.equal(g.syncCheckpoint(), 0);
    assert.deepEqual(snapshot(g), before);
    assert.ok((await errorCodes()).includes('SYNC_PROTOCOL'));
    s.close();
  });
});

test('createSync refuses unknown options and bad values by name', async () => {
  const graph = await open();
  const ok = { url: 'http://127.0.0.1:1/', getToken: () => 't' };
  const refused = (options, field) => assert.throws(() => createSync(graph, options), (e) => e.name === 'WigError' && e.code === 'INVALID_INPUT' && e.field === field, field);
  refused({ ...ok, batchsize: 10 }, 'batchsize');
  refused({ ...ok, batchSize: 0 }, 'batchSize');
  refused({ ...ok, url: 'ftp://x' }, 'url');
  refused({ getToken: ok.getToken }, 'url');
  // Numbers that would retry forever, with no pause, or pull nothing.
  refused({ ...ok, retries: 'x' }, 'retries');
  refused({ ...ok, retries: Number.NaN }, 'retries');
  refused({ ...ok, backoffMs: Number.NaN }, 'backoffMs');
  refused({ ...ok, maxBackoffMs: -1 }, 'maxBackoffMs');
  refused({ ...ok, maxApplyRows: 0 }, 'maxApplyRows');
  refused({ ...ok, timeoutMs: 0 }, 'timeoutMs');
  refused(null, 'options');
  assert.throws(() => createSync(null, ok), (e) => e.code === 'INVALID_INPUT' && e.field === 'graph');
  const s = createSync(graph, { ...ok, channelName: 'c', maxBackoffMs: 100, retries: 0, backoffMs: 0 });
  for (const [options, field] of [[{ interval: 0 }, 'interval'], [{ interval: Number.NaN }, 'interval'], [{ intervall: 5000 }, 'intervall'], [null, 'options']]) {
    assert.throws(() => s.start(options), (e) => e.code === 'INVALID_INPUT' && e.field === field, field);
  }
  s.close();
});

test('close() while a sync runs: the sync ends without an error escaping, and what it stored stays', async () => {
  const graph = await open();
  await graph.upsertPeople(Array.from({ length: 50 }, (_, i) => ({ names: [`P${i}`] })));
  const sub = `close-${randomUUID()}`;
  const s = client(graph, sub, { batchSize: 5 });
  // Closed once the first answers are stored: mid-push, not before or after.
  let storedAtClose = null;
  s.on('progress', ({ phase, done }) => {
    if (phase === 'push' && done > 0 && storedAtClose === null) {
      storedAtClose = done;
      s.close();
    }
  });
  await s.syncNow().catch((e) => assert.equal(e.name, 'WigError', String(e)));
  await new Promise((r) => setTimeout(r, 200)); // an unhandled rejection would fail this test
  assert.ok(storedAtClose > 0 && storedAtClose < 50, `closed mid-push (${storedAtClose} of 50 stored)`);
  // close() stops the timer; the push under way ends (its answers stored).
  // What was acknowledged left the outbox and is on the server; the rest waits.
  const pending = graph.stats().outboxChanges;
  assert.ok(pending <= 50 - storedAtClose, `${pending} pending`);
  const onServer = (await serverSnapshot(sub)).snapshot.people.length;
  assert.ok(onServer >= 50 - pending, `${onServer} on the server, ${pending} pending`);
  // Another client of the same graph sends the rest: nothing was lost or undone.
  await client(graph, sub).syncNow();
  assert.equal(graph.stats().outboxChanges, 0);
  const server = await serverSnapshot(sub);
  assert.deepEqual(server.snapshot.people.map((p) => p.names[0]).sort(), Array.from({ length: 50 }, (_, i) => `P${i}`).sort());
});

test('the graph closed under a started sync: CLOSED from syncNow and from the timer, nothing unhandled', async () => {
  const graph = await open();
  await graph.upsertPerson({ names: ['Ada'] });
  const s = client(graph, `closed-${randomUUID()}`);
  const errors = [];
  s.on('error', (e) => errors.push(e.code));
  await s.syncNow();
  await graph.close();
  await assert.rejects(s.syncNow(), (e) => e.code === 'CLOSED');
  s.start({ interval: 1000 });
  await new Promise((r) => setTimeout(r, 1300)); // a tick; an unhandled rejection would fail this test
  s.close();
  assert.ok(errors.includes('CLOSED'), JSON.stringify(errors));
});

describe('merge cycles', () => {
  for (const order of ['A then B', 'B then A']) {
    test(`opposite merges on two devices (p2 into p1, p1 into p2), sync ${order}: one survivor, the smaller id, everywhere`, async () => {
      const sub = `cycle-${randomUUID()}`;
      const a = await open();
      const b = await open();
      const sa = client(a, sub);
      const sb = client(b, sub);
      const [p1, p2, bob] = await a.upsertPeople([
        { names: ['Ada Lovelace'], emails: ['ada@x.org'] },
        { names: ['A. Lovelace'], emails: ['ada@work.org'] },
        { names: ['Bob'], emails: ['bob@x.org'] },
      ]);
      const e = await a.upsertEdge({ fromPersonId: p1.id, toPersonId: bob.id, strength: 0.5 });
      await sa.syncNow();
      await sb.syncNow();
      await a.merge(p1.id, [p2.id]);
      await new Promise((r) => setTimeout(r, 5));
      await b.merge(p2.id, [p1.id]);
      const [first, second] = order === 'A then B' ? [sa, sb] : [sb, sa];
      for (let k = 0; k < 2; k++) {
        await first.syncNow();
        await second.syncNow();
      }
      const survivor = p1.id < p2.id ? p1.id : p2.id;
      const other = survivor === p1.id ? p2.id : p1.id;
      for (const [name, g] of [['A', a], ['B', b]]) {
        assert.equal(g.getPerson(survivor).mergedInto ?? null, null, `${name}: the smaller id is live`);
        assert.equal(g.getPerson(other).mergedInto, survivor, `${name}: the other points to it`);
        assert.equal(g.neighbors(bob.id, { depth: 1 }).total, 1, `${name}: the edge is in queries`);
        const edge = g.getEdge(e.id);
        assert.deepEqual([edge.fromPersonId, edge.toPersonId], [survivor, bob.id], `${name}: the edge follows the survivor`);
        assert.equal(g.stats().outboxChanges, 0);
      }
      assert.deepEqual(snapshot(b), snapshot(a), 'both devices hold the same graph');
      const server = await serverSnapshot(sub);
      assert.deepEqual(server.snapshot, snapshot(a), 'and so does the server');
      // Settled: another round writes nothing.
      await first.syncNow();
      await second.syncNow();
      assert.equal((await serverSnapshot(sub)).checkpoint, server.checkpoint, 'no ping-pong');
    });
  }
});

describe('malformed server answers are refused with SYNC_PROTOCOL, not retried', () => {
  async function run(pullBody, pushBody, { seed = false } = {}) {
    const g = await open();
    if (seed) await g.upsertPerson({ names: ['Ada'] });
    let calls = 0;
    const fetch = async (url, init) => {
      calls++;
      if (calls > 50) throw new Error('too many calls');
      const body = JSON.parse(init.body);
      return new Response(url.endsWith('wig_pull') ? pullBody(body) : pushBody(body), { status: 200 });
    };
    const s = createSync(g, { url: 'http://127.0.0.1:9', getToken: () => 't', fetch, retries: 0 });
    let error;
    try {
      await s.syncNow();
    } catch (e) {
      error = e;
    }
    s.close();
    return { g, error, calls };
  }
  const emptyPage = () => JSON.stringify({ changes: [], checkpoint: 0, more: false });

  test('a pull page with more: true that does not advance (either key order)', async () => {
    for (const page of [
      ({ since }) => JSON.stringify({ changes: [], checkpoint: since, more: true }),
      ({ since }) => JSON.stringify({ changes: [], more: true, checkpoint: since }),
      ({ since }) => JSON.stringify({ changes: [], checkpoint: since + 1000, more: true }),
    ]) {
      const { g, error, calls } = await run(page, emptyPage);
      assert.equal(error?.code, 'SYNC_PROTOCOL', String(error));
      // The fetcher reads ahead while a page is applied: a few calls at most.
      assert.ok(calls <= 10, `stopped at once (${calls} calls)`);
      assert.equal(g.syncCheckpoint(), 0);
    }
  });

  test('a push answer that leaves a change unanswered, or applies it at version 0', async () => {
    for (const [answer, field] of [
      [() => JSON.stringify({ applied: [], conflicts: [], checkpoint: 0 }), 'response'],
      [(b) => JSON.stringify({ applied: b.changes.map((c) => ({ change_id: c.change_id, id: c.id, version: 0 })), conflicts: [], checkpoint: 0 }), 'applied[0].version'],
    ]) {
      const { g, error, calls } = await run(emptyPage, answer, { seed: true });
      assert.equal(error?.code, 'SYNC_PROTOCOL', String(error));
      assert.equal(error.field, field);
      assert.ok(calls <= 3, `one push (${calls} calls)`);
      assert.equal(g.stats().outboxChanges, 1, 'the outbox is intact');
    }
  });
});

test('large records: push requests are cut by bytes, under the gateway body limit (PGRST102 past 10 MiB)', async () => {
  const graph = await open();
  const note = 'x'.repeat(12_000);
  await graph.upsertPeople(Array.from({ length: 1000 }, (_, i) => ({ names: [`Big ${i}`], metadata: { note } })));
  const s = client(graph, `big-${randomUUID()}`, { batchSize: 1000 });
  const result = await s.syncNow();
  assert.equal(result.pushed, 1000);
  assert.equal(graph.stats().outboxChanges, 0);
});
