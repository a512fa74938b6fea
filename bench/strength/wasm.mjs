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
// CPU seconds of this process too: the machine is shared, wall time alone
// overstates what the call costs.
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
t = performance.now();
let c = cpu();
const r = await g.recomputeStrengths({ now });
const s = (performance.now() - t) / 1000;
const sCpu = cpu() - c;
// Again with nothing changed: mapping + engine + comparing, no edge written.
t = performance.now();
c = cpu();
const again = await g.recomputeStrengths({ now });
const s2 = (performance.now() - t) / 1000;
const s2Cpu = cpu() - c;
console.log(JSON.stringify({ load_seconds: loadS, recompute_seconds: s, recompute_unchanged_seconds: s2, recompute_cpu_seconds: sCpu, recompute_unchanged_cpu_seconds: s2Cpu, unchanged: again.edgesUnchanged, interactions: loaded.interactions, report: { ...r, unknownParticipants: r.unknownParticipants.count } }));
