// Sync of a Graph with a PostgreSQL server over PostgREST RPC (sql/PROTOCOL.md):
// HTTP, retries, tab locking, online/offline and events. The bookkeeping
// (batches, acknowledgements, pulled pages, conflict rules) is the Rust
// core's (src/sync), reached through the Graph's sync* methods.
//
// No `window`, no DOM: runs in pages, workers, MV3 service workers and Node.

const STATUSES = ['idle', 'syncing', 'offline', 'error', 'unauthorized'];

function wigError(code, reason, extra = {}) {
  const error = new Error(`${code}: ${reason}`);
  return Object.assign(error, { name: 'WigError', code, field: null, reason, ...extra });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Tabs without Web Locks (older browsers, Node) fall back to a lock per
// JavaScript realm: one sync per graph name in this page/worker/process.
const localLocks = new Set();

async function withLock(name, fn) {
  const locks = globalThis.navigator?.locks;
  if (locks?.request) {
    let ran = false;
    const out = await locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return undefined;
      ran = true;
      return fn();
    });
    return { ran, out };
  }
  if (localLocks.has(name)) return { ran: false };
  localLocks.add(name);
  try {
    return { ran: true, out: await fn() };
  } finally {
    localLocks.delete(name);
  }
}

/**
 * @param {import('./index.js').Graph} graph
 * @param {{ url: string, getToken: (info?: { refresh: boolean }) => string | Promise<string>,
 *           fetch?: typeof fetch, batchSize?: number, pageSize?: number, lockName?: string,
 *           channelName?: string, retries?: number, backoffMs?: number, maxBackoffMs?: number }} options
 */
