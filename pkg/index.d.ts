// Types of @wig/graph. Hand-written and checked by tests/types/usage.ts
// (`tsc --noEmit` in scripts/test.sh).

/** UUID string, lower-case, hyphenated. */
export type Id = string;
/** RFC 3339 timestamp as returned (e.g. "2024-05-01T12:00:00.000Z"). */
export type Timestamp = string;
/** A timestamp as accepted: RFC 3339 string, epoch milliseconds or a Date. */
export type TimeInput = string | number | Date;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Metadata = { [key: string]: Json } | null;

export type RelationshipType = 'knows' | 'connected_to' | 'interacted_with' | 'worked_at' | 'advised' | 'invested_in';
export type Channel = 'email' | 'message' | 'meeting' | 'call' | 'other';
export type Direction = 'one_way' | 'two_way';
export type EntityType = 'person' | 'organization' | 'edge' | 'interaction' | 'merge';

interface Stamps {
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** Set by a soft delete. */
  deletedAt: Timestamp | null;
  /** Server change sequence this record was last synced at (0: never). */
  syncVersion: number;
}

export interface Person extends Stamps {
  id: Id;
  names: string[];
  emails: string[];
  phones: string[];
  socialHandles: Record<string, string>;
  title: string | null;
  organizationId: Id | null;
  addresses: string[];
  /** YYYY-MM-DD */
  birthDate: string | null;
  mergeExplanation: Metadata;
  previousIds: Id[];
  mergedInto: Id | null;
  metadata: Metadata;
}

export interface Organization extends Stamps {
  id: Id;
  name: string;
  domain: string | null;
  mergeExplanation: Metadata;
  previousIds: Id[];
  mergedInto: Id | null;
  metadata: Metadata;
}

export interface StrengthFactor {
  name: string;
  value: number;
  contribution: number;
}

export interface Edge extends Stamps {
  id: Id;
  fromPersonId: Id;
  toPersonId: Id;
  relationshipType: RelationshipType;
  /** In [0, 1]. */
  strength: number;
  strengthFactors: StrengthFactor[];
  sources: string[];
  channels: Channel[];
  firstSeenAt: Timestamp | null;
  lastSeenAt: Timestamp | null;
  interactionCount: number;
  metadata: Metadata;
}

export interface Interaction extends Stamps {
  id: Id;
  sourceName: string;
  sourceId: string;
  timestamp: Timestamp;
  /** Emails (lower-cased) or person ids. */
  participants: string[];
  channel: Channel;
  direction: Direction | null;
  sender: string | null;
  durationMinutes: number | null;
  metadata: Metadata;
}

/** System fields may be sent back unchanged (they are ignored); unknown fields are refused. */
type SystemFields = 'createdAt' | 'updatedAt' | 'deletedAt' | 'syncVersion' | 'previousIds' | 'mergedInto' | 'mergeExplanation';

export interface PersonInput {
  id?: Id;
  names?: string[];
  emails?: string[];
  phones?: string[];
  socialHandles?: Record<string, string>;
  title?: string | null;
  organizationId?: Id | null;
  addresses?: string[];
  birthDate?: string | null;
  metadata?: Metadata;
}
export interface OrganizationInput {
  id?: Id;
  name: string;
  domain?: string | null;
  metadata?: Metadata;
}
export interface EdgeInput {
  id?: Id;
  fromPersonId: Id;
  toPersonId: Id;
  relationshipType?: RelationshipType;
  /** Default 0.5 for a declared edge. */
  strength?: number;
  strengthFactors?: StrengthFactor[];
  sources?: string[];
  channels?: Channel[];
  firstSeenAt?: TimeInput | null;
  lastSeenAt?: TimeInput | null;
  interactionCount?: number;
  metadata?: Metadata;
}
export interface InteractionInput {
  id?: Id;
  sourceName: string;
  sourceId: string;
  timestamp: TimeInput;
  participants: string[];
  channel: Channel;
  direction?: Direction | null;
  sender?: string | null;
  durationMinutes?: number | null;
  metadata?: Metadata;
}
/** A record read from the graph can be written back as input. */
export type Writable<T> = Omit<T, SystemFields> & Partial<Pick<T, Extract<SystemFields, keyof T>>>;

