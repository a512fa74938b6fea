#!/usr/bin/env bash
# bench/run strength: tie-strength quality (ROC AUC on SocioPatterns, WIG vs
# baselines) and speed (full recompute of 1,000,000 synthetic interactions:
# the engine alone natively, and the whole API call natively and in wasm
# under Node). Writes bench/results/strength.json. Idempotent.
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
node - "$tmp" "$N" <<'JS'
const fs = require('node:fs');
const [tmp, n] = process.argv.slice(2);
const rows = fs.readFileSync(`${tmp}/auc.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const engine = fs.readFileSync(`${tmp}/engine.txt`, 'utf8').match(/full recompute (\d+) ms wall/g).map((m) => Number(m.match(/\d+/)[0]));
const native = JSON.parse(fs.readFileSync(`${tmp}/native.json`, 'utf8'));
const wasm = JSON.parse(fs.readFileSync(`${tmp}/wasm.json`, 'utf8'));
const ds = `synthetic-${n}-interactions`;
const gen = `synthetic-${n}-interactions-strength_bench-generator`;
rows.push({ system: 'wig-native', dataset: gen, operation: 'engine only: ingest + score_all (best of 3; examples/strength_bench data: 393k pairs)', seconds: Math.min(...engine) / 1000 });
// Phases on the data the API call uses (bench/strength/generate.mjs, 1.41 M pairs); cpu_seconds = this process's CPU time (the machine is shared).
rows.push({ system: 'wig-native', dataset: ds, operation: 'map participants to people (collect engine input)', seconds: native.map_people_seconds, cpu_seconds: native.cpu.map_people });
rows.push({ system: 'wig-native', dataset: ds, operation: 'engine only: ingest + score every pair (best of 3)', seconds: native.engine_seconds, cpu_seconds: native.cpu.engine, pairs: native.pairs });
rows.push({ system: 'wig-native', dataset: ds, operation: 'prepare (map, engine, build edge records, encode the write set)', seconds: native.prepare_seconds, cpu_seconds: native.cpu.prepare });
rows.push({ system: 'wig-native', dataset: ds, operation: 'recomputeStrengths (map people, engine, write edges, one commit)', seconds: native.recompute_seconds, cpu_seconds: native.cpu.recompute });
rows.push({ system: 'wig-native', dataset: ds, operation: 'recomputeStrengths again, nothing changed (map, engine, compare; no write)', seconds: native.recompute_unchanged_seconds, cpu_seconds: native.cpu.recompute_unchanged });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'recomputeStrengths (map people, engine, write edges, one commit)', seconds: +wasm.recompute_seconds.toFixed(3), cpu_seconds: +wasm.recompute_cpu_seconds.toFixed(3) });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'recomputeStrengths again, nothing changed (map, engine, compare; no write)', seconds: +wasm.recompute_unchanged_seconds.toFixed(3), cpu_seconds: +wasm.recompute_unchanged_cpu_seconds.toFixed(3) });
rows.push({ system: 'wig-wasm-node', dataset: ds, operation: 'batch load of the interactions (context)', seconds: +wasm.load_seconds.toFixed(3) });
fs.writeFileSync('bench/results/strength.json', JSON.stringify({ measured_at: new Date().toISOString(), rows }, null, 2) + '\n');
console.log('wrote bench/results/strength.json');
JS
