// Merge the JSON-lines rows of one run into bench/results/resolution.json, adding
// ratio rows: {system: "ratio PEER / wig-wasm", dataset, seconds: PEER seconds / wig-wasm seconds}.
import { readFileSync, writeFileSync } from "node:fs";
const [src, dst] = process.argv.slice(2);
const rows = readFileSync(src, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
const secs = (system, dataset) => rows.find((r) => r.system === system && r.dataset === dataset)?.seconds;
const ratios = [];
for (const dataset of ["febrl3", "febrl4"]) {
  for (const base of ["wig-wasm", "wig-native"]) {
    for (const peer of ["splink", "recordlinkage"]) {
      const a = secs(peer, dataset), b = secs(base, dataset);
      if (a && b) ratios.push({ system: `ratio ${peer} / ${base}`, dataset, seconds: +(a / b).toFixed(2) });
    }
  }
  const w = secs("wig-wasm", dataset), n = secs("wig-native", dataset);
  if (w && n) ratios.push({ system: "ratio wig-wasm / wig-native", dataset, seconds: +(w / n).toFixed(2) });
}
const out = [...rows, ...ratios];
writeFileSync(dst, JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${dst}: ${out.length} rows`);
for (const r of out) console.log(JSON.stringify(r));
