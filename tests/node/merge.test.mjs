// Node tests of merges through the built package: merge → reopen → unmerge
// gives back the same graph, rejections survive reopening, and the merge
// errors reach JS with their code and field.
import 'fake-indexeddb/auto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Graph, isWigError } from '@wig/graph';

async function rejects(fn, code, field) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${code}`);
  assert.ok(isWigError(error), `a WigError: ${error}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.field, field, error.message);
  return error;
}

const all = { limit: 10000, includeDeleted: true };
const tables = (g) => JSON.stringify([g.listPeople(all).items, g.listOrganizations(all).items, g.listEdges(all).items, g.listInteractions(all).items]);

async function seed(g) {
  const org = await g.upsertOrganization({ name: 'Acme' });
  const [ada, ada2, bob, cy] = await g.upsertPeople([
    { names: ['Ada Lovelace'], emails: ['ada@example.org'], socialHandles: { github: 'ada' } },
    { names: ['Ada King'], emails: ['ada@work.example'], title: 'Countess', organizationId: org.id, socialHandles: { github: 'ak', x: 'adak' } },
    { names: ['Bob'] },
    { names: ['Cy'] },
  ]);
  await g.upsertEdges([
    { fromPersonId: ada.id, toPersonId: bob.id, strength: 0.4, interactionCount: 2, channels: ['email'] },
    { fromPersonId: bob.id, toPersonId: ada2.id, strength: 0.9, interactionCount: 3, channels: ['call'] },
    { fromPersonId: ada.id, toPersonId: ada2.id },
    { fromPersonId: ada2.id, toPersonId: cy.id },
  ]);
  return { org, ada, ada2, bob, cy };
}

test('merge → reopen → unmerge gives back the same graph', async () => {
  const name = `merge-${randomUUID()}`;
  const g = await Graph.open(name);
  const { ada, ada2, bob, cy } = await seed(g);
  const before = tables(g);
  const m = await g.merge(ada.id, [ada2.id], { explanation: { score: 0.98 } });
  assert.equal(m.targetId, ada.id);
  assert.deepEqual(m.sourceIds, [ada2.id]);
  const merged = g.getPerson(ada.id);
  assert.deepEqual(merged.names, ['Ada Lovelace', 'Ada King']);
  assert.deepEqual(merged.socialHandles, { github: 'ada', x: 'adak' });
  assert.equal(merged.title, 'Countess');
  assert.deepEqual(merged.previousIds, [ada2.id]);
  assert.deepEqual(merged.mergeExplanation, { score: 0.98 });
  assert.equal(g.getPerson(ada2.id).mergedInto, ada.id);
  assert.equal(g.listPeople().items.length, 3, 'the source leaves queries');
  const edges = g.listEdges().items;
  assert.equal(edges.length, 2, 'duplicate combined, self-edge removed');
  const withBob = edges.find((e) => [e.fromPersonId, e.toPersonId].includes(bob.id));
  assert.equal(withBob.interactionCount, 5);
  assert.equal(withBob.strength, 0.9);
  assert.deepEqual(withBob.channels, ['email', 'call']);
  assert.ok(edges.some((e) => [e.fromPersonId, e.toPersonId].includes(cy.id) && [e.fromPersonId, e.toPersonId].includes(ada.id)));
  assert.equal(g.audit({ limit: 1 })[0].action, 'merge');
  const after = tables(g);
  await g.close();

  const again = await Graph.open(name);
  assert.equal(tables(again), after);
  assert.deepEqual(again.listMerges().map((x) => x.id), [m.id]);
  await again.unmerge(m.id);
  assert.equal(tables(again), before);
  assert.ok(again.listMerges()[0].undoneAt);
  assert.equal(again.audit({ limit: 1 })[0].action, 'unmerge');
  await again.close();

  const third = await Graph.open(name);
  assert.equal(tables(third), before);
  await third.close();
});

