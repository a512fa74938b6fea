// A small static server for the dashboard: www/ at /, the package at /pkg/.
// Bound to 127.0.0.1 only. Usage: node scripts/serve.mjs [port]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = { '.vcf': 'text/vcard; charset=utf-8', '.ics': 'text/calendar; charset=utf-8', '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png' };

// The network view's rendering library, served from node_modules (pinned in package.json).
// /samples/: the importers' sample files, offered by the dashboard's import screen.
export const DEFAULT_MOUNTS = { '/pkg/': join(root, 'pkg'), '/vendor/cytoscape/': join(root, 'node_modules/cytoscape/dist'), '/samples/': join(root, 'tests/fixtures/import'), '/': join(root, 'www') };

// `config`: an object served as /config.json (the dashboard reads its sync
// URL and token from it); from the command line, the JSON file named by
// WIG_DEMO_CONFIG.
// `gateway`: a sync gateway URL proxied at /gateway/ (from the command line:
// WIG_GATEWAY_URL), so the dashboard reaches it from its own origin, no CORS.
export function startServer({ port = 0, mounts = DEFAULT_MOUNTS, config, gateway } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (gateway && url.pathname.startsWith('/gateway/')) {
      await proxy(req, res, new URL(url.pathname.slice('/gateway/'.length) + url.search, gateway.replace(/\/*$/, '/')));
      return;
    }
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
      res.end(JSON.stringify(config ?? {}));
      return;
    }
    const prefix = Object.keys(mounts).sort((a, b) => b.length - a.length).find((p) => path.startsWith(p));
    let file = join(mounts[prefix], normalize(path.slice(prefix.length)).replace(/^(\.\.[/\\])+/, ''));
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function proxy(req, res, target) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const headers = {};
  for (const h of ['authorization', 'content-type', 'accept', 'prefer']) if (req.headers[h]) headers[h] = req.headers[h];
  try {
    const upstream = await fetch(target, { method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  } catch (e) {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`gateway unreachable: ${e.cause?.code ?? e.message}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = process.env.WIG_DEMO_CONFIG ? JSON.parse(await readFile(process.env.WIG_DEMO_CONFIG, 'utf8')) : undefined;
  const server = await startServer({ port: Number(process.argv[2] ?? 8080), config, gateway: process.env.WIG_GATEWAY_URL });
  console.log(`WIG dashboard: http://127.0.0.1:${server.address().port}/`);
}
