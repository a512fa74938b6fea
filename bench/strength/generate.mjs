// Seeded synthetic CRM interactions for the strength benchmark: PEOPLE
// people in teams of 20, N interactions over two years, mostly inside teams
// (emails, messages, meetings of 2–8, calls), as one batch JSON file.
// Usage: node bench/strength/generate.mjs OUT [interactions] [people]
import { writeFileSync } from 'node:fs';

const [out, n = '1000000', np = '10000'] = process.argv.slice(2);
const N = Number(n), P = Number(np);
let seed = 42;
const rand = () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const below = (k) => Math.floor(rand() * k);
const id = (i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const people = Array.from({ length: P }, (_, i) => ({ id: id(i + 1), names: [`P${i}`], emails: [`p${i}@example.com`] }));
const T0 = Date.parse('2024-01-01T00:00:00Z');
const DAY = 86_400_000;
const parts = [];
parts.push(`{"people":${JSON.stringify(people)},"interactions":[`);
for (let i = 0; i < N; i++) {
  const q = rand();
  const channel = q < 0.45 ? 'email' : q < 0.7 ? 'message' : q < 0.9 ? 'meeting' : 'call';
  const size = channel === 'meeting' ? 2 + below(7) : channel === 'email' && rand() < 0.3 ? 3 + below(4) : 2;
  const init = below(P);
  const base = Math.floor(init / 20) * 20;
  const ps = new Set([init]);
  while (ps.size < size) ps.add(rand() < 0.8 ? Math.min(P - 1, base + below(20)) : below(P));
  // Participants by id, a tenth by email (the email index is part of the work).
  const list = [...ps].map((p) => (rand() < 0.1 ? `p${p}@example.com` : id(p + 1)));
  const x = { sourceName: 'synthetic', sourceId: `i${i}`, timestamp: T0 + below(730 * DAY), participants: list, channel, sender: list[0] };
  if (channel === 'meeting' || channel === 'call') x.durationMinutes = 5 + below(60);
  parts.push((i ? ',' : '') + JSON.stringify(x));
}
parts.push(']}');
writeFileSync(out, parts.join(''));
console.log(`wrote ${out}: ${P} people, ${N} interactions`);