export interface BatchInput {
  organizations?: (OrganizationInput | Writable<Organization>)[];
  people?: (PersonInput | Writable<Person>)[];
  edges?: (EdgeInput | Writable<Edge>)[];
  interactions?: (InteractionInput | Writable<Interaction>)[];
}
/** Records of each kind in the call, written or unchanged. */
export interface BatchResult {
  organizations: number;
  people: number;
  edges: number;
  interactions: number;
  /** Records sent identical to what is stored: nothing written for them. */
  unchanged: number;
}

export interface ListOptions {
  /** 1..10000, default 100. */
  limit?: number;
  /** `nextCursor` of the previous page (null: the first page). */
  cursor?: string | null;
  /** Also soft-deleted and merged-away records. */
  includeDeleted?: boolean;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AuditEntry {
  id: Id;
  seq: number;
  correlationId: string;
  action: string;
  actorId: string | null;
  entityType: EntityType | null;
  entityId: Id | null;
  metadata: Metadata;
  createdAt: Timestamp;
}
// --- merges ---
/** Everything needed to undo one merge exactly. */
export interface MergeRecord {
  id: Id;
  /** Order of merges in the graph: a later merge has a larger seq. */
  seq: number;
  entityType: EntityType;
  targetId: Id;
  /** Sorted. */
  sourceIds: Id[];
  explanation: Metadata;
  /** Target and sources (person merges) or the re-pointed people (organization merges), before and after. */
  peopleBefore: Person[];
  peopleAfter: Person[];
  organizationsBefore: Organization[];
  organizationsAfter: Organization[];
  /** Every edge the merge rewrote (re-pointed, combined), as it was. */
  edgesBefore: Edge[];
  /** Those edges as it left them. */
  edgesAfter: Edge[];
  /**
   * Source edges combined into another edge. A merge erases nothing: they,
   * and edges between the merged people, stay as they were on the
   * merged-away person, out of every query with her, and come back with
   * her on unmerge.
   */
  edgesFolded: number;
  /** Edges the merge erased: always empty but in merges stored by earlier versions. */
  removedEdgeIds: Id[];
  createdAt: Timestamp;
  undoneAt: Timestamp | null;
}
export interface MergeOptions {
  /** Why these records are one (e.g. a match explanation, a DuplicateSuggestion): a JSON object, stored on the target as mergeExplanation. */
  explanation?: object | null;
}
/** Review feedback: two records that are not the same (a < b). */
export interface Rejection {
  a: Id;
  b: Id;
  kind: 'person' | 'organization';
  createdAt: Timestamp;
}
// --- end merges ---
export interface Stats {
  people: number;
  organizations: number;
  edges: number;
  interactions: number;
  deleted: number;
  /** Merged-away people and organizations, and the edges left on merged-away people. */
  mergedAway: number;
  merges: number;
  auditEntries: number;
  outboxChanges: number;
  /** Bytes held by the graph search index; null until a graph query builds it. */
  graphIndexBytes: number | null;
}
export interface ExportedPerson {
  person: Person;
  mergedRecords: Person[];
  organization: Organization | null;
  edges: Edge[];
  interactions: Interaction[];
  merges: MergeRecord[];
  audit: AuditEntry[];
}
export interface EraseReport {
  people: number;
  edges: number;
  interactionsRemoved: number;
  interactionsEdited: number;
  auditEntriesRemoved: number;
}

// --- duplicates ---
export interface FindDuplicatesOptions {
  kind?: 'people' | 'organizations';
  /** Match probability at or above which a pair is suggested. Default 0.9. */
  threshold?: number;
  /** Most probable first; default 1000. */
  limit?: number;
  /** ISO region for phone numbers written without a country code. Default "US". */
  defaultRegion?: string;
  onProgress?: (done: number, total: number) => void;
  /** Aborting cancels the run with code CANCELLED. */
  signal?: AbortSignal;
}
/** One field's step in the explanation waterfall. */
export interface FieldContribution {
  field: string;
  /** Comparison level, e.g. "exact", "missing". */
  level: string;
  /** log2 Bayes factor: positive towards "same", negative away. */
  weight: number;
  valueA: string | null;
  valueB: string | null;
}
export interface DuplicateSuggestion {
  a: Id;
  b: Id;
  probability: number;
  /** log2 odds = priorWeight + Σ fields[i].weight */
  matchWeight: number;
  priorWeight: number;
  fields: FieldContribution[];
}
export interface DuplicateReport {
  suggestions: DuplicateSuggestion[];
  records: number;
  candidatePairs: number;
  /** Blocks a blocking rule skipped as too large: a name token, email or phone shared by more than 30 records (the same email or phone and the same full name: 1,000). Another rule may still pair their records. */
  skippedBlocks: number;
  /** Whether weights were trained (EM) on this graph (≥ 1,000 records) or are the defaults. */
  trained: boolean;
}

export interface MatchCandidate {
  id: Id;
  probability: number;
  isMatch: boolean;
  matchWeight: number;
  priorWeight: number;
  fields: FieldContribution[];
}

export type ErrorCode =
  | 'INVALID_INPUT' | 'INVALID_ID' | 'INVALID_EMAIL' | 'INVALID_PHONE' | 'INVALID_TIMESTAMP' | 'INVALID_DATE'
  | 'INVALID_STRENGTH' | 'INVALID_ENUM' | 'INVALID_JSON' | 'TOO_LARGE' | 'REQUIRED' | 'MISSING_REFERENCE'
  | 'SELF_EDGE' | 'DUPLICATE_EDGE' | 'DUPLICATE_INTERACTION' | 'DUPLICATE_ID' | 'NOT_FOUND' | 'MERGED_AWAY'
  | 'STORAGE_ERROR' | 'QUOTA_EXCEEDED' | 'SCHEMA_TOO_NEW' | 'CLOSED' | 'BUSY' | 'STALE' | 'CANCELLED' | 'UNMERGE_CONFLICT'
  | 'SYNC_PROTOCOL' | 'UNAUTHORIZED' | 'NETWORK' | 'SYNC_SERVER' | 'LOAD_FAILED';

/** Every error @wig/graph throws: an `Error` with name "WigError". */
export interface WigError extends Error {
  name: 'WigError';
  code: ErrorCode;
  /** Path of the offending field, e.g. "people[3].emails[1]"; null when the error is about the whole call. */
  field: string | null;
  reason: string;
}
export function isWigError(e: unknown): e is WigError;

export interface OpenOptions {
  /** Default "indexeddb". "memory" keeps the graph in this JS realm only (Node, tests). */
  storage?: 'indexeddb' | 'memory';
  /** Recorded in audit entries. */
  actorId?: string;
  /** Memory storage only (INVALID_INPUT otherwise): a cap on the stored graph's bytes, kept until an open names another. */
  quotaBytes?: number;
}

// --- graph queries and strength ---
export interface PathFilters {
  /** Edges weaker than this are not used, in [0, 1] (INVALID_STRENGTH otherwise). */
  minStrength?: number;
  /** At most this many hops, 1..10 (intro paths default to 4). */
  maxHops?: number;
  /** People who must not appear on a path (not the endpoints). */
  avoid?: Id[];
  /** Only edges of these types (default: all). */
  relationshipTypes?: RelationshipType[];
}
export interface IntroPathOptions extends PathFilters {
  /** How many paths, 1..100 (default 3). */
  k?: number;
}
export interface NeighborOptions extends Omit<PathFilters, 'maxHops'> {
  /** 1..6 (default 2). */
  depth?: number;
}
export interface Hop {
  fromPersonId: Id;
  toPersonId: Id;
  edgeId: Id;
  strength: number;
  relationshipType: RelationshipType;
  /** Why it is strong: up to 3 strength factors, largest contribution first. */
  why: StrengthFactor[];
}
export interface IntroPath {
  personIds: Id[];
  edgeIds: Id[];
  hopStrengths: number[];
  /** Product of the hop strengths. */
  score: number;
  weakestHop: { index: number; fromPersonId: Id; toPersonId: Id; strength: number } | null;
  hops: Hop[];
}
export interface MutualConnection {
  personId: Id;
  strengthA: number;
  strengthB: number;
}
export interface Neighborhood {
  personId: Id;
  degrees: { degree: number; count: number; personIds: Id[] }[];
  total: number;
}
export interface RecomputeOptions {
  /** Scoring time, epoch ms or Date (default: now). */
  now?: number | Date;
  /** Fixed recency half-life (default: a quarter of the observed span, 1 h..30 d). */
  halfLifeDays?: number;
  /** Share of embeddedness in [0, 1] (default 0.3). */
  embeddednessWeight?: number;
  /** 'touched': only pairs with interactions written since the last recompute. */
  only?: 'all' | 'touched';
}
export interface StrengthReport {
  edgesUpdated: number;
  /** New edges, and edges an earlier recompute had cleared that have interactions again. */
  edgesCreated: number;
  /** Edges scored from interactions whose pair has none left: interaction-derived fields reset; an edge the recompute created is soft-deleted, a declared one goes back to the declared strength (0.5). */
  edgesCleared: number;
  edgesUnchanged: number;
  skippedDeleted: number;
  pairsScored: number;
  interactionsUsed: number;
  interactionsSkipped: number;
  /** Interactions with more than 50 known people (an all-hands, a mailing list): they make no pairs. */
  interactionsTooLarge: number;
  unknownParticipants: { count: number; examples: string[] };
  only: 'all' | 'touched';
  now: Timestamp;
  /** The options scored with (null: the adaptive half-life). An import's or a merge's rescoring takes the last recompute's. */
  halfLifeDays: number | null;
  embeddednessWeight: number;
}
/** Result of `distancesFrom`: `distances[i]` is the hop count to `personId(i)`, 0xFFFFFFFF when unreachable. */
export interface Distances {
  readonly distances: Uint32Array;
  /** Number of nodes covered (every person known to the index, deleted and merged-away ones unreachable). */
  readonly size: number;
  personId(index: number): Id | undefined;
  /** Hops to the person, or null when unreachable or unknown. */
  get(personId: Id): number | null;
  /** [personId, hops] for every reachable person, in node order. */
  entries(): IterableIterator<[Id, number]>;
}
interface GraphQueries {
  shortestPath(from: Id, to: Id, filters?: PathFilters): IntroPath | null;
  bestPath(from: Id, to: Id, filters?: PathFilters): IntroPath | null;
  introPaths(from: Id, to: Id, options?: IntroPathOptions): IntroPath[];
  introPathsToOrganization(from: Id, organizationId: Id, options?: IntroPathOptions): IntroPath[];
  mutualConnections(a: Id, b: Id, filters?: Omit<PathFilters, 'maxHops'>): MutualConnection[];
  neighbors(from: Id, options?: NeighborOptions): Neighborhood;
  /** Person ids along a fewest-hops path, or null: shortestPath without edge records and factors. */
  shortestPathIds(from: Id, to: Id, filters?: PathFilters): Id[] | null;
  /** Hops from `from` to everyone (single-source BFS), as a typed array over the index's nodes. */
  distancesFrom(from: Id, filters?: PathFilters): Distances;
  /** A person's live edges to live people (with strengthFactors), strongest first. */
  edgesOf(personId: Id, filters?: Pick<PathFilters, 'minStrength' | 'relationshipTypes'>): Edge[];
  recomputeStrengths(options?: RecomputeOptions): Promise<StrengthReport>;
}
export interface Graph extends GraphQueries {}
// --- end of graph queries and strength ---

// --- import ---
export type ContactFormat = 'vcard' | 'google-csv' | 'linkedin-csv' | 'csv';
export type InteractionFormat = 'ics' | 'mbox';
/** Fields a generic CSV column may be mapped to. */
export type ContactField = 'name' | 'givenName' | 'middleName' | 'familyName' | 'nickname' | 'email' | 'phone'
  | 'organization' | 'title' | 'linkedin' | 'twitter' | 'github' | 'url' | 'address' | 'birthDate' | 'note' | 'id';
export type ImportSource = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array>;
export interface ImportProgress {
  bytesDone: number;
  /** Known for Uint8Array, ArrayBuffer and Blob sources. */
  bytesTotal?: number;
  /** Records read so far. */
  records: number;
}
interface ImportOptionsBase {
  /** Default: the format name. With each record's own id it makes re-importing idempotent. */
  sourceName?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Aborting stops with code CANCELLED (the error's `report` tells what was written). */
  signal?: AbortSignal;
  /** Records per transaction (default 2,000). */
  batchSize?: number;
  /**
   * The legacy charset of a file that does not say its own (a label of the
   * Encoding Standard: 'shift_jis', 'gbk', 'big5', 'euc-kr', 'windows-1251', …),
   * as Outlook and Excel write CSV on a Japanese, Chinese or Russian Windows.
   * Default: UTF-8 (UTF-16 told by the file), else a value's own `CHARSET=`, else
   * Windows-1252. A UTF-8 byte order mark wins; ignored for a string source (text already).
   * An unknown label: INVALID_ENUM on 'encoding'.
   */
  encoding?: string;
}
export interface ImportContactsOptions extends ImportOptionsBase {
  format: ContactFormat;
  /** For 'csv': column header → field. */
  mapping?: Record<string, ContactField>;
  /** Region for phones without '+' and for matching (default 'US'). */
  defaultRegion?: string;
}
export interface ImportInteractionsOptions extends ImportOptionsBase {
  format: InteractionFormat;
  /** mbox: your own addresses, so each message is 'outgoing' or 'incoming' (metadata.ownerDirection). */
  ownerEmails?: string[];
}
export interface ImportError {
  /**
   * 1-based line: of the property at fault when the parser finds the fault
   * (a date that is no date, a line that is no property), else where the
   * entry starts (a field the store refuses, an entry without a name).
   */
  line: number;
  reason: string;
  code: ErrorCode;
}
export interface ImportReport {
  format: ContactFormat | InteractionFormat;
  sourceName: string;
  /** Well-formed entries read. */
  records: number;
  /** People created or changed, each once however many batches wrote it. */
  people: number;
  /** Organizations created or changed, each once (an organization's card adds its domain and `metadata.contact`). */
  organizations: number;
  /** Interactions created or changed. */
  interactions: number;
  /** Records that changed nothing (already imported). */
  unchanged: number;
  /** Left out on purpose: deleted in the graph, cancelled events, fewer than two people. */
  skipped: number;
  /** Meetings an earlier import stored that the file now cancels (STATUS:CANCELLED, an EXDATE): deleted. */
  cancelled: number;
  /** Malformed entries (first 1,000); the rest of the file is imported. */
  errors: ImportError[];
  errorsOmitted: number;
  /** New duplicate suggestions involving imported people. */
  duplicateSuggestions: number;
  /** Edges rescored from the imported interactions. */
  strengthsUpdated: number;
  /** Transactions written. */
  batches: number;
  bytes: number;
}
interface GraphImport {
  /** Imports contacts (streaming, batched; re-importing the same file changes nothing). */
  importContacts(source: ImportSource, options: ImportContactsOptions): Promise<ImportReport>;
  /**
   * Imports meetings (ics) or email headers (mbox; bodies are never stored).
   * A recurring event is one meeting per occurrence up to now (see the README).
   */
  importInteractions(source: ImportSource, options: ImportInteractionsOptions): Promise<ImportReport>;
}
export interface Graph extends GraphImport {}
// --- end import ---

/**
 * A graph. An `EventTarget`: `'change'` fires when the graph was read again
 * because another tab or worker wrote to it (re-render what you show of it).
 */
export class Graph extends EventTarget {
  private constructor();
  /** Opens (or creates) the graph `name` (one IndexedDB database per graph). */
  static open(name: string, options?: OpenOptions): Promise<Graph>;
  /** Deletes a graph and all its data. */
  static delete(name: string, options?: Pick<OpenOptions, 'storage'>): Promise<void>;
  readonly name: string;

