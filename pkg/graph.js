// The JS face of @wig/graph: a small wrapper over the wasm `WasmGraph` that
// queues writes (one at a time, in call order) and documents the API.
// Errors thrown are `Error`s with name "WigError", a stable `code`, the
// `field` they concern (or null) and a `reason`.

// Inputs cross into wasm as JSON text: serde then refuses unknown fields (a
// typo must not drop data) and parsing text beats walking JS objects. JSON
// has no NaN/Infinity, so they travel as a marker the core refuses by name.
const NON_FINITE = '\u0000nonfinite:';
// An invalid Date reaches the replacer as null (its toJSON): it travels as
// text the core refuses as a timestamp, by name, instead of clearing the field.
function replacer(key, value) {
  if (typeof value === 'number' && !Number.isFinite(value)) return NON_FINITE + value;
  const raw = this[key];
  if (raw instanceof Date && Number.isNaN(raw.getTime())) return 'Invalid Date';
  return value;
}

const decode = (json) => (json === undefined ? undefined : JSON.parse(json));
// Ids crossing as one string of 36-character ids (no JSON to parse).
function splitIds(text) {
  const ids = new Array(text.length / 36);
  for (let i = 0; i < ids.length; i++) ids[i] = text.slice(36 * i, 36 * i + 36);
  return ids;
}

// A string argument (a name or an id). wasm-bindgen passes strings without
// checking their type: undefined would throw a TypeError and a number would
// trap in the allocator, so anything else is refused here, by name.
function str(value, field) {
  if (typeof value === 'string') return value;
  const missing = value === undefined || value === null;
  throw wigError(missing ? 'REQUIRED' : field === 'name' ? 'INVALID_INPUT' : 'INVALID_ID', field, missing ? `${field} is required` : `expected a string, got ${typeof value}`);
}

