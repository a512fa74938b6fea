// See run.sh. Times are seconds, sizes bytes; medians of RUNS fresh installs.
import { mkdtempSync, readFileSync, readdirSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../../tests/e2e/browser.mjs';
import { Graph } from '../../pkg/node.js';
import { demoGraph, seedDemoGraph } from '../../www/extension/seed.js';
import { createLookup } from '../../www/extension/lookup.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const extensionDir = join(root, 'www/extension');
const RUNS = Number(process.env.RUNS ?? 3);
const LOOKUPS = Number(process.env.LOOKUPS ?? 200);
const demo = demoGraph();
const dataset = `demo-graph-${demo.people.length}-people-${demo.edges.length}-edges-${demo.interactions.length}-interactions`;
const PROFILE = { name: 'Margaret Lamport', company: 'Pied Piper', url: 'https://www.linkedin.com/in/margaret-lamport/' };
const BY_NAME = { name: 'Frances Allen', company: 'Acme Analytics, Inc.', url: 'https://www.linkedin.com/in/frances-allen-3b1a07/' };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function launch() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'wig-bench-ext-'));
  const t0 = performance.now();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--headless=new', `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`, ...CHROMIUM_ARGS],
  });
  const worker = context.serviceWorkers().find((w) => w.url().endsWith('/background.js')) ?? (await context.waitForEvent('serviceworker'));
  const workerStarted = (performance.now() - t0) / 1000;
  return { context, worker, userDataDir, extensionId: new URL(worker.url()).host, workerStarted };
}

/** An extension page to send messages from (the popup with no tab: it shows "open a profile page"). */
async function extensionPage(context, extensionId) {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/popup.html?tab=0`);
  return page;
}

async function stopWorker(context, extensionId) {
  const internals = await context.newPage();
  await internals.goto('chrome://serviceworker-internals/');
  await internals.waitForFunction(() => /Running Status:\s*RUNNING/.test(document.body.textContent));
  await internals.locator('.serviceworker-registration', { hasText: `chrome-extension://${extensionId}/` }).locator('cr-button', { hasText: 'Stop' }).first().click();
  await internals.waitForFunction(() => /Running Status:\s*STOPPED/.test(document.body.textContent));
  await internals.close();
}

const timedAsk = async (page, message, answers = []) => {
  const { seconds, result } = await page.evaluate(async (m) => {
    const t0 = performance.now();
    const answer = await chrome.runtime.sendMessage(m);
    if (!answer?.ok) throw new Error(JSON.stringify(answer));
    return { seconds: (performance.now() - t0) / 1000, result: answer.result };
  }, message);
  answers.push(result);
  return seconds;
};

const server = await startServer({ mounts: { '/': join(extensionDir, 'demo') } });
const installs = { workerStarted: [], firstAnswer: [], restartAnswer: [], popup: [], open: [], seed: [], reopen: [] };
let roundTrips = { url: [], name: [] };
for (let run = 0; run < RUNS; run++) {
  const { context, worker, userDataDir, extensionId, workerStarted } = await launch();
  installs.workerStarted.push(workerStarted);
  const page = await extensionPage(context, extensionId);
  // Fresh install: this first answer waits for open + seed (batch + strengths) in the worker.
  const first = [];
  installs.firstAnswer.push(await timedAsk(page, { type: 'wig:stats' }, first));
  // Measured inside the worker: loading the wasm + reading IndexedDB, and seeding (batch + strengths).
  installs.open.push(first[0].timings.openSeconds);
  installs.seed.push(first[0].timings.seedSeconds);
  await page.close();
  await stopWorker(context, extensionId);
  const again = await extensionPage(context, extensionId);
  const second = [];
  installs.restartAnswer.push(await timedAsk(again, { type: 'wig:stats' }, second)); // worker start + module load + wasm + IndexedDB read
  if (second[0].timings.seedSeconds !== null) throw new Error('the restarted worker seeded again');
  installs.reopen.push(second[0].timings.openSeconds);
  if (run === 0) {
    for (let i = 0; i < LOOKUPS; i++) roundTrips.url.push(await timedAsk(again, { type: 'wig:lookup', profile: PROFILE }));
    for (let i = 0; i < LOOKUPS; i++) roundTrips.name.push(await timedAsk(again, { type: 'wig:lookup', profile: BY_NAME }));
  }
  await again.close();
  // The popup as a user sees it: open → final answer on screen.
  const profile = await context.newPage();
  await profile.goto(`http://127.0.0.1:${server.address().port}/profile.html`);
  const tabId = await worker.evaluate(async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const tab of await chrome.tabs.query({})) {
        try {
          if ((await chrome.tabs.sendMessage(tab.id, { type: 'wig:extract' }))?.name) return tab.id;
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  });
  for (let i = 0; i < 5; i++) {
    const popup = await context.newPage();
    const t0 = performance.now();
    await popup.goto(`chrome-extension://${extensionId}/popup.html?tab=${tabId}`);
    await popup.waitForSelector('[data-testid=status][data-state=matched]');
    installs.popup.push((performance.now() - t0) / 1000);
    await popup.close();
  }
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
  console.log(`run ${run + 1}/${RUNS}: worker up ${workerStarted.toFixed(2)} s, first answer ${installs.firstAnswer.at(-1).toFixed(3)} s, after restart ${installs.restartAnswer.at(-1).toFixed(3)} s`);
}
server.close();

