// The wasm heap grows memory by a quarter at a time, at most 64 MiB
// (src/wasm/heap.rs): geometrically at this test's size. Every
// `memory.grow` hands V8 a new ArrayBuffer and V8 answers a stream of them
// with full collections: grown a page at a time, loading 100,000
// interactions ran 26 major GCs (1,000,000 ran 7,317, half the load time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { Graph, wasmMemoryBytes } from '../../pkg/node.js';

test('a large batch grows the heap a few times, not page by page', async () => {
  const g = await Graph.open(`heap-${randomUUID()}`, { storage: 'memory' });
  const n = 100_000;
  const email = (i) => `p${i % 2000}@example.org`;
  const people = Array.from({ length: 2000 }, (_, i) => ({ names: [`P${i}`], emails: [email(i)] }));
  const interactions = Array.from({ length: n }, (_, i) => ({
    sourceName: 'heap-test',
    sourceId: `i${i}`,
    timestamp: Date.UTC(2025, 0, 1) + i * 60_000,
    channel: 'email',
    participants: [email(i), email(i * 7 + 1)],
  }));
  const json = JSON.stringify({ people, interactions });
  const before = wasmMemoryBytes();
  let majorGcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const out = await g.batchJson(json);
  await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries are delivered asynchronously
  observer.disconnect();
  assert.equal(out.interactions, n);
  const grownMb = (wasmMemoryBytes() - before) / 2 ** 20;
  assert.ok(grownMb > 50, `the batch needs memory (grew ${grownMb.toFixed(0)} MiB)`);
  // Measured 3 with geometric growth, 26 page by page.
  assert.ok(majorGcs <= 10, `${majorGcs} major GCs while memory grew ${grownMb.toFixed(0)} MiB`);
});
