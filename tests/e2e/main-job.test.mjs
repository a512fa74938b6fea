// End to end: the README's main job (scripts/demo.sh) step by step — the real
// PostgreSQL + gateway, scripts/demo-seed.mjs putting a user's sample graph on
// the server, and the dashboard served with the config it writes: the page
// starts empty, pulls the graph at start, and shows the sample's counts,
// duplicates and an intro path. Seeding twice leaves the server as it was.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startServer } from '../../scripts/serve.mjs';
import { startServer as startGateway, rpc } from '../sync/server.mjs';
import { userToken } from '../sync/jwt.mjs';
import { Graph } from '../../pkg/node.js';
import { fillDemoGraph } from '../../scripts/demo-graph.mjs';
import { launch, openDashboard, dashboardCounts } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

function seed(user, out) {
  const run = spawnSync('node', ['scripts/demo-seed.mjs', out], { cwd: root, encoding: 'utf8', env: { ...process.env, WIG_DEMO_USER: user } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

async function serverRows(user) {
  let since = 0;
  let rows = 0;
  for (;;) {
    const { status, body } = await rpc('wig_pull', { since, limit: 5000 }, userToken(user));
    assert.equal(status, 200, JSON.stringify(body));
    rows += body.changes.length;
    if (!body.more) return rows;
    since = body.checkpoint;
  }
}

test('main job: the demo graph goes to the server, and the dashboard pulls it into IndexedDB with its duplicates', async () => {
  const gateway = startGateway();
  const user = `demo-${randomUUID()}`;
  const out = join(mkdtempSync(join(tmpdir(), 'wig-demo-')), 'config.json');
  assert.match(seed(user, out), /pushed to the server/);
  const local = await Graph.open('expected', { storage: 'memory' });
  const stats = await fillDemoGraph(local);
  await local.close();
  const expected = { people: stats.people, organizations: stats.organizations, edges: stats.edges, interactions: stats.interactions };
  const rows = await serverRows(user);
  assert.equal(rows, expected.people + expected.organizations + expected.edges + expected.interactions);
  // Idempotent: a second run finds the graph there and pushes nothing.
  assert.match(seed(user, out), /already holds/);
  assert.equal(await serverRows(user), rows);

  const config = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(config.sample, false);
  const web = await startServer({ gateway, config: { ...config, noServiceWorker: true } });
  closers.push(() => web.close());
  const context = await launch();
  closers.push(() => context.close());
  const { page, errors } = await openDashboard(context, `http://127.0.0.1:${web.address().port}/`, { timeout: 120_000 });
  assert.match(await page.textContent('[data-testid=status]'), /synced with/);
  assert.deepEqual(await dashboardCounts(page), expected);
  // What the dashboard shows is computed locally from the pulled graph.
  const seen = await page.evaluate(() => {
    const g = window.wigDashboard.graph;
    const people = g.listPeople({ limit: 2 }).items;
    const edges = g.listEdges({ limit: 1000 }).items;
    return {
      outbox: g.stats().outboxChanges,
      scored: edges.filter((e) => e.strengthFactors.length > 0).length,
      path: g.shortestPathIds(people[0].id, people[1].id),
      duplicates: g.findDuplicates({}).suggestions.map((d) => [g.getPerson(d.a).names[0], g.getPerson(d.b).names[0]].sort().join(' ~ ')).sort(),
    };
  });
  assert.equal(seen.outbox, 0, 'pulled rows must not go back to the outbox');
  assert.ok(seen.scored > 0, 'strengths (with factors) travel with the edges');
  assert.ok(Array.isArray(seen.path) && seen.path.length >= 2);
  // The sample import's two obvious duplicates are waiting for review.
  assert.deepEqual(seen.duplicates, ['Bob Chen ~ Robert Chen', 'Sofia Garcia ~ Sofía García']);
  // "Me" is preset by the demo, so intro paths work at once.
  assert.notEqual(await page.textContent('#me-name'), 'not chosen');
  assert.deepEqual(errors, []);
});
