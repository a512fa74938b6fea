// Compiled with `tsc --noEmit` by scripts/test.sh: the hand-written types
// must accept real usage and refuse misuse (the @ts-expect-error lines).
import { Graph, isWigError, errorCodes, wasmMemoryBytes, setWasmSource, type Person, type Edge, type Page, type WigError, type MergeRecord, type Rejection, type IntroPath, type StrengthReport, type ImportReport, type ImportProgress, type Distances, createSync, type Sync, type SyncProgress, type SyncResult, type SyncStatus } from '@wig/graph';

async function usage(): Promise<void> {
  const g: Graph = await Graph.open('crm', { storage: 'indexeddb', actorId: 'me' });
  const ada: Person = await g.upsertPerson({ names: ['Ada'], emails: ['ada@example.org'] });
  const bob = await g.upsertPerson({ names: ['Bob'] });
  const edge: Edge = await g.upsertEdge({ fromPersonId: ada.id, toPersonId: bob.id, strength: 0.8, relationshipType: 'advised' });
  await g.upsertInteraction({ sourceName: 'gmail', sourceId: 'm1', timestamp: new Date(), participants: [ada.id, 'bob@example.org'], channel: 'email' });
  // A record read back can be written back.
  await g.upsertPerson({ ...ada, title: 'Countess' });
  const counts = await g.batch({ people: [{ names: ['Carol'] }], edges: [{ fromPersonId: ada.id, toPersonId: bob.id }] });
  const n: number = counts.people + counts.unchanged;
  const page: Page<Person> = g.listPeople({ limit: 10 });
  const next: string | null = page.nextCursor;
  // The README's paging: the next cursor goes straight back in.
  g.listPeople({ limit: 100, cursor: page.nextCursor });
  // A suggestion is a merge's explanation as it is (an interface, not an index signature).
  const [suggestion] = g.findDuplicates().suggestions;
  if (suggestion) await g.merge(suggestion.a, [suggestion.b], { explanation: suggestion });
  // Only a record's own system fields may be written back: an edge has no mergedInto.
  // @ts-expect-error mergedInto is a person's or an organization's field
  await g.upsertEdge({ ...edge, mergedInto: ada.id });
  setWasmSource(new URL('https://cdn.example/wig_graph_bg.wasm'));
  const maybe: Person | undefined = g.getPerson(ada.id);
  const exported = g.exportPerson(ada.id);
  const edges: Edge[] = exported.edges;
  // --- merges ---
  const carol = await g.upsertPerson({ names: ['Carol'] });
  const merge: MergeRecord = await g.merge(ada.id, [carol.id], { explanation: { score: 0.97 } });
  const kept: Edge[] = merge.edgesAfter;
  await g.unmerge(merge.id);
  const rejection: Rejection = await g.rejectMatch(ada.id, carol.id);
  const rejected: boolean = g.isRejected(rejection.a, rejection.b);
  const newest: MergeRecord | undefined = g.listMerges()[0];
  const orgMerge: MergeRecord = await g.mergeOrganizations(ada.id, [carol.id]);
  console.log(kept, rejected, newest, orgMerge.undoneAt);
  // @ts-expect-error sourceIds is an array
  await g.merge(ada.id, carol.id);
  const report = await g.erasePerson(bob.id);
  const removed: number = report.edges;
  try {
    await g.upsertPerson({ emails: ['broken@'] });
  } catch (e) {
    if (isWigError(e)) {
      const err: WigError = e;
      const field: string | null = err.field;
      if (err.code === 'INVALID_EMAIL') console.log(field);
    }
  }
  const dups = g.findDuplicates({ kind: 'people', threshold: 0.95, onProgress: (done, total) => console.log(done / total) });
  const firstWeight: number | undefined = dups.suggestions[0]?.fields[0]?.weight;
  const codes = await errorCodes();
  const bytes: number = wasmMemoryBytes();
  const paths: IntroPath[] = g.introPaths(ada.id, bob.id, { k: 3, maxHops: 4, minStrength: 0.2, relationshipTypes: ['knows'] });
  const sp: IntroPath | null = g.shortestPath(ada.id, bob.id);
  const why: number | undefined = paths[0]?.hops[0]?.why[0]?.contribution;
  const hood = g.neighbors(ada.id, { depth: 2 });
  const route: string[] | null = g.shortestPathIds(ada.id, bob.id, { maxHops: 3 });
  const dist: Distances = g.distancesFrom(ada.id, { minStrength: 0.2 });
  const hopsToBob: number | null = dist.get(bob.id);
  const raw: Uint32Array = dist.distances;
  for (const [id, hops] of dist.entries()) console.log(id.length + hops, dist.personId(0), dist.size);
  const indexBytes: number | null = g.stats().graphIndexBytes;
  console.log(route, hopsToBob, raw.length, indexBytes);
  // @ts-expect-error distancesFrom takes filters, not a depth
  g.distancesFrom(ada.id, { depth: 2 });
  const ties: Edge[] = g.edgesOf(ada.id, { minStrength: 0.1 });
  console.log(ties[0]?.strengthFactors[0]?.contribution);
  const strengths: StrengthReport = await g.recomputeStrengths({ now: Date.now(), only: 'touched' });
  console.log(sp, why, hood.total, strengths.unknownParticipants.count, g.mutualConnections(ada.id, bob.id).length);
  // @ts-expect-error only is 'all' or 'touched'
  await g.recomputeStrengths({ only: 'some' });
  // import
  const controller = new AbortController();
  const imported: ImportReport = await g.importContacts('BEGIN:VCARD\nFN:Ada\nEND:VCARD\n', {
    format: 'vcard', sourceName: 'phone', defaultRegion: 'GB', signal: controller.signal,
    onProgress: (p: ImportProgress) => console.log(p.bytesDone, p.bytesTotal ?? 0, p.records),
  });
  const csvReport = await g.importContacts(new Uint8Array(0), { format: 'csv', mapping: { 'Full name': 'name', Mail: 'email' } });
  const meetings = await g.importInteractions(new Blob(['BEGIN:VCALENDAR\nEND:VCALENDAR\n']), { format: 'ics' });
  const mails = await g.importInteractions(new Uint8Array(0), { format: 'mbox', ownerEmails: ['me@example.com'] });
  const firstError: number | undefined = imported.errors[0]?.line;
  console.log(imported.duplicateSuggestions, csvReport.people, meetings.strengthsUpdated, mails.interactions, firstError);
  // @ts-expect-error contacts formats only
  await g.importContacts('x', { format: 'ics' });
  // @ts-expect-error a mapping names known fields
  await g.importContacts('x', { format: 'csv', mapping: { A: 'shoe size' } });
  await g.deleteEdge(edge.id);
  const sync: Sync = createSync(g, { url: 'http://127.0.0.1:3000', getToken: async () => 'jwt', batchSize: 500 });
  const off = sync.on('progress', (p: SyncProgress) => console.log(p.phase, p.done, p.total));
  sync.on('error', (e) => console.log(e.code === 'UNAUTHORIZED'));
  const result: SyncResult = await sync.syncNow();
  const st: SyncStatus = sync.status;
  sync.start({ interval: 60_000 });
  sync.stop();
  off();
  // @ts-expect-error url is required
  createSync(g, { getToken: () => 'jwt' });
  console.log(result.pulled, st);
  await g.close();

  // @ts-expect-error channel must be one of the enum values
  await g.upsertInteraction({ sourceName: 's', sourceId: '1', timestamp: 0, participants: [], channel: 'fax' });
  // @ts-expect-error an edge needs its endpoints
  await g.upsertEdge({ strength: 0.5 });
  // @ts-expect-error strength is a number
  await g.upsertEdge({ fromPersonId: ada.id, toPersonId: bob.id, strength: 'high' });
  console.log(n, next, maybe, edges, removed, codes, bytes, firstWeight);
}
void usage;
