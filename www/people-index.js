// A search index of people and organizations for the dashboard: one
// lower-cased haystack string per person (names, emails, organization
// name), kept in flat arrays so 100k people cost a few MB and one linear
// scan per keystroke (no person objects are kept; the person page reads the
// record from the graph). Rebuilt after writes that change people.

const PAGE = 10000; // listPeople's largest page

import { shown } from './dom.js';

export class PeopleIndex {
  constructor(graph) {
    this.graph = graph;
    this.stale = true;
    this.generation = 0;
  }

  invalidate() {
    this.stale = true;
    this.generation++;
  }

  /** (Re)builds now if stale; returns the build time in ms (0 when fresh). */
  ensure() {
    if (!this.stale) return 0;
    const build = this.#builder();
    while (!build.next().done);
    return this.buildMs;
  }

  /**
   * Builds in the background: one listPeople page (10k people) per task, so
   * the page stays responsive while a large graph is indexed. Resolves with
   * the build time, or 0 if a write or an ensure() overtook it.
   */
  warm() {
    if (!this.stale) return Promise.resolve(0);
    // One background build per generation, however many callers ask.
    if (this.warming?.generation !== this.generation) this.warming = { generation: this.generation, promise: this.#warm() };
    return this.warming.promise;
  }

  async #warm() {
    const generation = this.generation;
    const build = this.#builder();
    for (;;) {
      if (generation !== this.generation || !this.stale) return 0;
      if (build.next().done) return this.buildMs;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  *#builder() {
    const t0 = performance.now();
    const orgs = new Map();
    let cursor;
    do {
      const page = this.graph.listOrganizations({ limit: PAGE, cursor });
      for (const o of page.items) orgs.set(o.id, o);
      cursor = page.nextCursor;
    } while (cursor);
    const ids = [];
    const labels = [];
    const emails = [];
    const orgIds = [];
    const hay = [];
    cursor = undefined;
    do {
      yield;
      const page = this.graph.listPeople({ limit: PAGE, cursor });
      for (const p of page.items) {
        const org = p.organizationId ? orgs.get(p.organizationId) : undefined;
        ids.push(p.id);
        labels.push(shown(p.names[0] ?? p.emails[0] ?? p.phones[0] ?? '(no name)'));
        emails.push(p.emails[0] ?? '');
        orgIds.push(p.organizationId ?? null);
        hay.push(`${p.names.join(' ')} ${p.emails.join(' ')} ${org?.name ?? ''} ${p.title ?? ''}`.toLowerCase());
      }
      cursor = page.nextCursor;
    } while (cursor);
    const orgList = [...orgs.values()].filter((o) => !o.deletedAt && !o.mergedInto);
    Object.assign(this, {
      ids, labels, emails, orgIds, hay, orgs,
      orgList,
      orgHay: orgList.map((o) => `${o.name} ${o.domain ?? ''}`.toLowerCase()),
      slot: new Map(ids.map((id, i) => [id, i])),
      stale: false,
    });
    this.buildMs = performance.now() - t0;
  }

  get size() {
    this.ensure();
    return this.ids.length;
  }

  /** Indices of people matching every word of `query` (all people for ''). */
  search(query) {
    this.ensure();
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return Int32Array.from(this.ids.keys());
    const out = [];
    const hay = this.hay;
    for (let i = 0; i < hay.length; i++) {
      const s = hay[i];
      if (words.every((w) => s.includes(w))) out.push(i);
    }
    return Int32Array.from(out);
  }

  /** Organizations whose name or domain contains every word. */
  searchOrganizations(query, limit = 10) {
    this.ensure();
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const out = [];
    for (let i = 0; i < this.orgList.length && out.length < limit; i++) {
      if (words.length && words.every((w) => this.orgHay[i].includes(w))) out.push(this.orgList[i]);
    }
    return out;
  }

  row(i) {
    const orgId = this.orgIds[i];
    return { id: this.ids[i], label: this.labels[i], email: this.emails[i], organization: orgId ? this.orgs.get(orgId)?.name ?? '' : '' };
  }

  /** Display name of a person id (also merged-away ones, from the graph; never waits for the index). */
  label(id) {
    const i = this.stale ? undefined : this.slot.get(id);
    if (i !== undefined) return this.labels[i];
    try {
      const p = this.graph.getPerson(id);
      return shown(p?.names[0] ?? p?.emails[0] ?? id);
    } catch {
      return id;
    }
  }

  organizationName(id) {
    if (!id) return '';
    if (!this.stale) return shown(this.orgs.get(id)?.name ?? '');
    try {
      return shown(this.graph.getOrganization(id)?.name ?? '');
    } catch {
      return '';
    }
  }
}
