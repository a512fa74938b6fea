// Graph search: WIG (the built package, wasm) vs graphology 0.26 +
// graphology-shortest-path 2.1 in the same process, under Node and in
// headless Chromium, on
//  * ba-100k: the seeded Barabási–Albert graph of bench/storage/generate.js
//    (100,000 people, ~1,000,000 edges with strengths), and
//  * sociopatterns: the Primary School contact graph (bench/data), an edge
//    per pair with contacts, strength 1 − exp(−contacts / 10).
// The measuring code is bench/paths/bench.mjs (shared by both runtimes).
// Writes bench/results/paths.json.
// Usage: node bench/paths/run.mjs [pairs]   (PATHS_RUNTIMES=node,chromium by default)
import { readFileSync, writeFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../storage/generate.js';
import { runDataset, sociopatterns } from './bench.mjs';

const require = createRequire(new URL('./package.json', import.meta.url));
const PAIRS = Number(process.argv[2] ?? 1000);
const RUNTIMES = (process.env.PATHS_RUNTIMES ?? 'node,chromium').split(',');
const root = fileURLToPath(new URL('../../', import.meta.url));
const csv = join(root, 'bench/data/primary_school.csv');
// PATHS_DATASETS=sociopatterns (say) runs one; rows of the others are kept.
const wanted = ['ba-100k', 'sociopatterns']
  .filter((d) => !process.env.PATHS_DATASETS || process.env.PATHS_DATASETS.split(',').includes(d));
const datasets = wanted.filter((d) => d !== 'sociopatterns' || existsSync(csv));
if (!existsSync(csv)) console.log('sociopatterns: bench/data/primary_school.csv missing (bench/strength/fetch_data.sh)');

// Rows of runtimes (and datasets) not run this time are kept from the previous file, so
// one runtime can be re-measured alone (each runtime says when it ran).
const out = join(root, 'bench/results/paths.json');
const previous = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
// A dataset wanted but not there (no data) loses its old rows: they would
// read as this run's.
const rows = (previous.rows ?? []).filter((r) => r.runtime && !(RUNTIMES.includes(r.runtime) && wanted.includes(r.dataset)));
const stamped = (measured) => measured.map((r) => ({ ...r, measured_at: new Date().toISOString() }));
const runtimes = Object.fromEntries(Object.entries(previous.runtimes ?? {}).filter(([k]) => !RUNTIMES.includes(k)));
const save = () => {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(out, JSON.stringify({ pairs: PAIRS, runtimes, rows }, null, 2) + '\n');
  console.log(`wrote ${out}`);
};
if (RUNTIMES.includes('node')) {
  const { Graph, wasmMemoryBytes } = await import('../../pkg/node.js');
  const { bidirectional, singleSourceLength } = require('graphology-shortest-path/unweighted');
  const env = {
    Graph, wasmMemoryBytes, runtime: 'node',
    peer: { Graph: require('graphology'), bidirectional, singleSourceLength, dijkstra: require('graphology-shortest-path/dijkstra') },
    gc: () => { if (global.gc) { global.gc(); global.gc(); } },
    heapUsed: () => process.memoryUsage().heapUsed,
    log: (s) => console.log(s),
  };
  runtimes.node = { version: `node ${process.version}`, measured_at: new Date().toISOString() };
  for (const d of datasets) {
    const data = d === 'ba-100k' ? generate({ people: 100_000, m: 10, seed: 7 }) : sociopatterns(readFileSync(csv, 'utf8'));
    rows.push(...stamped(await runDataset(env, d, data, PAIRS)));
  }
  save();
}

if (RUNTIMES.includes('chromium')) {
  const { chromium } = await import('playwright-core');
  const { startServer } = await import('../../scripts/serve.mjs');
  const { CHROMIUM_ARGS } = await import('../../tests/e2e/browser.mjs');
  // graphology is CommonJS: bundle it once as an ES module for the page.
  execFileSync(join(root, 'node_modules/.bin/rolldown'), ['bench/paths/peer.js', '-o', 'bench/paths/dist/peer.js', '-f', 'esm', '-p', 'browser'], { cwd: root, stdio: 'inherit' });
  // Cross-origin isolated (COOP + COEP): Chromium then gives performance.now()
  // 5 µs resolution instead of 100 µs, which per-query timings need.
  const server = await startServer({ mounts: { '/': root } });
  const handler = server.listeners('request')[0];
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    handler(req, res);
  });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'wig-bench-paths-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc --max-old-space-size=8192', '--enable-precise-memory-info'],
  });
  const url = `http://127.0.0.1:${server.address().port}/bench/paths/page.html`;
  for (const d of datasets) {
    // A fresh page per dataset: its memory figures start from a clean heap.
    const page = await context.newPage();
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.error(e));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
    if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('page is not cross-origin isolated: timers would be 100 µs coarse');
    runtimes.chromium ??= { version: await page.evaluate(() => navigator.userAgent.match(/Chrom[a-z]*\/[\d.]+/)?.[0] ?? navigator.userAgent), measured_at: new Date().toISOString() };
    rows.push(...stamped(await page.evaluate(([dd, n]) => window.runPaths(dd, n), [d, PAIRS])));
    await page.close();
  }
  await context.close();
  server.close();
  save();
}
