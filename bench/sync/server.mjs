// Throughput of the sync server alone (PostgreSQL 15 + postrust, no client
// storage): push 50,000 changes in batches, and pull 100,000 people + 500,000
// edges in pages, through the gateway with Node's fetch.
//   node bench/sync/server.mjs [--out FILE]   (default bench/results/sync.json)
// Rows: {system, dataset, metric, rows, seconds, rows_per_s, …}; seconds and bytes.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { serverCpu } from './cpu.mjs';
import { fileURLToPath } from 'node:url';
import { startServer, user, person, edge, change } from '../../tests/sync/server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : `${root}bench/results/sync.json`;
const SYSTEM = 'wig-server (PostgreSQL 15 + postrust 3.1.0)';

startServer();

function psql(sql) {
  const res = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-tA', process.env.WIG_PG_URL, '-c', sql],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`psql failed: ${res.stderr}`);
  return res.stdout.trim();
}

function gatewayPeakRss() {
  try {
    const pid = readFileSync(`${process.env.WIG_PG_DIR}/postrust.pid`, 'utf8').trim();
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch { return null; }
}

function cpuSince(before, rows) {
  const now = serverCpu();
  const postgres = now.postgres - before.postgres;
  const gateway = now.gateway - before.gateway;
  return { postgres_cpu_s: postgres, gateway_cpu_s: gateway, rows_per_server_cpu_s: rows / (postgres + gateway) };
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const rows = [];

// ---- push: 10,000 people + 40,000 edges (one live edge per pair), in batches
async function benchPush(batch) {
  const u = user(`bench-push-${batch}-${Date.now()}`);
  const people = Array.from({ length: 10_000 }, (_, n) => person({ names: [`Person ${n}`], emails: [`p${n}@example.org`] }));
  const changes = people.map((p) => change('person', p));
  for (let d = 1; d <= 4; d++) {
    for (let a = 0; a < people.length; a++) {
      changes.push(change('edge', edge(people[a].id, people[(a + d) % people.length].id)));
    }
  }
  const bodies = [];
  for (let n = 0; n < changes.length; n += batch) bodies.push(JSON.stringify({ changes: changes.slice(n, n + batch) }));
  const latencies = [];
  let applied = 0;
  let bytes = 0;
  const cpu0 = serverCpu();
  const t0 = performance.now();
  for (const body of bodies) {
    const t = performance.now();
    const res = await fetch(`${process.env.WIG_GATEWAY_URL}/rpc/wig_push`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${u.token}` }, body,
    });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`push ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    if (json.conflicts.length) throw new Error(`unexpected conflicts: ${JSON.stringify(json.conflicts[0])}`);
    applied += json.applied.length;
    bytes += body.length;
    latencies.push((performance.now() - t) / 1000);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (applied !== changes.length) throw new Error(`applied ${applied} of ${changes.length}`);
  rows.push({
    system: SYSTEM, dataset: 'push 10,000 people + 40,000 edges', metric: 'push', batch,
    rows: applied, seconds, rows_per_s: applied / seconds, ...cpuSince(cpu0, applied), request_bytes: bytes,
    batch_p50_s: quantile(latencies, 0.5), batch_p95_s: quantile(latencies, 0.95),
    gateway_peak_rss_bytes: gatewayPeakRss(), bench_peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
  });
  console.log(JSON.stringify(rows.at(-1)));
}

// ---- pull: 100,000 people + 500,000 edges, loaded once by SQL (as the server
// would hold them after many pushes), then pulled page by page.
const PULL_OWNER = 'bench-pull-100k-500k';
function loadPullData() {
  const have = psql(`select coalesce((select last_seq from wig.owners where owner_id = '${PULL_OWNER}'), 0)`);
  if (have === '600000') return;
  console.log('loading 100,000 people + 500,000 edges …');
  psql(`begin;
    delete from wig.people where owner_id = '${PULL_OWNER}';
    delete from wig.edges where owner_id = '${PULL_OWNER}';
    insert into wig.people (owner_id, id, version, names, emails, phones, social_handles, title, organization_id,
        addresses, birth_date, previous_ids, metadata, created_at, updated_at)
      select '${PULL_OWNER}', md5('person' || g)::uuid, g, array['Person ' || g, 'P. ' || g],
        array['person' || g || '@example.org'], array['+1 555 ' || lpad(g::text, 7, '0')],
        jsonb_build_object('linkedin', 'person' || g), 'Engineer', null, array[]::text[], null,
        array[]::uuid[], jsonb_build_object('source', 'bench'),
        timestamptz '2024-05-01T12:00:00Z' + g * interval '1 second',
        timestamptz '2024-05-01T12:00:00Z' + g * interval '1 second'
      from generate_series(1, 100000) g;
    insert into wig.edges (owner_id, id, version, from_person_id, to_person_id, relationship_type, strength,
        strength_factors, sources, channels, first_seen_at, last_seen_at, interaction_count, metadata,
        created_at, updated_at)
      select '${PULL_OWNER}', md5('edge' || k)::uuid, 100001 + k,
        md5('person' || (k % 100000 + 1))::uuid, md5('person' || ((k % 100000 + k / 100000 + 1) % 100000 + 1))::uuid,
        'knows', 0.25 + (k % 100) / 200.0,
        '[{"name":"frequency","value":0.5,"contribution":0.2}]'::jsonb, array['gmail'], array['email'],
        timestamptz '2024-01-01T00:00:00Z', timestamptz '2024-05-01T00:00:00Z', 1 + k % 50, null,
        timestamptz '2024-05-01T12:00:00Z', timestamptz '2024-05-01T12:00:00Z'
      from generate_series(0, 499999) k;
    insert into wig.owners (owner_id, last_seq) values ('${PULL_OWNER}', 600000)
      on conflict (owner_id) do update set last_seq = 600000;
    commit;
    analyze wig.people; analyze wig.edges;`);
}

// The client asks for the page media type (passed through as text by the
// gateway); plain JSON is measured too, for comparison.
const PAGE_TYPE = 'application/vnd.wig.pull+json';
async function benchPull(limit, accept = PAGE_TYPE) {
  const u = user(PULL_OWNER);
  const latencies = [];
  const ids = new Set();
  let since = 0;
  let count = 0;
  let bytes = 0;
  const cpu0 = serverCpu();
  const t0 = performance.now();
  for (;;) {
    const t = performance.now();
    const res = await fetch(`${process.env.WIG_GATEWAY_URL}/rpc/wig_pull`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: accept, Authorization: `Bearer ${u.token}` },
      body: JSON.stringify({ since, limit }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`pull ${res.status}: ${text.slice(0, 300)}`);
    const page = JSON.parse(text);
    latencies.push((performance.now() - t) / 1000);
    bytes += text.length;
    for (const c of page.changes) ids.add(c.id);
    count += page.changes.length;
    since = page.checkpoint;
    if (!page.more) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (count !== 600_000 || ids.size !== 600_000) throw new Error(`pulled ${count} rows, ${ids.size} distinct`);
  rows.push({
    system: SYSTEM, dataset: 'pull 100,000 people + 500,000 edges', metric: 'pull', limit, accept,
    rows: count, seconds, rows_per_s: count / seconds, ...cpuSince(cpu0, count), response_bytes: bytes,
    page_p50_s: quantile(latencies, 0.5), page_p95_s: quantile(latencies, 0.95),
    gateway_peak_rss_bytes: gatewayPeakRss(), bench_peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
  });
  console.log(JSON.stringify(rows.at(-1)));
}

// The SQL function alone, without the gateway and HTTP: five pages in the
// middle of the edges, timed inside the database, wall clock and the backend's
// CPU time (/proc/self/stat of the backend, read as the superuser).
function sqlPageSeconds(limit) {
  const claims = JSON.stringify({ sub: PULL_OWNER, role: 'authenticated', exp: 9_999_999_999 });
  const cpu = "(split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint) / 100.0";
  const calls = [1, 2, 3, 4, 5].map((i) => `select octet_length(api.wig_pull(${300000 + i * limit}, ${limit})::text);`).join('\n');
  const script = `select set_config('request.jwt.claims', '${claims}', false) \\g /dev/null
select ${cpu} as cpu0, extract(epoch from clock_timestamp()) as t0 \\gset
set role authenticated;
${calls}
reset role;
select (${cpu} - :cpu0) / 5 as cpu_s, (extract(epoch from clock_timestamp()) - :t0) / 5 as wall_s;
`;
  const res = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-tA', '-F', ' ', process.env.WIG_PG_URL],
    { input: script, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`sql page timing failed: ${res.stderr}`);
  const [cpuS, wallS] = res.stdout.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall: wallS, cpu: cpuS };
}

await benchPush(1000);
await benchPush(5000);
loadPullData();
await benchPull(5000);
await benchPull(10000);
await benchPull(5000, 'application/json');
for (const limit of [5000, 10000]) {
  const s = sqlPageSeconds(limit);
  rows.push({ system: SYSTEM, dataset: 'one pull page, SQL only (no gateway)', metric: 'pull_page_sql', limit,
    rows: limit, seconds: s.wall, rows_per_s: limit / s.wall, postgres_cpu_s: s.cpu, rows_per_server_cpu_s: limit / s.cpu });
  console.log(JSON.stringify(rows.at(-1)));
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
rows.push({ system: SYSTEM, dataset: 'machine', metric: 'load_average_at_end', load_1m: load[0], load_5m: load[1], load_15m: load[2] });

// Keep rows other benchmarks wrote to the same file (the end-to-end client rows).
const kept = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).filter((r) => r.system !== SYSTEM) : [];
writeFileSync(out, `${JSON.stringify([...kept, ...rows], null, 2)}\n`);
console.log(`wrote ${out}`);