test('mergeOrganizations moves their people; unmerge moves them back', async () => {
  const g = await Graph.open(`orgs-${randomUUID()}`);
  const [acme, acme2] = await g.upsertOrganizations([{ name: 'Acme' }, { name: 'ACME Inc.', domain: 'acme.com' }]);
  const ada = await g.upsertPerson({ names: ['Ada'], organizationId: acme2.id });
  const before = tables(g);
  const m = await g.mergeOrganizations(acme.id, [acme2.id]);
  assert.equal(m.entityType, 'organization');
  assert.equal(g.getOrganization(acme.id).domain, 'acme.com');
  assert.equal(g.getPerson(ada.id).organizationId, acme.id);
  assert.equal(g.listOrganizations().items.length, 1);
  await g.unmerge(m.id);
  assert.equal(tables(g), before);
  await g.close();
});

test('rejectMatch survives reopening, and merging a rejected pair is allowed', async () => {
  const name = `reject-${randomUUID()}`;
  const g = await Graph.open(name);
  const [a, b, c] = await g.upsertPeople([{ names: ['Ann'] }, { names: ['Anne'] }, { names: ['Cy'] }]);
  const r = await g.rejectMatch(b.id, a.id);
  assert.deepEqual([r.a, r.b], [a.id, b.id].sort());
  assert.equal(r.kind, 'person');
  assert.equal(g.isRejected(a.id, b.id), true);
  assert.equal(g.isRejected(a.id, c.id), false);
  await g.close();
  const again = await Graph.open(name);
  assert.equal(again.isRejected(b.id, a.id), true);
  assert.equal(again.rejectedPairs().length, 1);
  const m = await again.merge(a.id, [b.id]);
  await again.unmerge(m.id);
  assert.equal(again.isRejected(a.id, b.id), true, 'unmerge leaves rejections alone');
  await again.close();
});

test('merge errors reach JS with their code and field', async () => {
  const g = await Graph.open(`merge-errors-${randomUUID()}`);
  const { ada, ada2, bob, cy } = await seed(g);
  await rejects(() => g.merge(randomUUID(), [bob.id]), 'NOT_FOUND', 'targetId');
  await rejects(() => g.merge(ada.id, ['nope']), 'INVALID_ID', 'sourceIds[0]');
  await rejects(() => g.merge(ada.id, []), 'INVALID_INPUT', 'sourceIds');
  await rejects(() => g.merge(ada.id, [7]), 'INVALID_ID', 'sourceIds[0]');
  await rejects(() => g.merge(ada.id, [bob.id, undefined]), 'REQUIRED', 'sourceIds[1]');
  await rejects(() => g.merge(ada.id), 'REQUIRED', 'sourceIds');
  await rejects(() => g.merge(ada.id, [bob.id, bob.id]), 'DUPLICATE_ID', 'sourceIds[1]');
  await rejects(() => g.merge(ada.id, [bob.id, ada.id]), 'INVALID_INPUT', 'sourceIds[1]');
  await rejects(() => g.merge(ada.id, [bob.id], { explanaton: {} }), 'INVALID_INPUT', 'explanaton');
  await rejects(() => g.unmerge(randomUUID()), 'NOT_FOUND', 'mergeId');

  const m = await g.merge(ada.id, [ada2.id]);
  await rejects(() => g.merge(bob.id, [ada2.id]), 'MERGED_AWAY', 'sourceIds[0]');
  await rejects(() => g.merge(ada2.id, [bob.id]), 'MERGED_AWAY', 'targetId');
  await rejects(() => g.rejectMatch(bob.id, ada2.id), 'MERGED_AWAY', 'b');

  // A later change to the target: unmerge would lose it, so it is refused.
  await g.upsertPerson({ ...g.getPerson(ada.id), names: ['Ada L.'] });
  const before = tables(g);
  const e = await rejects(() => g.unmerge(m.id), 'UNMERGE_CONFLICT', 'mergeId');
  assert.match(e.reason, /modified after the merge/);
  assert.equal(tables(g), before, 'a refused unmerge changes nothing');

  // Undone twice: refused with a clear reason.
  const m2 = await g.merge(bob.id, [cy.id]);
  await g.unmerge(m2.id);
  const twice = await rejects(() => g.unmerge(m2.id), 'UNMERGE_CONFLICT', 'mergeId');
  assert.match(twice.reason, /already undone/);
  await g.close();
});
