// bench/run dashboard: the dashboard on a 100k-person graph in headless
// Chromium — open, search index build and memory, a search keystroke
// (filter + render of one page), the person page, the network view — and,
// as the peer, the previous demo's search (page through listPeople and
// filter). Writes bench/results/dashboard.json.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../../tests/e2e/browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PEOPLE = Number(process.env.PEOPLE ?? 100_000);
const EDGES_PER_PERSON = Number(process.env.EDGES_PER_PERSON ?? 5);
const INTERACTIONS = Number(process.env.INTERACTIONS ?? 200_000);
const dataset = `sample-${PEOPLE}-people-${EDGES_PER_PERSON}-edges-per-person-${INTERACTIONS}-interactions`;
const QUERIES = ['ada', 'lovelace', 'ada lovelace', 'hooli', 'grace.hopper12', 'no-such-person'];

const server = await startServer();
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'wig-bench-dashboard-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
});
const url = `http://127.0.0.1:${server.address().port}/`;
const page = await context.newPage();
page.on('pageerror', (e) => console.error('page error:', e));
const ready = () => page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 600_000 });

// Load the seeded sample at 100k (plus interactions) into the dashboard's own graph.
await page.goto(url);
await ready();
const load = await page.evaluate(async ({ people, edgesPerPerson, interactions }) => {
  const ctx = window.wigDashboard;
  const { sampleGraph, mulberry32 } = await import('/sample.js');
  await ctx.graph.close();
  await ctx.wig.Graph.delete('wig-demo');
  const g = await ctx.wig.Graph.open('wig-demo');
  const data = sampleGraph({ people, edgesPerPerson, interactions: 0 });
  // Interactions on random edges (sample.js looks people up linearly, too slow at 100k),
  // then a recompute, so edges carry strength factors as after a real import.
  const rand = mulberry32(7);
  const email = new Map(data.people.map((p) => [p.id, p.emails[0]]));
  const channels = ['email', 'email', 'message', 'meeting', 'call'];
  for (let i = 0; i < interactions; i++) {
    const e = data.edges[Math.floor(rand() * data.edges.length)];
    const channel = channels[Math.floor(rand() * channels.length)];
    data.interactions.push({
      sourceName: 'bench', sourceId: `b-${i}`, timestamp: Date.UTC(2025, 0, 1) + Math.floor(rand() * 300 * 86400000),
      participants: [email.get(e.fromPersonId), email.get(e.toPersonId)], channel, direction: rand() < 0.7 ? 'two_way' : 'one_way',
      ...(channel === 'meeting' || channel === 'call' ? { durationMinutes: 15 + Math.floor(rand() * 60) } : {}),
    });
  }
  const t0 = performance.now();
  await g.batch(data);
  const seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const strength = await g.recomputeStrengths({ now: Date.UTC(2025, 10, 1) });
  const recomputeSeconds = (performance.now() - t1) / 1000;
  const stats = g.stats();
  await g.close();
  return { seconds, recomputeSeconds, edgesScored: strength.edgesUpdated + strength.edgesCreated, stats };
}, { people: PEOPLE, edgesPerPerson: EDGES_PER_PERSON, interactions: INTERACTIONS });
console.log(`loaded ${load.stats.people} people, ${load.stats.edges} edges, ${load.stats.interactions} interactions in ${load.seconds.toFixed(1)} s; recompute ${load.recomputeSeconds.toFixed(1)} s`);

