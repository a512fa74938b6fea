// Full strength recompute through the built package (wasm under Node).
// Usage: node bench/strength/wasm.mjs DATA.json → prints one JSON line.
import { readFileSync } from 'node:fs';
import { Graph } from '../../pkg/node.js';

const json = readFileSync(process.argv[2], 'utf8');
const g = await Graph.open('strength-bench', { storage: 'memory' });
let t = performance.now();
const loaded = await g.batchJson(json);
const loadS = (performance.now() - t) / 1000;
const now = Date.parse('2026-01-01T00:00:00Z');
t = performance.now();
const r = await g.recomputeStrengths({ now });
const s = (performance.now() - t) / 1000;
// Again with nothing changed: mapping + engine + comparing, no edge written.
t = performance.now();
const again = await g.recomputeStrengths({ now });
const s2 = (performance.now() - t) / 1000;
console.log(JSON.stringify({ load_seconds: loadS, recompute_seconds: s, recompute_unchanged_seconds: s2, unchanged: again.edgesUnchanged, interactions: loaded.interactions, report: { ...r, unknownParticipants: r.unknownParticipants.count } }));
