// The extension's service worker: runs @wig/graph (no DOM, no window: the
// package reaches IndexedDB and fetch through globalThis), keeps the graph
// in IndexedDB, seeds it with the demo graph on install, and answers the
// popup and the content script.
import { Graph } from './lib/index.js';
import { createLookup } from './lookup.js';
import { seedDemoGraph, defaultMeId } from './seed.js';

export const GRAPH_NAME = 'wig-extension';

// The worker is stopped when idle and started again by the next event, so
// the graph is (re)opened lazily, once per worker lifetime.
let opening = null;
function openGraph() {
  opening ??= (async () => {
    const t0 = performance.now();
    const graph = await Graph.open(GRAPH_NAME);
    const openSeconds = (performance.now() - t0) / 1000;
    let seedSeconds = null;
    // Empty on the first start after install (or if the user cleared site
    // data): load the demo graph, one transaction, and make its first person "me".
    if (graph.stats().people === 0) {
      const t1 = performance.now();
      const { meId } = await seedDemoGraph(graph);
      await chrome.storage.local.set({ meId });
      seedSeconds = (performance.now() - t1) / 1000;
    }
    // How long this worker took to load the wasm and read the graph (and seed it): shown by wig:stats.
    return { graph, lookup: createLookup(graph), timings: { openSeconds, seedSeconds } };
  })();
  opening.catch(() => {
    opening = null; // retried by the next message
  });
  return opening;
}

async function currentMeId() {
  const { meId } = await chrome.storage.local.get('meId');
  return typeof meId === 'string' ? meId : defaultMeId();
}

function badgeFor(result) {
  if (result.status === 'matched') return { text: String(result.paths.length), title: `WIG: ${result.paths.length} intro path(s) to ${result.person.name}` };
  if (result.status === 'is-me') return { text: 'me', title: 'WIG: this is you' };
  if (result.status === 'not-found') return { text: '?', title: `WIG: ${result.profile.name} is not in your graph` };
  return { text: '', title: 'WIG: how am I connected to this person?' };
}

// Content scripts run inside web pages, so a compromised page renderer could
// send anything they can: they may only report a profile they saw. The rest
// is for the extension's own pages (the popup).
const FROM_CONTENT_SCRIPTS = new Set(['wig:profile-seen']);
const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('')).origin;

const handlers = {
  /** The popup: who is this, and how do I reach them? */
  async 'wig:lookup'({ profile }) {
    const { lookup } = await openGraph();
    return lookup.lookup(profile, await currentMeId());
  },
  /** The content script, when a profile page loads: an answer at a glance on the toolbar badge. */
  async 'wig:profile-seen'({ profile }, sender) {
    const { lookup } = await openGraph();
    const result = lookup.lookup(profile, await currentMeId());
    const tabId = sender.tab?.id;
    if (tabId !== undefined) {
      const { text, title } = badgeFor(result);
      await chrome.action.setBadgeText({ tabId, text });
      await chrome.action.setTitle({ tabId, title });
    }
    return { status: result.status };
  },
  async 'wig:stats'() {
    const { graph, timings } = await openGraph();
    return { graphName: GRAPH_NAME, stats: graph.stats(), meId: await currentMeId(), timings };
  },
  /** "This is me": paths start from this person from now on. */
  async 'wig:set-me'({ personId }) {
    const { graph } = await openGraph();
    const person = typeof personId === 'string' ? graph.getPerson(personId) : undefined;
    if (!person || person.deletedAt || person.mergedInto) {
      throw Object.assign(new Error(`NOT_FOUND: personId: no live person ${String(personId)}`), { code: 'NOT_FOUND', field: 'personId' });
    }
    await chrome.storage.local.set({ meId: person.id });
    return { meId: person.id };
  },
};

chrome.runtime.onInstalled.addListener(() => {
  openGraph().catch((e) => console.error('WIG: opening the graph failed', e));
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message?.type];
  if (!handler) return false;
  if (sender.origin !== EXTENSION_ORIGIN && !FROM_CONTENT_SCRIPTS.has(message.type)) {
    sendResponse({ ok: false, error: { code: 'FORBIDDEN', field: 'type', message: `FORBIDDEN: type: ${message.type} is only answered for the extension's own pages` } });
    return false;
  }
  handler(message, sender).then(
    (result) => sendResponse({ ok: true, result }),
    (e) => sendResponse({ ok: false, error: { code: e?.code ?? 'INTERNAL', field: e?.field ?? null, message: String(e?.message ?? e) } }),
  );
  return true; // answered asynchronously
});
