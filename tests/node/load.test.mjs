// Loading the .wasm (a file of its own: each test file is a fresh process,
// so the module is not loaded yet). A failed load is a WigError and is not
// kept: the next open tries again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import init, * as wasm from '../../pkg/dist/wig_graph.js';
import { makePackage } from '../../pkg/graph.js';

const wasmFile = new URL('../../pkg/dist/wig_graph_bg.wasm', import.meta.url);

test('a failed load is LOAD_FAILED, and the next open loads; setWasmSource is refused once loaded', async () => {
  let calls = 0;
  const pkg = makePackage(init, wasm, async () => {
    calls += 1;
    if (calls === 1) throw new TypeError('fetch failed: network down');
    return readFile(wasmFile);
  });
  await assert.rejects(pkg.Graph.open('a', { storage: 'memory' }), (e) =>
    pkg.isWigError(e) && e.code === 'LOAD_FAILED' && e.field === 'wasm' && /network down/.test(e.message) && e.cause instanceof TypeError);
  const g = await pkg.Graph.open('b', { storage: 'memory' });
  assert.equal(calls, 2, 'the second open fetched again');
  assert.ok((await pkg.errorCodes()).includes('LOAD_FAILED'));
  assert.throws(() => pkg.setWasmSource(wasmFile), (e) => e.code === 'INVALID_INPUT' && e.field === 'wasmSource');
  await g.close();
});
