// The 100k synthetic-contacts benchmark under Node (examples/scale_wasm.rs, a bare
// wasm module built with the package's release profile: opt-level "s", LTO, panic=abort).
// Run: node bench/resolution/scale_wasm.mjs [--n 100000] [--queries 1000] [--repeat 3]
//      [--default-blocking] [--json PATH]   (appends JSON rows)
// Timed: dedupe = normalise e-mail/phone → Linker::dedupe (blocking, u sampling, EM,
// scoring, clustering) → linked pairs, best of --repeat, each in a fresh instance.
// cpu_seconds: the process's CPU time over the same span (shows the cost without
// contention from other processes on a shared machine).
// Peak memory: the wasm linear memory size after the run (it never shrinks, so it is
// the high-water mark), including the 100k generated input records.
import { readFileSync, appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const crate = join(here, "..", "..");
const target = process.env.CARGO_TARGET_DIR || join(crate, "target");
const wasmPath = join(target, "wasm32-unknown-unknown", "release", "examples", "scale_wasm.wasm");
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const n = Number(opt("--n", 100000)), nq = Number(opt("--queries", 1000));
const repeat = Number(opt("--repeat", 3)), jsonPath = opt("--json", null);
const tuned = args.includes("--default-blocking") ? 0 : 1;
const bytes = readFileSync(wasmPath);
const module = await WebAssembly.compile(bytes);
// a bare module; stub whatever it imports (nothing here calls into the host)
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => { throw new Error(`import ${imp.module}.${imp.name} called`); };
}

let best = null;
for (let i = 0; i < repeat; i++) {
  const instance = await WebAssembly.instantiate(module, imports);
  const x = instance.exports;
  x.gen(n, nq, 7);
  const base = x.memory.buffer.byteLength;
  const c0 = process.cpuUsage(), t0 = performance.now();
  const cand = x.dedupe(tuned);
  const secs = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0), cpu = (cu.user + cu.system) / 1e6;
  if (cand < 0n) throw new Error("blocking produced too many candidate pairs");
  const peak = x.memory.buffer.byteLength;
  const run = { secs, cpu, base, peak, instance };
  console.log(`run ${i + 1}: ${secs.toFixed(3)} s (cpu ${cpu.toFixed(3)} s), ${cand} candidate pairs, memory ${(peak / 2 ** 20).toFixed(0)} MiB (input alone ${(base / 2 ** 20).toFixed(0)} MiB)`);
  if (!best || secs < best.secs) best = run;
}
const x = best.instance.exports;
const p = x.score();
const stats = JSON.parse(new TextDecoder().decode(new Uint8Array(x.memory.buffer, p, x.out_len())));
x.build_index();
const afterIndex = x.memory.buffer.byteLength;
const lat = [];
let correct = 0;
for (let k = 0; k < nq; k++) x.match_one(k); // warm-up pass
for (let k = 0; k < nq; k++) {
  const t = performance.now();
  const r = x.match_one(k);
  lat.push(performance.now() - t);
  correct += r & 1;
}
lat.sort((a, b) => a - b);
const q = (f) => lat[Math.min(lat.length - 1, Math.floor(lat.length * f))];
const out = {
  ...stats, blocking: tuned ? "tuned person blocking" : "default person blocking",
  seconds: +best.secs.toFixed(4), cpu_seconds: +best.cpu.toFixed(4), peak_memory_bytes: best.peak, input_memory_bytes: best.base,
  memory_after_index_bytes: afterIndex,
  match_one_median_ms: +q(0.5).toFixed(4), match_one_p95_ms: +q(0.95).toFixed(4),
  match_one_top_correct: correct / nq,
};
console.log(JSON.stringify(out, null, 1));
if (jsonPath) {
  const ds = `synthetic-${n / 1000}k`;
  const sys = tuned ? "wig-wasm" : "wig-wasm, default person blocking";
  const rows = [
    { system: sys, dataset: ds, precision: out.precision, recall: out.recall, f1: out.f1, seconds: out.seconds, cpu_seconds: out.cpu_seconds,
      peak_memory_bytes: out.peak_memory_bytes, input_memory_bytes: out.input_memory_bytes, records: out.records,
      true_pairs: out.true_pairs, candidate_pairs: out.candidate_pairs, blocking: out.blocking },
    { system: `${sys} match_one`, dataset: ds, median_ms: out.match_one_median_ms, p95_ms: out.match_one_p95_ms,
      queries: nq, top_correct: out.match_one_top_correct, memory_after_index_bytes: afterIndex },
  ];
  for (const r of rows) appendFileSync(jsonPath, JSON.stringify(r) + "\n");
}