// A record argument is an object: serde would read an array field by field,
// by position, and write it. Lists are arrays of such objects.
const isRecord = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
function checkRecord(value, field) {
  if (value === undefined || value === null) throw wigError('REQUIRED', field, `${field} is required`);
  if (!isRecord(value)) throw wigError('INVALID_INPUT', field, `expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
}
function checkRecords(list, field) {
  checkList(list, field);
  for (let i = 0; i < list.length; i++) {
    if (!isRecord(list[i])) checkRecord(list[i] ?? undefined, `${field}[${i}]`);
  }
}
function checkList(list, field) {
  if (list === undefined || list === null) throw wigError('REQUIRED', field, `${field} is required`);
  if (!Array.isArray(list)) throw wigError('INVALID_INPUT', field, `expected an array, got ${typeof list}`);
}
/** A count argument: a whole number from 1 to 2^32 - 1. */
function count(value, field) {
  if (value === undefined || value === null) throw wigError('REQUIRED', field, `${field} is required`);
  if (!Number.isInteger(value) || value < 1 || value > 0xffffffff) throw wigError('INVALID_INPUT', field, `${value} is not a whole number from 1 to 4294967295`);
}
const record = (value, field) => { checkRecord(value, field); return encode(value); };
const records = (list, field) => { checkRecords(list, field); return encode(list); };
function batchRecord(batch) {
  checkRecord(batch, 'batch');
  for (const kind of ['organizations', 'people', 'edges', 'interactions']) {
    if (batch[kind] !== undefined && batch[kind] !== null) checkRecords(batch[kind], kind);
  }
  return encode(batch);
}

function encode(value) {
  if (value === undefined || value === null) return undefined;
  try {
    return JSON.stringify(value, replacer);
  } catch (cause) {
    const error = new Error(`INVALID_INPUT: ${cause.message}`);
    Object.assign(error, { name: 'WigError', code: 'INVALID_INPUT', field: null, reason: cause.message });
    throw error;
  }
}

/**
 * Loads the wasm module once, from whatever `source()` gives `init` (a URL
 * in browsers, the bytes in Node), and builds the API on it.
 * @param {Function} init the wasm-bindgen glue's default export
 * @param {object} wasm the glue's exports
 * @param {() => Promise<any>} source
 */
export function makePackage(init, wasm, source) {
  let loading;
  let memory;
  let chosen;
  const ready = () => {
    loading ??= (chosen !== undefined ? Promise.resolve(chosen) : source())
      .then((module_or_path) => init({ module_or_path }))
      .then((exports) => {
        memory = exports.memory;
        return wasm;
      }, (cause) => {
        // Not kept: the next open tries again (a network error passes). A
        // Response or a promise is spent: the next open reads the default
        // location, or a source set again.
        loading = undefined;
        if (typeof chosen?.then === 'function' || Object.prototype.toString.call(chosen) === '[object Response]') chosen = undefined;
        const csp = /unsafe-eval|wasm-eval|Content Security Policy/i.test(String(cause?.message));
        const hint = csp ? ` (the page's or extension's Content-Security-Policy must allow 'wasm-unsafe-eval')` : '';
        throw Object.assign(wigError('LOAD_FAILED', 'wasm', `the WebAssembly module could not be loaded: ${cause?.message ?? cause}${hint}`), { cause });
      });
    return loading;
  };
  /**
   * Where the `.wasm` comes from, for bundlers that do not copy it (esbuild,
   * Rollup without a plugin) or a script without `import.meta.url`: a URL,
   * a `Response` (or its promise), the bytes, or a `WebAssembly.Module`.
   * Before the first open.
   */
  const setWasmSource = (wasmSource) => {
    if (memory) throw wigError('INVALID_INPUT', 'wasmSource', 'the WebAssembly module is loaded already: set its source before the first open');
    if (wasmSource === undefined || wasmSource === null) throw wigError('REQUIRED', 'wasmSource', 'a URL, a Response, the bytes or a WebAssembly.Module');
    // By kind, not instanceof: a promise or a module from another realm (an iframe, `vm`) is one too.
    const kind = Object.prototype.toString.call(wasmSource).slice(8, -1);
    const usable = typeof wasmSource === 'string' || typeof wasmSource?.then === 'function' || ArrayBuffer.isView(wasmSource)
      || ['URL', 'ArrayBuffer', 'SharedArrayBuffer', 'Response', 'WebAssembly.Module'].includes(kind);
    if (!usable) {
      const hint = kind === 'Blob' || kind === 'File' ? ' (for a Blob, pass `await blob.arrayBuffer()`)' : '';
      throw wigError('INVALID_INPUT', 'wasmSource', `expected a URL, a Response (or its promise), the bytes or a WebAssembly.Module, got ${kind}${hint}`);
    }
    chosen = wasmSource;
    loading = undefined;
  };
  /** Bytes of wasm linear memory in use by the module (0 before the first open). */
  const wasmMemoryBytes = () => memory?.buffer.byteLength ?? 0;
  return { ...makeApi(ready), wasmMemoryBytes, setWasmSource, isWigError };
}

/** shortestPathNodes' "ask by id" answer. */
const ASK_BY_ID = 0xffffffff;

/** A person's node in a node table ({ ids, index }), filling the id → node map as ids arrive. */
function nodeOf(table, personId) {
  const { ids, index } = table;
  for (let i = index.size; i < ids.length; i++) index.set(ids[i], i);
  return index.get(personId);
}

/**
 * Hop distances from one person to everyone (`Graph#distancesFrom`).
 * `distances[i]` is the hop count to `personId(i)`, `UNREACHABLE` if there
 * is no path under the filters (deleted and merged-away people included).
 */
class Distances {
  static UNREACHABLE = 0xffffffff;
  #table;
  constructor(distances, table) {
    /** @type {Uint32Array} */
    this.distances = distances;
    this.#table = table;
  }
  /** Number of nodes covered (every person known to the index). */
  get size() { return this.distances.length; }
  /** The person id of node index `i`. */
  personId(i) { return i < this.distances.length ? this.#table.ids[i] : undefined; }
  /** Hops to `personId`, or null when unreachable or unknown. */
  get(personId) {
    const i = nodeOf(this.#table, personId);
    if (i === undefined || i >= this.distances.length) return null;
    const d = this.distances[i];
    return d === Distances.UNREACHABLE ? null : d;
  }
  /** [personId, hops] for every reachable person, in node order. */
  *entries() {
    const { ids } = this.#table;
    for (let i = 0; i < this.distances.length; i++) {
      if (this.distances[i] !== Distances.UNREACHABLE) yield [ids[i], this.distances[i]];
    }
  }
}

/** @param {() => Promise<any>} ready resolves once the wasm module is loaded */
function makeApi(ready) {
  // An EventTarget: 'change' when the graph was read again because another
  // tab or worker wrote to it (what is shown of it may be out of date).
  class Graph extends EventTarget {
    #inner;
    #queue = Promise.resolve();
    // Instances of one stored graph (tabs, workers) tell each other of their
    // writes; each reads the graph again before its next read or write.
    #channel = null;
    #reloadQueued = false;
    // Writes heard of and not yet caught up with, in order: each the other
    // instance's encoded commits, or null (read the graph again).
    #heard = [];
    // Writes of one stored graph take a Web Lock, so instances write one at
    // a time, each reading the graph again first if another wrote since.
    #lockName = null;

    constructor(inner, shared) {
      super();
      this.#inner = inner;
      if (shared && globalThis.navigator?.locks) this.#lockName = `wig-graph-write:${inner.name}`;
      if (shared && typeof globalThis.BroadcastChannel === 'function') {
        this.#channel = new globalThis.BroadcastChannel(`wig-graph:${inner.name}`);
        this.#channel.unref?.(); // Node: an open channel would keep the process alive
        this.#channel.onmessage = (message) => {
          const data = message?.data;
          if (data?.type === 'written') this.#catchUpSoon(data.commits instanceof Uint8Array ? data.commits : null);
          // Writes are encoded for the others only once there are others.
          if (data?.type === 'hello' || data?.type === 'here') this.#shareWrites();
          if (data?.type === 'hello') this.#channel?.postMessage({ type: 'here' });
        };
        this.#channel.postMessage({ type: 'hello' });
      }
    }

    #shareWrites() {
      try { this.#inner.shareCommits(true); } catch { /* closed or busy: the next hello retries */ }
    }

    // One catch-up for a burst of messages, queued behind the writes
    // already asked for (they would otherwise be refused as STALE, then
    // redone): the other instance's commits applied in order when they
    // follow on from this copy (milliseconds), else the graph read again.
    #catchUpSoon(commits) {
      this.#heard.push(commits);
      if (this.#reloadQueued) return;
      this.#reloadQueued = true;
      this.#write(async (g) => {
        this.#reloadQueued = false;
        const heard = this.#heard;
        this.#heard = [];
        let applied = false;
        try { applied = heard.every((c) => c !== null && g.applyShared(c)); } catch { applied = false; }
        if (applied) this.dispatchEvent(new Event('change'));
        else await this.#readAgain();
      }, { announce: false, retry: false, readFirst: false }).catch(() => {});
    }

    /**
     * Opens (or creates) the graph `name`.
     * @param {string} name
     * @param {{ storage?: 'indexeddb' | 'memory', actorId?: string }} [options]
     */
    static async open(name, options = {}) {
      const wasm = await ready();
      return new Graph(await wasm.WasmGraph.open(str(name, 'name'), encode(options)), options?.storage !== 'memory');
    }

    /** Deletes a graph and all its data. */
    static async delete(name, options = {}) {
      const wasm = await ready();
      await wasm.WasmGraph.deleteGraph(str(name, 'name'), encode(options));
    }

    get name() {
      return this.#inner.name;
    }

    // Writes run one after another, in call order; a failed write does not
    // stop the ones queued after it. Across instances they take the graph's
    // Web Lock; without one, a write refused as STALE (another tab or worker
    // wrote since this copy was read; nothing was written) is redone on the
    // graph read again. Other instances hear of each write that went
    // through.
    #write(fn, { announce = true, retry = true, readFirst = true } = {}) {
      const run = async () => {
        // Under the lock no other instance writes: read again if one did
        // before (cheap when current), and the write cannot be STALE.
        if (this.#lockName && readFirst) await this.#readAgain();
        let result;
        try {
          for (let attempt = 1; ; attempt++) {
            try {
              result = await fn(this.#inner);
              break;
            } catch (e) {
              // Without Web Locks (Node 20) instances race: read again and
              // redo, a few times, backing off.
              if (!retry || e?.code !== 'STALE' || attempt >= 8) throw e;
              if (!this.#lockName) await new Promise((r) => setTimeout(r, Math.random() * 2 ** attempt));
              await this.#readAgain();
            }
          }
        } finally {
          // Also after a failure: an import's batches before it are written.
          if (announce) this.#announce();
        }
        return result;
      };
      const locked = this.#lockName ? () => globalThis.navigator.locks.request(this.#lockName, run) : run;
      const result = this.#queue.then(locked);
      this.#queue = result.catch(() => {});
      return result;
    }

    // Tells the other instances of a write: with its commits, which they
    // apply, or without (too large to send), and they read the graph again.
    #announce() {
      if (!this.#channel) return;
      let commits;
      try { commits = this.#inner.takeShared(); } catch { commits = undefined; }
      this.#channel.postMessage({ type: 'written', commits });
    }

    // Reads the graph again if another instance wrote since; 'change' if so.
    async #readAgain() {
      const read = await this.#inner.reload();
      // Anything but false (an older glue answered undefined) counts as read.
      if (read !== false) this.dispatchEvent(new Event('change'));
      return read !== false;
    }

    async upsertPerson(person) { const json = record(person, 'person'); return decode(await this.#write((g) => g.upsertPerson(json))); }
    async upsertPeople(people) { const json = records(people, 'people'); return decode(await this.#write((g) => g.upsertPeople(json))); }
    async upsertOrganization(org) { const json = record(org, 'organization'); return decode(await this.#write((g) => g.upsertOrganization(json))); }
    async upsertOrganizations(orgs) { const json = records(orgs, 'organizations'); return decode(await this.#write((g) => g.upsertOrganizations(json))); }
    async upsertEdge(edge) { const json = record(edge, 'edge'); return decode(await this.#write((g) => g.upsertEdge(json))); }
    async upsertEdges(edges) { const json = records(edges, 'edges'); return decode(await this.#write((g) => g.upsertEdges(json))); }
    async upsertInteraction(interaction) { const json = record(interaction, 'interaction'); return decode(await this.#write((g) => g.upsertInteraction(json))); }
    async upsertInteractions(interactions) { const json = records(interactions, 'interactions'); return decode(await this.#write((g) => g.upsertInteractions(json))); }

    /** Organizations, people, edges and interactions in one transaction. */
    async batch(batch) {
      const json = batchRecord(batch);
      return decode(await this.#write((g) => g.batch(json)));
    }

    /** The same, from JSON text you already have (a file, a response body). */
    async batchJson(json) {
      if (json === undefined || json === null) throw wigError('REQUIRED', 'batch', 'the batch as JSON text');
      // The bytes of a file or a response body are JSON text too (UTF-8).
      if (json instanceof ArrayBuffer || ArrayBuffer.isView(json)) json = utf8(json, 'batch');
      if (typeof json !== 'string') throw wigError('INVALID_INPUT', 'batch', `expected JSON text (a string or UTF-8 bytes), got ${Array.isArray(json) ? 'an array' : typeof json}; an object goes to batch()`);
      return decode(await this.#write((g) => g.batch(json)));
    }

    async deletePerson(id) { id = str(id, 'id'); return this.#write((g) => g.delete('person', id)); }
    async deleteOrganization(id) { id = str(id, 'id'); return this.#write((g) => g.delete('organization', id)); }
    async deleteEdge(id) { id = str(id, 'id'); return this.#write((g) => g.delete('edge', id)); }
    async deleteInteraction(id) { id = str(id, 'id'); return this.#write((g) => g.delete('interaction', id)); }

    /** Hard-deletes a person and everything about them (GDPR erasure). */
    async erasePerson(id) { id = str(id, 'id'); return decode(await this.#write((g) => g.erasePerson(id))); }
    /** Everything the graph holds about a person (GDPR access). */
    exportPerson(id) { return decode(this.#inner.exportPerson(str(id, 'id'))); }

    getPerson(id) { return decode(this.#inner.getPerson(str(id, 'id'))); }
    getOrganization(id) { return decode(this.#inner.getOrganization(str(id, 'id'))); }
    getEdge(id) { return decode(this.#inner.getEdge(str(id, 'id'))); }
    getInteraction(id) { return decode(this.#inner.getInteraction(str(id, 'id'))); }

    listPeople(options) { return decode(this.#inner.listPeople(encode(options))); }
    listOrganizations(options) { return decode(this.#inner.listOrganizations(encode(options))); }
    listEdges(options) { return decode(this.#inner.listEdges(encode(options))); }
    listInteractions(options) { return decode(this.#inner.listInteractions(encode(options))); }

    // --- duplicates ---

    /**
     * Pairs that are probably the same person (or organization), each with
     * its match probability and field-by-field explanation.
     * @param {{ kind?: 'people' | 'organizations', threshold?: number, limit?: number, defaultRegion?: string,
     *           onProgress?: (done: number, total: number) => void, signal?: AbortSignal }} [options]
     */
    findDuplicates(options = {}) {
      const { onProgress, signal, ...rest } = callbacks(options);
      let thrown;
      const tick = (done, total) => {
        try {
          onProgress?.(done, total);
        } catch (e) {
          thrown = { e };
          return false;
        }
        return !signal?.aborted;
      };
      try {
        return decode(this.#inner.findDuplicates(encode(rest), tick));
      } catch (e) {
        // The core stops when `tick` says so: the callback threw (its own
        // error goes on, as from an import) or the signal was aborted.
        if (e?.code === 'CANCELLED' && thrown) throw thrown.e;
        if (e?.code === 'CANCELLED') throw wigError('CANCELLED', 'signal', 'findDuplicates was cancelled by its signal');
        throw e;
      }
    }

    /**
     * Matches one person — a stored person's id, or a person not stored yet —
     * against everyone stored, without a full re-run (the index is built on
     * the first call and kept current by every write).
     * @param {string | object} person
     * @param {{ limit?: number, defaultRegion?: string }} [options]
     */
    matchPerson(person, options) {
      const byId = typeof person === 'string';
      return decode(this.#inner.matchPerson(byId ? person : undefined, byId ? undefined : record(person, 'person'), encode(options)));
    }

    audit(options) { return decode(this.#inner.audit(encode(options))); }
    stats() { return decode(this.#inner.stats()); }

    // --- merges ---
    // Merges are writes (queued like the others); they return the
    // MergeRecord, which unmerge(record.id) undoes exactly.

    /** Merges the people `sourceIds` into `targetId` (which keeps its id). */
    async merge(targetId, sourceIds, options) {
      targetId = str(targetId, 'targetId');
      const ids = encode(sourceIds);
      const opts = encode(options);
      return decode(await this.#write((g) => g.merge(targetId, ids, opts)));
    }
    /** Merges the organizations `sourceIds` into `targetId`; their people follow. */
    async mergeOrganizations(targetId, sourceIds, options) {
      targetId = str(targetId, 'targetId');
      const ids = encode(sourceIds);
      const opts = encode(options);
      return decode(await this.#write((g) => g.mergeOrganizations(targetId, ids, opts)));
    }
    /** Restores the state before the merge; UNMERGE_CONFLICT if later changes depend on it. */
    async unmerge(mergeId) { mergeId = str(mergeId, 'mergeId'); await this.#write((g) => g.unmerge(mergeId)); }
    /** Records that two people (or two organizations) are not the same. */
    async rejectMatch(a, b) { a = str(a, 'a'); b = str(b, 'b'); return decode(await this.#write((g) => g.rejectMatch(a, b))); }
    isRejected(a, b) { return this.#inner.isRejected(str(a, 'a'), str(b, 'b')); }
    rejectedPairs() { return decode(this.#inner.rejectedPairs()); }
    /** Merge records, newest first (undone ones too, with undoneAt). */
    listMerges() { return decode(this.#inner.listMerges()); }
    // --- end merges ---
    // --- graph queries and strength ---
    // Reads are synchronous, on the in-memory index (built on the first
    // query, kept current by writes). Ids are person/organization ids; "no
    // path" is null / []. Filters: { minStrength, maxHops, avoid, relationshipTypes }.
    shortestPath(from, to, filters) { return decode(this.#inner.shortestPath(str(from, 'from'), str(to, 'to'), encode(filters))); }
    bestPath(from, to, filters) { return decode(this.#inner.bestPath(str(from, 'from'), str(to, 'to'), encode(filters))); }
    introPaths(from, to, options) { return decode(this.#inner.introPaths(str(from, 'from'), str(to, 'to'), encode(options))); }
    introPathsToOrganization(from, organizationId, options) { return decode(this.#inner.introPathsToOrganization(str(from, 'from'), str(organizationId, 'organizationId'), encode(options))); }
    mutualConnections(a, b, filters) { return decode(this.#inner.mutualConnections(str(a, 'a'), str(b, 'b'), encode(filters))); }
    neighbors(from, options) { return decode(this.#inner.neighbors(str(from, 'from'), encode(options))); }
    /** Person ids along a fewest-hops path, or null (shortestPath without edges and factors). */
    shortestPathIds(from, to, filters) {
      // Without filters, once the node table is here (see #byIdCalls), the
      // query crosses as two node numbers and comes back as node numbers:
      // no id strings encoded or decoded (most of a call's cost in a page).
      const table = filters === undefined ? this.#nodes : undefined;
      if (table !== undefined) {
        const a = nodeOf(table, from);
        const b = nodeOf(table, to);
        if (a !== undefined && b !== undefined) {
          const nodes = this.#inner.shortestPathNodes(table.epoch, a, b);
          if (nodes.length === 0) return null;
          if (nodes[0] !== ASK_BY_ID) {
            // People added since the table was fetched have node numbers past
            // its end (numbers are never reused): fetch those first.
            let last = 0;
            for (let i = 0; i < nodes.length; i++) if (nodes[i] > last) last = nodes[i];
            if (last >= table.ids.length) this.#nodeTable(last + 1);
            const ids = new Array(nodes.length);
            for (let i = 0; i < nodes.length; i++) ids[i] = table.ids[nodes[i]];
            return ids;
          }
        }
      }
      const text = this.#inner.shortestPathIds(str(from, 'from'), str(to, 'to'), encode(filters));
      // The table costs a pass over every node: fetched on the second query
      // by id (a one-off query does not pay for it), then kept current.
      if (filters === undefined && ++this.#byIdCalls >= 2) this.#nodeTable(Infinity);
      return text === undefined ? null : splitIds(text);
    }
    #byIdCalls = 0;
    /** Hops from `from` to everyone, as a Uint32Array over the index's nodes (see Distances). */
    distancesFrom(from, filters) {
      const distances = this.#inner.distancesFrom(str(from, 'from'), encode(filters));
      return new Distances(distances, this.#nodeTable(distances.length));
    }
    // Node index → person id, fetched once per index and extended as people
    // are added (indices are never reused); dropped if the index is rebuilt.
    #nodes;
    // `count`: nodes needed (Infinity: every node now in the index).
    #nodeTable(count) {
      const epoch = this.#inner.graphIndexEpoch();
      if (this.#nodes?.epoch !== epoch) this.#nodes = { epoch, ids: [], index: new Map() };
      const table = this.#nodes;
      if (table.ids.length < count) {
        for (const id of splitIds(this.#inner.graphNodeIds(table.ids.length))) table.ids.push(id);
      }
      return table;
    }
    /** A person's live edges (with strengthFactors), strongest first; costs the person's degree. */
    edgesOf(personId, filters) { return decode(this.#inner.edgesOf(str(personId, 'personId'), encode(filters))); }
    /** Tie strength from interactions, onto edges, in one transaction. `now` defaults to Date.now(). */
    async recomputeStrengths(options = {}) {
      const o = { ...options };
      if (o.now instanceof Date) o.now = o.now.getTime();
      const json = encode(o);
      return decode(await this.#write((g) => g.recomputeStrengths(json)));
    }
    // --- end of graph queries and strength ---

    // --- import ---
    /**
     * Imports contacts: vCard, Google Contacts CSV, LinkedIn Connections.csv,
     * or any CSV with `mapping` (column header → field). Streams: the source
     * is read in chunks and written in batches (one transaction each).
     * @param {string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array>} source
     * @param {{ format: 'vcard' | 'google-csv' | 'linkedin-csv' | 'csv', mapping?: Record<string, string>,
     *           sourceName?: string, defaultRegion?: string, batchSize?: number, encoding?: string,
     *           onProgress?: (p: { bytesDone: number, bytesTotal?: number, records: number }) => void,
     *           signal?: AbortSignal }} options
     */
    importContacts(source, options) { return this.#import('contacts', source, options); }

    /**
     * Imports interactions: iCalendar events ('ics') or mbox message headers
     * ('mbox'; bodies are never read into the graph). `ownerEmails` (mbox):
     * your addresses, for the direction of each message.
     */
    importInteractions(source, options) { return this.#import('interactions', source, options); }

    // One queued write for the whole import: batches already written stay
    // written when it is cancelled (re-running it is idempotent).
    #import(kind, source, options = {}) {
      let parts;
      try { parts = callbacks(options ?? {}); } catch (e) { return Promise.reject(e); }
      const { onProgress, signal, ...rest } = parts;
      const json = encode(rest);
      return this.#write(async (g) => {
        const importer = g.importer(kind, json, typeof source === 'string');
        try {
          const bytesTotal = sourceSize(source);
          let bytesDone = 0;
          const stopIfAborted = () => {
            if (signal?.aborted) throw cancelled(decode(importer.report()));
          };
          // An onProgress that throws stops the import: its error goes back
          // to the caller as it is, with the report of the batches written.
          const progress = (p) => {
            try {
              onProgress?.(p);
            } catch (e) {
              if (e !== null && typeof e === 'object' && !('report' in e)) {
                try { e.report = decode(importer.report()); } catch { /* a frozen error stays as it is */ }
              }
              throw e;
            }
          };
          stopIfAborted();
          const chunks = byteChunks(source, signal)[Symbol.asyncIterator]();
          for (;;) {
            let next;
            try {
              next = await chunks.next();
            } catch (e) {
              // The source failed while being read (a stream that errors):
              // typed, with the report of the batches already written.
              if (isWigError(e)) throw e;
              throw Object.assign(wigError('INVALID_INPUT', 'source', `reading the source failed: ${e?.message ?? e}; batches written before stay written (re-importing is idempotent)`), { report: decode(importer.report()) });
            }
            if (next.done) break;
            const chunk = next.value;
            const records = importer.push(chunk);
            bytesDone += chunk.byteLength;
            await importer.flush();
            progress({ bytesDone, bytesTotal, records });
            stopIfAborted();
          }
          const report = decode(await importer.finish());
          // The parser holds the last line until the end (it may be folded).
          progress({ bytesDone, bytesTotal, records: report.records });
          return report;
        } finally {
          importer.free();
        }
        // Redone from the start if refused as STALE (batches already written
        // come back unchanged), unless the source is a stream read once.
      }, { retry: typeof source === 'string' || sourceSize(source) !== undefined });
    }
    // --- end import ---
    // --- sync (low level: createSync in pkg/sync.js drives these) ---
    /** The next push batch `{ count, items, body }` of at most `limit` records and about `maxBytes` of body (default 4 MiB; one record always goes), or undefined; records whose ids are in `inFlight` (sent, not acknowledged yet) are left out. */
    syncPushBatch(limit, inFlight, maxBytes) {
      count(limit, 'limit');
      if (maxBytes !== undefined) count(maxBytes, 'maxBytes');
      if (inFlight !== undefined && inFlight !== null && !Array.isArray(inFlight)) throw wigError('INVALID_INPUT', 'inFlight', 'expected an array of ids');
      return decode(this.#inner.syncPushBatch(limit, inFlight?.length ? JSON.stringify(inFlight) : undefined, maxBytes));
    }
    /** Applies the server's answer to a batch (its `items`), in one transaction. */
    async syncAck(items, responseText) { checkList(items, 'items'); const json = JSON.stringify(items); return decode(await this.#write((g) => g.syncAck(json, String(responseText)))); }
    /** Applies the answers to consecutive batches (`[{ items, response }]`) in one transaction. */
    async syncAcks(acks) {
      checkList(acks, 'acks');
      acks.forEach((a, i) => { checkRecord(a ?? undefined, `acks[${i}]`); checkList(a.items, `acks[${i}].items`); });
      const items = acks.map((a) => JSON.stringify(a.items)); const responses = acks.map((a) => String(a.response)); return decode(await this.#write((g) => g.syncAcks(items, responses))); }
    /** Applies consecutive pull pages (response texts, or one) with the last checkpoint, in one transaction. */
    async syncPull(pageTexts) { const pages = (Array.isArray(pageTexts) ? pageTexts : [pageTexts]).map(String); return decode(await this.#write((g) => g.syncPull(pages))); }
    /** `{ rows, checkpoint, more }` of a pull page's text, without applying it. */
    syncPageInfo(pageText) { return decode(this.#inner.syncPageInfo(String(pageText))); }
    /** The server version the next pull starts after (0: never pulled). */
    syncCheckpoint() { return this.#inner.syncCheckpoint(); }
    /** Reads the graph again from storage (another tab or worker wrote to it); resolves false when this copy was current already. */
    reload() { return this.#write(() => this.#readAgain(), { announce: false, retry: false, readFirst: false }); }
    // --- end sync ---

    /** Waits for queued writes, then closes the graph. */
    async close() {
      this.#channel?.close();
      this.#channel = null;
      await this.#queue;
      this.#inner.close();
    }
  }

  async function errorCodes() {
    return (await ready()).errorCodes();
  }

  return { Graph, errorCodes };
}

// --- import helpers ---
const CHUNK_BYTES = 1 << 20;

/** Bytes as UTF-8 text; bytes that are not UTF-8 are refused, not replaced. */
function utf8(bytes, field) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw wigError('INVALID_INPUT', field, 'the bytes are not UTF-8 text');
  }
}

function wigError(code, field, reason) {
  return Object.assign(new Error(`${code}: ${field ? field + ': ' : ''}${reason}`), { name: 'WigError', code, field, reason });
}

// Checks the `onProgress` and `signal` options before anything runs: a
// wrong one found after some batches were written would fail half-way.
function callbacks(options) {
  const { onProgress, signal } = options ?? {};
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw wigError('INVALID_INPUT', 'onProgress', 'must be a function');
  }
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw wigError('INVALID_INPUT', 'signal', 'must be an AbortSignal');
  }
  return options ?? {};
}

/** A CANCELLED error carrying the report of what was written before the abort. */
function cancelled(report) {
  return Object.assign(wigError('CANCELLED', 'signal', 'the import was cancelled; batches written before stay written'), { report });
}

function sourceSize(source) {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source.byteLength;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.size;
  return undefined;
}

/** The source as Uint8Array chunks of at most 1 MiB. */
async function* byteChunks(source, signal) {
  if (typeof source === 'string') {
    const encoder = new TextEncoder();
    for (let i = 0; i < source.length;) {
      let end = Math.min(i + CHUNK_BYTES / 4, source.length);
      const last = source.charCodeAt(end - 1);
      if (end < source.length && last >= 0xd800 && last <= 0xdbff) end -= 1; // keep a surrogate pair together
      yield encoder.encode(source.slice(i, end));
      i = end;
    }
  } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    for (let i = 0; i < bytes.length; i += CHUNK_BYTES) yield bytes.subarray(i, i + CHUNK_BYTES);
  } else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    yield* streamChunks(source.stream(), signal);
  } else if (source && typeof source.getReader === 'function') {
    yield* streamChunks(source, signal);
  } else {
    throw wigError('INVALID_INPUT', 'source', 'expected a string, Uint8Array, ArrayBuffer, Blob or ReadableStream');
  }
}

async function* streamChunks(stream, signal) {
  const reader = stream.getReader();
  let encoder;
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { done, value } = await reader.read();
      if (done) return;
      // A text stream (e.g. through a TextDecoderStream) gives strings.
      let bytes;
      if (value instanceof Uint8Array) bytes = value;
      else if (typeof value === 'string') bytes = (encoder ??= new TextEncoder()).encode(value);
      else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer ?? value, value.byteOffset ?? 0, value.byteLength);
      else throw wigError('INVALID_INPUT', 'source', `the stream gave a ${typeof value} chunk; expected bytes or text`);
      for (let i = 0; i < bytes.length; i += CHUNK_BYTES) yield bytes.subarray(i, i + CHUNK_BYTES);
    }
  } finally {
    if (signal?.aborted) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
// --- end import helpers ---

/** True for errors raised by @wig/graph. */
export function isWigError(e) {
  return e instanceof Error && e.name === 'WigError' && typeof e.code === 'string';
}
