// Makes www/extension/ loadable unpacked: copies the built @wig/graph package
// (pkg/index.js, pkg/graph.js, the wasm glue and .wasm) and the sample graph
// (www/sample.js) into www/extension/lib/. An extension can only load files
// from inside its own folder, hence a copy (git-ignored), not a path to pkg/.
// Builds the package first when pkg/dist is missing.
// Usage: node scripts/build-extension.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'pkg/dist');
const lib = join(root, 'www/extension/lib');

export function buildExtension({ log = console.log } = {}) {
  if (!existsSync(join(dist, 'wig_graph_bg.wasm')) || !existsSync(join(dist, 'wig_graph.js'))) {
    log('pkg/dist is missing: building the package first (node scripts/build.mjs)');
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
  }
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(join(lib, 'dist'), { recursive: true });
  // What pkg/index.js imports, and nothing else (no Node entry, no types).
  const files = [
    ['pkg/index.js', 'index.js'],
    ['pkg/graph.js', 'graph.js'],
    ['pkg/dist/wig_graph.js', 'dist/wig_graph.js'],
    ['pkg/dist/wig_graph_bg.wasm', 'dist/wig_graph_bg.wasm'],
    ['www/sample.js', 'sample.js'],
  ];
  for (const [from, to] of files) cpSync(join(root, from), join(lib, to));
  // wasm-bindgen puts inline JS snippets here when the crate has any.
  if (existsSync(join(dist, 'snippets'))) cpSync(join(dist, 'snippets'), join(lib, 'dist/snippets'), { recursive: true });
  const wasm = readFileSync(join(lib, 'dist/wig_graph_bg.wasm'));
  const js = ['index.js', 'graph.js', 'dist/wig_graph.js'].reduce((n, f) => n + statSync(join(lib, f)).size, 0);
  log(`www/extension/lib: wasm ${wasm.length} bytes (${gzipSync(wasm, { level: 9 }).length} gzipped), package JS ${js} bytes`);
  return lib;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildExtension();
