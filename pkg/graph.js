// The JS face of @wig/graph: a small wrapper over the wasm `WasmGraph` that
// queues writes (one at a time, in call order) and documents the API.
// Errors thrown are `Error`s with name "WigError", a stable `code`, the
// `field` they concern (or null) and a `reason`.

/** @param {() => Promise<any>} ready resolves once the wasm module is loaded */
export function makeApi(ready) {
  class Graph {
    #inner;
    #queue = Promise.resolve();

    constructor(inner) {
      this.#inner = inner;
    }

    /**
     * Opens (or creates) the graph `name`.
     * @param {string} name
     * @param {{ storage?: 'indexeddb' | 'memory', actorId?: string }} [options]
     */
    static async open(name, options = {}) {
      const wasm = await ready();
      return new Graph(await wasm.WasmGraph.open(name, options));
    }

    /** Deletes a graph and all its data. */
    static async delete(name, options = {}) {
      const wasm = await ready();
      await wasm.WasmGraph.deleteGraph(name, options);
    }

    get name() {
      return this.#inner.name;
    }

    // Writes run one after another, in call order; a failed write does not
    // stop the ones queued after it.
    #write(fn) {
      const result = this.#queue.then(() => fn(this.#inner));
      this.#queue = result.catch(() => {});
      return result;
    }

    upsertPerson(person) { return this.#write((g) => g.upsertPerson(person)); }
    upsertPeople(people) { return this.#write((g) => g.upsertPeople(people)); }
    upsertOrganization(org) { return this.#write((g) => g.upsertOrganization(org)); }
    upsertOrganizations(orgs) { return this.#write((g) => g.upsertOrganizations(orgs)); }
    upsertEdge(edge) { return this.#write((g) => g.upsertEdge(edge)); }
    upsertEdges(edges) { return this.#write((g) => g.upsertEdges(edges)); }
    upsertInteraction(interaction) { return this.#write((g) => g.upsertInteraction(interaction)); }
    upsertInteractions(interactions) { return this.#write((g) => g.upsertInteractions(interactions)); }

    /** Organizations, people, edges and interactions in one transaction. */
    batch(batch) {
      // Large loads go through JSON text: parsing it in wasm beats walking
      // hundreds of thousands of JS objects from wasm.
      const size = ['organizations', 'people', 'edges', 'interactions'].reduce((n, k) => n + (batch?.[k]?.length ?? 0), 0);
      if (size > 5000) return this.#write((g) => g.batchJson(JSON.stringify(batch)));
      return this.#write((g) => g.batch(batch));
    }

    deletePerson(id) { return this.#write((g) => g.delete('person', id)); }
    deleteOrganization(id) { return this.#write((g) => g.delete('organization', id)); }
    deleteEdge(id) { return this.#write((g) => g.delete('edge', id)); }
    deleteInteraction(id) { return this.#write((g) => g.delete('interaction', id)); }

    /** Hard-deletes a person and everything about them (GDPR erasure). */
    erasePerson(id) { return this.#write((g) => g.erasePerson(id)); }
    /** Everything the graph holds about a person (GDPR access). */
    exportPerson(id) { return this.#inner.exportPerson(id); }

    getPerson(id) { return this.#inner.getPerson(id); }
    getOrganization(id) { return this.#inner.getOrganization(id); }
    getEdge(id) { return this.#inner.getEdge(id); }
    getInteraction(id) { return this.#inner.getInteraction(id); }

    listPeople(options) { return this.#inner.listPeople(options); }
    listOrganizations(options) { return this.#inner.listOrganizations(options); }
    listEdges(options) { return this.#inner.listEdges(options); }
    listInteractions(options) { return this.#inner.listInteractions(options); }

    audit(options) { return this.#inner.audit(options); }
    stats() { return this.#inner.stats(); }

    /** Waits for queued writes, then closes the graph. */
    async close() {
      await this.#queue;
      this.#inner.close();
    }
  }

  async function errorCodes() {
    return (await ready()).errorCodes();
  }

  return { Graph, errorCodes };
}

/** True for errors raised by @wig/graph. */
export function isWigError(e) {
  return e instanceof Error && e.name === 'WigError' && typeof e.code === 'string';
}