// What a user sees on a visit: open from IndexedDB, build the search index.
const opens = [];
for (let i = 0; i < 2; i++) {
  await page.reload();
  await ready();
  opens.push(await page.evaluate(async () => {
    const t0 = performance.now();
    await window.wigDashboard.indexReady;
    return { ...window.wigDashboard.timings, indexWaitAfterReadyMs: performance.now() - t0 };
  }));
}
const open = opens.reduce((a, b) => (a.openMs + a.indexMs <= b.openMs + b.indexMs ? a : b));
console.log('open', JSON.stringify(opens));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const measured = await page.evaluate(async (queries) => {
  const ctx = window.wigDashboard;
  const { PeopleIndex } = await import('/people-index.js');
  // Index memory: the JS heap with a built index minus the heap once it is dropped (after GCs).
  const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 100)); } return performance.memory.usedJSHeapSize; };
  ctx.index = new PeopleIndex(ctx.graph);
  const buildMs = ctx.index.ensure();
  const withIndex = await settle();
  ctx.index = new PeopleIndex(ctx.graph);
  const withoutIndex = await settle();
  const indexHeapBytes = withIndex - withoutIndex;
  ctx.index.ensure();

  // A keystroke: the input event runs the filter and renders page 1 (synchronous).
  const search = document.getElementById('search');
  const keystroke = {};
  for (const q of queries) {
    const runs = [];
    for (let r = 0; r < 5; r++) {
      search.value = '';
      search.dispatchEvent(new Event('input'));
      const t0 = performance.now();
      search.value = q;
      search.dispatchEvent(new Event('input'));
      runs.push(performance.now() - t0);
    }
    keystroke[q] = { ms: runs.sort((a, b) => a - b)[2], matches: ctx.index.search(q).length };
  }
  search.value = '';
  search.dispatchEvent(new Event('input'));

  // The previous demo's search: page through listPeople and filter until 50 rows.
  const scan = {};
  for (const q of queries) {
    const runs = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const needle = q.toLowerCase();
      const rows = [];
      let cursor;
      do {
        const page = ctx.graph.listPeople({ limit: 500, cursor });
        for (const p of page.items) if (p.names.some((n) => n.toLowerCase().includes(needle)) || p.emails.some((e) => e.includes(needle))) rows.push(p);
        cursor = page.nextCursor;
      } while (cursor && rows.length < 50);
      runs.push(performance.now() - t0);
    }
    scan[q] = { ms: runs.sort((a, b) => a - b)[1] };
  }

  // Person page and network view for people spread over the graph.
  const ids = [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => ctx.index.ids[Math.floor(f * ctx.index.ids.length)]);
  const person = [];
  for (const id of ids) {
    location.hash = `/person/${id}`;
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    ctx.views.person.show(id);
    person.push({ ms: performance.now() - t0, edges: document.querySelectorAll('[data-testid=edge]').length, charts: document.querySelectorAll('[data-testid=edge] svg.factors').length });
  }
  location.hash = '/network';
  await new Promise((r) => setTimeout(r, 50));
  await ctx.views.network.show(ids[0]); // warm: loads cytoscape
  const network = [];
  for (const id of ids) {
    const t0 = performance.now();
    await ctx.views.network.show(id);
    network.push({ ms: performance.now() - t0, nodes: Number(document.getElementById('network-canvas').dataset.nodes), edges: Number(document.getElementById('network-canvas').dataset.edges) });
  }
  return { buildMs, indexHeapBytes, keystroke, scan, person, network };
}, QUERIES);
console.log(JSON.stringify(measured, null, 1));

const keystrokeMs = Object.values(measured.keystroke).map((k) => k.ms);
const scanMs = Object.values(measured.scan).map((k) => k.ms);
const rows = [
  { system: 'wig-dashboard', dataset, operation: 'open (Graph.open from IndexedDB)', seconds: open.openMs / 1000 },
  { system: 'wig-dashboard', dataset, operation: 'search index build (listPeople, 10k a page)', seconds: measured.buildMs / 1000, js_heap_bytes: measured.indexHeapBytes },
  { system: 'wig-dashboard', dataset, operation: 'search keystroke (filter all + render 50 rows)', median_seconds: median(keystrokeMs) / 1000, max_seconds: Math.max(...keystrokeMs) / 1000, per_query: measured.keystroke },
  { system: 'listPeople scan (previous demo)', dataset, operation: 'search keystroke (filter until 50 rows, no render)', median_seconds: median(scanMs) / 1000, max_seconds: Math.max(...scanMs) / 1000, per_query: measured.scan },
  { system: 'wig-dashboard', dataset, operation: 'person page (getPerson + edgesOf + factor charts)', median_seconds: median(measured.person.map((p) => p.ms)) / 1000, max_seconds: Math.max(...measured.person.map((p) => p.ms)) / 1000, runs: measured.person },
  { system: 'wig-dashboard', dataset, operation: 'network view (edgesOf of centre and contacts + cytoscape layout/render)', median_seconds: median(measured.network.map((p) => p.ms)) / 1000, max_seconds: Math.max(...measured.network.map((p) => p.ms)) / 1000, runs: measured.network },
];
const out = {
  measured_at: new Date().toISOString(),
  runtime: `headless ${context.browser()?.version?.() ?? 'Chromium'} (${process.env.CHROMIUM ?? '/usr/bin/chromium'})`,
  people: load.stats.people,
  edges: load.stats.edges,
  interactions: load.stats.interactions,
  load_batch_seconds: load.seconds,
  recompute_strengths_seconds: load.recomputeSeconds,
  edges_scored: load.edgesScored,
  open_runs: opens,
  rows,
};
writeFileSync(join(root, 'bench/results/dashboard.json'), JSON.stringify(out, null, 2) + '\n');
console.log('wrote bench/results/dashboard.json');
await context.close();
server.close();
