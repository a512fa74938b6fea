// Entry for Node ≥ 20: the .wasm is read from disk. IndexedDB is used when
// `globalThis.indexedDB` exists (e.g. `import 'fake-indexeddb/auto'`);
// otherwise open graphs with `{ storage: 'memory' }`.
import { readFile } from 'node:fs/promises';
import init, * as wasm from './dist/wig_graph.js';
import { makeApi, isWigError } from './graph.js';

let loading;
let memory;
function ready() {
  loading ??= readFile(new URL('./dist/wig_graph_bg.wasm', import.meta.url)).then((bytes) => init({ module_or_path: bytes })).then((exports) => {
    memory = exports.memory;
    return wasm;
  });
  return loading;
}

export const { Graph, errorCodes } = makeApi(ready);

/** Bytes of wasm linear memory in use by the module (0 before the first open). */
export const wasmMemoryBytes = () => memory?.buffer.byteLength ?? 0;
export { isWigError };
