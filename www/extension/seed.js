// The extension's demo data: the dashboard's seeded sample graph (copied to
// lib/sample.js by scripts/build-extension.mjs), with a LinkedIn profile URL
// for every person so profile pages can be matched by URL, and strengths
// scored from the sample's interactions so every hop explains itself.
import { sampleGraph } from './lib/sample.js';

const slug = (name) =>
  name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The sample graph plus `socialHandles.linkedin` (vanity-URL style: "margaret-lamport", then "-2", "-3" for repeats). */
export function demoGraph() {
  const graph = sampleGraph();
  const taken = new Map();
  graph.people = graph.people.map((p) => {
    const base = slug(p.names[0]) || 'member';
    const n = (taken.get(base) ?? 0) + 1;
    taken.set(base, n);
    return { ...p, socialHandles: { ...p.socialHandles, linkedin: `https://www.linkedin.com/in/${n === 1 ? base : `${base}-${n}`}/` } };
  });
  return graph;
}

/**
 * Writes the demo graph (one transaction) and scores strengths as of the day
 * after the last sample interaction, so the numbers are the same on every
 * machine. Returns the default "me": the sample's first person.
 * @param {import('@wig/graph').Graph} graph
 */
export async function seedDemoGraph(graph) {
  const data = demoGraph();
  await graph.batch(data);
  const last = Math.max(...data.interactions.map((i) => Date.parse(i.timestamp)));
  await graph.recomputeStrengths({ now: last + 86_400_000 });
  return { meId: data.people[0].id };
}

/** The default "me" (the sample's first person), without writing anything. */
export const defaultMeId = () => sampleGraph().people[0].id;
