// The extension's lookup logic (www/extension/lookup.js) on the built
// package in Node, on the extension's own demo graph: matching a profile by
// URL or by name + company, the answers for "me", "not found" and "no path",
// and typed errors for a bad profile. The browser side is tests/e2e/extension.test.mjs.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '@wig/graph';
import { buildExtension } from '../../scripts/build-extension.mjs';
import { createLookup, linkedinHandle, foldOrganizationName, readProfile } from '../../www/extension/lookup.js';

buildExtension({ log: () => {} }); // seed.js reads the sample graph from the extension's lib/ copy
const { demoGraph, seedDemoGraph } = await import('../../www/extension/seed.js');

let graph;
let demo;
let me;
const byName = (name) => demo.people.find((p) => p.names[0] === name);
const orgName = (p) => demo.organizations.find((o) => o.id === p.organizationId).name;

before(async () => {
  graph = await Graph.open('extension-lookup', { storage: 'memory' });
  demo = demoGraph();
  ({ meId: me } = await seedDemoGraph(graph));
});

test('LinkedIn handles and organization names are compared in a canonical form', () => {
  assert.equal(linkedinHandle('https://www.linkedin.com/in/Ada-Lovelace/'), 'ada-lovelace');
  assert.equal(linkedinHandle('https://de.linkedin.com/in/s%C3%B8ren-k?trk=x#about'), 'søren-k');
  assert.equal(linkedinHandle('linkedin.com/in/ada'), 'ada');
  assert.equal(linkedinHandle('ada-lovelace'), 'ada-lovelace');
  assert.equal(linkedinHandle('https://www.linkedin.com/company/acme/'), null);
  assert.equal(linkedinHandle('https://example.com/in/ada'), null);
  assert.equal(linkedinHandle('https://www.linkedin.com/in/%E0%A4%A/'), null, 'broken percent-encoding');
  assert.equal(linkedinHandle(undefined), null);
  assert.equal(foldOrganizationName('Acme Analytics, Inc.'), 'acme analytics');
  assert.equal(foldOrganizationName('Müller GmbH'), 'muller');
  assert.equal(foldOrganizationName('Co'), 'co', 'a name that is only a suffix is kept');
});

test('a bad profile is refused with a typed error naming the field', () => {
  const refused = (input, field) => {
    assert.throws(() => readProfile(input), (e) => e.code === 'INVALID_PROFILE' && e.field === field && e.reason.length > 0);
  };
  refused(null, 'profile');
  refused('Ada', 'profile');
  refused({}, 'name');
  refused({ name: '   ' }, 'name');
  refused({ name: 42 }, 'name');
  refused({ name: 'Ada', company: ['Acme'] }, 'company');
  refused({ name: 'x'.repeat(301) }, 'name');
  assert.deepEqual(readProfile({ name: '  Ada \n Lovelace ', headline: '', company: null }), { name: 'Ada Lovelace' });
  const lookup = createLookup(graph);
  assert.throws(() => lookup.lookup({ name: 7 }, me), (e) => e.code === 'INVALID_PROFILE' && e.field === 'name');
});

test('the profile URL on record wins, even when the page shows another name', () => {
  const { lookup } = createLookup(graph);
  const margaret = byName('Margaret Lamport');
  const result = lookup({ name: 'Maggie L.', company: 'Somewhere Else', url: 'https://www.linkedin.com/in/margaret-lamport/' }, me);
  assert.equal(result.status, 'matched');
  assert.equal(result.person.id, margaret.id);
  assert.deepEqual(result.match, { by: 'profileUrl', handle: 'margaret-lamport' });
  assert.deepEqual(result.person, { id: margaret.id, name: 'Margaret Lamport', title: margaret.title, organization: orgName(margaret) });
  const expected = graph.introPaths(me, margaret.id, { k: 3, maxHops: 4 });
  assert.equal(result.paths.length, expected.length);
  result.paths.forEach((p, i) => {
    assert.deepEqual(p.people.map((x) => x.id), expected[i].personIds);
    assert.equal(p.people[0].name, 'Ada Lovelace');
    assert.deepEqual(p.hopStrengths, expected[i].hopStrengths);
    assert.equal(p.weakestHop.strength, Math.min(...p.hopStrengths));
    assert.equal(p.hops.length, p.hopStrengths.length);
  });
});

test('without a known URL, name + company find the person through matchPerson, with the evidence', () => {
  const { lookup } = createLookup(graph);
  const frances = byName('Frances Allen');
  const result = lookup({ name: 'Frances Allen', company: 'ACME Analytics, Inc.', url: 'https://www.linkedin.com/in/someone-new/' }, me);
  assert.equal(result.status, 'matched');
  assert.equal(result.person.id, frances.id);
  assert.equal(result.match.by, 'nameAndCompany');
  assert.equal(result.match.companyKnown, true);
  assert.ok(result.match.probability > 0.5);
  const levels = Object.fromEntries(result.match.fields.map((f) => [f.field, f.level]));
  assert.equal(levels.name, 'exact');
  assert.equal(levels.org, 'exact');
  // Same name, company not in the graph: the evidence says so.
  const noCompany = lookup({ name: 'Frances Allen', company: 'Unknown Corp' }, me);
  assert.equal(noCompany.match.companyKnown, false);
  assert.ok(!noCompany.match.fields?.some((f) => f.field === 'org' && f.level === 'exact'));
});

test('"not found", "this is me", "no path" and a missing "me" are answers, not errors', async () => {
  const lookup = createLookup(graph);
  const unknown = lookup.lookup({ name: 'Marie Curie', company: 'Radium Institute', url: 'https://www.linkedin.com/in/marie-curie-1867/' }, me);
  assert.equal(unknown.status, 'not-found');
  assert.equal(unknown.match.by, 'none');
  assert.deepEqual(unknown.profile, { name: 'Marie Curie', company: 'Radium Institute', url: 'https://www.linkedin.com/in/marie-curie-1867/' });
  assert.ok(Array.isArray(unknown.nearMisses));

  const self = lookup.lookup({ name: 'Whoever', url: 'https://www.linkedin.com/in/ada-lovelace' }, me);
  assert.equal(self.status, 'is-me');
  assert.deepEqual(self.paths, []);

  const missingMe = lookup.lookup({ name: 'Frances Allen' }, '00000000-0000-4000-8000-000000000000');
  assert.equal(missingMe.status, 'no-me');

  // Someone new with a profile URL and no connections: found, no path.
  const loner = await graph.upsertPerson({ names: ['Hermit Solo'], socialHandles: { linkedin: 'https://www.linkedin.com/in/hermit-solo/' } });
  assert.equal(lookup.lookup({ name: 'H. S.', url: 'https://linkedin.com/in/hermit-solo' }, me).status, 'not-found', 'the URL index is built once…');
  lookup.invalidate();
  const lonely = lookup.lookup({ name: 'H. S.', url: 'https://linkedin.com/in/hermit-solo' }, me);
  assert.equal(lonely.status, 'matched', '…and rebuilt after invalidate()');
  assert.equal(lonely.person.id, loner.id);
  assert.deepEqual(lonely.paths, []);
});
