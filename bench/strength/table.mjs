// Prints the README's tie-strength speed table from bench/results/strength.json
// (so the README's figures are the results file's, never typed in).
// Usage: node bench/strength/table.mjs
import { readFileSync } from 'node:fs';

const { measured_at: measuredAt, rows } = JSON.parse(readFileSync(new URL('../results/strength.json', import.meta.url), 'utf8'));
const get = (system, prefix) => rows.find((r) => r.system === system && r.operation?.startsWith(prefix));
const s = (x) => (x === undefined ? '' : x.toFixed(2));
// A wasm cell: wall seconds, and CPU seconds in brackets where the row has them.
const wasm = (r) => (r ? (r.cpu_seconds !== undefined ? `${s(r.seconds)} (${s(r.cpu_seconds)} CPU)` : s(r.seconds)) : '');
const mb = (b) => (b === undefined ? '?' : `${(b / 1e6).toFixed(0)} MB`);
const line = (label, prefix, goal) => {
  const n = get('wig-native', prefix);
  const cells = [s(n?.seconds), s(n?.cpu_seconds), wasm(get('wig-wasm-node', prefix)), wasm(get('wig-wasm-chromium', prefix))];
  let g = '';
  if (goal) {
    const missed = [['native', n], ['Node', get('wig-wasm-node', prefix)], ['Chromium', get('wig-wasm-chromium', prefix)]].filter(([, r]) => r && !(r.seconds < goal));
    g = missed.length ? `**not reached** (${missed.map(([k]) => k).join(', ')})` : 'met';
  }
  return `| ${label} | ${cells.join(' | ')} | ${g} |`;
};
console.log([
  '| 1,000,000 interactions, 1.41 M pairs | native wall s | native CPU s | wasm, Node: wall s | wasm, headless Chromium: wall s | goal < 1 s |',
  '|---|---|---|---|---|---|',
  line('**full recompute** (map + engine + explain, in memory)', 'full recompute', 1),
  line('· map participants to people (best of 3)', 'phase: map participants to people'),
  line('· map participants, first recompute after opening (builds the participant columns)', 'phase: map participants, first'),
  line('· engine: ingest + score every pair', 'phase: engine'),
  line('· explain every pair', 'phase: explain'),
  line('prepare `recomputeStrengths` (the above + 1.41 M edge records, outbox, encoded write set)', 'prepare recomputeStrengths'),
  line('`recomputeStrengths` (all of it, one commit to the memory backend, applied)', 'recomputeStrengths (full'),
  line('`recomputeStrengths` again, nothing changed (full recompute, compare, no edge written)', 'recomputeStrengths again'),
  line('`recomputeStrengths` a day later (every edge rewritten)', 'recomputeStrengths a day later'),
  line('reopen after it (read back people, interactions and the 1.41 M scored edges; best of 3)', 'reopen after recomputeStrengths'),
  line('engine alone on `examples/strength_bench` data (393 k pairs), best of 3', 'engine only'),
  '',
  `The store grew by ${mb(get('wig-native', 'store growth')?.bytes)} with that recompute (the scored edges, their outbox changes, the audit entry); Node's wasm memory after all of it: ${mb(get('wig-wasm-node', 'recomputeStrengths a day later')?.wasm_memory_bytes)} (of 4 GB).`,
  '',
  "In IndexedDB, the browser's default storage (headless Chromium, a page of its own, the same data):",
  '',
  '| 1,000,000 interactions, 1.41 M pairs, IndexedDB | wall s |',
  '|---|---|',
  ...[
    ['batch load of the interactions', 'batch load of the interactions into IndexedDB'],
    ['`recomputeStrengths` (1.41 M new edges, one transaction)', 'recomputeStrengths, IndexedDB'],
    ['`recomputeStrengths` a day later (every edge rewritten)', 'recomputeStrengths a day later, IndexedDB'],
    ['reopen from IndexedDB after it', 'reopen from IndexedDB'],
  ].map(([label, prefix]) => `| ${label} | ${s(get('wig-wasm-chromium-indexeddb', prefix)?.seconds)} |`),
  '',
  `Wasm memory after it: ${mb(get('wig-wasm-chromium-indexeddb', 'recomputeStrengths a day later')?.wasm_memory_bytes)}; the origin's storage: ${mb(get('wig-wasm-chromium-indexeddb', 'recomputeStrengths a day later')?.storage_usage_bytes)}.`,
  `Measured ${measuredAt.replace('T', ' ').slice(0, 16)} UTC.`,
].join('\n'));
