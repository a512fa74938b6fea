// bench/run storage: WIG against a plain one-record-per-object IndexedDB
// layer, in headless Chromium, on the seeded synthetic graph; plus the
// package's wasm size. Writes bench/results/storage.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer } from '../../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../../tests/e2e/browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PEOPLE = Number(process.env.PEOPLE ?? 100_000);
const M = Number(process.env.M ?? 10);
const dataset = `synthetic-ba-${PEOPLE}-people-m${M}`;

const server = await startServer({ mounts: { '/pkg/': join(root, 'pkg'), '/www/': join(root, 'www'), '/': join(root, 'bench/storage') } });
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'wig-bench-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
});
const url = `http://127.0.0.1:${server.address().port}/`;

async function step(name, ...args) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  const t0 = Date.now();
  const result = await page.evaluate(([n, a]) => window.bench[n](...a), [name, args]);
  console.log(`${name}: ${JSON.stringify(result)} (${((Date.now() - t0) / 1000).toFixed(1)} s wall)`);
  await page.close();
  return result;
}

const rows = [];
const wigWrite = await step('wigWrite', PEOPLE, M);
const wigOpen = await step('wigOpen');
const wigOpen2 = await step('wigOpen');
const bestOpen = wigOpen.seconds <= wigOpen2.seconds ? wigOpen : wigOpen2;
const rawRead = await step('wigRawRead');
rows.push({ system: 'wig', dataset, people: bestOpen.people, edges: bestOpen.edges, batch_upsert_s: wigWrite.seconds, open_s: bestOpen.seconds, open_runs_s: [wigOpen.seconds, wigOpen2.seconds], js_heap_bytes: bestOpen.js_heap_bytes, wasm_memory_bytes: bestOpen.wasm_memory_bytes, indexeddb_read_s: rawRead.seconds, stored_bytes: rawRead.bytes });
if (process.env.SKIP_PEER) { console.log('SKIP_PEER: wig only'); process.exit(0); }
const idbWrite = await step('idbWrite', PEOPLE, M);
const idbOpen = await step('idbOpen');
const idbOpen2 = await step('idbOpen');
const bestIdb = idbOpen.seconds <= idbOpen2.seconds ? idbOpen : idbOpen2;
rows.push({ system: 'indexeddb-one-record-per-object', dataset, people: bestIdb.people, edges: bestIdb.edges, batch_upsert_s: idbWrite.seconds, open_s: bestIdb.seconds, open_runs_s: [idbOpen.seconds, idbOpen2.seconds], js_heap_bytes: bestIdb.js_heap_bytes });
const size = JSON.parse(readFileSync(join(root, 'pkg/dist/size.json'), 'utf8'));
rows.push({ system: 'wig', dataset: 'package', wasm_bytes: size.wasm_bytes, wasm_gzip_bytes: size.wasm_gzip_bytes });
rows.push({ system: 'ratio wig / indexeddb-one-record-per-object', dataset, open: bestOpen.seconds / bestIdb.seconds, batch_upsert: wigWrite.seconds / idbWrite.seconds });

await context.close();
server.close();
const out = join(root, 'bench/results/storage.json');
writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
console.log(`wrote ${out}`);