// Peer: the same engine and lookup code in Node, in memory (no browser, no messaging, no IndexedDB).
const nodeSeed = [];
let nodeLookups = { url: [], name: [] };
for (let run = 0; run < RUNS; run++) {
  const graph = await Graph.open(`bench-${run}`, { storage: 'memory' });
  const t0 = performance.now();
  const { meId } = await seedDemoGraph(graph);
  nodeSeed.push((performance.now() - t0) / 1000);
  if (run === 0) {
    const { lookup } = createLookup(graph);
    for (const [key, profile] of [['url', PROFILE], ['name', BY_NAME]]) {
      for (let i = 0; i < LOOKUPS; i++) {
        const t = performance.now();
        const r = lookup(profile, meId);
        nodeLookups[key].push((performance.now() - t) / 1000);
        if (r.status !== 'matched') throw new Error(`node lookup: ${r.status}`);
      }
    }
  }
  await graph.close();
}

const dirBytes = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
const wasm = readFileSync(join(extensionDir, 'lib/dist/wig_graph_bg.wasm'));
const libBytes = dirBytes(join(extensionDir, 'lib'));
const ownBytes = dirBytes(extensionDir) - libBytes;

const rows = [
  {
    system: 'wig extension (MV3 service worker, IndexedDB, Chromium new headless)',
    dataset,
    runs: RUNS,
    worker_started_after_launch_s: median(installs.workerStarted),
    in_worker_open_on_install_s: median(installs.open),
    in_worker_seed_s: median(installs.seed),
    in_worker_seed_runs_s: installs.seed,
    in_worker_reopen_after_restart_s: median(installs.reopen),
    fresh_install_first_answer_s: median(installs.firstAnswer),
    fresh_install_first_answer_runs_s: installs.firstAnswer,
    restarted_worker_first_answer_s: median(installs.restartAnswer),
    restarted_worker_first_answer_runs_s: installs.restartAnswer,
    lookup_by_url_roundtrip_p50_s: quantile(roundTrips.url, 0.5),
    lookup_by_url_roundtrip_p95_s: quantile(roundTrips.url, 0.95),
    lookup_by_name_roundtrip_p50_s: quantile(roundTrips.name, 0.5),
    lookup_by_name_roundtrip_p95_s: quantile(roundTrips.name, 0.95),
    lookups: LOOKUPS,
    popup_open_to_answer_p50_s: quantile(installs.popup, 0.5),
    popup_open_to_answer_max_s: Math.max(...installs.popup),
  },
  {
    system: 'same engine + lookup.js in Node 20 (memory storage, no messaging)',
    dataset,
    runs: RUNS,
    seed_s: median(nodeSeed),
    seed_runs_s: nodeSeed,
    lookup_by_url_p50_s: quantile(nodeLookups.url, 0.5),
    lookup_by_url_p95_s: quantile(nodeLookups.url, 0.95),
    lookup_by_name_p50_s: quantile(nodeLookups.name, 0.5),
    lookup_by_name_p95_s: quantile(nodeLookups.name, 0.95),
    lookups: LOOKUPS,
  },
  {
    system: 'wig extension',
    dataset: 'unpacked size',
    wasm_bytes: wasm.length,
    wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
    lib_copy_bytes: libBytes,
    extension_own_files_bytes: ownBytes,
  },
];
writeFileSync(join(root, 'bench/results/extension.json'), JSON.stringify(rows, null, 2) + '\n');
console.log(JSON.stringify(rows, null, 2));
