// Seeded synthetic graph for the storage benchmark: N people and about
// N × m edges, Barabási–Albert-like (preferential attachment: new people
// connect to well-connected ones), with strengths skewed toward weak ties.
import { mulberry32 } from '../../www/sample.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function uuid(rand) {
  const b = Array.from({ length: 16 }, () => Math.floor(rand() * 256));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.map((x) => HEX[x]).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function generate({ people: n = 100_000, m = 10, seed = 7 } = {}) {
  const rand = mulberry32(seed);
  const people = new Array(n);
  for (let i = 0; i < n; i++) {
    people[i] = { id: uuid(rand), names: [`Person ${i}`], emails: [`person${i}@example${i % 997}.com`] };
  }
  // Preferential attachment through a list of edge endpoints.
  const endpoints = [];
  const seen = new Set();
  const edges = [];
  for (let v = 1; v < n; v++) {
    const k = Math.min(m, v);
    let added = 0;
    let tries = 0;
    while (added < k && tries < k * 20) {
      tries++;
      const u = endpoints.length && rand() < 0.8 ? endpoints[Math.floor(rand() * endpoints.length)] : Math.floor(rand() * v);
      if (u === v) continue;
      const key = u < v ? u * n + v : v * n + u;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ fromPersonId: people[v].id, toPersonId: people[u].id, strength: Math.round(rand() ** 2 * 1000) / 1000 });
      endpoints.push(u, v);
      added++;
    }
  }
  return { people, edges };
}
