// "How am I connected to the person on this page?" — finds the page's person
// in the graph (by LinkedIn profile URL, else by name + company through
// graph.matchPerson) and ranks the intro paths from "me". No chrome.* and no
// DOM here, so it runs in the service worker and under `node --test` alike.

const LINKEDIN_PROFILE = /^(?:https?:\/\/)?(?:[a-z0-9-]+\.)?linkedin\.com\/in\/([^/?#]+)/i;
const LEGAL_SUFFIXES = new Set(['inc', 'incorporated', 'llc', 'ltd', 'limited', 'gmbh', 'ag', 'sa', 'sas', 'bv', 'corp', 'corporation', 'co', 'plc', 'oy', 'ab']);
const MAX_TEXT = 300;

/** The handle of a LinkedIn profile URL ("https://www.linkedin.com/in/ada-l/" → "ada-l"), or a bare handle, lower-cased; null otherwise. */
export function linkedinHandle(value) {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const m = LINKEDIN_PROFILE.exec(text);
  let handle = m ? m[1] : /^[\p{L}\p{N}_-]+$/u.test(text) ? text : null;
  if (!handle) return null;
  try {
    handle = decodeURIComponent(handle);
  } catch {
    return null;
  }
  return handle.toLowerCase() || null;
}

/** An organization name reduced for comparison: case, accents, punctuation and legal suffixes dropped ("Acme, Inc." → "acme"). */
export function foldOrganizationName(name) {
  const words = String(name ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  while (words.length > 1 && LEGAL_SUFFIXES.has(words.at(-1))) words.pop();
  return words.join(' ');
}

/**
 * Checks what a content script sent. Returns the cleaned profile, or throws
 * an Error with code INVALID_PROFILE and the field at fault (the popup shows
 * it as is).
 */
export function readProfile(input) {
  const fail = (field, reason) => Object.assign(new Error(`INVALID_PROFILE: ${field}: ${reason}`), { code: 'INVALID_PROFILE', field, reason });
  if (input === null || typeof input !== 'object') throw fail('profile', 'expected an object');
  const out = {};
  for (const field of ['name', 'headline', 'company', 'url']) {
    const v = input[field];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw fail(field, 'expected text');
    const t = v.replace(/\s+/g, ' ').trim();
    if (t.length > MAX_TEXT) throw fail(field, `longer than ${MAX_TEXT} characters`);
    if (t) out[field] = t;
  }
  if (!out.name) throw fail('name', 'no name found on the page');
  return out;
}

/** All items of a paged list (listPeople, listOrganizations). */
function* everything(list) {
  let cursor;
  do {
    const page = list({ limit: 1000, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * Lookups over one open graph. The handle and organization indexes are built
 * on first use; call `invalidate()` after writing to the graph.
 * @param {import('@wig/graph').Graph} graph
 */
export function createLookup(graph) {
  let index = null;
  const build = () => {
    const byHandle = new Map();
    for (const p of everything((o) => graph.listPeople(o))) {
      if (p.deletedAt || p.mergedInto) continue;
      const h = linkedinHandle(p.socialHandles?.linkedin);
      if (h && !byHandle.has(h)) byHandle.set(h, p.id);
    }
    const orgByName = new Map();
    for (const o of everything((o) => graph.listOrganizations(o))) {
      const key = foldOrganizationName(o.name);
      if (key && !orgByName.has(key)) orgByName.set(key, o.id);
    }
    return { byHandle, orgByName };
  };
  const current = () => (index ??= build());

  const personName = (id) => graph.getPerson(id)?.names[0] ?? '(unknown)';
  const summary = (p) => {
    const org = p.organizationId ? graph.getOrganization(p.organizationId) : undefined;
    return { id: p.id, name: p.names[0] ?? '(no name)', title: p.title ?? null, organization: org?.name ?? null };
  };

  /** The stored person on the page, with how they were found; or null and the near misses. */
  function find(profile) {
    const handle = linkedinHandle(profile.url);
    const { byHandle, orgByName } = current();
    if (handle && byHandle.has(handle)) {
      const person = graph.getPerson(byHandle.get(handle));
      if (person) return { person, match: { by: 'profileUrl', handle } };
    }
    const organizationId = profile.company ? orgByName.get(foldOrganizationName(profile.company)) : undefined;
    const candidates = graph.matchPerson({ names: [profile.name], ...(organizationId ? { organizationId } : {}) }, { limit: 3 });
    const best = candidates[0];
    if (best?.isMatch) {
      return {
        person: graph.getPerson(best.id),
        match: { by: 'nameAndCompany', handle, companyKnown: Boolean(organizationId), probability: best.probability, fields: best.fields },
      };
    }
    const nearMisses = candidates.filter((c) => c.probability >= 0.05).map((c) => ({ id: c.id, name: personName(c.id), probability: c.probability }));
    return { person: null, match: { by: 'none', handle, companyKnown: Boolean(organizationId) }, nearMisses };
  }

  /**
   * @param {object} rawProfile what the content script read: { name, headline?, company?, url? }
   * @param {string} meId the person the paths start from
   * @param {{ k?: number, maxHops?: number }} [options]
   */
  function lookup(rawProfile, meId, { k = 3, maxHops = 4 } = {}) {
    const profile = readProfile(rawProfile);
    const me = meId ? graph.getPerson(meId) : undefined;
    if (!me || me.deletedAt) return { status: 'no-me', profile, meId: meId ?? null };
    const found = find(profile);
    const base = { profile, me: summary(me), match: found.match };
    if (!found.person) return { ...base, status: 'not-found', nearMisses: found.nearMisses };
    const person = summary(found.person);
    if (person.id === me.id) return { ...base, status: 'is-me', person, paths: [] };
    const paths = graph.introPaths(me.id, person.id, { k, maxHops }).map((path) => ({
      people: path.personIds.map((id) => ({ id, name: personName(id) })),
      hopStrengths: path.hopStrengths,
      score: path.score,
      weakestHop: path.weakestHop ? { index: path.weakestHop.index, strength: path.weakestHop.strength } : null,
      hops: path.hops.map((h) => ({ strength: h.strength, relationshipType: h.relationshipType, why: h.why ?? [] })),
    }));
    return { ...base, status: 'matched', person, paths, maxHops };
  }

  return { lookup, invalidate: () => (index = null) };
}
