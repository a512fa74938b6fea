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

/** A response's text, chunk by chunk where the body is a stream, each read raced against `stall()`. */
async function readText(res, stall) {
  const reader = res.body?.getReader?.();
  if (!reader) return Promise.race([res.text(), stall()]);
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await Promise.race([reader.read(), stall()]);
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

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
// Every option createSync reads: any other key is refused (a typo such as
// `batchsize` would otherwise silently run with the default).
const OPTIONS = ['url', 'getToken', 'fetch', 'batchSize', 'maxBatchBytes', 'pageSize', 'lockName', 'channelName', 'retries', 'backoffMs', 'maxBackoffMs', 'maxApplyRows', 'pushConcurrency', 'timeoutMs'];

export function createSync(graph, options = {}) {
  if (graph === null || typeof graph !== 'object' || typeof graph.syncPushBatch !== 'function') {
    throw wigError('INVALID_INPUT', 'expected a Graph (from Graph.open)', { field: 'graph' });
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw wigError('INVALID_INPUT', 'options must be an object with url and getToken', { field: 'options' });
  }
  for (const key of Object.keys(options ?? {})) {
    if (!OPTIONS.includes(key)) {
      throw wigError('INVALID_INPUT', `unknown option '${key}'; expected one of ${OPTIONS.join(', ')}`, { field: key });
    }
  }
  const {
    url,
    getToken,
    fetch: fetchFn = globalThis.fetch?.bind(globalThis),
    batchSize = 1000,
    // Under postrust's 10 MiB body limit (PGRST102); lower it behind a proxy with a smaller one.
    maxBatchBytes = 4 * 1024 * 1024,
    pageSize = 5000,
    lockName = `wig-sync:${graph.name}`,
    channelName = `wig-sync:${graph.name}`,
    retries = 6,
    backoffMs = 500,
    maxBackoffMs = 30_000,
    maxApplyRows = 100_000,
    pushConcurrency = 2,
    // A request (and reading its answer) that takes longer is cut and
    // counts as a network error, retried: a server that accepts the
    // connection and never answers would otherwise hold the sync (and its
    // lock, which other tabs wait on) for good.
    timeoutMs = 60_000,
  } = options;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw wigError('INVALID_INPUT', 'url must be an http(s) URL', { field: 'url' });
  }
  if (typeof getToken !== 'function') {
    throw wigError('INVALID_INPUT', 'getToken must be a function', { field: 'getToken' });
  }
  if (typeof fetchFn !== 'function') {
    throw wigError('INVALID_INPUT', 'no fetch available: pass options.fetch', { field: 'fetch' });
  }
  // Bad numbers would retry forever (retries: NaN), with no pause (backoffMs:
  // NaN sleeps 0 ms) or pull nothing while saying it is up to date.
  for (const [field, v, max, min = 1] of [['batchSize', batchSize, 5000], ['pageSize', pageSize, 10_000], ['pushConcurrency', pushConcurrency, 4], ['maxBatchBytes', maxBatchBytes, 2 ** 31, 1024],
    ['retries', retries, 100, 0], ['backoffMs', backoffMs, 3_600_000, 0], ['maxBackoffMs', maxBackoffMs, 86_400_000, 0], ['maxApplyRows', maxApplyRows, 10_000_000],
    ['timeoutMs', timeoutMs, 3_600_000, 100]]) {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw wigError('INVALID_INPUT', `${field} must be a whole number from ${min} to ${max}`, { field });
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
  let channelClosed = false;
  const announce = (ids) => {
    // A sync still storing when close() came: its records are stored, there
    // is just no one left to tell.
    if (channel && !channelClosed && ids?.length) channel.postMessage({ type: 'changed', ids });
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

  // The caller's getToken, its failure typed: without a token there is
  // nothing to send (UNAUTHORIZED: sync stops until started again).
  async function askToken(refresh) {
    try {
      return await getToken({ refresh });
    } catch (cause) {
      throw wigError('UNAUTHORIZED', `getToken failed: ${cause?.message ?? cause}`, { cause });
    }
  }

  /** POSTs to rpc/NAME; returns the response text. Retries network errors and 5xx. */
  async function call(name, body, accept = 'application/json') {
    token ??= await askToken(false);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      if (isOffline()) throw wigError('NETWORK', 'offline', { offline: true });
      let res;
      let text;
      const abort = new AbortController();
      let timer;
      // Rejects (and aborts the request) unless cleared within `ms`: raced
      // against each step, so a fetch that ignores its signal is left too.
      const expire = (ms, what) => new Promise((_, reject) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const error = new Error(`${what} within ${ms} ms`);
          abort.abort(error);
          reject(error);
        }, ms);
      });
      try {
        // Sending a large batch on a slow link takes its time: a second
        // more per 16 KB of body (a 4 MiB push: 256 s more).
        const sendMs = timeoutMs + Math.ceil(body.length / 16);
        res = await Promise.race([fetchFn(`${base}/rpc/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: accept, Authorization: `Bearer ${token}` },
          body,
          signal: abort.signal,
        }), expire(sendMs, 'no answer')]);
        // Reading the body can fail too (a connection cut mid-answer); a
        // long answer may take long, but not stall for timeoutMs.
        text = await readText(res, () => expire(timeoutMs, 'the answer stalled: nothing more'));
      } catch (caught) {
        const cause = abort.signal.aborted ? abort.signal.reason : caught;
        if (attempt >= retries) throw wigError('NETWORK', `${name}: ${cause?.message ?? cause} (after ${attempt + 1} attempts)`, { cause });
        emit('retry', { call: name, attempt: attempt + 1, reason: String(cause?.message ?? cause) });
        await sleep(backoff(attempt));
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (res.status === 401 || res.status === 403) {
        if (!refreshed) {
          refreshed = true;
          token = await askToken(true);
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

  // Push, pipelined: up to pushConcurrency batches are on the wire at once
  // (the server takes one owner's pushes one at a time, under a lock, but
  // reads and parses the next request meanwhile), and answers are stored
  // while later batches travel. Answers are stored several at a time (one
  // transaction: each touched storage bucket rewritten once, and a store
  // costs about a rewrite of the graph whatever its size), once half the
  // graph's size (or 16 answers) has arrived or nothing else is on the wire. Records of
  // batches sent but not stored yet are left out of new batches. An outbox
  // change leaves only with its stored answer; answers received when a
  // call fails are stored before the error is reported, and anything lost
  // is sent again (change ids make that harmless).
  async function pushAll() {
    const total = graph.stats().outboxChanges;
    let done = 0;
    emit('progress', { phase: 'push', done, total });
    const inFlight = new Set();
    const requests = new Set();
    let answered = [];
    let answeredRows = 0;
    let storing = null;
    let storeError = null;
    let callError = null;
    const store = () => {
      const acks = answered;
      answered = [];
      answeredRows = 0;
      storing = graph.syncAcks(acks).then((report) => {
        for (const a of acks) for (const item of a.items) inFlight.delete(item.id);
        done += report.applied;
        announce(report.changed);
        emit('progress', { phase: 'push', done, total: Math.max(total, done + report.pending) });
      }, (error) => { storeError ??= error; }).finally(() => { storing = null; });
      return storing;
    };
    const storeWhenDue = () => {
      if (storing || !answered.length) return;
      const due = Math.min(maxApplyRows, Math.max(batchSize, Math.floor(storedRecords() / 2)));
      // Also every 16 answers: the ids in flight go along with every new
      // batch request to the core, so their number is kept moderate.
      if (answeredRows >= due || answered.length >= 16 || requests.size === 0) store();
    };
    const send = (batch) => {
      for (const item of batch.items) inFlight.add(item.id);
      const request = call('wig_push', batch.body).then((response) => {
        answered.push({ items: batch.items, response });
        answeredRows += batch.items.length;
      }, (error) => { callError ??= error; }).finally(() => {
        requests.delete(request);
        storeWhenDue();
      });
      requests.add(request);
    };
    // Conflicts put resolved records back in the outbox: bounded rounds.
    for (let round = 0; round < 1000 && !storeError && !callError; ) {
      while (requests.size < pushConcurrency && !callError) {
        const batch = graph.syncPushBatch(batchSize, inFlight.size ? [...inFlight] : undefined, maxBatchBytes);
        if (!batch) break;
        send(batch);
      }
      if (requests.size) {
        await Promise.race(requests);
      } else if (storing || answered.length) {
        // Everything pending is on its way: wait for the answers to be stored.
        await (storing ?? store());
        round++;
      } else {
        return { pushed: done };
      }
    }
    // Stop: what was answered is stored before the error is reported.
    while (requests.size) await Promise.race(requests);
    while (storing || answered.length) await (storing ?? store());
    if (callError) throw callError;
    if (storeError) throw storeError;
    throw wigError('SYNC_SERVER', 'push did not settle after 1000 rounds of conflicts');
  }

  const storedRecords = () => {
    const s = graph.stats();
    return s.people + s.organizations + s.edges + s.interactions + s.deleted + s.mergedAway;
  };

  // Pull, pipelined: pages are fetched ahead (up to maxApplyRows rows
  // waiting) while earlier ones are applied. Pages are applied several at
  // a time, up to about the graph's size (at most maxApplyRows): each write
  // rewrites the storage buckets it touches, so a long initial pull in
  // page-sized writes would rewrite the graph once per page. Rows not
  // applied yet were never acknowledged to anyone: a failure loses them and
  // the stored checkpoint stays before them.
  // The page as the protocol's JSON, passed through by the gateway
  // (sql/PROTOCOL.md); servers without that media type answer plain JSON.
  const PAGE_TYPE = 'application/vnd.wig.pull+json, application/json;q=0.9';
  // A page ends with its checkpoint and `more` (sql/PROTOCOL.md): read from
  // its last bytes, not by parsing (or copying into wasm) the whole page.
  // A page with `more` is full (the server stops at the limit), so it holds
  // pageSize rows. Anything else is read whole; syncPull checks every row.
  const PAGE_END = /"checkpoint"\s*:\s*(\d+)\s*,\s*"more"\s*:\s*(true|false)\s*\}\s*$/;
  const pageInfo = (page) => {
    const end = PAGE_END.exec(page.slice(-120));
    if (end && end[2] === 'true') return { rows: pageSize, checkpoint: Number(end[1]), more: true };
    return graph.syncPageInfo(page);
  };
  async function pullAll() {
    let done = 0;
    emit('progress', { phase: 'pull', done, total: null });
    const queue = [];
    let queuedRows = 0;
    let fetchedAll = false;
    let fetchError = null;
    let wake = null;
    const signal = () => { wake?.(); wake = null; };
    const waitForChange = () => new Promise((resolve) => { wake = resolve; });
    let stop = false;
    let wakeFetcher = null;
    const fetcher = (async () => {
      let since;
      try {
        // Inside the try: a graph closed meanwhile throws here, and this
        // promise's rejection would have no one to handle it.
        since = graph.syncCheckpoint();
        while (!stop) {
          // Bounded read-ahead: at most maxApplyRows rows waiting (never
          // less than a group the applier waits for, or both would wait).
          while (queuedRows >= maxApplyRows && !stop) await new Promise((resolve) => { wakeFetcher = resolve; });
          if (stop) return;
          const page = await call('wig_pull', JSON.stringify({ since, limit: pageSize }), PAGE_TYPE);
          if (stop) return;
          const info = pageInfo(page);
          // A page must move the pull on: a server that answered `more` with
          // no rows, or a checkpoint behind the last, would be asked forever.
          if (info.checkpoint < since || (info.more && !(info.checkpoint > since && info.rows > 0))) {
            throw wigError('SYNC_PROTOCOL', `wig_pull: checkpoint ${info.checkpoint} after since ${since} with more: ${info.more} (the pull would not advance)`, { field: info.more ? 'more' : 'checkpoint' });
          }
          since = info.checkpoint;
          queue.push({ page, info });
          queuedRows += info.rows;
          signal();
          if (!info.more) break;
        }
      } catch (error) {
        fetchError = error;
      }
      fetchedAll = true;
      signal();
    })();
    try {
      for (;;) {
        const want = Math.min(maxApplyRows, Math.max(pageSize, storedRecords()));
        while (!fetchError && !fetchedAll && queuedRows < want) await waitForChange();
        if (fetchError) throw fetchError;
        const pages = queue.splice(0);
        queuedRows = 0;
        if (!pages.length) return { pulled: done, checkpoint: graph.syncCheckpoint() };
        wakeFetcher?.();
        wakeFetcher = null;
        const report = await graph.syncPull(pages.map((p) => p.page));
        done += report.rows;
        announce(report.changed);
        emit('progress', { phase: 'pull', done, total: report.more ? null : done });
        if (!report.more) return { pulled: done, checkpoint: report.checkpoint };
      }
    } finally {
      // On success the fetcher has ended; after a failure a page still
      // downloading is dropped when it arrives.
      stop = true;
      wakeFetcher?.();
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
    start(options = {}) {
      if (options === null || typeof options !== 'object' || Array.isArray(options)) {
        throw wigError('INVALID_INPUT', 'options must be an object', { field: 'options' });
      }
      for (const key of Object.keys(options)) {
        if (key !== 'interval') throw wigError('INVALID_INPUT', `unknown option '${key}'; expected interval`, { field: key });
      }
      const every = options.interval ?? 30_000;
      // At least a second: 0 would send requests back to back.
      if (!Number.isInteger(every) || every < 1000 || every > 2 ** 31 - 1) {
        throw wigError('INVALID_INPUT', 'interval must be a whole number of ms from 1000 to 2147483647', { field: 'interval' });
      }
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
      channelClosed = true;
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
