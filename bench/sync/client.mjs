// bench/run sync, the client part: end to end through the real gateway (postrust) and
// PostgreSQL 15, in headless Chromium with real IndexedDB.
//  - pull: a fresh graph pulls 100,000 people + 500,000 edges (seeded by SQL)
//  - push: 50,000 new people pushed from the outbox
// rows/s and peak memory (wasm linear memory + JS heap, sampled at every
// progress event). Adds its rows to bench/results/sync.json (keeping the
// server benchmark's).
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer } from '../../tests/sync/server.mjs';
import { userToken } from '../../tests/sync/jwt.mjs';
import { startPageServer } from '../../tests/sync/page/server.mjs';
import { CHROMIUM_ARGS } from '../../tests/e2e/browser.mjs';
import { serverCpu, descendantsCpu } from './cpu.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PEOPLE = Number(process.env.PEOPLE ?? 100_000);
const EDGES = Number(process.env.EDGES ?? 500_000);
const PUSH = Number(process.env.PUSH ?? 50_000);
const PAGE = Number(process.env.PAGE ?? 10_000);
const BATCH = Number(process.env.BATCH ?? 5_000);
// Diagnostics only (results are written for IndexedDB alone): STORAGE=memory
// shows how much of a step is IndexedDB's.
const STORAGE = process.env.STORAGE ?? 'indexeddb';
// Diagnostics only: JS_FLAGS='--no-liftoff --no-wasm-lazy-compilation' runs
// wasm in optimized code from the first call (the floor of V8's tiering).
const JS_FLAGS = process.env.JS_FLAGS ? [`--js-flags=${process.env.JS_FLAGS}`] : [];
const SYSTEM = 'wig-client (Chromium + IndexedDB, through postrust)';
const ANCHOR = 'PowerSync (published anchor)';
const RATIO = 'ratio wig-client / PowerSync high anchor (20,000 ops/s)';

const gateway = startServer();
const psql = (args) => {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', process.env.WIG_PG_URL, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
};

const pullSub = `bench-pull-${randomUUID()}`;
let t = Date.now();
psql(['-v', `sub=${pullSub}`, '-v', `people=${PEOPLE}`, '-v', `edges=${EDGES}`, '-f', join(root, 'bench/sync/seed.sql')]);
console.log(`seeded ${PEOPLE} people + ${EDGES} edges by SQL in ${((Date.now() - t) / 1000).toFixed(1)} s`);
// The bulk seed leaves maintenance (autovacuum of 600,000 fresh rows, dirty
// buffers) that would otherwise land in the measured pull and push: done now,
// as a maintained server would have it.
t = Date.now();
psql(['-c', 'vacuum (analyze) wig.people, wig.edges, wig.owners, wig.applied_changes', '-c', 'checkpoint']);
console.log(`vacuum + checkpoint after the seed: ${((Date.now() - t) / 1000).toFixed(1)} s`);

