// Entry for Node ≥ 20: the .wasm is read from disk. IndexedDB is used when
// `globalThis.indexedDB` exists (e.g. `import 'fake-indexeddb/auto'`);
// otherwise open graphs with `{ storage: 'memory' }`.
import { readFile } from 'node:fs/promises';
import init, * as wasm from './dist/wig_graph.js';
import { makeApi, isWigError } from './graph.js';

let loading;
function ready() {
  loading ??= readFile(new URL('./dist/wig_graph_bg.wasm', import.meta.url)).then((bytes) => init({ module_or_path: bytes })).then(() => wasm);
  return loading;
}

export const { Graph, errorCodes } = makeApi(ready);
export { isWigError };