  upsertPerson(person: PersonInput | Writable<Person>): Promise<Person>;
  upsertPeople(people: (PersonInput | Writable<Person>)[]): Promise<Person[]>;
  upsertOrganization(org: OrganizationInput | Writable<Organization>): Promise<Organization>;
  upsertOrganizations(orgs: (OrganizationInput | Writable<Organization>)[]): Promise<Organization[]>;
  upsertEdge(edge: EdgeInput | Writable<Edge>): Promise<Edge>;
  upsertEdges(edges: (EdgeInput | Writable<Edge>)[]): Promise<Edge[]>;
  upsertInteraction(interaction: InteractionInput | Writable<Interaction>): Promise<Interaction>;
  upsertInteractions(interactions: (InteractionInput | Writable<Interaction>)[]): Promise<Interaction[]>;
  /** Organizations, people, edges, interactions — in one transaction, in that order. */
  batch(batch: BatchInput): Promise<BatchResult>;
  /** The same from JSON text you already have. */
  batchJson(json: string): Promise<BatchResult>;

  deletePerson(id: Id): Promise<void>;
  deleteOrganization(id: Id): Promise<void>;
  deleteEdge(id: Id): Promise<void>;
  deleteInteraction(id: Id): Promise<void>;
  /** GDPR erasure: hard-deletes the person and everything about them; leaves one audit entry. */
  erasePerson(id: Id): Promise<EraseReport>;
  /** GDPR access: everything the graph holds about a person. */
  exportPerson(id: Id): ExportedPerson;

