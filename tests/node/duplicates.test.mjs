// Duplicate suggestions through the built package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Graph } from '@wig/graph';

test('findDuplicates suggests with explanations, reports progress and can be cancelled', async () => {
  const g = await Graph.open(`dups-${randomUUID()}`, { storage: 'memory' });
  const [bob, robert] = await g.upsertPeople([
    { names: ['Bob Smith'], emails: ['robertsmith+news@gmail.com'], phones: ['(415) 555-0100'] },
    { names: ['Robert Smith'], emails: ['Robert.Smith@gmail.com'], phones: ['+1 415 555 0100'] },
    { names: ['Ada Lovelace'], emails: ['ada@example.org'] },
    { names: ['Grace Hopper'], emails: ['grace@example.org'] },
  ]);
  let ticks = 0;
  const report = g.findDuplicates({ onProgress: () => ticks++ });
  assert.equal(report.suggestions.length, 1);
  const s = report.suggestions[0];
  assert.deepEqual(new Set([s.a, s.b]), new Set([bob.id, robert.id]));
  assert.ok(s.probability > 0.99);
  assert.deepEqual(s.fields.map((f) => f.field), ['name', 'email', 'phone', 'org']);
  const sum = s.fields.reduce((w, f) => w + f.weight, s.priorWeight);
  assert.ok(Math.abs(sum - s.matchWeight) < 1e-9);
  assert.ok(ticks > 0);

  // Incremental: a new contact is matched without a full run; edits are seen.
  const [best] = g.matchPerson({ names: ['Bobby Smith'], emails: ['robert.smith@gmail.com'] });
  assert.ok(best.isMatch && [bob.id, robert.id].includes(best.id));
  const carol = await g.upsertPerson({ names: ['Carol Jones'], emails: ['carol@jones.example'] });
  assert.equal(g.matchPerson({ names: ['Caroline Jones'], emails: ['carol@jones.example'] })[0].id, carol.id);
  assert.ok(g.matchPerson(carol.id).every((c) => c.id !== carol.id));
  // An edit is seen at once: Carol's new address finds her.
  await g.upsertPerson({ ...carol, emails: ['cj@newjob.example'] });
  assert.equal(g.matchPerson({ names: ['Carol Jones'], emails: ['cj@newjob.example'] })[0]?.id, carol.id);
  const byOldEmail = g.matchPerson({ names: ['Caroline Jones'], emails: ['carol@jones.example'] }).find((c) => c.id === carol.id);
  assert.notEqual(byOldEmail?.fields.find((f) => f.field === 'email')?.level, 'exact', 'her old address is gone');
  assert.throws(() => g.matchPerson(randomUUID()), (e) => e.code === 'NOT_FOUND' && e.field === 'id');
  assert.throws(() => g.matchPerson({ emails: ['nope@'] }), (e) => e.code === 'INVALID_EMAIL' && e.field === 'emails[0]');

  const controller = new AbortController();
  controller.abort();
  assert.throws(() => g.findDuplicates({ signal: controller.signal }), (e) => e.code === 'CANCELLED' && e.field === 'signal');
  // A callback that throws: its own error comes out, not a cancellation.
  const boom = new TypeError('boom');
  assert.throws(() => g.findDuplicates({ onProgress: () => { throw boom; } }), (e) => e === boom);
  assert.throws(() => g.findDuplicates({ kind: 'robots' }), (e) => e.code === 'INVALID_ENUM' && e.field === 'kind');
  assert.throws(() => g.findDuplicates({ threshold: 2 }), (e) => e.code === 'INVALID_INPUT' && e.field === 'threshold');
  await g.close();
});
