// A seeded sample graph: the same people, organizations, edges and
// interactions on every machine, so tests can check the counts the page shows.
// Ids are derived from the seed too, so reloading the sample is idempotent.

/** Seeded PRNG (mulberry32): the same numbers on every machine. */
export function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(rand) {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret', 'Ken', 'Radia', 'Tim', 'Sophie', 'Linus', 'Hedy', 'Dennis', 'Katherine', 'John', 'Shafi', 'Niklaus', 'Leslie', 'José', 'Zoë', 'Søren', 'Łukasz', 'Aiko', 'Chidi', 'Priya', 'Mateo', 'Fatima', 'Ines'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Knuth', 'Hamilton', 'Thompson', 'Perlman', 'Berners-Lee', 'Wilson', 'Torvalds', 'Lamarr', 'Ritchie', 'Johnson', 'McCarthy', 'Goldwasser', 'Wirth', 'Lamport', 'García', 'Müller', 'Kierkegaard', 'Nowak', 'Tanaka', 'Okafor', 'Sharma', 'Rossi', 'Haddad', 'Silva'];
const ORGS = [
  ['Acme Analytics', 'acme-analytics.com'], ['Globex', 'globex.io'], ['Initech', 'initech.com'], ['Umbrella Labs', 'umbrella-labs.org'],
  ['Stark Ventures', 'starkvc.com'], ['Wayne Capital', 'waynecap.com'], ['Hooli', 'hooli.xyz'], ['Pied Piper', 'piedpiper.net'],
  ['Vandelay Industries', 'vandelay.com'], ['Soylent', 'soylent.co'], ['Tyrell', 'tyrell.ai'], ['Cyberdyne', 'cyberdyne.systems'],
];
const CHANNELS = ['email', 'email', 'email', 'message', 'meeting', 'call'];

export function sampleGraph({ seed = 42, people: nPeople = 240, edgesPerPerson = 4, interactions: nInteractions = 1500 } = {}) {
  const rand = mulberry32(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const organizations = ORGS.map(([name, domain]) => ({ id: uuidFrom(rand), name, domain }));
  const people = [];
  for (let i = 0; i < nPeople; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[Math.floor(i / FIRST.length + i * 7) % LAST.length];
    const org = organizations[Math.floor(rand() * organizations.length)];
    const local = `${first}.${last}`.toLowerCase().normalize('NFKD').replace(/[^a-z.]/g, '');
    const emails = [`${local}${i}@${org.domain}`];
    if (rand() < 0.3) emails.push(`${local}${i}@gmail.com`);
    people.push({ id: uuidFrom(rand), names: [`${first} ${last}`], emails, title: pick(['Engineer', 'Founder', 'Partner', 'Designer', 'CTO', 'Investor']), organizationId: org.id });
  }
  const pairs = new Map();
  const addEdge = (a, b) => {
    if (a === b) return;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    if (!pairs.has(key)) pairs.set(key, { id: uuidFrom(rand), fromPersonId: people[a].id, toPersonId: people[b].id, strength: Math.round((0.1 + 0.9 * rand() ** 2) * 1000) / 1000, relationshipType: pick(['knows', 'knows', 'worked_at', 'advised', 'connected_to']), sources: ['sample'] });
  };
  for (let a = 0; a < nPeople; a++) {
    for (let k = 0; k < edgesPerPerson; k++) {
      // Preferential mixing: nearby indices share organizations more often.
      const b = rand() < 0.6 ? (a + 1 + Math.floor(rand() * 10)) % nPeople : Math.floor(rand() * nPeople);
      addEdge(a, b);
    }
  }
  const edges = [...pairs.values()];
  const interactions = [];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < nInteractions; i++) {
    const e = edges[Math.floor(rand() * edges.length)];
    const a = people.find((p) => p.id === e.fromPersonId);
    const b = people.find((p) => p.id === e.toPersonId);
    const channel = pick(CHANNELS);
    interactions.push({
      id: uuidFrom(rand),
      sourceName: 'sample',
      sourceId: `s-${seed}-${i}`,
      timestamp: new Date(start + Math.floor(rand() * 300) * 86400000 + Math.floor(rand() * 86400000)).toISOString(),
      participants: [a.emails[0], b.emails[0]],
      channel,
      direction: rand() < 0.7 ? 'two_way' : 'one_way',
      sender: a.emails[0],
      ...(channel === 'meeting' || channel === 'call' ? { durationMinutes: 15 + Math.floor(rand() * 60) } : {}),
    });
  }
  return { organizations, people, edges, interactions };
}

export function expectedCounts(graph) {
  return { people: graph.people.length, organizations: graph.organizations.length, edges: graph.edges.length, interactions: graph.interactions.length };
}