  getPerson(id: Id): Person | undefined;
  getOrganization(id: Id): Organization | undefined;
  getEdge(id: Id): Edge | undefined;
  getInteraction(id: Id): Interaction | undefined;
  listPeople(options?: ListOptions): Page<Person>;
  listOrganizations(options?: ListOptions): Page<Organization>;
  listEdges(options?: ListOptions): Page<Edge>;
  listInteractions(options?: ListOptions): Page<Interaction>;

  /** Duplicate suggestions with explanations (synchronous; run it in a worker for large graphs). */
  findDuplicates(options?: FindDuplicatesOptions): DuplicateReport;

  /** Incremental match of one person (a stored id, or a person not stored) against everyone stored, best first. */
  matchPerson(person: Id | PersonInput, options?: { limit?: number; defaultRegion?: string }): MatchCandidate[];
  // --- merges ---
  /** Merges the people `sourceIds` (1..100) into `targetId`, which keeps its id. */
  merge(targetId: Id, sourceIds: Id[], options?: MergeOptions): Promise<MergeRecord>;
  /** Merges organizations; people of a source move to the target. */
  mergeOrganizations(targetId: Id, sourceIds: Id[], options?: MergeOptions): Promise<MergeRecord>;
  /**
   * Restores exactly the state before the merge; UNMERGE_CONFLICT if later changes depend on it
   * (a strength recompute since does not count: the edges get their scores from before the merge back,
   * and the next recompute rescores them).
   */
  unmerge(mergeId: Id): Promise<void>;
  /** Records that two people (or two organizations) are not the same. */
  rejectMatch(a: Id, b: Id): Promise<Rejection>;
  isRejected(a: Id, b: Id): boolean;
  rejectedPairs(): Rejection[];
  /** Merge records, newest first. */
  listMerges(): MergeRecord[];
  // --- end merges ---