export function createSync(graph, options = {}) {
  const {
    url,
    getToken,
    fetch: fetchFn = globalThis.fetch?.bind(globalThis),
    batchSize = 1000,
    pageSize = 5000,
    lockName = `wig-sync:${graph.name}`,
    channelName = `wig-sync:${graph.name}`,
    retries = 6,
    backoffMs = 500,
    maxBackoffMs = 30_000,
    maxApplyRows = 100_000,
  } = options;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw Object.assign(wigError('INVALID_INPUT', 'url must be an http(s) URL'), { field: 'url' });
  }
  if (typeof getToken !== 'function') {
    throw Object.assign(wigError('INVALID_INPUT', 'getToken must be a function'), { field: 'getToken' });
  }
  if (typeof fetchFn !== 'function') {
    throw Object.assign(wigError('INVALID_INPUT', 'no fetch available: pass options.fetch'), { field: 'fetch' });
  }
  for (const [field, v, max] of [['batchSize', batchSize, 5000], ['pageSize', pageSize, 10_000]]) {
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw Object.assign(wigError('INVALID_INPUT', `${field} must be a whole number from 1 to ${max}`), { field });
    }
  }
  const base = url.replace(/\/+$/, '');
  const events = new EventTarget();
  let status = 'idle';
  let lastError = null;
  let timer = null;
  let interval = 0;
  let token = null;
  let running = null;
  let stopped = true;
  let onlineWaiter = null;

  const emit = (type, detail) => {
    const event = new Event(type);
    event.detail = detail;
    events.dispatchEvent(event);
  };
  const setStatus = (next) => {
    if (next !== status) {
      status = next;
      emit('status', { status: next, error: lastError });
    }
  };
  const isOffline = () => globalThis.navigator?.onLine === false;

  // Other tabs: tell them which records a pull or push wrote; they reload.
  const channel = typeof globalThis.BroadcastChannel === 'function' ? new globalThis.BroadcastChannel(channelName) : null;
  // Node: an open channel would keep the process alive.
  channel?.unref?.();
  let reloadPending = null;
  if (channel) {
    channel.onmessage = (message) => {
      const ids = message?.data?.ids;
      if (message?.data?.type !== 'changed' || !Array.isArray(ids)) return;
      // Several pages in a row → one reload.
      reloadPending ??= Promise.resolve().then(async () => {
        reloadPending = null;
        try {
          await graph.reload();
          emit('remotechange', { ids });
        } catch (error) {
          emit('error', error);
        }
      });
    };
  }
  const announce = (ids) => {
    if (channel && ids?.length) channel.postMessage({ type: 'changed', ids });
  };

  const onOnline = () => {
    if (status === 'offline') setStatus('idle');
    onlineWaiter?.();
    if (!stopped) schedule(0);
  };
  const onOffline = () => setStatus('offline');
  globalThis.addEventListener?.('online', onOnline);
  globalThis.addEventListener?.('offline', onOffline);

  const backoff = (attempt) => {
    const full = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
    return full / 2 + Math.random() * (full / 2); // jitter: spreads retries of many clients
  };

  /** POSTs to rpc/NAME; returns the response text. Retries network errors and 5xx. */
  async function call(name, body) {
    token ??= await getToken({ refresh: false });
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      if (isOffline()) throw wigError('NETWORK', 'offline', { offline: true });
      let res;
      let text;
      try {
        res = await fetchFn(`${base}/rpc/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
          body,
        });
        // Reading the body can fail too (a connection cut mid-answer).
        text = await res.text();
      } catch (cause) {
        if (attempt >= retries) throw wigError('NETWORK', `${name}: ${cause?.message ?? cause} (after ${attempt + 1} attempts)`, { cause });
        emit('retry', { call: name, attempt: attempt + 1, reason: String(cause?.message ?? cause) });
        await sleep(backoff(attempt));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        if (!refreshed) {
          refreshed = true;
          token = await getToken({ refresh: true });
          continue;
        }
        throw wigError('UNAUTHORIZED', `${name}: the server refused the token (HTTP ${res.status}): ${text.slice(0, 300)}`, { status: res.status });
      }
      if (res.status >= 500) {
        if (attempt >= retries) throw wigError('SYNC_SERVER', `${name}: HTTP ${res.status} (after ${attempt + 1} attempts): ${text.slice(0, 300)}`, { status: res.status });
        emit('retry', { call: name, attempt: attempt + 1, reason: `HTTP ${res.status}` });
        await sleep(backoff(attempt));
        continue;
      }
      if (!res.ok) throw wigError('SYNC_SERVER', `${name}: HTTP ${res.status}: ${text.slice(0, 300)}`, { status: res.status });
      return text;
    }
  }

  async function pushAll() {
    const total = graph.stats().outboxChanges;
    let done = 0;
    emit('progress', { phase: 'push', done, total });
    // Conflicts put resolved records back in the outbox: bounded rounds.
    for (let round = 0; round < 1000; round++) {
      const batch = graph.syncPushBatch(batchSize);
      if (!batch) return { pushed: done };
      const answer = await call('wig_push', batch.body);
      const report = await graph.syncAck(batch.items, answer);
      done += report.applied;
      announce(report.changed);
      emit('progress', { phase: 'push', done, total: Math.max(total, done + report.pending) });
    }
    throw wigError('SYNC_SERVER', 'push did not settle after 1000 rounds of conflicts');
  }

  // Pages are applied several at a time, up to about the graph's size (at
  // most maxApplyRows): each write rewrites the storage buckets it touches,
  // so a long initial pull in page-sized writes would rewrite the graph
  // once per page. Rows not applied yet were never acknowledged to anyone:
  // a failure loses them and the stored checkpoint stays before them.
  const storedRecords = () => {
    const s = graph.stats();
    return s.people + s.organizations + s.edges + s.interactions + s.deleted + s.mergedAway;
  };
  async function pullAll() {
    let done = 0;
    let since = graph.syncCheckpoint();
    let buffered = [];
    let bufferedRows = 0;
    emit('progress', { phase: 'pull', done, total: null });
    const fetchPage = (after) => {
      const p = call('wig_pull', JSON.stringify({ since: after, limit: pageSize }));
      p.catch(() => {}); // awaited below; never an unhandled rejection
      return p;
    };
    // The next page downloads while this one is applied.
    let next = fetchPage(since);
    for (;;) {
      const page = await next;
      const info = graph.syncPageInfo(page);
      since = info.checkpoint;
      next = info.more ? fetchPage(since) : null;
      buffered.push(page);
      bufferedRows += info.rows;
      if (!info.more || bufferedRows >= Math.min(maxApplyRows, Math.max(pageSize, storedRecords()))) {
        const report = await graph.syncPull(buffered);
        buffered = [];
        bufferedRows = 0;
        done += report.rows;
        announce(report.changed);
        emit('progress', { phase: 'pull', done, total: report.more ? null : done });
        if (!report.more) return { pulled: done, checkpoint: report.checkpoint };
      }
    }
  }

  // One sync step at a time in this realm, and one tab at a time (lock).
  function exclusive(fn) {
    if (running) return running;
    running = (async () => {
      if (isOffline()) {
        setStatus('offline');
        return { skipped: 'offline' };
      }
      const { ran, out } = await withLock(lockName, async () => {
        setStatus('syncing');
        try {
          const result = await fn();
          lastError = null;
          setStatus('idle');
          return result;
        } catch (error) {
          lastError = error;
          if (error?.offline || isOffline()) setStatus('offline');
          else if (error?.code === 'UNAUTHORIZED') {
            setStatus('unauthorized');
            stopTimer();
          } else setStatus('error');
          emit('error', error);
          throw error;
        }
      });
      return ran ? out : { skipped: 'locked' };
    })();
    running.finally(() => { running = null; }).catch(() => {});
    return running;
  }

  const stopTimer = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  function schedule(ms) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(async () => {
      timer = null;
      try {
        await sync.syncNow();
      } catch {
        // Reported through the 'error' event; the next tick tries again.
      }
      schedule(interval);
    }, ms);
  }

  const sync = {
    /** Sends the outbox in batches; resolves `{ pushed }` (or `{ skipped }`). */
    push: () => exclusive(pushAll),
    /** Fetches and applies pages until the server has no more. */
    pull: () => exclusive(pullAll),
    /**
     * Pull, then push (fewer conflicts than the other order), then pull
     * again if anything was pushed: the server's copy of what it just
     * stored (it may normalise a value) and whatever arrived meanwhile.
     */
    syncNow: () => exclusive(async () => {
      const first = await pullAll();
      const pushed = await pushAll();
      const again = pushed.pushed > 0 ? await pullAll() : { pulled: 0 };
      return { pulled: first.pulled + again.pulled, checkpoint: again.checkpoint ?? first.checkpoint, ...pushed };
    }),
    /** Syncs now and then every `interval` ms; pauses offline, resumes online. */
    start({ interval: every = 30_000 } = {}) {
      interval = every;
      stopped = false;
      schedule(0);
    },
    stop() {
      stopTimer();
      onlineWaiter = null;
    },
    /** Stops, and forgets the channel and the online listeners. */
    close() {
      sync.stop();
      channel?.close();
      globalThis.removeEventListener?.('online', onOnline);
      globalThis.removeEventListener?.('offline', onOffline);
    },
    get status() { return status; },
    get lastError() { return lastError; },
    addEventListener: (type, fn, opts) => events.addEventListener(type, fn, opts),
    removeEventListener: (type, fn, opts) => events.removeEventListener(type, fn, opts),
    /** `on('progress', ({ phase, done, total }) => …)`; returns an unsubscribe function. */
    on(type, fn) {
      const listener = (event) => fn(event.detail);
      events.addEventListener(type, listener);
      return () => events.removeEventListener(type, listener);
    },
  };
  return sync;
}

export const syncStatuses = STATUSES;
