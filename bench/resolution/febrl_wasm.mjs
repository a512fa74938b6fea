// Times the Febrl benchmark compiled to wasm32-unknown-unknown under Node.
// Build: cargo build --release --target wasm32-unknown-unknown --example febrl_wasm
// (the package's release profile: opt-level "s", LTO, codegen-units 1, panic=abort)
// Run:   node bench/resolution/febrl_wasm.mjs [--json PATH] [--repeat N]
// The timed span is copy CSV text into wasm memory -> parse -> link -> pairs
// (the truth comparison inside `run` is included; it is a hash-set intersection).
import { readFileSync, appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const crate = join(here, "..", "..");
const target = process.env.CARGO_TARGET_DIR || join(crate, "target");
const wasmPath = join(target, "wasm32-unknown-unknown", "release", "examples", "febrl_wasm.wasm");
const args = process.argv.slice(2);
const jsonPath = args.includes("--json") ? args[args.indexOf("--json") + 1] : null;
const repeat = args.includes("--repeat") ? Number(args[args.indexOf("--repeat") + 1]) : 5;
const data = (f) => readFileSync(join(crate, "bench", "data", f));
const module = await WebAssembly.compile(readFileSync(wasmPath));
// The example links the whole crate, whose wasm-bindgen glue leaves imports behind;
// nothing on the benchmark's path calls them, so stub them (a call would throw).
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => { throw new Error(`import ${imp.module}.${imp.name} called`); };
}

function truthCount(buf) {
  return buf.toString("utf8").trim().split("\n").length - 1;
}

const sets = [
  ["febrl3", data("febrl3.csv"), Buffer.alloc(0), data("febrl3_truth.csv")],
  ["febrl4", data("febrl4a.csv"), data("febrl4b.csv"), data("febrl4_truth.csv")],
];
for (const [name, a, b, t] of sets) {
  let best = Infinity, bestCpu = 0, out = null;
  for (let i = 0; i < repeat; i++) {
    // a fresh instance per run (the module leaks its inputs)
    const instance = await WebAssembly.instantiate(module, imports);
    const { alloc, run, memory } = instance.exports;
    const c0 = process.cpuUsage(), t0 = performance.now();
    const put = (buf) => {
      if (buf.length === 0) return 0;
      const p = alloc(buf.length);
      new Uint8Array(memory.buffer, p, buf.length).set(buf);
      return p;
    };
    const pa = put(a), pb = put(b), pt = put(t);
    const r = run(pa, a.length, pb, b.length, pt, t.length);
    const secs = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    if (secs < best) { best = secs; bestCpu = (cu.user + cu.system) / 1e6; out = r; }
  }
  const pred = Number(out >> 32n), tp = Number(out & 0xffffffffn), truth = truthCount(t);
  const p = pred ? tp / pred : 0, r = tp / truth, f1 = p + r ? (2 * p * r) / (p + r) : 0;
  console.log(`wig-wasm    ${name}  pairs ${pred}  P ${p.toFixed(4)}  R ${r.toFixed(4)}  F1 ${f1.toFixed(4)}  ${best.toFixed(4)} s (best of ${repeat})`);
  if (jsonPath) {
    appendFileSync(jsonPath, JSON.stringify({ system: "wig-wasm", dataset: name, precision: +p.toFixed(6), recall: +r.toFixed(6), f1: +f1.toFixed(6), seconds: +best.toFixed(4), cpu_seconds: +bestCpu.toFixed(4) }) + "\n");
  }
}
