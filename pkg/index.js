// Entry for browsers, bundlers (Vite…), workers and MV3 service workers: the
// .wasm is fetched next to this file (no top-level await, no `window`).
import init, * as wasm from './dist/wig_graph.js';
import { makeApi, isWigError } from './graph.js';

let loading;
let memory;
function ready() {
  loading ??= init({ module_or_path: new URL('./dist/wig_graph_bg.wasm', import.meta.url) }).then((exports) => {
    memory = exports.memory;
    return wasm;
  });
  return loading;
}

export const { Graph, errorCodes } = makeApi(ready);

/** Bytes of wasm linear memory in use by the module (0 before the first open). */
export const wasmMemoryBytes = () => memory?.buffer.byteLength ?? 0;
export { isWigError };