  /** Audit entries, newest first. */
  audit(options?: { limit?: number; before?: number }): AuditEntry[];
  stats(): Stats;
  // --- sync (low level: createSync drives these) ---
  /** The next push batch of at most `limit` records, or undefined when the outbox is empty; records whose ids are in `inFlight` (sent, not acknowledged yet) are left out. */
  syncPushBatch(limit: number, inFlight?: string[], maxBytes?: number): SyncBatch | undefined;
  /** Applies the server's wig_push answer (text) to the batch whose `items` were sent, in one transaction. */
  syncAck(items: unknown[], responseText: string): Promise<SyncAckReport>;
  /** Applies the answers to consecutive batches in one transaction (their buckets are rewritten once). */
  syncAcks(acks: { items: unknown[]; response: string }[]): Promise<SyncAckReport>;
  /** Applies consecutive wig_pull pages (texts, or one) with the last checkpoint, in one transaction. */
  syncPull(pageTexts: string | string[]): Promise<SyncPullReport>;
  /** `{ rows, checkpoint, more }` of a wig_pull page's text, without applying it. */
  syncPageInfo(pageText: string): { rows: number; checkpoint: number; more: boolean };
  /** The server version the next pull starts after (0: never pulled). */
  syncCheckpoint(): number;
  /** Reads the graph again from storage (another tab or worker wrote to it); false when this copy was current already. */
  reload(): Promise<boolean>;
  // --- end sync ---
  /** Waits for queued writes, then closes. Later calls fail with CLOSED. */
  close(): Promise<void>;
}

// --- sync ---
export interface SyncBatch {
  count: number;
  items: unknown[];
  /** The wig_push request body. */
  body: string;
}
export interface SyncAckReport {
  applied: number;
  conflicts: number;
  /** Conflicts whose resolution is pushed again. */
  repush: number;
  /** Changes still in the outbox. */
  pending: number;
  changed: Id[];
}
export interface SyncPullReport {
  rows: number;
  written: number;
  resolved: number;
  erased: number;
  checkpoint: number;
  more: boolean;
  changed: Id[];
}
export type SyncStatus = 'idle' | 'syncing' | 'offline' | 'error' | 'unauthorized';
export interface SyncOptions {
  /** The PostgREST base URL (`{url}/rpc/wig_push`). */
  url: string;
  /** The user's JWT; called again with `{ refresh: true }` once after a 401/403. */
  getToken: (info: { refresh: boolean }) => string | Promise<string>;
  fetch?: typeof fetch;
  /** Records per push request (1..5000, default 1000). */
  batchSize?: number;
  /** Bytes of body a push request is cut at as well (default 4 MiB, under postrust's 10 MiB limit; one record always goes). */
  maxBatchBytes?: number;
  /** Rows per pull page (1..10000, default 5000). */
  pageSize?: number;
  /** Web Locks name: one tab syncs at a time (default `wig-sync:<graph name>`). */
  lockName?: string;
  /** BroadcastChannel telling other tabs what changed (default `wig-sync:<graph name>`). */
  channelName?: string;
  /** Attempts after the first on network errors and 5xx (default 6). */
  retries?: number;
  /** First backoff, doubled per attempt with jitter (default 500 ms, at most maxBackoffMs = 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Pull pages applied in one transaction, pull pages fetched ahead, and push answers stored in one transaction: at most this many rows (default 100,000). */
  maxApplyRows?: number;
  /** Push requests on the wire at once (1..4, default 2). */
  pushConcurrency?: number;
  /** No answer after this (plus 1 s per 16 KB sent), or an answer stalled this long: the request is cut and retried as a network error (default 60,000 ms). */
  timeoutMs?: number;
}
export interface SyncProgress { phase: 'push' | 'pull'; done: number; total: number | null }
export interface SyncEvents {
  progress: SyncProgress;
  status: { status: SyncStatus; error: WigError | null };
  error: WigError;
  retry: { call: string; attempt: number; reason: string };
  /** Another tab synced: this graph was reloaded. */
  remotechange: { ids: Id[] };
}
export type SyncResult = { pulled?: number; pushed?: number; checkpoint?: number; skipped?: 'offline' | 'locked' };
export interface Sync {
  push(): Promise<SyncResult>;
  pull(): Promise<SyncResult>;
  /** Pull, push, then pull again if anything was pushed (the server's answers to it). */
  syncNow(): Promise<SyncResult>;
  start(options?: { interval?: number }): void;
  stop(): void;
  /** Stops and releases the channel and listeners. */
  close(): void;
  readonly status: SyncStatus;
  readonly lastError: WigError | null;
  on<K extends keyof SyncEvents>(type: K, fn: (detail: SyncEvents[K]) => void): () => void;
  addEventListener(type: keyof SyncEvents, fn: (event: Event & { detail?: unknown }) => void): void;
  removeEventListener(type: keyof SyncEvents, fn: (event: Event & { detail?: unknown }) => void): void;
}
/** Sync of `graph` with a PostgREST-compatible server (sql/PROTOCOL.md). */
export function createSync(graph: Graph, options: SyncOptions): Sync;
export const syncStatuses: SyncStatus[];
// --- end sync ---

/** Every error code the API can raise. */
export function errorCodes(): Promise<ErrorCode[]>;
/** Bytes of wasm linear memory (0 before the first open). */
export function wasmMemoryBytes(): number;
/**
 * Where the `.wasm` comes from, before the first open: for bundlers that do
 * not copy `new URL('./dist/wig_graph_bg.wasm', import.meta.url)` assets
 * (esbuild, Rollup without a plugin) or code without `import.meta.url`.
 */
export function setWasmSource(
  source: string | URL | Response | Promise<Response> | BufferSource | WebAssembly.Module,
): void;
