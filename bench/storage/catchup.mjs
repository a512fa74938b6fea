// Two instances of one stored graph (two tabs): after one instance writes,
// how long until the other holds the write, and how long its own next
// write takes. 100,000 people / ~1,000,000 edges (generate.js), Node with
// fake-indexeddb. Not part of `bench/run storage` (no peer does this).
// Usage: node --max-old-space-size=8192 bench/storage/catchup.mjs
//        (N=20000 for a smaller graph; PKG=path/to/node.js for another build)
import 'fake-indexeddb/auto';
import { generate } from './generate.js';
const { Graph } = await import(process.env.PKG ?? '../../pkg/node.js');
const data = generate({ people: Number(process.env.N ?? 100000), m: 10, seed: 7 });
const name = 'catchup';
const a = await Graph.open(name);
let t = performance.now();
await a.batchJson(JSON.stringify(data));
console.log('load', (performance.now() - t).toFixed(0), 'ms');
t = performance.now();
const b = await Graph.open(name);
console.log('open b', (performance.now() - t).toFixed(0), 'ms');
await new Promise((r) => setTimeout(r, 100));
for (let i = 0; i < 5; i++) {
  const heard = new Promise((resolve) => b.addEventListener('change', resolve, { once: true }));
  const s = performance.now();
  const p = await a.upsertPerson({ names: [`New ${i}`], emails: [`new${i}@example.org`] });
  const written = performance.now();
  await heard;
  const caught = performance.now();
  if (!b.getPerson(p.id)) throw new Error('b missed it');
  // b's next write: does it wait?
  const s2 = performance.now();
  await b.upsertPerson({ names: [`From b ${i}`] });
  console.log(`write ${(written - s).toFixed(1)} ms; b caught up ${(caught - written).toFixed(1)} ms after; b's own write then ${(performance.now() - s2).toFixed(1)} ms`);
  await new Promise((r) => setTimeout(r, 200));
}
await a.close(); await b.close();
