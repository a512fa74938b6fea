#!/usr/bin/env bash
# bench/run strength: tie-strength quality (ROC AUC on SocioPatterns, WIG vs
# baselines) and speed (full recompute of 1,000,000 synthetic interactions:
# the phases natively, in wasm under Node and in headless Chromium, and the
# whole API call). Writes bench/results/strength.json. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
N=${STRENGTH_N:-1000000}
bash bench/strength/fetch_data.sh
mkdir -p bench/results bench/data
tmp=$(mktemp -d)
cargo run --quiet --release --example strength_auc -- bench/data/primary_school.csv --json "$tmp/auc.jsonl"
cargo run --quiet --release --example strength_bench -- 10000 "$N" 42 | tee "$tmp/engine.txt"
data=bench/data/strength_${N}.json
[ -s "$data" ] || node bench/strength/generate.mjs "$data" "$N" 10000
cargo run --quiet --release --example strength_recompute -- "$data" | tee "$tmp/native.json"
[ "${WIG_SKIP_BUILD:-0}" = 1 ] || node scripts/build.mjs
node --max-old-space-size=8192 bench/strength/wasm.mjs "$data" | tee "$tmp/wasm.json"
node bench/strength/chromium.mjs "$data" | tee "$tmp/chromium.json"
node - "$tmp" "$N" <<'JS'
const fs = require('node:fs');
const [tmp, n] = process.argv.slice(2);
const rows = fs.readFileSync(`${tmp}/auc.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const engine = fs.readFileSync(`${tmp}/engine.txt`, 'utf8').match(/full recompute (\d+) ms wall/g).map((m) => Number(m.match(/\d+/)[0]));
const native = JSON.parse(fs.readFileSync(`${tmp}/native.json`, 'utf8'));
const wasm = JSON.parse(fs.readFileSync(`${tmp}/wasm.json`, 'utf8'));
const chromium = JSON.parse(fs.readFileSync(`${tmp}/chromium.json`, 'utf8'));
const ds = `synthetic-${n}-interactions`;
const gen = `synthetic-${n}-interactions-strength_bench-generator`;
rows.push({ system: 'wig-native', dataset: gen, operation: 'engine only: ingest + score_all (best of 3; examples/strength_bench data: 393k pairs)', seconds: Math.min(...engine) / 1000 });
// On the data the API call uses (bench/strength/generate.mjs, 1.41 M pairs).
// "Full recompute" = map participants + ingest and score every pair +
// explain every pair (strength, 8 factors, count, first/last seen, channels:
// what the API serves), in memory. Building the edge records and encoding
// the write set ("prepare") and persisting ("recomputeStrengths") are rows of
// their own. Phases: best of 3; cpu_seconds = this process's CPU time (the
// machine is shared).
const r3 = (x) => +x.toFixed(3);
const phaseRows = (system, wall, cpu) => {
  const full = (p) => p.mapSeconds + p.engineSeconds + p.explainSeconds;
  const rows = [
    ['full recompute: map participants + score every pair + explain (in memory, not persisted)', full(wall), cpu && full(cpu)],
    ['phase: map participants to people', wall.mapSeconds, cpu?.mapSeconds],
    ['phase: engine, ingest + score every pair', wall.engineSeconds, cpu?.engineSeconds],
    ['phase: explain every pair', wall.explainSeconds, cpu?.explainSeconds],
    ['prepare recomputeStrengths: full recompute + edge records + outbox + encoded write set', wall.prepareSeconds, cpu?.prepareSeconds],
  ];
  return rows.map(([operation, s, c]) => ({ system, dataset: ds, operation, seconds: r3(s), ...(c === undefined ? {} : { cpu_seconds: r3(c) }), pairs: wall.pairs }));
};
// The phases are the best of 3 runs; the first mapping after opening also
// builds the participant columns (kept current by writes afterwards).
const firstMapRow = (system, seconds) => ({ system, dataset: ds, operation: 'phase: map participants, first recompute after opening (builds the participant columns)', seconds: r3(seconds) });
rows.push(...phaseRows('wig-native', native.phases, native.phases_cpu));
rows.push(firstMapRow('wig-native', native.first_map_seconds));
rows.push({ system: 'wig-native', dataset: ds, operation: 'recomputeStrengths (full recompute, write edges, one commit to the memory backend)', seconds: r3(native.recompute_seconds), cpu_seconds: r3(native.recompute_cpu_seconds) });
rows.push({ system: 'wig-native', dataset: ds, operation: 'recomputeStrengths again, nothing changed (full recompute, compare; no write)', seconds: r3(native.recompute_unchanged_seconds), cpu_seconds: r3(native.recompute_unchanged_cpu_seconds) });
rows.push({ system: 'wig-native', dataset: ds, operation: 'recomputeStrengths a day later (every edge rewritten; one commit to the memory backend, applied)', seconds: r3(native.recompute_later_seconds) });
rows.push({ system: 'wig-native', dataset: ds, operation: 'store growth of recomputeStrengths (1.41 M scored edges, their outbox changes, audit)', bytes: native.stored_bytes_added });
rows.push({ system: 'wig-native', dataset: ds, operation: 'reopen after recomputeStrengths (read back people, interactions, 1.41 M scored edges; memory backend, best of 3)', seconds: r3(native.reopen_seconds) });
rows.push(...phaseRows('wig-wasm-node', wasm.phases, undefined));
rows.push(firstMapRow('wig-wasm-node', wasm.phases.firstMapSeconds));
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'CPU of the best phases run (full recompute + prepare)', seconds: r3(wasm.phases.cpuSeconds) });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'recomputeStrengths (full recompute, write edges, one commit to the memory backend)', seconds: r3(wasm.recompute_seconds), cpu_seconds: r3(wasm.recompute_cpu_seconds) });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'recomputeStrengths again, nothing changed (full recompute, compare; no write)', seconds: r3(wasm.recompute_unchanged_seconds), cpu_seconds: r3(wasm.recompute_unchanged_cpu_seconds) });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'recomputeStrengths a day later (every edge rewritten; one commit to the memory backend, applied)', seconds: r3(wasm.recompute_later_seconds), wasm_memory_bytes: wasm.wasm_memory_bytes });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'reopen after recomputeStrengths (read back people, interactions, 1.41 M scored edges; memory backend, best of 3)', seconds: r3(wasm.reopen_seconds) });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'batch load of the interactions (context)', seconds: r3(wasm.load_seconds) });
// Headless Chromium, a page (bench/strength/page.html); memory storage like the Node rows.
rows.push(...phaseRows('wig-wasm-chromium', chromium.phases, undefined).map((r) => ({ ...r, runtime: chromium.version })));
rows.push({ ...firstMapRow('wig-wasm-chromium', chromium.phases.firstMapSeconds), runtime: chromium.version });
rows.push({ system: 'wig-wasm-chromium', dataset: ds, operation: 'recomputeStrengths (full recompute, write edges, one commit to the memory backend)', seconds: r3(chromium.recompute_seconds), runtime: chromium.version });
rows.push({ system: 'wig-wasm-chromium', dataset: ds, operation: 'recomputeStrengths again, nothing changed (full recompute, compare; no write)', seconds: r3(chromium.recompute_unchanged_seconds), runtime: chromium.version });
rows.push({ system: 'wig-wasm-chromium', dataset: ds, operation: 'batch load of the interactions (context)', seconds: r3(chromium.load_seconds), runtime: chromium.version });
// The browser's default storage: the same data in IndexedDB (a page of its own).
const idb = chromium.indexeddb;
const idbRow = (operation, seconds, extra = {}) => ({ system: 'wig-wasm-chromium-indexeddb', dataset: ds, operation, seconds: r3(seconds), ...extra, runtime: chromium.version });
rows.push(idbRow('batch load of the interactions into IndexedDB', idb.load_seconds));
rows.push(idbRow('recomputeStrengths, IndexedDB (1.41 M new edges, one IndexedDB transaction)', idb.recompute_seconds));
rows.push(idbRow('recomputeStrengths a day later, IndexedDB (every edge rewritten)', idb.recompute_later_seconds, { wasm_memory_bytes: idb.wasm_memory_bytes, storage_usage_bytes: idb.storage_usage_bytes }));
rows.push(idbRow('reopen from IndexedDB after recomputeStrengths (people, interactions, 1.41 M scored edges)', idb.reopen_seconds));
fs.writeFileSync('bench/results/strength.json', JSON.stringify({ measured_at: new Date().toISOString(), rows }, null, 2) + '\n');
console.log('wrote bench/results/strength.json');
JS
