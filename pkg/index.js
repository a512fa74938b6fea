// Entry for browsers, bundlers (Vite…), workers and MV3 service workers: the
// .wasm is fetched next to this file (no top-level await, no `window`).
import init, * as wasm from './dist/wig_graph.js';
import { makeApi, isWigError } from './graph.js';

let loading;
function ready() {
  loading ??= init({ module_or_path: new URL('./dist/wig_graph_bg.wasm', import.meta.url) }).then(() => wasm);
  return loading;
}

export const { Graph, errorCodes } = makeApi(ready);
export { isWigError };