const pages = await startPageServer(gateway);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'wig-bench-sync-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', ...JS_FLAGS],
});
// A fresh page per step: wasm memory never shrinks, so each step's peak is its own.
async function freshPage() {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${pages.address().port}/page/index.html`);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  return page;
}

// In the page: run one sync step, sampling memory at every progress event.
const measure = ({ name, token, step, batchSize, pageSize, storage }) => (async () => {
  const { Graph, createSync, wasmMemoryBytes } = window.wig;
  const graph = await Graph.open(name, { storage });
  // Time spent waiting for the server (request + response body), summed
  // over calls; during a pull it overlaps with applying (the next page
  // downloads meanwhile).
  let serverMs = 0;
  const timedFetch = async (...args) => {
    const t = performance.now();
    const res = await fetch(...args);
    const text = await res.text();
    serverMs += performance.now() - t;
    return new Response(text, { status: res.status, headers: res.headers });
  };
  // Busy time per client phase (wasm work + IndexedDB commit for the
  // writes), summed over calls: with pipelining they overlap the waits.
  const phases = { apply_s: 0, ack_s: 0, batch_s: 0, page_info_s: 0 };
  const timed = (name, phase) => {
    const f = graph[name].bind(graph);
    graph[name] = (...args) => {
      const t = performance.now();
      const out = f(...args);
      if (out instanceof Promise) return out.finally(() => { phases[phase] += (performance.now() - t) / 1000; });
      phases[phase] += (performance.now() - t) / 1000;
      return out;
    };
  };
  timed('syncPull', 'apply_s');
  timed('syncAcks', 'ack_s');
  timed('syncPushBatch', 'batch_s');
  timed('syncPageInfo', 'page_info_s');
  const sync = createSync(graph, { url: `${location.origin}/api`, getToken: () => token, batchSize, pageSize, fetch: timedFetch });
  let peakWasm = 0;
  let peakHeap = 0;
  let peakSum = 0;
  const sample = () => {
    const w = wasmMemoryBytes();
    const h = performance.memory?.usedJSHeapSize ?? 0;
    peakWasm = Math.max(peakWasm, w);
    peakHeap = Math.max(peakHeap, h);
    peakSum = Math.max(peakSum, w + h);
  };
  sync.on('progress', sample);
  const before = { wasm: wasmMemoryBytes(), heap: performance.memory?.usedJSHeapSize ?? 0 };
  const t0 = performance.now();
  const result = await sync[step]();
  const seconds = (performance.now() - t0) / 1000;
  sample();
  const stats = graph.stats();
  sync.close();
  await graph.close();
  return { seconds, serverSeconds: serverMs / 1000, phases, result, stats, before, peakWasm, peakHeap, peakSum };
})();

// PostgreSQL + gateway CPU seconds of one step (load stretches wall time,
// CPU time much less).
// Browser: Chromium's processes (this process's descendants, minus the
// gateway and PostgreSQL, which scripts/pg.sh started detached).
const cpuOf = async (run) => {
  const before = serverCpu();
  const browser0 = descendantsCpu();
  const self0 = process.cpuUsage();
  const out = await run();
  const after = serverCpu();
  const self = process.cpuUsage(self0);
  return { ...out, postgresCpu: after.postgres - before.postgres, gatewayCpu: after.gateway - before.gateway,
    browserCpu: descendantsCpu() - browser0, proxyCpu: (self.user + self.system) / 1e6 };
};
const serverCpuRow = (r, rows) => ({ postgres_cpu_s: r.postgresCpu, gateway_cpu_s: r.gatewayCpu,
  server_cpu_us_per_row: ((r.postgresCpu + r.gatewayCpu) / rows) * 1e6,
  browser_cpu_s: r.browserCpu, page_proxy_cpu_s: r.proxyCpu });
const loadNow = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

const rows = [];
const pullPage = await freshPage();
const pullLoad = loadNow();
const pull = await cpuOf(() => pullPage.evaluate(measure, { name: `bench-pull-${randomUUID()}`, token: userToken(pullSub), step: 'pull', pageSize: PAGE, storage: STORAGE }));
console.log('pull', JSON.stringify(pull));
if (pull.stats.people !== PEOPLE || pull.stats.edges !== EDGES) throw new Error(`pull incomplete: ${JSON.stringify(pull.stats)}`);
const pulledRows = pull.result.pulled;
rows.push({ system: SYSTEM, dataset: `pull ${PEOPLE} people + ${EDGES} edges`, metric: 'pull', rows: pulledRows, page_size: PAGE,
  seconds: pull.seconds, rows_per_s: pulledRows / pull.seconds, waiting_for_server_s: pull.serverSeconds,
  client_apply_s: pull.phases.apply_s, client_page_info_s: pull.phases.page_info_s, ...serverCpuRow(pull, pulledRows),
  peak_wasm_bytes: pull.peakWasm, peak_js_heap_bytes: pull.peakHeap, peak_total_bytes: pull.peakSum,
  load_1m_before: pullLoad[0], load_1m_after: loadNow()[0] });

const pushSub = `bench-push-${randomUUID()}`;
const pushPage = await freshPage();
const pushName = `bench-push-${randomUUID()}`;
// The outbox is filled first, outside the measured step.
await pushPage.evaluate(async ({ name, seed }) => {
  const graph = await window.wig.Graph.open(name);
  for (let i = 0; i < seed; i += 10_000) {
    await graph.upsertPeople(Array.from({ length: Math.min(10_000, seed - i) }, (_, j) => ({
      names: [`Pushed ${i + j}`], emails: [`pushed${i + j}@example.org`], phones: ['+14155550100'], title: 'Engineer',
    })));
  }
  await graph.close();
}, { name: pushName, seed: PUSH });
const pushLoad = loadNow();
const push = await cpuOf(() => pushPage.evaluate(measure, { name: pushName, token: userToken(pushSub), step: 'push', batchSize: BATCH }));
console.log('push', JSON.stringify(push));
const stored = Number(psql(['-tAc', `select count(*) from wig.people where owner_id = '${pushSub}'`]));
if (push.result.pushed !== PUSH || stored !== PUSH || push.stats.outboxChanges !== 0) throw new Error(`push incomplete: ${push.result.pushed} pushed, ${stored} stored`);
rows.push({ system: SYSTEM, dataset: `push ${PUSH} new people`, metric: 'push', rows: PUSH, batch_size: BATCH,
  seconds: push.seconds, rows_per_s: PUSH / push.seconds, waiting_for_server_s: push.serverSeconds,
  client_ack_s: push.phases.ack_s, client_batch_s: push.phases.batch_s, ...serverCpuRow(push, PUSH),
  load_1m_before: pushLoad[0], load_1m_after: loadNow()[0], peak_wasm_bytes: push.peakWasm, peak_js_heap_bytes: push.peakHeap,
  peak_total_bytes: push.peakSum, rows_on_server: stored });
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
rows.push({ system: SYSTEM, dataset: 'machine (2 vCPU, shared with other jobs)', metric: 'load_average_at_end', load_1m: load[0], load_5m: load[1], load_15m: load[2] });
rows.push({ system: ANCHOR, dataset: 'vendor figure, not re-measured here', metric: 'ops_per_s', rows_per_s_low: 2000, rows_per_s_high: 20000 });
rows.push({ system: RATIO, dataset: 'this run', pull: pulledRows / pull.seconds / 20000, push: PUSH / push.seconds / 20000 });

await context.close();
pages.close();
if (STORAGE !== 'indexeddb' || JS_FLAGS.length) {
  console.log(`STORAGE=${STORAGE} JS_FLAGS=${process.env.JS_FLAGS ?? ''}: diagnostics only, bench/results/sync.json left as it is`);
  process.exit(0);
}
const out = join(root, 'bench/results/sync.json');
const mine = new Set([SYSTEM, ANCHOR, RATIO]);
const kept = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).filter((r) => !mine.has(r.system)) : [];
writeFileSync(out, JSON.stringify([...kept, ...rows], null, 2) + '\n');
console.log(`wrote ${out}`);
