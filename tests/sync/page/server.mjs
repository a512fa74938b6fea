// Serves the sync test page and the package on 127.0.0.1, and forwards
// /api/rpc/* to the gateway (same origin, as an app's reverse proxy would).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm' };

export function startPageServer(gateway, { extraMounts = {} } = {}) {
  const mounts = { '/pkg/': join(root, 'pkg'), ...extraMounts, '/page/': here };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      try {
        const upstream = await fetch(`${gateway}${url.pathname.slice(4)}`, {
          method: req.method,
          headers: { 'Content-Type': 'application/json', Accept: req.headers.accept ?? 'application/json', Authorization: req.headers.authorization ?? '' },
          body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      } catch (e) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(e));
      }
      return;
    }
    const path = decodeURIComponent(url.pathname);
    const prefix = Object.keys(mounts).sort((a, b) => b.length - a.length).find((p) => path.startsWith(p));
    if (!prefix) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const file = join(mounts[prefix], normalize(path.slice(prefix.length)).replace(/^(\.\.[/\\])+/, ''));
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
