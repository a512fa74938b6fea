// A module service worker that syncs a graph on request (an MV3 extension's
// background or an app's offline worker): no window, no DOM.
import { Graph, createSync } from '/pkg/index.js';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  const { name, token, people } = event.data;
  const reply = (m) => event.ports[0].postMessage(m);
  event.waitUntil((async () => {
    try {
      const graph = await Graph.open(name);
      if (people) await graph.upsertPeople(people);
      const sync = createSync(graph, { url: `${self.location.origin}/api`, getToken: () => token });
      const result = await sync.syncNow();
      reply({ result, stats: graph.stats(), checkpoint: graph.syncCheckpoint(), hasWindow: typeof window !== 'undefined', hasDocument: typeof document !== 'undefined' });
      sync.close();
      await graph.close();
    } catch (e) {
      reply({ error: `${e.code}: ${e.message}` });
    }
  })());
});
