// Makes www/extension/ loadable unpacked: copies the built @wig/graph package
// (pkg/index.js, pkg/graph.js, the wasm glue and .wasm) and the sample graph
// (www/sample.js) into www/extension/lib/. An extension can only load files
// from inside its own folder, hence a copy (git-ignored), not a path to pkg/.
// Builds the package first when pkg/dist is missing. Idempotent.
// Usage: node scripts/build-extension.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
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
  // What pkg/index.js imports, and nothing else (no Node entry, no types).
  const files = [
    ['pkg/index.js', 'index.js'],
    ['pkg/graph.js', 'graph.js'],
    ['pkg/sync.js', 'sync.js'], // pkg/index.js re-exports createSync from it
    ['pkg/dist/wig_graph.js', 'dist/wig_graph.js'],
    ['pkg/dist/wig_graph_bg.wasm', 'dist/wig_graph_bg.wasm'],
    ['www/sample.js', 'sample.js'],
  ];
  // wasm-bindgen puts inline JS snippets here when the crate has any.
  const walk = (dir) => readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  if (existsSync(join(dist, 'snippets'))) for (const f of walk('pkg/dist/snippets')) files.push([f, f.slice('pkg/'.length)]);
  // Only changed files are replaced, each by a rename: a test or a browser
  // reading lib/ at the same time never sees a missing or half-written file.
  let copied = 0;
  for (const [from, to] of files) {
    const source = readFileSync(join(root, from));
    const target = join(lib, to);
    if (existsSync(target) && readFileSync(target).equals(source)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    copyFileSync(join(root, from), temporary);
    renameSync(temporary, target);
    copied++;
  }
  // Left over from an older build (e.g. a snippet folder with another hash).
  const wanted = new Set(files.map(([, to]) => join(lib, to)));
  const everything = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? everything(join(dir, e.name)) : [join(dir, e.name)]));
  for (const f of everything(lib)) if (!wanted.has(f) && !f.endsWith('.tmp')) rmSync(f);
  const wasm = readFileSync(join(lib, 'dist/wig_graph_bg.wasm'));
  const js = ['index.js', 'graph.js', 'dist/wig_graph.js'].reduce((n, f) => n + statSync(join(lib, f)).size, 0);
  log(`www/extension/lib (${copied} of ${files.length} files updated): wasm ${wasm.length} bytes (${gzipSync(wasm, { level: 9 }).length} gzipped), package JS ${js} bytes`);
  return lib;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildExtension();
