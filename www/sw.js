// Service worker: the dashboard works offline after its first load. The
// app shell, @wig/graph (JS + .wasm) and cytoscape are cached on install;
// every same-origin GET is answered from the network when it can be (so a
// rebuilt package is picked up at once) and from the cache when it cannot.
// v2: v1 also kept config.json (the demo's sync token); activate drops it.
const CACHE = 'wig-dashboard-v2';
const SHELL = [
  './', './index.html', './style.css', './app.js', './dom.js', './charts.js', './people-index.js', './sample.js',
  './views/people.js', './views/import.js', './views/duplicates.js', './views/paths.js', './views/network.js', './views/sync.js',
  './pkg/index.js', './pkg/graph.js', './pkg/dist/wig_graph.js', './pkg/dist/wig_graph_bg.wasm',
  './vendor/cytoscape/cytoscape.esm.min.mjs',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one: a file missing from this build must not stop the others.
    await Promise.all(SHELL.map((url) => cache.add(new Request(url, { cache: 'reload' })).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

// The page sends every same-origin URL it loaded before this worker
// controlled it (e.g. wasm-bindgen's snippets, whose names change per build);
// the reply says they are cached.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'cache-urls') return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const urls = event.data.urls.filter((u) => new URL(u).origin === self.location.origin);
    const missing = [];
    for (const url of urls) if (!(await cache.match(url, { ignoreSearch: true }))) missing.push(url);
    const results = await Promise.allSettled(missing.map((url) => cache.add(url)));
    event.ports[0]?.postMessage({ cached: urls.length, failed: results.filter((r) => r.status === 'rejected').length });
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // The demo's config holds a sync token: never kept in Cache Storage.
  if (url.pathname.endsWith('/config.json')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
