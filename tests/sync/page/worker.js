// A module worker (no window, no DOM) that syncs a graph: what a service
// worker or an extension's background does.
import { Graph, createSync } from '/pkg/index.js';

self.onmessage = async ({ data: { name, token, people } }) => {
  try {
    const graph = await Graph.open(name);
    if (people) await graph.upsertPeople(people);
    const sync = createSync(graph, { url: `${self.location.origin}/api`, getToken: () => token });
    const result = await sync.syncNow();
    const out = { result, stats: graph.stats(), checkpoint: graph.syncCheckpoint(), hasWindow: typeof window !== 'undefined' };
    sync.close();
    await graph.close();
    self.postMessage(out);
  } catch (e) {
    self.postMessage({ error: `${e.code}: ${e.message}` });
  }
};
