// The sync server against the real thing: PostgreSQL 15 + the postrust gateway,
// started by scripts/pg.sh (idempotently) and called over HTTP with JWTs.
//   node --test tests/sync/server.test.mjs
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signJwt, userToken } from './jwt.mjs';
import {
  startServer, rpc, user, id, person, organization, edge, interaction, merge, change,
} from './server.mjs';

before(() => {
  startServer();
});

const ok = (res) => {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};

/** Every row a user can pull, keyed by id. */
async function rowsOf(u) {
  const rows = new Map();
  for (const page of await u.pullAll()) for (const c of page.changes) rows.set(c.id, c);
  return rows;
}

describe('push and pull', () => {
  test('every kind round-trips exactly, with increasing versions', async () => {
    const u = user();
    const org = organization();
    const a = person({ organizationId: org.id, names: ['Ada Lovelace', 'Ada King'], phones: [] });
    const b = person({ names: ['Charles Babbage'], emails: ['charles@example.org'], birthDate: null,
      metadata: null, socialHandles: {}, title: null });
    const e = edge(a.id, b.id, { strength: 0.123456789012345, firstSeenAt: null });
    const i = interaction({ durationMinutes: 42.5, direction: null, sender: null });
    const m = merge(a, [b], { undoneAt: '2024-06-01T00:00:00.001Z' });
    const changes = [change('organization', org), change('person', a), change('person', b),
      change('edge', e), change('interaction', i), change('merge', m)];
    const pushed = ok(await u.push(changes));
    assert.deepEqual(pushed.conflicts, []);
    assert.deepEqual(pushed.applied.map((x) => x.change_id), changes.map((c) => c.change_id));
    assert.deepEqual(pushed.applied.map((x) => x.version), [1, 2, 3, 4, 5, 6]);
    assert.equal(pushed.checkpoint, 6);

    const page = ok(await u.pull(0, 100));
    assert.equal(page.more, false);
    assert.equal(page.checkpoint, 6);
    assert.deepEqual(page.changes.map((c) => [c.kind, c.id, c.version, c.erased]), [
      ['organization', org.id, 1, false], ['person', a.id, 2, false], ['person', b.id, 3, false],
      ['edge', e.id, 4, false], ['interaction', i.id, 5, false], ['merge', m.id, 6, false]]);
    assert.deepEqual(page.changes.map((c) => c.record), [org, a, b, e, i, m]);
    // Nothing after the checkpoint.
    assert.deepEqual(ok(await u.pull(6)), { changes: [], checkpoint: 6, more: false });
  });

  test('other RFC 3339 forms and upper-case UUIDs are accepted and leave in the canonical form', async () => {
    const u = user();
    const p = person({ createdAt: '2024-05-01T14:00:00+02:00', updatedAt: '2024-05-01t12:00:00.5z',
      organizationId: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' });
    ok(await u.push([change('person', { ...p, id: p.id.toUpperCase() }, { recordId: p.id })]));
    const [row] = ok(await u.pull()).changes;
    assert.equal(row.id, p.id);
    assert.equal(row.record.createdAt, '2024-05-01T12:00:00.000Z');
    assert.equal(row.record.updatedAt, '2024-05-01T12:00:00.500Z');
    assert.equal(row.record.organizationId, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });

  test('syncVersion in a record is accepted and not stored', async () => {
    const u = user();
    const p = person();
    ok(await u.push([change('person', { ...p, syncVersion: 9 })]));
    assert.deepEqual(ok(await u.pull()).changes[0].record, p);
  });

  test('replaying a batch writes nothing and reports the same versions', async () => {
    const u = user();
    const a = person();
    const b = person();
    const batch = [change('person', a), change('person', b), change('edge', edge(a.id, b.id))];
    const first = ok(await u.push(batch));
    const before = ok(await u.pull());
    const again = ok(await u.push(batch));
    assert.deepEqual(again.applied, first.applied);
    assert.deepEqual(again.conflicts, []);
    assert.equal(again.checkpoint, first.checkpoint);
    assert.deepEqual(ok(await u.pull()), before);
    // A batch that repeats applied changes among new ones applies only the new.
    const c = person();
    const mixed = ok(await u.push([batch[1], change('person', c)]));
    assert.deepEqual(mixed.applied.map((x) => x.version), [first.applied[1].version, first.checkpoint + 1]);
  });

  test('a stale base is a conflict carrying the server row; the rebased change applies', async () => {
    const u = user();
    const p = person();
    ok(await u.push([change('person', p)]));
    const edited = { ...p, title: 'Countess', updatedAt: '2024-05-02T00:00:00.000Z' };
    ok(await u.push([change('person', edited, { base: 1 })]));
    // A second device still based on version 1.
    const other = { ...p, names: ['A. A. Lovelace'], updatedAt: '2024-05-03T00:00:00.000Z' };
    const res = ok(await u.push([change('person', other, { base: 1 })]));
    assert.deepEqual(res.applied, []);
    assert.equal(res.conflicts.length, 1);
    const [conflict] = res.conflicts;
    assert.equal(conflict.reason, 'stale_base');
    assert.equal(conflict.kind, 'person');
    assert.equal(conflict.id, p.id);
    assert.deepEqual(conflict.server, { id: p.id, version: 2, erased: false, record: edited });
    assert.equal(res.checkpoint, 2);
    // Resolved and pushed again on the server's version: applied.
    const resolved = { ...edited, names: ['A. A. Lovelace', 'Ada Lovelace'], updatedAt: other.updatedAt };
    const again = ok(await u.push([change('person', resolved, { base: 2 })]));
    assert.deepEqual(again.conflicts, []);
    assert.equal(again.applied[0].version, 3);
    assert.deepEqual(ok(await u.pull(2)).changes[0].record, resolved);
  });

  test('a second live edge for the same pair (either direction) is a duplicate_pair conflict', async () => {
    const u = user();
    const a = person();
    const b = person();
    const first = edge(a.id, b.id);
    ok(await u.push([change('person', a), change('person', b), change('edge', first)]));
    const second = edge(b.id, a.id, { relationshipType: 'advised' });
    const res = ok(await u.push([change('edge', second)]));
    assert.deepEqual(res.applied, []);
    assert.equal(res.conflicts[0].reason, 'duplicate_pair');
    assert.equal(res.conflicts[0].id, second.id);
    assert.deepEqual(res.conflicts[0].server, { id: first.id, version: 3, erased: false, record: first });
    // Once the first edge is deleted, the pair is free again.
    const deleted = { ...first, deletedAt: '2024-05-05T00:00:00.000Z' };
    ok(await u.push([change('edge', deleted, { op: 'delete', base: 3 })]));
    const retry = ok(await u.push([change('edge', second)]));
    assert.deepEqual(retry.conflicts, []);
    assert.equal(retry.applied.length, 1);
  });

  test('a second interaction with the same (sourceName, sourceId) is a duplicate_source conflict', async () => {
    const u = user();
    const first = interaction({ sourceName: 'gmail', sourceId: 'msg-1' });
    ok(await u.push([change('interaction', first)]));
    const dup = interaction({ sourceName: 'gmail', sourceId: 'msg-1', channel: 'call' });
    const res = ok(await u.push([change('interaction', dup), change('interaction', interaction({ sourceName: 'slack', sourceId: 'msg-1' }))]));
    assert.equal(res.conflicts.length, 1);
    assert.equal(res.conflicts[0].reason, 'duplicate_source');
    assert.equal(res.conflicts[0].server.id, first.id);
    assert.deepEqual(res.conflicts[0].server.record, first);
    assert.equal(res.applied.length, 1, 'the same sourceId under another source is fine');
  });

  test('erase leaves a tombstone that pull returns, with the data gone', async () => {
    const u = user();
    const p = person({ emails: ['secret@example.org'] });
    const q = person();
    ok(await u.push([change('person', p), change('person', q)]));
    const res = ok(await u.push([change('person', null, { op: 'erase', base: 1, recordId: p.id })]));
    assert.deepEqual(res.applied.map((x) => x.version), [3]);
    const rows = ok(await u.pull()).changes;
    assert.deepEqual(rows.map((c) => [c.id, c.version, c.erased]), [[q.id, 2, false], [p.id, 3, true]]);
    assert.equal(rows[1].record, null);
    assert.ok(!JSON.stringify(ok(await u.pull())).includes('secret@example.org'));
    // A device still holding version 1 learns of the erasure through a conflict.
    const stale = ok(await u.push([change('person', { ...p, title: 'x' }, { base: 1 })]));
    assert.deepEqual(stale.conflicts[0].server, { id: p.id, version: 3, erased: true, record: null });
    // Erasing a record the server never saw still leaves a tombstone for other devices.
    const unknown = id();
    ok(await u.push([change('edge', null, { op: 'erase', recordId: unknown })]));
    const last = ok(await u.pull(3)).changes;
    assert.deepEqual(last.map((c) => [c.kind, c.id, c.erased, c.record]), [['edge', unknown, true, null]]);
  });

  test('pull pages return every row exactly once, in version order', async () => {
    const u = user();
    const people = Array.from({ length: 1500 }, (_, n) => person({ names: [`P ${n}`] }));
    const edges = people.slice(1).map((p, n) => edge(people[n].id, p.id));
    const all = [...people.map((p) => change('person', p)), ...edges.map((e) => change('edge', e))];
    for (let n = 0; n < all.length; n += 1000) ok(await u.push(all.slice(n, n + 1000)));
    // Re-edit some people: their old versions must not show up again.
    const edited = people.slice(0, 300).map((p, n) => change('person', { ...p, title: 'edited' }, { base: n + 1 }));
    assert.deepEqual(ok(await u.push(edited)).conflicts, []);

    const pages = await u.pullAll(0, 777);
    const seen = pages.flatMap((p) => p.changes);
    assert.equal(seen.length, people.length + edges.length);
    assert.equal(new Set(seen.map((c) => c.id)).size, seen.length, 'no row twice');
    for (let n = 1; n < seen.length; n++) assert.ok(seen[n].version > seen[n - 1].version);
    for (const [n, page] of pages.entries()) {
      assert.ok(page.changes.length <= 777);
      assert.equal(page.more, n < pages.length - 1);
      assert.equal(page.checkpoint, page.changes.at(-1)?.version ?? pages[n - 1]?.checkpoint ?? 0);
    }
    assert.equal(pages.at(-1).checkpoint, people.length + edges.length + edited.length);
    const titles = new Map(seen.filter((c) => c.kind === 'person').map((c) => [c.id, c.record.title]));
    assert.equal([...titles.values()].filter((t) => t === 'edited').length, 300);
    // Pages start after any checkpoint, not only page boundaries.
    const tail = ok(await u.pull(people.length + edges.length, 10000));
    assert.equal(tail.changes.length, 300);
    assert.equal(tail.more, false);
  });

  test('a pull page asked for as application/vnd.wig.pull+json is the same JSON, passed through as text', async () => {
    const u = user();
    const people = Array.from({ length: 30 }, (_, n) => person({ names: [`P ${n}`] }));
    ok(await u.push(people.map((p) => change('person', p))));
    const PAGE = 'application/vnd.wig.pull+json';
    for (const [since, limit] of [[0, 10], [10, 10], [20, 10], [30, 10]]) {
      const plain = ok(await u.pull(since, limit));
      const passed = await rpc('wig_pull', { since, limit }, u.token, { headers: { Accept: `${PAGE}, application/json;q=0.9` } });
      assert.equal(passed.status, 200);
      assert.deepEqual(passed.body, plain, 'the same page either way');
      // The page ends with checkpoint and more (pkg/sync.js reads them there).
      assert.match(passed.text, /"checkpoint"\s*:\s*\d+\s*,\s*"more"\s*:\s*(true|false)\s*\}\s*$/);
      assert.equal(passed.contentType.split(';')[0], PAGE);
      assert.equal(plain.more, since + limit < 30);
    }
    // Errors still come back as the gateway's JSON errors.
    const bad = await rpc('wig_pull', { since: -1 }, u.token, { headers: { Accept: PAGE } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, '22023');
  });

  test('a batch whose changes depend on each other applies them in order', async () => {
    const u = user();
    const a = person();
    const b = person();
    const c = person();
    const ab = edge(a.id, b.id);
    ok(await u.push([change('person', a), change('person', b), change('person', c), change('edge', ab)]));
    // The same record twice: the second was based on version 0 and is stale
    // once the first applied.
    const twice = ok(await u.push([change('person', { ...c, title: 'one' }, { base: 3 }),
      change('person', { ...c, title: 'two' }, { base: 3 })]));
    assert.deepEqual(twice.applied.map((x) => x.version), [5]);
    assert.equal(twice.conflicts[0].reason, 'stale_base');
    assert.equal(twice.conflicts[0].server.record.title, 'one');
    // An edge pair freed and taken in one batch; two new edges on one pair.
    const ba = edge(b.id, a.id);
    const ac1 = edge(a.id, c.id);
    const ac2 = edge(c.id, a.id);
    const res = ok(await u.push([change('edge', { ...ab, deletedAt: '2024-05-09T00:00:00.000Z' }, { op: 'delete', base: 4 }),
      change('edge', ba), change('edge', ac1), change('edge', ac2)]));
    assert.deepEqual(res.applied.map((x) => x.id), [ab.id, ba.id, ac1.id]);
    assert.deepEqual(res.applied.map((x) => x.version), [6, 7, 8]);
    assert.deepEqual(res.conflicts.map((x) => [x.id, x.reason, x.server.id]), [[ac2.id, 'duplicate_pair', ac1.id]]);
    // Two interactions from one source record in one batch.
    const i1 = interaction({ sourceId: 'same' });
    const i2 = interaction({ sourceId: 'same' });
    const res2 = ok(await u.push([change('interaction', i1), change('interaction', i2)]));
    assert.deepEqual(res2.applied.map((x) => x.id), [i1.id]);
    assert.deepEqual(res2.conflicts.map((x) => [x.id, x.reason, x.server.id]), [[i2.id, 'duplicate_source', i1.id]]);
    // A change id repeated inside one batch is applied once.
    const d = person();
    const dc = change('person', d);
    const res3 = ok(await u.push([dc, dc]));
    assert.deepEqual(res3.applied.map((x) => x.version), [10, 10]);
    assert.equal(ok(await u.pull(9)).changes.length, 1);
  });

  test('independent and dependent batches answer alike (the whole-batch path, checked or not, and the in-order path)', async () => {
    // The same pushes, once as they are (applied all at once from the typed
    // columns), once with one record id in upper case (not canonical: checked
    // first, then the same whole-batch statement without its own checks), and
    // once with an erase of an unrelated id appended (which sends the batch
    // down the change-by-change path): same applied versions, same conflicts.
    const runs = [];
    for (const mode of ['typed', 'checked', 'inOrder']) {
      const forceInOrder = mode === 'inOrder';
      const u = user();
      const p = Array.from({ length: 6 }, () => person());
      const first = [...p.map((x) => change('person', x)), change('edge', edge(p[0].id, p[1].id)),
        change('interaction', interaction({ sourceId: 'x' }))];
      ok(await u.push(first));
      const batch = [
        change('person', { ...p[2], title: 'stale' }, { base: 1, changeId: '00000000-0000-4000-8000-00000000000' + (forceInOrder ? 1 : 2) }),
        mode === 'checked'
          ? change('person', { ...p[3], id: p[3].id.toUpperCase(), title: 'fresh' }, { base: 4, recordId: p[3].id })
          : change('person', { ...p[3], title: 'fresh' }, { base: 4 }),
        change('edge', edge(p[1].id, p[0].id)),
        change('edge', edge(p[4].id, p[5].id)),
        change('interaction', interaction({ sourceId: 'x' })),
        first[0],
      ];
      if (forceInOrder) batch.push(change('organization', null, { op: 'erase', recordId: id() }));
      const res = ok(await u.push(batch));
      runs.push({
        applied: res.applied.slice(0, 3).map((x) => x.version),
        conflicts: res.conflicts.map((x) => [x.reason, x.server.version, x.server.erased]),
      });
    }
    assert.deepEqual(runs[0], runs[1]);
    assert.deepEqual(runs[0], runs[2]);
    assert.deepEqual(runs[0].applied, [9, 10, 1]);
    assert.deepEqual(runs[0].conflicts, [['stale_base', 3, false], ['duplicate_pair', 7, false], ['duplicate_source', 8, false]]);
  });

  test('pull limits are checked', async () => {
    const u = user();
    for (const args of [{ since: 0, limit: 0 }, { since: 0, limit: 10001 }, { since: -1, limit: 10 }]) {
      const res = await rpc('wig_pull', args, u.token);
      assert.equal(res.status, 400, JSON.stringify(args));
      assert.equal(res.body.code, '22023');
      assert.match(res.body.message, /^(limit|since): /);
    }
    assert.equal((await rpc('wig_pull', {}, u.token)).status, 200, 'both arguments have defaults');
  });
});

describe('security', () => {
  test("user A can neither read nor change B's rows through push or pull", async () => {
    const a = user();
    const b = user();
    const bp = person({ names: ['B only'], emails: ['b@example.org'] });
    const be = interaction({ sourceName: 'gmail', sourceId: 'b-msg' });
    const bPushed = ok(await b.push([change('person', bp), change('interaction', be)]));
    const bBefore = ok(await b.pull());

    // A's pull sees nothing of B's.
    assert.deepEqual(ok(await a.pull()), { changes: [], checkpoint: 0, more: false });
    assert.deepEqual(ok(await a.pull(0, 10000)).changes, []);

    // A pushes B's ids: edit, delete, erase. They land in A's own rows only.
    const hijack = { ...bp, names: ['Hijacked'] };
    ok(await a.push([change('person', hijack, { base: 99 })]));
    ok(await a.push([change('interaction', { ...be, deletedAt: '2024-05-06T00:00:00.000Z' }, { op: 'delete', base: 99 })]));
    ok(await a.push([change('person', null, { op: 'erase', base: 99, recordId: bp.id, changeId: id() })]));
    // Change ids are per owner too: A reusing B's change id is a new change of
    // A's (applied, A's version), not a replay of B's.
    const reused = ok(await a.push([change('person', person(), { changeId: bPushed.applied[0].change_id })]));
    assert.equal(reused.applied.length, 1);
    assert.equal(reused.applied[0].version, 4);

    assert.deepEqual(ok(await b.pull()), bBefore, "B's rows are untouched");
    const aRows = await rowsOf(a);
    assert.equal(aRows.get(bp.id).erased, true, "A's own row of that id");
    assert.ok(![...aRows.values()].some((c) => JSON.stringify(c.record ?? {}).includes('b@example.org')));
  });

  test('tables and helper functions are not exposed, under any schema header', async () => {
    const u = user();
    const auth = { Authorization: `Bearer ${u.token}` };
    const base = process.env.WIG_GATEWAY_URL;
    for (const path of ['/people', '/edges', '/owners', '/applied_changes', '/wig.people', '/rpc/current_owner',
      '/rpc/check_changes', '/rpc/server_row', '/rpc/person_record']) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        const res = await fetch(base + path, { method, headers: { ...auth, 'Content-Type': 'application/json' },
          body: method === 'GET' ? undefined : '{}' });
        const body = await res.json();
        assert.ok(res.status === 404 || res.status === 405, `${method} ${path} → ${res.status} ${JSON.stringify(body)}`);
        assert.match(body.code ?? '', /^PGRST/, `${method} ${path}: ${JSON.stringify(body)}`);
      }
    }
    // Asking for the private schema by profile header is refused.
    for (const [method, header] of [['GET', 'Accept-Profile'], ['POST', 'Content-Profile']]) {
      const res = await fetch(`${base}/people`, { method, headers: { ...auth, [header]: 'wig', 'Content-Type': 'application/json' },
        body: method === 'GET' ? undefined : '{}' });
      assert.ok(res.status >= 400 && res.status < 500, `${header}: wig → ${res.status}`);
      const body = await res.json();
      assert.match(body.code, /^PGRST/);
    }
  });

  test('anonymous, forged, expired, role-escalating and sub-less tokens are refused', async () => {
    const owner = user();
    ok(await owner.push([change('person', person())]));
    const secret = process.env.WIG_JWT_SECRET;
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      anonymous: [null, [401, 403], /^(42501|PGRST)/],
      forged: [signJwt({ sub: owner.sub, role: 'authenticated', exp: now + 60 }, 'x'.repeat(48)), [401], /^PGRST301$/],
      expired: [userToken(owner.sub, { ttlSeconds: -120 }), [401], /^PGRST303$/],
      superuser: [signJwt({ sub: owner.sub, role: 'postgres', exp: now + 60 }, secret), [401, 403], /./],
      authenticator: [signJwt({ sub: owner.sub, role: 'authenticator', exp: now + 60 }, secret), [401, 403], /./],
      'no sub': [signJwt({ role: 'authenticated', exp: now + 60 }, secret), [401, 403], /^42501$/],
      'no exp': [signJwt({ sub: owner.sub, role: 'authenticated' }, secret), [401, 403], /^42501$/],
      'no role': [signJwt({ sub: owner.sub, exp: now + 60 }, secret), [401, 403], /^(42501|PGRST)/],
    };
    for (const [name, [token, statuses, code]] of Object.entries(cases)) {
      for (const [fn, args] of [['wig_pull', { since: 0, limit: 10 }], ['wig_push', { changes: [change('person', person())] }]]) {
        const res = await rpc(fn, args, token);
        assert.ok(statuses.includes(res.status), `${name} ${fn}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.match(String(res.body.code), code, `${name} ${fn}: ${JSON.stringify(res.body)}`);
      }
    }
    // None of those pushes landed anywhere the owner can see.
    assert.equal(ok(await owner.pull()).changes.length, 1);
  });
});

describe('malicious and malformed pushes', () => {
  const good = () => change('person', person());
  const big = Array.from({ length: 100_000 }, (_, n) => `x${n}@example.org`);
  const p = person();
  const cases = [
    ['changes not an array', { changes: { 0: good() } }, /^changes: not an array$/],
    ['changes null', { changes: null }, /^changes: not an array$/],
    ['5,001 changes', { changes: Array.from({ length: 5001 }, good) }, /^changes: 5001 changes \(at most 5000/],
    ['change not an object', { changes: [good(), 'drop table wig.people'] }, /^changes\[1\]: not an object$/],
    ['unknown kind', { changes: [good(), { ...good(), kind: 'users' }] }, /^changes\[1\]\.kind: "users" is not one of/],
    ['a table name as kind', { changes: [{ ...good(), kind: 'wig.people' }] }, /^changes\[0\]\.kind: /],
    ['unknown op', { changes: [{ ...good(), op: 'truncate' }] }, /^changes\[0\]\.op: /],
    ['base_version a string', { changes: [{ ...good(), base_version: '1; drop table x' }] }, /^changes\[0\]\.base_version: /],
    ['negative base_version', { changes: [{ ...good(), base_version: -1 }] }, /^changes\[0\]\.base_version: /],
    ['change_id not a uuid', { changes: [{ ...good(), change_id: "1' or '1'='1" }] }, /^changes\[0\]\.change_id: not a UUID$/],
    ['unknown change field', { changes: [{ ...good(), owner_id: 'someone-else' }] }, /^changes\[0\]\.owner_id: unknown field$/],
    ['id mismatch', { changes: [good(), { ...change('person', p), id: id() }] }, /^changes\[1\]\.record\.id: differs/],
    ['record an array', { changes: [{ ...good(), record: [p] }] }, /^changes\[0\]\.record: not an object$/],
    ['record a string', { changes: [{ ...good(), record: JSON.stringify(p) }] }, /^changes\[0\]\.record: not an object$/],
    ['record missing', { changes: [{ ...good(), record: undefined }] }, /^changes\[0\]\.record: not an object$/],
    ['wrong type: emails', { changes: [change('person', { ...p, emails: 'ada@example.org' })] }, /^changes\[0\]\.record\.emails: not an array$/],
    ['wrong item type', { changes: [change('person', { ...p, names: ['ok', 7] })] }, /^changes\[0\]\.record\.names: \[1\]: not a string$/],
    ['wrong type: strength', { changes: [good(), change('edge', { ...edge(id(), id()), strength: '0.5' })] }, /^changes\[1\]\.record\.strength: not a number$/],
    ['bad enum', { changes: [change('edge', { ...edge(id(), id()), channels: ['email', 'pigeon'] })] }, /^changes\[0\]\.record\.channels: \[1\]: "pigeon" is not one of/],
    ['bad timestamp', { changes: [change('person', { ...p, updatedAt: '2024-02-30T00:00:00Z' })] }, /^changes\[0\]\.record\.updatedAt: .* not an RFC 3339/],
    ['impossible date in the clients\' own form', { changes: [change('person', { ...p, createdAt: '2024-02-30T00:00:00.000Z' })] }, /^changes\[0\]\.record\.createdAt: .* not an RFC 3339/],
    ['second 60', { changes: [change('person', { ...p, updatedAt: '2024-05-01T12:00:60.000Z' })] }, /^changes\[0\]\.record\.updatedAt: .* not an RFC 3339/],
    ['year 0999', { changes: [change('person', { ...p, updatedAt: '0999-05-01T12:00:00.000Z' })] }, /^changes\[0\]\.record\.updatedAt: .* not an RFC 3339/],
    ['uuid without hyphens', { changes: [change('person', { ...p, mergedInto: 'a0eebc999c0b4ef8bb6d6bb9bd380a11' })] }, /^changes\[0\]\.record\.mergedInto: .* not a UUID$/],
    ['uuid in braces', { changes: [{ ...change('person', p), change_id: '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}' }] }, /^changes\[0\]\.change_id: not a UUID$/],
    ['bad uuid', { changes: [change('person', { ...p, organizationId: 'org-1' })] }, /^changes\[0\]\.record\.organizationId: .* not a UUID$/],
    ['missing field', { changes: [change('person', (({ names, ...rest }) => rest)(p))] }, /^changes\[0\]\.record\.names: required$/],
    ['unknown record field', { changes: [change('person', { ...p, ownerId: 'x' })] }, /^changes\[0\]\.record\.ownerId: unknown field$/],
    ['non-integer count', { changes: [change('edge', { ...edge(id(), id()), interactionCount: 1.5 })] }, /^changes\[0\]\.record\.interactionCount: /],
    ['100,000-item array', { changes: [good(), change('person', { ...p, emails: big })] }, /^changes\[1\]\.record: contains an array of 100000 items \(at most 10000\)$/],
    ['100,000-item array inside metadata', { changes: [change('person', { ...p, metadata: { deep: { list: big } } })] }, /^changes\[0\]\.record: contains an array of 100000 items/],
    ['an array of 10,001 items', { changes: [change('person', { ...p, phones: big.slice(0, 10_001) })] }, /^changes\[0\]\.record: contains an array of 10001 items/],
    ['a record over 1 MB of JSON', { changes: [change('person', { ...p, addresses: Array.from({ length: 20 }, () => 'y'.repeat(60_000)) })] }, /^changes\[0\]\.record: 1\d{6} characters of JSON \(at most 1000000\)$/],
    ['a 200,000-character string', { changes: [change('person', { ...p, title: 'x'.repeat(200_000) })] }, /^changes\[0\]\.record: contains a string of 200000 characters/],
    ['delete without deletedAt', { changes: [change('person', p, { op: 'delete' })] }, /^changes\[0\]\.record\.deletedAt: required for op delete$/],
    ['erase with a record', { changes: [{ ...change('person', p), op: 'erase' }] }, /^changes\[0\]\.record: must be null for erase$/],
    // Values that cast to the column type and render back unchanged, so the
    // typed one-statement push must refuse them by its own checks.
    ['null in a string array', { changes: [change('person', { ...p, names: ['ok', null] })] }, /^changes\[0\]\.record\.names: \[1\]: not a string$/],
    ['nested string array', { changes: [change('person', { ...p, emails: [['ada@example.org']] })] }, /^changes\[0\]\.record\.emails: \[0\]: not a string$/],
    ['null in a UUID array', { changes: [change('person', { ...p, previousIds: [null] })] }, /^changes\[0\]\.record\.previousIds: \[0\]: not a string$/],
    ['null for a required field', { changes: [change('person', { ...p, names: null })] }, /^changes\[0\]\.record\.names: must not be null$/],
    ['birth date in year 0999', { changes: [change('person', { ...p, birthDate: '0999-01-01' })] }, /^changes\[0\]\.record\.birthDate: .* not a date/],
    ['year 10000', { changes: [change('person', { ...p, createdAt: '10000-01-01T00:00:00.000Z' })] }, /^changes\[0\]\.record\.createdAt: .* not an RFC 3339/],
    ['negative count', { changes: [change('edge', { ...edge(id(), id()), interactionCount: -1 })] }, /^changes\[0\]\.record\.interactionCount: -1 is not a whole number/],
    ['count over 2^53 - 1', { changes: [change('edge', { ...edge(id(), id()), interactionCount: 2 ** 53 })] }, /^changes\[0\]\.record\.interactionCount: /],
    ['base_version over 2^53 - 1', { changes: [{ ...good(), base_version: 2 ** 53 }] }, /^changes\[0\]\.base_version: /],
    ['enum string', { changes: [change('edge', { ...edge(id(), id()), relationshipType: 'enemy' })] }, /^changes\[0\]\.record\.relationshipType: "enemy" is not one of/],
    ['non-object strength factor', { changes: [change('edge', { ...edge(id(), id()), strengthFactors: [1] })] }, /^changes\[0\]\.record\.strengthFactors: \[0\]: not an object$/],
    ['non-string social handle', { changes: [change('person', { ...p, socialHandles: { x: 1 } })] }, /^changes\[0\]\.record\.socialHandles: key "x": not a string$/],
    ['delete of a merge', { changes: [change('merge', merge(p, [person()]), { op: 'delete' })] }, /^changes\[0\]\.record\.deletedAt: required for op delete$/],
  ];
  for (const [name, body, message] of cases) {
    test(`refused whole, nothing written: ${name}`, async () => {
      const u = user();
      const res = await rpc('wig_push', body, u.token);
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.code, '22023');
      assert.match(res.body.message, message);
      assert.equal(res.body.details, res.body.message);
      assert.deepEqual(ok(await u.pull()), { changes: [], checkpoint: 0, more: false });
    });
  }

  test('every field of every kind refuses a value of the wrong JSON type, by name', async () => {
    // Covers the server's fast path and its detailed check agreeing: a wrong
    // value anywhere must be refused and named, never let through.
    const u = user();
    const a = person();
    const records = {
      person: a, organization: organization(), edge: edge(id(), id()), interaction: interaction(),
      merge: merge(a, [person()]),
    };
    const anyJson = new Set(['metadata', 'mergeExplanation', 'explanation']);
    const wrong = (v) => (v === null ? {} : typeof v === 'string' ? 7 : typeof v === 'number' ? '7'
      : Array.isArray(v) ? { a: 1 } : 'x');
    let tried = 0;
    for (const [kind, record] of Object.entries(records)) {
      for (const field of Object.keys(record)) {
        if (anyJson.has(field)) continue;
        const bad = { ...record, [field]: wrong(record[field]) };
        const res = await rpc('wig_push', { changes: [change(kind, bad, { recordId: record.id })] }, u.token);
        assert.equal(res.status, 400, `${kind}.${field}: ${JSON.stringify(res.body).slice(0, 200)}`);
        assert.ok(res.body.message.startsWith(`changes[0].record.${field}: `), `${kind}.${field}: ${res.body.message}`);
        tried++;
      }
    }
    assert.equal(tried, 62);
    assert.deepEqual(ok(await u.pull()), { changes: [], checkpoint: 0, more: false });
  });

  test('a body over the gateway limit (10 MiB) is refused, nothing written', async () => {
    const u = user();
    const title = 'x'.repeat(90_000);
    const changes = Array.from({ length: 130 }, () => change('person', person({ title })));
    const res = await rpc('wig_push', { changes }, u.token);
    assert.ok(res.status === 400 || res.status === 413, String(res.status));
    assert.match(res.body.code, /^PGRST/);
    assert.deepEqual(ok(await u.pull()), { changes: [], checkpoint: 0, more: false });
  });

  test('a body that is not JSON is refused by the gateway', async () => {
    const u = user();
    const res = await rpc('wig_push', '{"changes": [', u.token);
    assert.equal(res.status, 400);
    assert.match(res.body.code, /^PGRST/);
  });

  test('SQL in strings is stored verbatim and does nothing', async () => {
    const u = user();
    const nasty = ["'); drop table wig.people; --", "Robert'); DELETE FROM wig.owners;--", '$$; select pg_sleep(10); $$',
      '\\x00\\\\', '"quoted" \'single\'', 'null', '\u0000'.replace('\u0000', '\u2028')];
    const p = person({ names: nasty, title: nasty[0], metadata: { [nasty[1]]: nasty[2] }, socialHandles: { [nasty[0]]: nasty[4] } });
    const i = interaction({ sourceName: nasty[0], sourceId: nasty[1] });
    ok(await u.push([change('person', p), change('interaction', i)]));
    const rows = ok(await u.pull()).changes;
    assert.deepEqual(rows.map((c) => c.record), [p, i]);
    // The tables are all still there and working.
    const other = user();
    ok(await other.push([change('person', person())]));
    assert.equal(ok(await other.pull()).changes.length, 1);
  });
});
