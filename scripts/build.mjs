// Builds the npm package: cargo (wasm32) → wasm-bindgen → wasm-opt, with the
// settings of wasm-pack.toml. Prints the .wasm size raw and gzipped.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { copyPackageDocs } from './package-docs.mjs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = parse(readFileSync(join(root, 'wasm-pack.toml'), 'utf8'));
const { profile = 'release', target = 'web', 'out-dir': outDir = 'pkg/dist', 'out-name': outName = 'wig_graph' } = config.build ?? {};
const opt = config['wasm-opt'] ?? { enabled: true, flags: ['-O3'] };

const run = (cmd, args, opts = {}) => {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
};

const profileDir = profile === 'dev' ? 'debug' : profile;
run('cargo', ['build', '--lib', '--target', 'wasm32-unknown-unknown', '--profile', profile]);
const input = join(root, 'target/wasm32-unknown-unknown', profileDir, 'wig_graph.wasm');
mkdirSync(join(root, outDir), { recursive: true });
run('wasm-bindgen', ['--target', target, '--out-dir', outDir, '--out-name', outName, input]);

const wasmPath = join(root, outDir, `${outName}_bg.wasm`);
if (opt.enabled) {
  const wasmOpt = join(root, 'node_modules/.bin/wasm-opt');
  if (!existsSync(wasmOpt)) throw new Error('node_modules/.bin/wasm-opt is missing: run scripts/setup.sh (npm binaryen)');
  run(wasmOpt, [...opt.flags, wasmPath, '-o', wasmPath]);
}

const bytes = readFileSync(wasmPath);
const gz = gzipSync(bytes, { level: 9 }).length;
const size = { wasm_bytes: bytes.length, wasm_gzip_bytes: gz, built_at: new Date().toISOString() };
writeFileSync(join(root, outDir, 'size.json'), JSON.stringify(size, null, 2) + '\n');
copyPackageDocs();
console.log(`wig_graph_bg.wasm: ${bytes.length} bytes raw, ${gz} bytes gzipped (${(gz / 1024).toFixed(1)} KiB)`);
console.log(`js glue: ${statSync(join(root, outDir, `${outName}.js`)).size} bytes`);
