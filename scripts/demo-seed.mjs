// The demo's server side: makes sure the demo user's graph is on the local
// PostgreSQL (through the gateway, as any client would put it there), and
// writes the dashboard's /config.json with the gateway and a demo token.
// Idempotent: a server that already holds the demo user's rows is left as is.
//
//   WIG_GATEWAY_URL, WIG_JWT_SECRET (from `scripts/pg.sh env`), WIG_DEMO_USER (default "demo")
//   node scripts/demo-seed.mjs OUT.json
import { writeFile } from 'node:fs/promises';
import { Graph, createSync } from '../pkg/node.js';
import { fillDemoGraph } from './demo-graph.mjs';
import { sampleGraph } from '../www/sample.js';
import { userToken } from '../tests/sync/jwt.mjs';
import { rpc } from '../tests/sync/server.mjs';

const out = process.argv[2];
const url = process.env.WIG_GATEWAY_URL;
if (!out || !url) {
  console.error('usage: WIG_GATEWAY_URL=… WIG_JWT_SECRET=… node scripts/demo-seed.mjs OUT.json');
  process.exit(2);
}
const user = process.env.WIG_DEMO_USER ?? 'demo';
// A demo token, valid for 30 days; a real deployment gets tokens from its auth server.
const token = userToken(user, { ttlSeconds: 30 * 24 * 3600 });

const pulled = await rpc('wig_pull', { since: 0, limit: 1 }, token);
if (pulled.status !== 200) throw new Error(`the gateway refused the demo pull: ${pulled.status} ${JSON.stringify(pulled.body)}`);
const { changes } = pulled.body;

if (changes.length === 0) {
  const t0 = performance.now();
  const graph = await Graph.open('demo-seed', { storage: 'memory', actorId: 'demo-seed' });
  await fillDemoGraph(graph);
  const sync = createSync(graph, { url, getToken: () => token });
  await sync.push();
  const left = graph.stats().outboxChanges;
  await graph.close();
  if (left !== 0) throw new Error(`demo seed: ${left} changes were not acknowledged by the server`);
  console.log(`demo-seed: demo graph (sample graph + sample vCard and calendar imports) pushed to the server for user "${user}" in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} else {
  console.log(`demo-seed: the server already holds user "${user}"'s graph`);
}

// The dashboard starts empty and fills itself by pulling from the server.
// "me" for the intro-path screens: the sample graph's first person (seeded, so the same id every time).
const me = sampleGraph().people[0].id;
const config = { sample: false, me, sync: { url: '/gateway', token, interval: 60, autoStart: true } };
await writeFile(out, JSON.stringify(config, null, 2));
