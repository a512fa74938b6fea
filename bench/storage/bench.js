// Storage benchmark steps, called one by one from bench/storage/run.mjs
// through Playwright (a fresh page load between writing and opening, so an
// open reads IndexedDB, not anything a page kept in memory).
import { Graph, wasmMemoryBytes } from '/pkg/index.js';
import { generate } from './generate.js';

const heap = () => (globalThis.gc?.(), performance.memory?.usedJSHeapSize ?? null);

async function deleteDb(name) {
  await new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = resolve;
    r.onerror = () => reject(r.error);
  });
}

const wait = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

window.bench = {
  // WIG: one batch call (one transaction) of all people and edges.
  async wigWrite(people, m) {
    await Graph.delete('bench-wig');
    const data = generate({ people, m });
    const g = await Graph.open('bench-wig');
    const t0 = performance.now();
    const counts = await g.batch(data);
    const seconds = (performance.now() - t0) / 1000;
    await g.close();
    return { seconds, counts, wasm_memory_bytes: wasmMemoryBytes() };
  },
  async wigOpen() {
    const before = heap();
    const t0 = performance.now();
    const g = await Graph.open('bench-wig');
    const seconds = (performance.now() - t0) / 1000;
    const stats = g.stats();
    return { seconds, people: stats.people, edges: stats.edges, js_heap_bytes: heap() - before, wasm_memory_bytes: wasmMemoryBytes() };
  },
  // Diagnostic: how much of wigOpen is IndexedDB itself (reading every
  // stored value of wig's database, no decoding).
  async wigRawRead() {
    const t0 = performance.now();
    const db = await wait(indexedDB.open('bench-wig'));
    const names = [...db.objectStoreNames];
    const tx = db.transaction(names);
    let bytes = 0;
    for (const values of await Promise.all(names.map((n) => wait(tx.objectStore(n).getAll())))) for (const v of values) bytes += v.byteLength;
    db.close();
    return { seconds: (performance.now() - t0) / 1000, bytes };
  },
  // Peer: the plain IndexedDB layer most apps write — one record per object,
  // out-of-line keys, one transaction for the whole load, getAll on open.
  async idbWrite(people, m) {
    await deleteDb('bench-idb');
    const data = generate({ people, m });
    data.edges.forEach((e, i) => (e.id = `e${i}`));
    const open = indexedDB.open('bench-idb', 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('people', { keyPath: 'id' });
      const edges = open.result.createObjectStore('edges', { keyPath: 'id' });
      edges.createIndex('from', 'fromPersonId');
      edges.createIndex('to', 'toPersonId');
    };
    const db = await wait(open);
    const t0 = performance.now();
    const tx = db.transaction(['people', 'edges'], 'readwrite');
    const ps = tx.objectStore('people');
    for (const p of data.people) ps.put(p);
    const es = tx.objectStore('edges');
    for (const e of data.edges) es.put(e);
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    const seconds = (performance.now() - t0) / 1000;
    db.close();
    return { seconds };
  },
  async idbOpen() {
    const before = heap();
    const t0 = performance.now();
    const db = await wait(indexedDB.open('bench-idb', 1));
    const tx = db.transaction(['people', 'edges']);
    const [people, edges] = await Promise.all([wait(tx.objectStore('people').getAll()), wait(tx.objectStore('edges').getAll())]);
    const seconds = (performance.now() - t0) / 1000;
    const result = { seconds, people: people.length, edges: edges.length, js_heap_bytes: heap() - before };
    db.close();
    return result;
  },
};
document.getElementById('status').textContent = 'ready';
