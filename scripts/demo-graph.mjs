// The demo user's graph: the seeded sample graph (www/sample.js) plus the
// importers' sample files (a vCard with two obvious duplicates, meetings
// between them), with strengths scored — so the dashboard opens on
// duplicates to review, explained strengths and intro paths.
import { readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleGraph } from '../www/sample.js';

const samples = join(dirname(fileURLToPath(import.meta.url)), '../tests/fixtures/import');

/** Fills `graph` (an open, empty Graph) with the demo data; returns its stats. */
export async function fillDemoGraph(graph) {
  await graph.batch(sampleGraph());
  await graph.importContacts(await readFile(join(samples, 'sample.vcf')), { format: 'vcard', sourceName: 'demo-vcard' });
  await graph.importInteractions(await readFile(join(samples, 'sample.ics')), { format: 'ics', sourceName: 'demo-calendar' });
  await graph.recomputeStrengths();
  return graph.stats();
}
