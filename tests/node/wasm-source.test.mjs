// setWasmSource: the .wasm from where the caller says (a bundler that does
// not copy it), before the first open. A file of its own: a fresh process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import init, * as wasm from '../../pkg/dist/wig_graph.js';
import { makePackage } from '../../pkg/graph.js';

test('setWasmSource gives the module; the default location is not read', async () => {
  const pkg = makePackage(init, wasm, async () => { throw new Error('the default location must not be read'); });
  assert.throws(() => pkg.setWasmSource(undefined), (e) => e.code === 'REQUIRED' && e.field === 'wasmSource');
  assert.throws(() => pkg.setWasmSource(5), (e) => e.code === 'INVALID_INPUT' && e.field === 'wasmSource');
  // A spent source (a failed promise) is not tried again: the next open reads the default (failing here) afresh.
  pkg.setWasmSource(Promise.reject(new Error('cdn down')));
  await assert.rejects(pkg.Graph.open('x', { storage: 'memory' }), (e) => e.code === 'LOAD_FAILED' && /cdn down/.test(e.message));
  await assert.rejects(pkg.Graph.open('x', { storage: 'memory' }), (e) => e.code === 'LOAD_FAILED' && /default location/.test(e.message));
  pkg.setWasmSource(await WebAssembly.compile(await readFile(new URL('../../pkg/dist/wig_graph_bg.wasm', import.meta.url))));
  const g = await pkg.Graph.open('m', { storage: 'memory' });
  const ada = await g.upsertPerson({ names: ['Ada'] });
  assert.equal(g.getPerson(ada.id).names[0], 'Ada');
  await g.close();
});
