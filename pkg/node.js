// Entry for Node ≥ 20: the .wasm is read from disk. IndexedDB is used when
// `globalThis.indexedDB` exists (e.g. `import 'fake-indexeddb/auto'`);
// otherwise open graphs with `{ storage: 'memory' }`.
import { readFile } from 'node:fs/promises';
import init, * as wasm from './dist/wig_graph.js';
import { makePackage } from './graph.js';

export const { Graph, errorCodes, wasmMemoryBytes, setWasmSource, isWigError } = makePackage(init, wasm, () => readFile(new URL('./dist/wig_graph_bg.wasm', import.meta.url)));
export { createSync, syncStatuses } from './sync.js';
