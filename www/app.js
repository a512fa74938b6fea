// The WIG dashboard: opens a graph in IndexedDB (loading the seeded sample
// on first visit) and wires the views. Routes live in location.hash
// (#/people, #/person/ID, #/import, #/duplicates, #/paths, #/network/ID, #/sync) so
// Back works and a view can be linked. Every name is rendered as text.
import * as wig from '../pkg/index.js';
import { sampleGraph } from './sample.js';
import { $, h, shown } from './dom.js';
import { PeopleIndex } from './people-index.js';
import { mountPeople } from './views/people.js';
import { mountImport } from './views/import.js';
import { mountDuplicates } from './views/duplicates.js';
import { mountPaths } from './views/paths.js';
import { mountNetwork } from './views/network.js';
import { mountSync } from './views/sync.js';

const { Graph } = wig;
const GRAPH = 'wig-demo';
const TABS = ['people', 'import', 'duplicates', 'paths', 'network', 'sync'];

const ctx = {
  wig,
  graph: null,
  index: null,
  config: {},
  views: {},
  meKey: `wig-me:${GRAPH}`,
  get me() {
    // The demo's /config.json may name "me" until the user picks someone.
    const id = localStorage.getItem(this.meKey) ?? this.config?.me;
    if (!id) return null;
    try {
      const p = this.graph.getPerson(id);
      // A merged-away "me" lives on in the record it was merged into.
      if (p?.mergedInto) return this.graph.getPerson(p.mergedInto)?.id ?? null;
      return p && !p.deletedAt ? p.id : null;
    } catch {
      return null;
    }
  },
  /** The live record `id` now is: the one it was merged into (organizations too), else `id`. */
  current(id) {
    for (let i = 0; i < 64 && id; i++) {
      let r = null;
      try { r = this.graph.getPerson(id) ?? this.graph.getOrganization(id); } catch { return id; }
      if (!r?.mergedInto) return id;
      id = r.mergedInto;
    }
    return id;
  },
  setMe(id) {
    localStorage.setItem(this.meKey, id);
    showMe();
  },
  navigate(hash) {
    // "#/" so a route never names an element id (a fragment that does moves focus away).
    if (location.hash === `#/${hash}`) route();
    else location.hash = `/${hash}`;
  },
  /** After a write: people, counts and the current view are refreshed. */
  changed() {
    this.index.invalidate();
    showCounts();
    showMe();
    this.views.people.refresh();
    this.views.duplicates?.refresh();
  },
  status(text, state) {
    $('status').textContent = shown(text);
    if (state) $('status').dataset.state = state;
  },
};

function showCounts() {
  const s = ctx.graph.stats();
  for (const k of ['people', 'organizations', 'edges', 'interactions']) document.querySelector(`[data-testid=count-${k}]`).textContent = String(s[k]);
}

function showMe() {
  const me = ctx.me;
  $('me-name').textContent = me ? ctx.index.label(me) : 'not chosen';
}

function selectTab(name) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.dataset.view === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
}

function route() {
  const raw = location.hash.replace(/^#\/?/, '') || 'people';
  let path;
  try {
    path = decodeURIComponent(raw);
  } catch {
    // A cut or hand-edited link (`#/person/%`): the people list, not a broken page.
    path = 'people';
  }
  const [name, arg] = path.split('/');
  const view = name === 'person' ? 'person' : TABS.includes(name) ? name : 'people';
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== `view-${view}`;
  selectTab(view === 'person' ? 'people' : view);
  ctx.views[view]?.show(arg);
}

// The skip link moves focus without touching the route in the hash.
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  $('main').focus();
});

// Tabs: arrow keys move between them (roving tabindex), Enter/Space or a click opens.
$('tabs').addEventListener('click', (e) => {
  const tab = e.target.closest('[role=tab]');
  if (tab) ctx.navigate(tab.dataset.view);
});
$('tabs').addEventListener('keydown', (e) => {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const tab = tabs[(next + tabs.length) % tabs.length];
  tab.focus();
  ctx.navigate(tab.dataset.view);
});

async function loadConfig() {
  // The demo may serve its sync settings (gateway URL, a demo token) here.
  try {
    const res = await fetch('./config.json', { cache: 'no-store' });
    if (res.ok) return await res.json();
  } catch {
    // offline or absent: no preset
  }
  return {};
}

