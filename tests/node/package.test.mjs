// What `npm pack` puts in the tarball: the code, the wasm, the types, and
// what npm shows and the licences require; nothing of the build's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('the packed package holds README, licences, code and wasm, and nothing private', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json'], {
    cwd: new URL('../../pkg/', import.meta.url),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  for (const f of ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'package.json', 'index.js', 'node.js', 'graph.js', 'sync.js', 'index.d.ts', 'dist/wig_graph.js', 'dist/wig_graph_bg.wasm']) {
    assert.ok(files.includes(f), `${f} in ${files}`);
  }
  assert.deepEqual(files.filter((f) => /size\.json|\.test\.|_bg\.wasm\.d\.ts/.test(f)), []);
});

test('the packed README is the checkout\'s (prepack copies it)', async () => {
  const { readFile, writeFile } = await import('node:fs/promises');
  const copy = new URL('../../pkg/README.md', import.meta.url);
  await writeFile(copy, 'stale');
  execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: new URL('../../pkg/', import.meta.url), stdio: 'ignore' });
  assert.equal(await readFile(copy, 'utf8'), await readFile(new URL('../../README.md', import.meta.url), 'utf8'));
});
