// Entry for browsers, bundlers (Vite…), workers and MV3 service workers: the
// .wasm is fetched next to this file (no top-level await, no `window`).
import init, * as wasm from './dist/wig_graph.js';
import { makePackage } from './graph.js';

export const { Graph, errorCodes, wasmMemoryBytes, setWasmSource, isWigError } = makePackage(init, wasm, async () => new URL('./dist/wig_graph_bg.wasm', import.meta.url));
export { createSync, syncStatuses } from './sync.js';
