// edgesOf through the built package: the JSON shape the dashboard reads
// (strength, strengthFactors, both directions), and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Graph, isWigError } from '../../pkg/node.js';

test('edgesOf returns a person’s edges strongest first, with factors after a recompute', async () => {
  const g = await Graph.open(`edges-${randomUUID()}`, { storage: 'memory' });
  const [ada, bob, cat] = await g.upsertPeople(['ada', 'bob', 'cat'].map((n) => ({ names: [n], emails: [`${n}@example.org`] })));
  await g.upsertEdges([
    { fromPersonId: bob.id, toPersonId: ada.id, strength: 0.2 },
    { fromPersonId: ada.id, toPersonId: cat.id, strength: 0.7 },
  ]);
  let edges = g.edgesOf(ada.id);
  assert.deepEqual(edges.map((e) => [e.fromPersonId, e.toPersonId, e.strength]), [[ada.id, cat.id, 0.7], [bob.id, ada.id, 0.2]]);
  assert.deepEqual(g.edgesOf(ada.id, { minStrength: 0.5 }).map((e) => e.toPersonId), [cat.id]);

  const meetings = Array.from({ length: 6 }, (_, i) => ({
    sourceName: 'cal', sourceId: `m${i}`, timestamp: Date.UTC(2026, 10, 1 + i), participants: [ada.id, 'bob@example.org'], channel: 'meeting', durationMinutes: 60,
  }));
  await g.upsertInteractions(meetings);
  await g.recomputeStrengths({ now: Date.UTC(2026, 10, 10) });
  edges = g.edgesOf(ada.id);
  const withBob = edges.find((e) => e.fromPersonId === bob.id || e.toPersonId === bob.id);
  assert.ok(withBob.strengthFactors.length > 0);
  const sum = withBob.strengthFactors.reduce((a, f) => a + f.contribution, 0);
  assert.ok(Math.abs(sum - withBob.strength) < 1e-6, `${sum} vs ${withBob.strength}`);

  let error;
  try { g.edgesOf('not-a-uuid'); } catch (e) { error = e; }
  assert.ok(isWigError(error));
  assert.deepEqual([error.code, error.field], ['INVALID_ID', 'personId']);
  await g.close();
});
