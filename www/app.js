// The demo dashboard: opens a graph in IndexedDB, loads the sample graph on
// first visit, shows what is stored. Every name is rendered as text.
import { Graph } from '../pkg/index.js';
import { sampleGraph } from './sample.js';

const $ = (id) => document.getElementById(id);
const GRAPH = 'wig-demo';
let graph;
let orgNames = new Map();

function text(tag, value) {
  const el = document.createElement(tag);
  el.textContent = value ?? '';
  return el;
}

function showCounts() {
  const s = graph.stats();
  for (const k of ["people", "organizations", "edges", "interactions"]) document.querySelector(`[data-testid=count-${k}]`).textContent = String(s[k]);
}

function showPeople(filter = '') {
  const needle = filter.trim().toLowerCase();
  const rows = [];
  let cursor;
  do {
    const page = graph.listPeople({ limit: 500, cursor });
    for (const p of page.items) {
      if (!needle || p.names.some((n) => n.toLowerCase().includes(needle)) || p.emails.some((e) => e.includes(needle))) rows.push(p);
    }
    cursor = page.nextCursor;
  } while (cursor && rows.length < 50);
  const tbody = $('people');
  tbody.replaceChildren(...rows.slice(0, 50).map((p) => {
    const tr = document.createElement('tr');
    tr.append(text('td', p.names[0]), text('td', p.emails[0]), text('td', p.title), text('td', orgNames.get(p.organizationId)));
    return tr;
  }));
}

async function open() {
  const t0 = performance.now();
  graph = await Graph.open(GRAPH);
  const opened = performance.now() - t0;
  let loaded = 0;
  let how = 'opened from IndexedDB';
  if (graph.stats().people === 0) {
    const t1 = performance.now();
    await graph.batch(sampleGraph());
    loaded = performance.now() - t1;
    how = 'sample graph loaded into IndexedDB';
  }
  orgNames = new Map(graph.listOrganizations({ limit: 1000 }).items.map((o) => [o.id, o.name]));
  showCounts();
  showPeople($('search').value);
  document.querySelector("[data-testid=timings]").textContent = `open ${opened.toFixed(0)} ms${loaded ? `, sample load ${loaded.toFixed(0)} ms` : ''}`;
  $('status').textContent = `Ready — ${how}.`;
  $('status').dataset.state = 'ready';
}

$('search').addEventListener('input', (e) => showPeople(e.target.value));
$('reset').addEventListener('click', async () => {
  $('status').textContent = 'Deleting…';
  await graph.close();
  await Graph.delete(GRAPH);
  await open();
});

open().catch((e) => {
  $('status').textContent = `Error: ${e.code ?? ''} ${e.message}`;
  $('status').dataset.state = 'error';
  console.error(e);
});
