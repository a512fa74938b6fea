// Prints the README's graph-search tables from bench/results/paths.json
// (so the README's figures are the results file's, never typed in).
// Usage: node bench/paths/table.mjs
import { readFileSync } from 'node:fs';

const { runtimes, rows } = JSON.parse(readFileSync(new URL('../results/paths.json', import.meta.url), 'utf8'));
const RUNTIMES = ['node', 'chromium'];
const find = (system, runtime, dataset, operation) => rows.find((r) => r.system === system && r.runtime === runtime && r.dataset === dataset && r.operation === operation);
// Three significant digits (trailing zeros kept), four decimals under 0.01,
// whole numbers with separators from 100 on.
const num = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x < 0.01 ? x.toFixed(4) : Number(x).toPrecision(3));
const ratio = (x) => `${x.toFixed(1)}×`;
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
const mark = (r) => (r?.runs_per_sample > 1 ? '¹' : '');
const pair = (r) => (r ? `${num(r.median_ms)} / ${num(r.p95_ms)}${mark(r)}` : '');

// line(label, operation, cells(wig, peer, ratio) → three cells, goal { text, met(wig, ratio) }).
const table = (dataset, title) => {
  const lines = [`| ${title} | WIG Node | graphology Node | ratio | WIG Chromium | graphology Chromium | ratio | goal |`, '|---|---|---|---|---|---|---|---|'];
  const line = (label, op, cells, goal) => {
    const per = RUNTIMES.map((rt) => [find('wig', rt, dataset, op), find('graphology', rt, dataset, op), find('ratio graphology/wig', rt, dataset, op)]);
    if (!per.some(([w]) => w)) return;
    let goalText = '';
    if (goal) {
      const missed = RUNTIMES.filter((rt, i) => per[i][0] && !goal.met(per[i][0], per[i][2]));
      goalText = missed.length ? `${goal.text}: **not reached** (${missed.map((m) => (m === 'node' ? 'Node' : 'Chromium')).join(', ')})` : `${goal.text}: met`;
    }
    lines.push(`| ${label} | ${per.map((p) => cells(...p).join(' | ')).join(' | ')} | ${goalText} |`);
  };
  const build = (w, p, r) => (w ? [`${num(w.build_ms)} ms`, `${num(p.build_ms)} ms`, ratio(r.build_ms)] : ['', '', '']);
  const query = (w, p, r) => (w ? [pair(w), pair(p), p ? `${ratio(r.median_ms)} / ${ratio(r.p95_ms)}` : ''] : ['', '', '']);
  const ge = (x) => ({ text: `≥ ${x}×`, met: (w, r) => (r.median_ms ?? r.build_ms) >= x && (r.p95_ms ?? x) >= x });
  line('index build, first (cold in Chromium: a fresh page)', 'index build', build, ge(30));
  line('index build, steady state (median of 21, alternating, after 2 s of rebuilds)', 'index build, steady state', build, ge(30));
  // No goal: WIG's load is the validated, stored write of every record.
  line('load through the API + index build, first (from the same raw arrays)', 'load + index build (from the raw people and edge arrays)', build);
  line('index memory', 'index build', (w, p, r) => (w ? [mb(w.memory_bytes), mb(p.memory_bytes), `${r.memory_bytes.toFixed(1)}× less`] : ['', '', '']), { text: '≥ 5× less', met: (w, r) => r.memory_bytes >= 5 });
  line('shortest path (`shortestPathIds` vs `bidirectional`), ms', 'bidirectional BFS (shortest path)', query, ge(5));
  line('single-source BFS (`distancesFrom` vs `singleSourceLength`), ms', 'single-source BFS (all distances)', query, ge(50));
  line('best weighted path (`bestPath` vs bidirectional Dijkstra), ms', 'best weighted path', query, ge(20));
  line('`shortestPath` (full IntroPath with factors), ms', 'shortestPath (IntroPath with edge records and factors)', query);
  // No peer here: the goal is on WIG's own p95.
  line('`introPaths` k=3, maxHops=4, ms', 'introPaths k=3 maxHops=4', query, { text: 'p95 < 10 ms', met: (w) => w.p95_ms < 10 });
  line('`neighbors` depth 6 (ids by degree, JSON), ms', 'neighbors depth 6 (person ids grouped by degree, JSON)', query);
  return lines;
};
const out = [...table('ba-100k', 'BA-100k'), '', ...table('sociopatterns', 'SocioPatterns'), ''];
const when = (rt) => runtimes[rt]?.measured_at.replace('T', ' ').slice(0, 16);
out.push(`¹ 10 runs a sample (see below). Measured node ${when('node')} UTC, chromium ${when('chromium')} UTC.`);
console.log(out.join('\n'));
