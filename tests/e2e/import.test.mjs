// End to end: the package's importContacts / importInteractions in headless
// Chromium with real IndexedDB — a Blob (a dropped File is one) and a fetch
// body (ReadableStream) as sources, then a reopened graph re-imports the
// same file and nothing changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { launch } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let server;
let context;
before(async () => {
  server = await startServer({
    mounts: { '/pkg/': join(root, 'pkg'), '/fixtures/': join(root, 'tests/fixtures/import'), '/': join(root, 'www') },
  });
  context = await launch();
});
after(async () => {
  await context?.close();
  server?.close();
});

test('importing sample.vcf (Blob) and sample.ics (stream) into IndexedDB, then re-importing after reopening', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // Any page of the origin will do (a .vcf would be downloaded, not shown).
  await page.goto(`http://127.0.0.1:${server.address().port}/pkg/package.json`);
  const out = await page.evaluate(async () => {
    const { Graph } = await import('/pkg/index.js');
    const name = `e2e-import-${crypto.randomUUID()}`;
    const g = await Graph.open(name);
    const progress = [];
    const vcf = await (await fetch('/fixtures/sample.vcf')).blob();
    const people = await g.importContacts(vcf, { format: 'vcard', onProgress: (p) => progress.push(p) });
    const meetings = await g.importInteractions((await fetch('/fixtures/sample.ics')).body, { format: 'ics' });
    const stats = g.stats();
    const hostile = g.listPeople({ limit: 100 }).items.some((p) => p.names[0] === 'Mallory <img src=x onerror=alert(1)>');
    await g.close();
    const reopened = await Graph.open(name);
    const reopenedStats = reopened.stats();
    const again = await reopened.importContacts(await (await fetch('/fixtures/sample.vcf')).text(), { format: 'vcard' });
    const afterStats = reopened.stats();
    await reopened.close();
    await Graph.delete(name);
    return { people, meetings, stats, hostile, reopenedStats, again, afterStats, progress, total: vcf.size };
  });
  assert.equal(out.people.people, 10);
  assert.ok(out.people.duplicateSuggestions >= 2, JSON.stringify(out.people));
  assert.equal(out.meetings.interactions, 12);
  assert.ok(out.meetings.strengthsUpdated >= 8, JSON.stringify(out.meetings));
  assert.ok(out.hostile, 'the hostile name is stored as text');
  assert.deepEqual(out.progress.at(-1), { bytesDone: out.total, bytesTotal: out.total, records: 10 });
  assert.deepEqual(out.reopenedStats, out.stats, 'everything was in IndexedDB');
  assert.equal(out.again.people, 0);
  assert.equal(out.again.unchanged, 10);
  assert.deepEqual(out.afterStats, out.stats, 're-import wrote nothing');
  assert.deepEqual(errors, []);
  await page.close();
});
