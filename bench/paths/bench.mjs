// Graph search benchmark core, shared by Node (run.mjs) and headless
// Chromium (page.html): WIG (the built package) vs graphology 0.26 +
// graphology-shortest-path 2.1 in the same process, on one dataset.
// Everything environment-specific comes in through `env`.

// The seeded generator of the sample graph and the other benchmarks (served
// from the repository root in the Chromium run, so the relative path holds).
import { mulberry32 } from '../../www/sample.js';

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median_ms: +q(0.5).toFixed(4), p95_ms: +q(0.95).toFixed(4) };
};

/** SocioPatterns Primary School contacts (CSV text) → an edge per pair with contacts. */
export function sociopatterns(text) {
  const counts = new Map();
  for (const line of text.split('\n')) {
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

// Before each system's timed first build: collect, then let the runtime's
// background threads finish (sweeping and unmapping what the previous
// dataset left, optimising compiles queued by its queries). On this 2-vCPU
// machine that work otherwise lands in whichever build comes next: WIG's
// first SocioPatterns build after BA-100k took 0.8–8.4 ms in Node across
// runs, 0.5–1.3 ms when reproduced without the teardown.
async function settle(gc) {
  gc();
  await new Promise((r) => setTimeout(r, 500));
  gc();
}

/**
 * @param env {{ Graph, runtime: string, timerResolutionMs?: number, peer: { Graph, bidirectional, singleSourceLength, dijkstra },
 *   gc(): void, heapUsed(): number, wasmMemoryBytes(): number, log(s: string): void }}
 * @returns rows for bench/results/paths.json
 */
export async function runDataset(env, dataset, { people, edges }, PAIRS) {
  const { Graph, peer, gc, heapUsed, log, runtime } = env;
  const rows = [];
  // Untimed warm-up per system and operation (see below).
  const WARM_MS = 2000;
  log(`\n${dataset} (${runtime}): ${people.length} people, ${edges.length} edges`);
  const rand = mulberry32(42);
  const pick = () => people[Math.floor(rand() * people.length)].id;
  const pairs = Array.from({ length: PAIRS }, () => [pick(), pick()]).filter(([a, b]) => a !== b);
  // Single-source queries: 20 on a large graph (graphology takes ~1 s each),
  // 200 on a small one, so that a p95 is not simply the slowest of 20.
  const sources = pairs.slice(0, people.length > 10_000 ? 20 : 200).map((p) => [p[0]]);
  const warmRand = mulberry32(4242);
  const warmPairs = Array.from({ length: 50 }, () => [0, 0].map(() => people[Math.floor(warmRand() * people.length)].id));

  // --- WIG: load through the real API (one batch: validation, storage), then
  // the first query builds the search index from the stored graph.
  const g = await Graph.open(`bench-${dataset}`, { storage: 'memory' });
  let t = performance.now();
  await g.batchJson(JSON.stringify({ people, edges }));
  const loadMs = performance.now() - t;
  await settle(gc);
  const wasm0 = env.wasmMemoryBytes();
  t = performance.now();
  g.shortestPathIds(people[0].id, people[0].id); // zero hops: the time is the index build
  const indexMs = performance.now() - t;
  const indexBytes = g.stats().graphIndexBytes;
  const wasmGrowth = env.wasmMemoryBytes() - wasm0;
  log(`wig: batch load ${loadMs.toFixed(0)} ms; index build ${indexMs.toFixed(1)} ms, index ${(indexBytes / 1e6).toFixed(1)} MB (wasm memory grew ${(wasmGrowth / 1e6).toFixed(1)} MB)`);

  // --- graphology, from the same people and edge list (weights: -ln strength).
  const buildPeer = () => {
    const h = new peer.Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
    for (const p of people) h.addNode(p.id);
    for (const e of edges) h.mergeEdge(e.fromPersonId, e.toPersonId, { w: -Math.log(Math.max(e.strength, 1e-9)) });
    return h;
  };
  await settle(gc);
  const heap0 = heapUsed();
  t = performance.now();
  const gg = buildPeer();
  const ggBuild = performance.now() - t;
  gc();
  const ggMem = heapUsed() - heap0;
  log(`graphology: build ${ggBuild.toFixed(0)} ms, heap +${(ggMem / 1e6).toFixed(1)} MB`);

  const row = (system, operation, extra) => ({ system, runtime, dataset, operation, ...extra });
  rows.push(row('wig', 'index build', {
    returns: 'CSR index (node ↔ person id, strengths, types, edge ids) built from the stored graph; timed as the first query',
    build_ms: +indexMs.toFixed(1), memory_bytes: indexBytes, batch_load_ms: +loadMs.toFixed(0), wasm_memory_growth_bytes: wasmGrowth,
  }));
  rows.push(row('graphology', 'index build', {
    returns: 'graphology Graph built from the same people and edge list (addNode, mergeEdge with a weight attribute); memory = JS heap growth after GC',
    build_ms: +ggBuild.toFixed(1), memory_bytes: ggMem,
  }));
  rows.push(row('ratio graphology/wig', 'index build', { build_ms: +(ggBuild / indexMs).toFixed(2), memory_bytes: +(ggMem / indexBytes).toFixed(2) }));
  // graphology's build takes the raw arrays to a searchable graph; WIG's
  // index build starts from the stored graph. From the same raw arrays WIG
  // also loads them through its API (validation, storage): that whole way
  // is this row, beside graphology's same build.
  const op0 = 'load + index build (from the raw people and edge arrays)';
  rows.push(row('wig', op0, { returns: 'batchJson of the same people and edges (validated, stored) + the index build', build_ms: +(loadMs + indexMs).toFixed(1) }));
  rows.push(row('graphology', op0, { returns: 'the same graphology build', build_ms: +ggBuild.toFixed(1) }));
  rows.push(row('ratio graphology/wig', op0, { build_ms: +(ggBuild / (loadMs + indexMs)).toFixed(2) }));
  log(`index build: ${(ggBuild / indexMs).toFixed(1)}× faster, ${(ggMem / indexBytes).toFixed(1)}× less memory`);

  // The first build above runs code the engine has not optimised yet where
  // the runtime is fresh (Chromium: a new page per dataset; wasm starts in
  // V8's baseline tier, graphology's JS in the interpreter). On a small
  // graph that start-up is most of the time, so the steady state is
  // measured too: each system rebuilds from the same data for WARM_MS
  // untimed, then the two systems' timed rebuilds alternate, REBUILDS
  // each, and each system's median counts. Alternating, a slow stretch of
  // this shared machine lands on both systems, not on one (timed back to
  // back, the ratio moved 26–45× between runs of the same code).
  // WIG's rebuilds load the same JSON text each time, made once: made anew,
  // its megabyte of garbage was being collected while the next build ran.
  if (ggBuild < 1000) {
    const REBUILDS = 21;
    const text = JSON.stringify({ people, edges });
    const wigBuild = async () => {
      const name = `bench-${dataset}-rebuild`;
      const h = await Graph.open(name, { storage: 'memory' });
      await h.batchJson(text);
      const s = performance.now();
      h.shortestPathIds(people[0].id, people[0].id);
      const ms = performance.now() - s;
      await h.close();
      await Graph.delete(name, { storage: 'memory' });
      return ms;
    };
    const peerBuild = async () => {
      const s = performance.now();
      buildPeer();
      return performance.now() - s;
    };
    for (const build of [wigBuild, peerBuild]) {
      const start = performance.now();
      while (performance.now() - start < WARM_MS) await build();
    }
    const wigMs = [];
    const peerMs = [];
    for (let i = 0; i < REBUILDS; i++) {
      wigMs.push(await wigBuild());
      peerMs.push(await peerBuild());
    }
    const med = (xs) => +stats(xs).median_ms.toFixed(3);
    const op = 'index build, steady state';
    const how = `median of ${REBUILDS} rebuilds, alternating with the other system's, after ${WARM_MS / 1000} s of untimed ones`;
    const w = row('wig', op, { returns: `${how} (a new graph loaded with the same data, then its first query)`, build_ms: med(wigMs) });
    const p = row('graphology', op, { returns: how, build_ms: med(peerMs) });
    rows.push(w, p, row('ratio graphology/wig', op, { build_ms: +(p.build_ms / w.build_ms).toFixed(2) }));
    log(`${op}: wig ${w.build_ms} ms, graphology ${p.build_ms} ms → ${(p.build_ms / w.build_ms).toFixed(1)}×`);
  }

  // Each op: [name, what each returns, wig, peer, args, same(wigResult, peerResult)].
  const hops = (p) => (p ? p.length - 1 : -1);
  // A path WIG returns is checked against graphology's graph: from a to b,
  // each hop an edge there.
  const walks = (ids, a, b) => ids[0] === a && ids[ids.length - 1] === b && ids.every((x, i) => i === 0 || gg.hasEdge(ids[i - 1], x));
  // graphology's path scored as WIG scores one: the product of strengths.
  const product = (ids) => ids.reduce((s, x, i) => (i === 0 ? s : s * Math.exp(-gg.getEdgeAttribute(ids[i - 1], x, 'w'))), 1);
  const UNREACHABLE = 0xffffffff;
  const ops = [
    ['bidirectional BFS (shortest path)',
      'wig shortestPathIds: person ids along the path or null; graphology bidirectional: node keys along the path or null',
      (a, b) => g.shortestPathIds(a, b), (a, b) => peer.bidirectional(gg, a, b), pairs,
      (w, p, a, b) => hops(w) === hops(p) && (w === null || walks(w, a, b))],
    ['single-source BFS (all distances)',
      'wig distancesFrom: Uint32Array of hops over all nodes + node→id table (fetched once per graph) and get(id); graphology singleSourceLength: object {id: hops} of reachable nodes',
      (a) => g.distancesFrom(a), (a) => peer.singleSourceLength(gg, a), sources,
      (w, p) => {
        let reached = 0;
        for (let i = 0; i < w.size; i++) {
          const d = w.distances[i];
          if (d === UNREACHABLE) continue;
          reached++;
          if (p[w.personId(i)] !== d) return false;
        }
        return reached === Object.keys(p).length;
      }],
    ['best weighted path',
      'wig bestPath: IntroPath (ids, edge ids, hop strengths, score, weakest hop, factors per hop); graphology dijkstra.bidirectional: node keys',
      (a, b) => g.bestPath(a, b), (a, b) => peer.dijkstra.bidirectional(gg, a, b, 'w'), pairs,
      // The same best score (ties may take other people), on a real path.
      (w, p, a, b) => (w === null ? p === null : p !== null && walks(w.personIds, a, b) && Math.abs(w.score - product(p)) <= 1e-9 * product(p))],
  ];
  // Both systems warm up on the same queries (steady state: JIT tiers,
  // caches), 50 per-pair queries or 5 single-source ones, repeated until
  // WARM_MS have passed for each system (at least once), not timed. By
  // count alone it was not enough: in Chromium on a 2-vCPU machine the
  // wasm of a fresh page reached its optimised tier only after ~2 s of
  // queries (bestPath 130–220 µs a call before, 92–97 µs after).
  const warmUp = (f, warm) => {
    const start = performance.now();
    do for (const x of warm) f(...x); while (performance.now() - start < WARM_MS);
  };
  for (const [op, returns, wig, peerOp, args, same] of ops) {
    const warm = args[0].length === 2 ? warmPairs : args.slice(0, 5);
    warmUp(wig, warm);
    warmUp(peerOp, warm);
    const peerWarmMs = warm.map((x) => { const s = performance.now(); peerOp(...x); return performance.now() - s; });
    // Each system's queries back to back (as a caller issues them), WIG
    // first; results are not kept, so neither pays GC for the other's.
    // Where the timer is coarse for the query (Chromium: 5 µs, and the
    // peer's median under 10 ticks, as on SocioPatterns) a sample is 10
    // back-to-back runs of the same query, divided; the same for both.
    const reps = stats(peerWarmMs).median_ms < 10 * (env.timerResolutionMs ?? 0) ? 10 : 1;
    const time = (f, x) => {
      const s = performance.now();
      for (let r = 0; r < reps; r++) f(...x);
      return (performance.now() - s) / reps;
    };
    const wigMs = args.map((x) => time(wig, x));
    const peerMs = args.map((x) => time(peerOp, x));
    // Same answers? Checked untimed, on the first 100 queries.
    const checked = args.slice(0, 100);
    const agree = checked.filter((x) => same(wig(...x), peerOp(...x), ...x)).length;
    const w = row('wig', op, { returns, ...stats(wigMs), queries: args.length, runs_per_sample: reps, checked: checked.length, agree_with_peer: agree });
    const p = row('graphology', op, { ...stats(peerMs), runs_per_sample: reps });
    rows.push(w, p, row('ratio graphology/wig', op, { median_ms: +(p.median_ms / w.median_ms).toFixed(2), p95_ms: +(p.p95_ms / w.p95_ms).toFixed(2) }));
    log(`${op}: wig ${w.median_ms} / ${w.p95_ms} ms, graphology ${p.median_ms} / ${p.p95_ms} ms → ${(p.median_ms / w.median_ms).toFixed(1)}× / ${(p.p95_ms / w.p95_ms).toFixed(1)}× (answers agree on ${agree}/${checked.length})`);
  }
  // The full, explained forms (no graphology equivalent), for context.
  const extra = [
    ['shortestPath (IntroPath with edge records and factors)', (a, b) => g.shortestPath(a, b), pairs],
    ['neighbors depth 6 (person ids grouped by degree, JSON)', (a) => g.neighbors(a, { depth: 6 }), sources],
    ['introPaths k=3 maxHops=4', (a, b) => g.introPaths(a, b, { k: 3, maxHops: 4 }), pairs],
  ];
  for (const [op, fn, args] of extra) {
    warmUp(fn, args[0].length === 2 ? warmPairs : args.slice(0, 5));
    const ms = args.map((x) => { const s = performance.now(); fn(...x); return performance.now() - s; });
    const r = row('wig', op, stats(ms));
    rows.push(r);
    log(`${op}: wig ${r.median_ms} / ${r.p95_ms} ms`);
  }
  await g.close();
  await Graph.delete(`bench-${dataset}`, { storage: 'memory' });
  return rows;
}
