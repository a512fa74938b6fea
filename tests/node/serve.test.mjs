// scripts/serve.mjs, the dashboard's server: /config.json, the gateway proxy
// at /gateway/ (method, auth, body and status pass through; a dead gateway is
// a 502), the sample files and the network library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer } from '../../scripts/serve.mjs';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));

test('config, gateway proxy, samples and vendor mounts', async () => {
  const upstream = await listen(createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    res.writeHead(req.headers.authorization === 'Bearer good' ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization ?? null, body: Buffer.concat(chunks).toString() }));
  }));
  const gateway = `http://127.0.0.1:${upstream.address().port}`;
  const web = await startServer({ gateway, config: { sync: { url: '/gateway', token: 't' } } });
  const base = `http://127.0.0.1:${web.address().port}`;
  try {
    assert.deepEqual(await (await fetch(`${base}/config.json`)).json(), { sync: { url: '/gateway', token: 't' } });

    const ok = await fetch(`${base}/gateway/rpc/wig_pull?x=1`, { method: 'POST', headers: { authorization: 'Bearer good', 'content-type': 'application/json' }, body: '{"since":0}' });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { method: 'POST', url: '/rpc/wig_pull?x=1', auth: 'Bearer good', body: '{"since":0}' });
    const refused = await fetch(`${base}/gateway/rpc/wig_pull`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 401, 'the gateway status passes through');

    const sample = await fetch(`${base}/samples/sample.vcf`);
    assert.equal(sample.status, 200);
    assert.match(sample.headers.get('content-type'), /text\/vcard/);
    assert.match(await sample.text(), /^BEGIN:VCARD/);
    const cy = await fetch(`${base}/vendor/cytoscape/cytoscape.esm.min.mjs`);
    assert.equal(cy.status, 200);
    assert.match(cy.headers.get('content-type'), /javascript/);
  } finally {
    web.close();
    upstream.close();
  }

  // No config: an empty object; a gateway that is down: 502.
  const dead = await startServer({ gateway: 'http://127.0.0.1:9' });
  try {
    const b = `http://127.0.0.1:${dead.address().port}`;
    assert.deepEqual(await (await fetch(`${b}/config.json`)).json(), {});
    const r = await fetch(`${b}/gateway/rpc/wig_push`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 502);
    assert.match(await r.text(), /gateway unreachable/);
  } finally {
    dead.close();
  }
});