async function open() {
  const t0 = performance.now();
  ctx.graph = await Graph.open(GRAPH);
  const opened = performance.now() - t0;
  let loaded = 0;
  let how = 'opened from IndexedDB';
  // config.sample === false: start empty (a real user's graph, or one filled by sync).
  if (ctx.graph.stats().people === 0 && ctx.config.sample !== false) {
    const t1 = performance.now();
    await ctx.graph.batch(sampleGraph());
    loaded = performance.now() - t1;
    how = 'sample graph loaded into IndexedDB';
  }
  ctx.index = new PeopleIndex(ctx.graph);
  // Another tab wrote to this graph (an import, a merge): it was read again.
  ctx.graph.addEventListener('change', () => ctx.changed());
  ctx.timings = { openMs: opened, sampleLoadMs: loaded, indexMs: null };
  showCounts();
  showMe();
  const timings = () => `open ${opened.toFixed(0)} ms${loaded ? `, sample load ${loaded.toFixed(0)} ms` : ''}`;
  document.querySelector('[data-testid=timings]').textContent = timings();
  // The search index is built in the background; the bench waits on this.
  ctx.indexReady = ctx.index.warm().then((ms) => {
    ctx.timings.indexMs = ms || ctx.index.buildMs;
    document.querySelector('[data-testid=timings]').textContent = `${timings()}, search index ${ctx.timings.indexMs.toFixed(0)} ms`;
  });
  route();
  ctx.status(`Ready — ${how}.`, 'ready');
}

/** Asks the service worker to cache what this page loaded; marks the page offline-ready when done. */
function cacheLoaded(worker) {
  const urls = [location.href.split('#')[0], ...performance.getEntriesByType('resource').map((e) => e.name)]
    .filter((u) => new URL(u).origin === location.origin && !u.endsWith('/config.json'));
  const channel = new MessageChannel();
  channel.port1.onmessage = (e) => {
    document.documentElement.dataset.offlineReady = e.data.failed === 0 ? 'true' : 'partial';
  };
  worker.postMessage({ type: 'cache-urls', urls }, [channel.port2]);
}

async function start() {
  ctx.config = window.WIG_DEMO_CONFIG ?? (await loadConfig());
  ctx.views = {
    people: mountPeople(ctx),
    import: mountImport(ctx),
    duplicates: mountDuplicates(ctx),
    paths: mountPaths(ctx),
    network: mountNetwork(ctx),
    sync: mountSync(ctx),
  };
  ctx.views.person = ctx.views.people.personView;
  window.addEventListener('hashchange', route);
  // Other tabs of this dashboard: a graph deleted here is gone there too,
  // and their copies would fail every write with a closed connection.
  const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`wig-dashboard:${GRAPH}`) : null;
  if (tabs) {
    tabs.onmessage = async (message) => {
      if (message.data?.type !== 'deleted') return;
      // Not reloaded at once: the deleting tab loads the sample again first.
      ctx.views.sync.stop?.();
      await ctx.graph.close().catch(() => {});
      document.querySelector('main').inert = true;
      ctx.status('This graph was deleted in another tab. ', 'error');
      $('status').append(h('button', { type: 'button', 'data-testid': 'reload', onclick: () => location.reload() }, 'Reload'));
    };
  }
  $('reset').addEventListener('click', async () => {
    if (!window.confirm('Delete this graph (imports and merges included) and load the sample again?')) return;
    ctx.status('Deleting…', 'busy');
    ctx.views.sync.stop?.();
    await ctx.graph.close();
    await Graph.delete(GRAPH);
    tabs?.postMessage({ type: 'deleted' });
    localStorage.removeItem(ctx.meKey);
    // A fresh page: no view keeps what it showed of the deleted graph.
    location.reload();
  });
  await open();
  if (ctx.config.sync?.autoStart) await ctx.views.sync.autoStart();
  if ('serviceWorker' in navigator && !ctx.config.noServiceWorker) {
    // The app shell, the package and the network library, cached for offline use.
    navigator.serviceWorker.register('./sw.js')
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => cacheLoaded(reg.active))
      .catch((e) => console.warn('service worker not registered', e));
  }
}

start().catch((e) => {
  ctx.status(`Error: ${e.code ?? ''} ${e.message}`, 'error');
  console.error(e);
});

// For tests and the console.
window.wigDashboard = ctx;
