// Graph queries and tie strength through the built package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
// This worktree's build (the shared node_modules' @wig/graph may point at another checkout).
import { Graph, isWigError } from '../../pkg/node.js';

async function seeded() {
  const g = await Graph.open(`graph-${randomUUID()}`, { storage: 'memory' });
  const acme = await g.upsertOrganization({ name: 'Acme' });
  const [ada, bob, cat, dan, eve, fay] = await g.upsertPeople(
    ['ada', 'bob', 'cat', 'dan', 'eve', 'fay'].map((n) => ({ names: [n], emails: [`${n}@example.org`], organizationId: n === 'dan' ? acme.id : undefined })),
  );
  const e = (a, b, strength, relationshipType = 'knows') => ({ fromPersonId: a.id, toPersonId: b.id, strength, relationshipType });
  await g.upsertEdges([e(ada, bob, 0.9), e(bob, cat, 0.8, 'advised'), e(cat, dan, 0.9), e(ada, eve, 0.5), e(eve, dan, 0.5)]);
  return { g, acme, ada, bob, cat, dan, eve, fay };
}

function throwsWig(fn, code, field) {
  let error;
  try { fn(); } catch (e) { error = e; }
  assert.ok(error && isWigError(error), `expected ${code}, got ${error}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.field, field, error.message);
}

test('each query answers in person ids', async () => {
  const { g, acme, ada, bob, cat, dan, eve, fay } = await seeded();
  assert.deepEqual(g.shortestPath(ada.id, dan.id).personIds, [ada.id, eve.id, dan.id]);
  assert.equal(g.shortestPath(ada.id, fay.id), null);
  const paths = g.introPaths(ada.id, dan.id, { k: 3, maxHops: 4 });
  assert.equal(paths.length, 2);
  assert.deepEqual(paths[0].personIds, [ada.id, bob.id, cat.id, dan.id]);
  assert.ok(Math.abs(paths[0].score - 0.9 * 0.8 * 0.9) < 1e-6);
  assert.equal(paths[0].weakestHop.index, 1);
  assert.equal(paths[0].hops[1].relationshipType, 'advised');
  assert.deepEqual(g.introPaths(ada.id, fay.id), []);
  assert.equal(g.introPaths(ada.id, dan.id, { minStrength: 0.6 }).length, 1);
  assert.equal(g.introPaths(ada.id, dan.id, { avoid: [bob.id] })[0].personIds[1], eve.id);
  assert.equal(g.introPaths(ada.id, dan.id, { relationshipTypes: ['knows'] }).length, 1);
  const org = g.introPathsToOrganization(ada.id, acme.id, { k: 2 });
  assert.equal(org[0].personIds.at(-1), dan.id);
  assert.deepEqual(g.mutualConnections(ada.id, cat.id).map((m) => m.personId), [bob.id]);
  const n = g.neighbors(ada.id, { depth: 2 });
  assert.deepEqual(n.degrees.map((d) => d.count), [2, 2]);
  await g.deletePerson(eve.id);
  assert.deepEqual(g.shortestPath(ada.id, dan.id).personIds, [ada.id, bob.id, cat.id, dan.id]);
  await g.close();
});

test('shortestPathIds by node (the cached node table) answers as by id, through writes and errors', async () => {
  // Count the calls that cross by node number: the test must exercise that path.
  const { WasmGraph } = await import('../../pkg/dist/wig_graph.js');
  const byNode = WasmGraph.prototype.shortestPathNodes;
  let nodeCalls = 0;
  WasmGraph.prototype.shortestPathNodes = function (...args) { nodeCalls++; return byNode.apply(this, args); };
  try {
    const { g, ada, bob, cat, dan, eve, fay } = await seeded();
    let people = [ada, bob, cat, dan, eve, fay];
    const agrees = () => {
      for (const a of people) for (const b of people) {
        assert.deepEqual(g.shortestPathIds(a.id, b.id), g.shortestPath(a.id, b.id)?.personIds ?? null, `${a.names[0]} → ${b.names[0]}`);
      }
    };
    assert.deepEqual(g.shortestPathIds(ada.id, dan.id), [ada.id, eve.id, dan.id]);
    assert.equal(nodeCalls, 0, 'the first queries go by id');
    agrees();
    assert.ok(nodeCalls >= 30, `by node: ${nodeCalls}`);
    // Edge changes reach the answers by node.
    await g.upsertEdge({ fromPersonId: bob.id, toPersonId: fay.id, strength: 0.3 });
    agrees();
    assert.deepEqual(g.shortestPathIds(ada.id, fay.id), [ada.id, bob.id, fay.id]);
    // A person added after the table was fetched: by id once, then by node.
    const [gus] = await g.upsertPeople([{ names: ['gus'] }]);
    await g.upsertEdge({ fromPersonId: fay.id, toPersonId: gus.id, strength: 0.4 });
    people = [...people, gus];
    const before = nodeCalls;
    assert.deepEqual(g.shortestPathIds(ada.id, gus.id), [ada.id, bob.id, fay.id, gus.id]);
    assert.deepEqual(g.shortestPathIds(gus.id, ada.id), [gus.id, fay.id, bob.id, ada.id]);
    assert.ok(nodeCalls > before);
    agrees();
    // Deleted and merged-away people keep their nodes: the typed errors still come.
    await g.deletePerson(eve.id);
    throwsWig(() => g.shortestPathIds(ada.id, eve.id), 'NOT_FOUND', 'to');
    await g.merge(ada.id, [cat.id]);
    throwsWig(() => g.shortestPathIds(cat.id, dan.id), 'MERGED_AWAY', 'from');
    people = people.filter((p) => p !== eve && p !== cat);
    agrees();
    assert.deepEqual(g.shortestPathIds(ada.id, ada.id), [ada.id]);
    throwsWig(() => g.shortestPathIds(ada.id, randomUUID()), 'NOT_FOUND', 'to');
    // Filters go by id.
    const calls = nodeCalls;
    assert.equal(g.shortestPathIds(ada.id, gus.id, { maxHops: 2 }), null);
    assert.equal(nodeCalls, calls);
    await g.close();
    throwsWig(() => g.shortestPathIds(ada.id, dan.id), 'CLOSED', null);
  } finally {
    WasmGraph.prototype.shortestPathNodes = byNode;
  }
});

test('errors carry code and field', async () => {
  const { g, ada, dan, bob } = await seeded();
  const ghost = randomUUID();
  throwsWig(() => g.shortestPath(ghost, dan.id), 'NOT_FOUND', 'from');
  throwsWig(() => g.introPaths(ada.id, ghost), 'NOT_FOUND', 'to');
  throwsWig(() => g.introPathsToOrganization(ada.id, ghost), 'NOT_FOUND', 'organizationId');
  throwsWig(() => g.introPaths(ada.id, dan.id, { minStrength: 2 }), 'INVALID_STRENGTH', 'minStrength');
  throwsWig(() => g.introPaths(ada.id, dan.id, { minStrength: NaN }), 'INVALID_STRENGTH', 'minStrength');
  throwsWig(() => g.introPaths(ada.id, dan.id, { maxHops: 0 }), 'INVALID_INPUT', 'maxHops');
  throwsWig(() => g.introPaths(ada.id, dan.id, { k: 0 }), 'INVALID_INPUT', 'k');
  throwsWig(() => g.introPaths(ada.id, dan.id, { avoid: [bob.id, ghost] }), 'NOT_FOUND', 'avoid[1]');
  throwsWig(() => g.introPaths(ada.id, dan.id, { avoid: [42] }), 'INVALID_ID', 'avoid[0]');
  assert.throws(() => g.introPaths(ada.id, dan.id, { avoid: [Number.NaN] }), (e) => e.code === 'INVALID_ID' && /'NaN' is not a UUID/.test(e.message), 'NaN named as such');
  throwsWig(() => g.introPaths(ada.id, dan.id, { avoid: [bob.id, undefined] }), 'REQUIRED', 'avoid[1]');
  throwsWig(() => g.introPaths(ada.id, dan.id, { relationshipTypes: ['friend'] }), 'INVALID_ENUM', 'relationshipTypes[0]');
  throwsWig(() => g.introPaths(ada.id, dan.id, { kk: 3 }), 'INVALID_INPUT', 'kk');
  // An array is not read field by field ([2, null, 1] meant k = 2, maxHops = 1).
  throwsWig(() => g.introPaths(ada.id, dan.id, [2, null, 1]), 'INVALID_INPUT', 'options');
  throwsWig(() => g.neighbors(ada.id, { depth: 9 }), 'INVALID_INPUT', 'depth');
  throwsWig(() => g.shortestPath('nope', dan.id), 'INVALID_ID', 'from');
  // Ids that are not strings are refused by name before they reach wasm
  // (undefined threw a TypeError there, a number trapped in the allocator).
  throwsWig(() => g.shortestPath(ada.id, undefined), 'REQUIRED', 'to');
  throwsWig(() => g.shortestPathIds(ada.id, 42), 'INVALID_ID', 'to');
  throwsWig(() => g.introPaths(null, dan.id), 'REQUIRED', 'from');
  throwsWig(() => g.introPathsToOrganization(ada.id, {}), 'INVALID_ID', 'organizationId');
  throwsWig(() => g.mutualConnections(ada.id, 7), 'INVALID_ID', 'b');
  throwsWig(() => g.neighbors(undefined), 'REQUIRED', 'from');
  throwsWig(() => g.distancesFrom(1), 'INVALID_ID', 'from');
  throwsWig(() => g.edgesOf(undefined), 'REQUIRED', 'personId');
  throwsWig(() => g.getPerson(123), 'INVALID_ID', 'id');
  throwsWig(() => g.isRejected(ada.id, undefined), 'REQUIRED', 'b');
  for (const write of [() => g.deletePerson(5), () => g.erasePerson(undefined), () => g.unmerge(undefined), () => g.merge(undefined, [bob.id]), () => g.rejectMatch(ada.id, 1)]) {
    await assert.rejects(write(), (e) => isWigError(e) && ['REQUIRED', 'INVALID_ID'].includes(e.code) && e.field !== null);
  }
  await assert.rejects(Graph.open(42, { storage: 'memory' }), (e) => isWigError(e) && e.code === 'INVALID_INPUT' && e.field === 'name');
  await assert.rejects(Graph.open(undefined, { storage: 'memory' }), (e) => isWigError(e) && e.code === 'REQUIRED' && e.field === 'name');
  assert.deepEqual(g.shortestPathIds(ada.id, ada.id), [ada.id], 'the graph still answers');
  await g.close();
});

test('shortestPathIds by node: a person added after the node table, in the middle of a path', async () => {
  const g = await Graph.open(`graph-${randomUUID()}`, { storage: 'memory' });
  const [a, c] = await g.upsertPeople([{ names: ['a'] }, { names: ['c'] }]);
  assert.equal(g.shortestPathIds(a.id, c.id), null);
  assert.equal(g.shortestPathIds(c.id, a.id), null); // the second by-id query fetches the node table
  const [d] = await g.upsertPeople([{ names: ['d'] }]);
  await g.upsertEdges([{ fromPersonId: a.id, toPersonId: d.id }, { fromPersonId: d.id, toPersonId: c.id }]);
  assert.deepEqual(g.shortestPathIds(a.id, c.id), [a.id, d.id, c.id]);
  assert.deepEqual(g.shortestPathIds(c.id, a.id), [c.id, d.id, a.id]);
  await g.close();
});

test('recomputeStrengths writes explained strengths and reports unknown participants', async () => {
  const { g, ada, bob, cat } = await seeded();
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  await g.upsertInteractions(Array.from({ length: 9 }, (_, i) => ({
    sourceName: 'cal', sourceId: `e${i}`, timestamp: t0 + i * 86_400_000, channel: i % 2 ? 'email' : 'meeting',
    participants: i % 3 === 0 ? [ada.id, 'BOB@example.org'] : [bob.id, cat.id, 'stranger@elsewhere.com'],
  })));
  const now = t0 + 10 * 86_400_000;
  const r = await g.recomputeStrengths({ now });
  assert.equal(r.edgesUpdated, 2);
  assert.equal(r.interactionsUsed, 9);
  assert.deepEqual(r.unknownParticipants, { count: 6, examples: ['stranger@elsewhere.com'] });
  const path = g.shortestPath(ada.id, bob.id);
  const edge = g.getEdge(path.edgeIds[0]);
  assert.equal(edge.strengthFactors.length, 8);
  const sum = edge.strengthFactors.reduce((s, f) => s + f.contribution, 0);
  assert.ok(Math.abs(sum - edge.strength) < 1e-9);
  assert.equal(path.hops[0].why.length, 3);
  const again = await g.recomputeStrengths({ now });
  assert.equal(again.edgesUpdated + again.edgesCreated, 0, 'deterministic');
  const touched = await g.recomputeStrengths({ now, only: 'touched' });
  assert.equal(touched.edgesUpdated, 0);
  await assert.rejects(g.recomputeStrengths({ embeddednessWeight: 3 }), (e) => e.code === 'INVALID_STRENGTH' && e.field === 'embeddednessWeight');
  await g.close();
});

test('shortestPathIds and distancesFrom: the lean forms of shortestPath and neighbors', async () => {
  const { g, ada, bob, cat, dan, eve, fay } = await seeded();
  assert.deepEqual(g.shortestPathIds(ada.id, dan.id), g.shortestPath(ada.id, dan.id).personIds);
  assert.equal(g.shortestPathIds(ada.id, fay.id), null);
  const d = g.distancesFrom(ada.id);
  assert.ok(d.distances instanceof Uint32Array);
  assert.equal(d.size, 6);
  assert.deepEqual([ada, bob, cat, dan, eve, fay].map((p) => d.get(p.id)), [0, 1, 2, 2, 1, null]);
  assert.equal(d.get(randomUUID()), null);
  const reached = new Map(d.entries());
  assert.equal(reached.size, 5);
  for (const level of g.neighbors(ada.id, { depth: 6 }).degrees) {
    for (const id of level.personIds) assert.equal(reached.get(id), level.degree);
  }
  for (let i = 0; i < d.size; i++) assert.equal(d.distances[i] === 0xffffffff ? null : d.distances[i], d.get(d.personId(i)));
  assert.equal(g.distancesFrom(ada.id, { maxHops: 1 }).get(cat.id), null);
  assert.equal(g.distancesFrom(ada.id, { avoid: [eve.id] }).get(dan.id), 3);
  // People added later extend the node table; earlier results stay valid.
  const [gus] = await g.upsertPeople([{ names: ['gus'] }]);
  await g.upsertEdge({ fromPersonId: dan.id, toPersonId: gus.id, strength: 0.4 });
  const d2 = g.distancesFrom(ada.id);
  assert.equal(d2.size, 7);
  assert.equal(d2.get(gus.id), 3);
  assert.equal(d.get(gus.id), null);
  assert.equal(d.get(dan.id), 2);
  assert.ok(g.stats().graphIndexBytes > 0);
  throwsWig(() => g.distancesFrom(ada.id, { depth: 2 }), 'INVALID_INPUT', 'depth');
  throwsWig(() => g.distancesFrom(randomUUID()), 'NOT_FOUND', 'from');
  throwsWig(() => g.distancesFrom('nope'), 'INVALID_ID', 'from');
  throwsWig(() => g.shortestPathIds(ada.id, randomUUID()), 'NOT_FOUND', 'to');
  await g.close();
});
