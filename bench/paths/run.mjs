// Graph search: WIG (the built package, wasm under Node) vs graphology 0.26 +
// graphology-shortest-path 2.1, in the same Node process, on
//  * ba-100k: the seeded Barabási–Albert graph of bench/storage/generate.js
//    (100,000 people, ~1,000,000 edges with strengths), and
//  * sociopatterns: the Primary School contact graph (bench/data), an edge
//    per pair with contacts, strength 1 − exp(−contacts / 10).
// Writes bench/results/paths.json. Usage: node bench/paths/run.mjs [pairs]
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { generate } from '../storage/generate.js';
import { Graph, wasmMemoryBytes } from '../../pkg/node.js';

const require = createRequire(new URL('./package.json', import.meta.url));
const GraphologyGraph = require('graphology');
const { bidirectional } = require('graphology-shortest-path/unweighted');
const { singleSourceLength } = require('graphology-shortest-path/unweighted');
const dijkstra = require('graphology-shortest-path/dijkstra');

const PAIRS = Number(process.argv[2] ?? 1000);
const root = new URL('../../', import.meta.url);

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median_ms: +q(0.5).toFixed(4), p95_ms: +q(0.95).toFixed(4) };
};
const time = (fn) => { const t = performance.now(); fn(); return performance.now() - t; };
const gc = () => { if (global.gc) { global.gc(); global.gc(); } };

function sociopatterns() {
  const file = new URL('bench/data/primary_school.csv', root);
  if (!existsSync(file)) return null;
  const counts = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.trim().split(/[\s,;]+/);
    if (f.length < 3 || !/^\d+$/.test(f[0])) continue;
    const [a, b] = [f[1], f[2]].sort();
    if (a === b) continue;
    const k = `${a} ${b}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const ids = new Map();
  const people = [];
  const HEX = (n) => n.toString(16).padStart(12, '0');
  const person = (x) => {
    if (!ids.has(x)) { const id = `00000000-0000-4000-8000-${HEX(ids.size + 1)}`; ids.set(x, id); people.push({ id, names: [`Pupil ${x}`] }); }
    return ids.get(x);
  };
  const edges = [];
  for (const [k, c] of counts) {
    const [a, b] = k.split(' ');
    edges.push({ fromPersonId: person(a), toPersonId: person(b), strength: +(1 - Math.exp(-c / 10)).toFixed(4) });
  }
  return { people, edges };
}

const rows = [];
async function run(dataset, data) {
  const { people, edges } = data;
  console.log(`\n${dataset}: ${people.length} people, ${edges.length} edges`);
  const rand = mulberry32(42);
  const pick = () => people[Math.floor(rand() * people.length)].id;
  const pairs = Array.from({ length: PAIRS }, () => [pick(), pick()]).filter(([a, b]) => a !== b);
  const sources = pairs.slice(0, 20).map((p) => p[0]);

  // --- WIG: load through the real API (one batch), then the first query builds the index.
  gc();
  const mem0 = wasmMemoryBytes();
  const g = await Graph.open(`bench-${dataset}`, { storage: 'memory' });
  let t = performance.now();
  await g.batchJson(JSON.stringify({ people, edges }));
  const loadMs = performance.now() - t;
  t = performance.now();
  g.neighbors(people[0].id, { depth: 1 });
  const indexMs = performance.now() - t;
  const wigMem = wasmMemoryBytes() - mem0;
  console.log(`wig: batch load ${loadMs.toFixed(0)} ms, index build ${indexMs.toFixed(0)} ms, wasm memory +${(wigMem / 1e6).toFixed(0)} MB`);

  // --- graphology
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  t = performance.now();
  const gg = new GraphologyGraph({ type: 'undirected', multi: false, allowSelfLoops: false });
  for (const p of people) gg.addNode(p.id);
  for (const e of edges) gg.mergeEdge(e.fromPersonId, e.toPersonId, { w: -Math.log(Math.max(e.strength, 1e-9)) });
  const ggBuild = performance.now() - t;
  gc();
  const ggMem = process.memoryUsage().heapUsed - heap0;
  console.log(`graphology: build ${ggBuild.toFixed(0)} ms, heap +${(ggMem / 1e6).toFixed(0)} MB`);

  const add = (system, operation, ms, build_ms, memory_bytes) => {
    const r = { system, dataset, operation, ...stats(ms), build_ms: +build_ms.toFixed(1), memory_bytes };
    rows.push(r);
    console.log(`${system.padEnd(11)} ${operation.padEnd(32)} median ${r.median_ms} ms  p95 ${r.p95_ms} ms`);
  };
  const ops = [
    ['bidirectional BFS (shortest path)', (a, b) => g.shortestPath(a, b), (a, b) => bidirectional(gg, a, b), pairs],
    ['single-source BFS (all distances)', (a) => g.neighbors(a, { depth: 6 }), (a) => singleSourceLength(gg, a), sources.map((s) => [s])],
    ['best weighted path', (a, b) => g.bestPath(a, b), (a, b) => dijkstra.bidirectional(gg, a, b, 'w'), pairs],
  ];
  for (const [op, wig, peer, args] of ops) {
    for (let i = 0; i < 5; i++) { wig(...args[i % args.length]); peer(...args[i % args.length]); }
    add('wig', op, args.map((x) => time(() => wig(...x))), loadMs + indexMs, wigMem);
    add('graphology', op, args.map((x) => time(() => peer(...x))), ggBuild, ggMem);
    const w = rows.at(-2), p = rows.at(-1);
    rows.push({ system: 'ratio graphology/wig', dataset, operation: op, median_ms: +(p.median_ms / w.median_ms).toFixed(2), p95_ms: +(p.p95_ms / w.p95_ms).toFixed(2), build_ms: null, memory_bytes: null });
  }
  add('wig', 'introPaths k=3 maxHops=4', pairs.map(([a, b]) => time(() => g.introPaths(a, b, { k: 3, maxHops: 4 }))), loadMs + indexMs, wigMem);
  await g.close();
  await Graph.delete(`bench-${dataset}`, { storage: 'memory' });
}

await run('ba-100k', generate({ people: 100_000, m: 10, seed: 7 }));
const sp = sociopatterns();
if (sp) await run('sociopatterns', sp); else console.log('sociopatterns: bench/data/primary_school.csv missing (bench/strength/fetch_data.sh)');
mkdirSync(new URL('bench/results/', root), { recursive: true });
const out = { measured_at: new Date().toISOString(), runtime: `node ${process.version} (wasm)`, pairs: PAIRS, rows };
writeFileSync(new URL('bench/results/paths.json', root), JSON.stringify(out, null, 2) + '\n');
console.log('\nwrote bench/results/paths.json');
