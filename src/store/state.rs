//! The graph in memory: tables, the indexes writes need, audit and outbox.

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::collections::BTreeMap;

use super::codec::{decode, encode};
use super::commit::{Commit, OutboxEntry, Rewrite};
use super::interaction_columns::InteractionColumns;
use super::table::{Record, Table};
use super::{StoreKey, StoreName, WriteSet};
use crate::error::{Error, ErrorCode, Result};
use crate::graph::{each_in_chunks, CHUNK};
use crate::model::validate::{RefStatus, References};
use crate::model::*;

/// Version of the stored layout. Bump it with a step in [`upgrade`].
pub const SCHEMA_VERSION: u32 = 1;

/// Stored under `meta/graph`: the layout a graph was created with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphMeta {
    pub schema_version: u32,
    pub bucket_bits: [u8; 4],
}

impl Default for GraphMeta {
    fn default() -> Self {
        // ~1,000 people and 4,000 edges per 100 KB-ish bucket at a million
        // records: a small write rewrites a few KB to tens of KB.
        GraphMeta {
            schema_version: SCHEMA_VERSION,
            bucket_bits: [10, 8, 12, 12],
        }
    }
}

macro_rules! record_impl {
    ($t:ty, $kind:expr $(, $merged:ident)?) => {
        impl Record for $t {
            const KIND: EntityKind = $kind;
            fn id(&self) -> Uuid {
                self.id
            }
            fn is_deleted(&self) -> bool {
                self.deleted_at.is_some()
            }
            $(fn is_merged_away(&self) -> bool {
                self.$merged.is_some()
            })?
        }
    };
}
record_impl!(Person, EntityKind::Person, merged_into);
record_impl!(Organization, EntityKind::Organization, merged_into);
record_impl!(Edge, EntityKind::Edge);
record_impl!(Interaction, EntityKind::Interaction);

#[derive(Debug, Clone)]
pub struct GraphState {
    pub meta: GraphMeta,
    pub people: Table<Person>,
    pub organizations: Table<Organization>,
    pub edges: Table<Edge>,
    pub interactions: Table<Interaction>,
    pub merges: BTreeMap<Uuid, MergeRecord>,
    /// Rejected pairs by (a, b), a < b.
    pub rejections: BTreeMap<(Uuid, Uuid), Rejection>,
    pub audit: BTreeMap<u64, AuditEntry>,
    pub outbox: BTreeMap<u64, OutboxEntry>,
    /// One edge per unordered pair of people: its slot in `edges` (4 bytes,
    /// and a lookup reaches the record without a second one by id). Built
    /// on first use (writes need it, opening and querying do not).
    edge_slot_by_pair: OnceCell<HashMap<(Uuid, Uuid), u32>>,
    /// One interaction per (sourceName, sourceId). Built on first use.
    interaction_by_source: OnceCell<HashMap<(String, String), Uuid>>,
    /// The search index (see `graph_view`). Built on the first query.
    graph_view: OnceCell<super::graph_view::GraphView>,
    /// Interactions as the strength recompute reads them. Built on the
    /// first recompute.
    interaction_columns: OnceCell<InteractionColumns>,
    /// Interactions written since the last strength recompute in this
    /// session (what `only: "touched"` rescores, with `updatedAt` after it).
    pub(crate) touched_interactions: rustc_hash::FxHashSet<Uuid>,
    /// The people of interactions that left their pairs (deleted, erased,
    /// re-pointed) since the last strength recompute, one entry per write
    /// (stored as `meta/strengthLost/<key>`, so it outlives the session):
    /// what `only: "touched"` rescores besides the interactions written.
    pub(crate) strength_lost: BTreeMap<u64, Vec<Vec<Uuid>>>,
    pub next_audit_seq: u64,
    pub next_outbox_seq: u64,
    /// The stored generation this state reflects (`meta/generation`; 0 for
    /// graphs written before it existed): see `WriteSet::expect_generation`.
    pub generation: u64,
    /// Sync bookkeeping from `meta/sync` (None: never synced).
    pub sync: Option<crate::sync::SyncMeta>,
}

impl Default for GraphState {
    fn default() -> Self {
        Self::with_meta(GraphMeta::default())
    }
}

impl GraphState {
    /// Changes waiting in the outbox to be pushed.
    pub fn outbox_changes(&self) -> usize {
        self.outbox.values().map(|o| o.changes.len()).sum()
    }

    fn with_meta(meta: GraphMeta) -> Self {
        let b = meta.bucket_bits;
        GraphState {
            meta,
            people: Table::new(b[0]),
            organizations: Table::new(b[1]),
            edges: Table::new(b[2]),
            interactions: Table::new(b[3]),
            merges: BTreeMap::new(),
            rejections: BTreeMap::new(),
            audit: BTreeMap::new(),
            outbox: BTreeMap::new(),
            edge_slot_by_pair: OnceCell::new(),
            interaction_by_source: OnceCell::new(),
            graph_view: OnceCell::new(),
            interaction_columns: OnceCell::new(),
            touched_interactions: Default::default(),
            strength_lost: BTreeMap::new(),
            next_audit_seq: 1,
            next_outbox_seq: 1,
            generation: 0,
            sync: None,
        }
    }

    /// Rebuilds the state from stored values (see [`Loader`]).
    pub fn load(
        items: Vec<(StoreName, StoreKey, Vec<u8>)>,
    ) -> Result<(GraphState, Option<WriteSet>)> {
        let mut loader = Loader::default();
        let (meta, rest): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|(s, _, _)| *s == StoreName::Meta);
        for (store, key, bytes) in meta.into_iter().chain(rest) {
            loader.add(store, key, &bytes)?;
        }
        loader.finish()
    }

    /// Adopts the stored layout (bucket sizes) before any index is built.
    fn set_meta(&mut self, meta: GraphMeta) {
        let b = meta.bucket_bits;
        self.people.set_bits(b[0]);
        self.organizations.set_bits(b[1]);
        self.edges.set_bits(b[2]);
        self.interactions.set_bits(b[3]);
        self.meta = meta;
    }

    /// Pair → edge slot, built on first use.
    fn edge_slots(&self) -> &HashMap<(Uuid, Uuid), u32> {
        self.edge_slot_by_pair.get_or_init(|| {
            let mut m = HashMap::with_capacity_and_hasher(self.edges.len(), Default::default());
            for (slot, e) in self.edges.by_slot().iter().enumerate() {
                if let Some(e) = e {
                    m.insert(e.pair(), slot as u32);
                }
            }
            m
        })
    }

    /// The stored edge of an unordered pair of people (`pair_key` order).
    pub fn edge_for_pair(&self, pair: (Uuid, Uuid)) -> Option<&Edge> {
        self.edges.at_slot(self.edge_slot_for_pair(pair)?)
    }

    /// The table slot of that edge.
    pub fn edge_slot_for_pair(&self, pair: (Uuid, Uuid)) -> Option<u32> {
        self.edge_slots().get(&pair).copied()
    }

    /// Every pair's edge id, read from the pair index as writes have kept
    /// it (an entry whose slot holds another pair's edge is left out, so a
    /// stale index shows as a missing pair). For tests and tools: it builds
    /// a new map.
    pub fn edge_by_pair(&self) -> HashMap<(Uuid, Uuid), Uuid> {
        self.edge_slots()
            .iter()
            .filter_map(|(pair, &slot)| {
                let e = self.edges.at_slot(slot).filter(|e| e.pair() == *pair)?;
                Some((*pair, e.id))
            })
            .collect()
    }

    pub fn interaction_by_source(&self) -> &HashMap<(String, String), Uuid> {
        self.interaction_by_source.get_or_init(|| {
            self.interactions
                .values()
                .map(|i| ((i.source_name.clone(), i.source_id.clone()), i.id))
                .collect()
        })
    }

    pub fn graph_view(&self) -> &super::graph_view::GraphView {
        self.graph_view
            .get_or_init(|| super::graph_view::GraphView::build(self))
    }

    pub(crate) fn interaction_columns(&self) -> &InteractionColumns {
        self.interaction_columns
            .get_or_init(|| InteractionColumns::build(&self.interactions))
    }

    /// The search index if a query has built it (never builds it).
    pub fn built_graph_view(&self) -> Option<&super::graph_view::GraphView> {
        self.graph_view.get()
    }

    pub fn apply(&mut self, commit: Commit) {
        // The search index follows in two halves: edges leave it by their
        // old pair before the tables change, and come back by slot after.
        let changed_edges: Option<Vec<Uuid>> = self.graph_view.get_mut().map(|view| {
            view.patch_before(&self.edges, &commit);
            commit.edges.keys().copied().collect()
        });
        if super::strength_sync::is_recompute(self, &commit) {
            self.touched_interactions.clear();
        }
        self.touched_interactions
            .extend(commit.interactions.keys().copied());
        if let Some(g) = commit.generation {
            self.generation = g;
        }
        for (k, groups) in commit.strength_lost {
            match groups {
                Some(g) => self.strength_lost.insert(k, g),
                None => self.strength_lost.remove(&k),
            };
        }
        apply_changes(&mut self.people, commit.people);
        apply_changes(&mut self.organizations, commit.organizations);
        // Rescores first: their slots name records of the state the commit
        // was made against. Pair and slot stay, so the pair index does too.
        for r in &commit.edge_rescores {
            if let Some(e) = self.edges.at_slot_mut(r.slot) {
                r.write(e);
            }
        }
        if let Some(view) = self.graph_view.get_mut() {
            view.rescore(&self.edges, commit.edge_rescores.iter().map(|r| r.slot));
        }
        let mut pairs = self.edge_slot_by_pair.get_mut();
        // In chunks: see `apply_changes`.
        let new = absent(&self.edges, &commit.edges);
        self.edges.batch(new, |edges| {
            each_in_chunks(commit.edges, CHUNK, |(id, change)| {
                let new_pair = change.as_ref().map(Edge::pair);
                // The slot the old record was in (an update keeps it), and
                // the new record's.
                let (old, slot) = match change {
                    Some(e) => {
                        let (slot, old) = edges.insert_at(e);
                        (old.map(|o| (slot, o)), Some(slot))
                    }
                    None => (edges.remove_at(id), None),
                };
                if let Some(pairs) = pairs.as_mut() {
                    // Only if the pair still names this edge: a commit may swap a
                    // pair's edge (drop one, add another) in any map order.
                    if let Some((old_slot, old)) = old {
                        if pairs.get(&old.pair()) == Some(&old_slot) {
                            pairs.remove(&old.pair());
                        }
                    }
                    if let (Some(pair), Some(slot)) = (new_pair, slot) {
                        pairs.insert(pair, slot);
                    }
                }
            })
        });
        if let (Some(view), Some(changed)) = (self.graph_view.get_mut(), &changed_edges) {
            view.patch_after(&self.edges, changed);
        }
        let mut sources = self.interaction_by_source.get_mut();
        let mut columns = self.interaction_columns.get_mut();
        let new = absent(&self.interactions, &commit.interactions);
        self.interactions.batch(new, |interactions| {
            each_in_chunks(commit.interactions, CHUNK, |(id, change)| {
                let new_key = change
                    .as_ref()
                    .filter(|_| sources.is_some())
                    .map(|i| ((i.source_name.clone(), i.source_id.clone()), i.id));
                // Only the columns need the slot a removal empties.
                let slot_before = columns.as_ref().and_then(|_| interactions.slot_of(id));
                let old = match change {
                    Some(i) => interactions.insert(i),
                    None => interactions.remove(id),
                };
                if let Some(columns) = columns.as_mut() {
                    // A stored record keeps its slot, a new one takes one, and a
                    // removed one leaves its slot empty (`at_slot` is then None).
                    if let Some(slot) = interactions.slot_of(id).or(slot_before) {
                        columns.set(slot, interactions.at_slot(slot));
                    }
                }
                if let Some(sources) = sources.as_mut() {
                    if let Some(old) = old {
                        sources.remove(&(old.source_name, old.source_id));
                    }
                    if let Some((key, id)) = new_key {
                        sources.insert(key, id);
                    }
                }
            })
        });
        for (id, m) in commit.merges {
            match m {
                Some(m) => self.merges.insert(id, m),
                None => self.merges.remove(&id),
            };
        }
        for (pair, r) in commit.rejections {
            match r {
                Some(r) => self.rejections.insert(pair, r),
                None => self.rejections.remove(&pair),
            };
        }
        for seq in commit.audit_removed {
            self.audit.remove(&seq);
        }
        for a in commit.audit {
            self.next_audit_seq = self.next_audit_seq.max(a.seq + 1);
            self.audit.insert(a.seq, a);
        }
        for seq in commit.outbox_removed {
            self.outbox.remove(&seq);
        }
        for o in commit.outbox {
            self.next_outbox_seq = self.next_outbox_seq.max(o.seq + 1);
            self.outbox.insert(o.seq, o);
        }
        if let Some(sync) = commit.sync {
            self.sync = Some(sync);
        }
    }
}

/// Rebuilds a graph's state value by value, as a backend hands them over
/// (meta first): each value is decoded and dropped at once, so decoding
/// overlaps reading and the peak is the records plus one value.
pub struct Loader {
    state: GraphState,
    meta: Option<GraphMeta>,
    values: usize,
}

impl Default for Loader {
    fn default() -> Self {
        Loader {
            state: GraphState::with_meta(GraphMeta::default()),
            meta: None,
            values: 0,
        }
    }
}

/// How many records each table holds, stored (`meta/counts`) by every
/// commit that changes a table. Opening reads it first and makes room for
/// every record at once: grown by doubling, a table's record array of a
/// million edges was copied at each step, and in wasm the old copies left
/// holes that the heap did not always reuse (wasm memory after opening
/// 100,000 people and a million edges was 450 or 840 MB from run to run;
/// reserved at once, 349 MB every time, and the open 15 % faster; with
/// an eighth to spare, 384 MB, and a first edge written after opening
/// takes it to 462 MB in 0.3 s, not 894 MB in 0.58 s). A hint
/// only: a value missing (older graphs) or unreadable is ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub people: u64,
    pub organizations: u64,
    pub edges: u64,
    pub interactions: u64,
}

impl RecordCounts {
    pub const KEY: &'static str = "counts";
}

impl Loader {
    pub fn add(&mut self, store: StoreName, key: StoreKey, bytes: &[u8]) -> Result<()> {
        self.values += 1;
        let state = &mut self.state;
        match store {
            StoreName::Meta => {
                if key == StoreKey::Text("graph".into()) {
                    // Checked first: a newer release's graph is refused before
                    // its records are read.
                    self.meta = Some(upgrade(decode::<GraphMeta>(bytes, "graph metadata")?)?);
                } else if key == StoreKey::Text("sync".into()) {
                    state.sync = Some(decode(bytes, "sync state")?);
                } else if key == super::generation_key() {
                    state.generation = decode(bytes, "generation")?;
                } else if let Some(k) = match &key {
                    StoreKey::Text(t) => t
                        .strip_prefix(super::strength_sync::LOST_KEY)
                        .and_then(|k| k.parse::<u64>().ok()),
                    _ => None,
                } {
                    state
                        .strength_lost
                        .insert(k, decode(bytes, "strength marks")?);
                } else if key == StoreKey::Text(RecordCounts::KEY.into()) {
                    if let Ok(c) = decode::<RecordCounts>(bytes, "record counts") {
                        state.people.reserve_for_load(c.people);
                        state.organizations.reserve_for_load(c.organizations);
                        state.edges.reserve_for_load(c.edges);
                        state.interactions.reserve_for_load(c.interactions);
                    }
                }
            }
            StoreName::People => state.people.load_bucket(&mut decode(bytes, "people")?),
            StoreName::Organizations => state
                .organizations
                .load_bucket(&mut decode(bytes, "organizations")?),
            StoreName::Edges => state.edges.load_bucket(&mut decode(bytes, "edges")?),
            StoreName::Interactions => state
                .interactions
                .load_bucket(&mut decode(bytes, "interactions")?),
            StoreName::Merges => {
                let m: MergeRecord = decode(bytes, "merge record")?;
                state.merges.insert(m.id, m);
            }
            StoreName::Audit => {
                let a: AuditEntry = decode(bytes, "audit entry")?;
                state.next_audit_seq = state.next_audit_seq.max(a.seq + 1);
                state.audit.insert(a.seq, a);
            }
            StoreName::Outbox => {
                let o: OutboxEntry = decode(bytes, "outbox entry")?;
                state.next_outbox_seq = state.next_outbox_seq.max(o.seq + 1);
                state.outbox.insert(o.seq, o);
            }
            StoreName::Rejections => {
                let r: Rejection = decode(bytes, "rejection")?;
                state.rejections.insert((r.a, r.b), r);
            }
        }
        Ok(())
    }

    /// The loaded state, and the write that initialises a new graph when the
    /// store was empty.
    pub fn finish(self) -> Result<(GraphState, Option<WriteSet>)> {
        let Loader {
            mut state,
            meta,
            values,
        } = self;
        let init = match meta {
            Some(meta) => {
                state.set_meta(meta);
                None
            }
            None if values == 0 => {
                let meta = GraphMeta::default();
                let mut set = WriteSet::default();
                set.puts.push((
                    StoreName::Meta,
                    StoreKey::Text("graph".into()),
                    encode(&meta),
                ));
                Some(set)
            }
            None => {
                return Err(Error::general(
                    ErrorCode::Storage,
                    "the database holds records but no graph metadata",
                ))
            }
        };
        state.people.finish_load();
        state.organizations.finish_load();
        state.edges.finish_load();
        state.interactions.finish_load();
        Ok((state, init))
    }
}

/// Brings stored metadata of an older layout to [`SCHEMA_VERSION`]. Each
/// future version adds a step here (and, if needed, re-encodes records).
fn upgrade(meta: GraphMeta) -> Result<GraphMeta> {
    if meta.schema_version > SCHEMA_VERSION {
        return Err(Error::general(
            ErrorCode::SchemaTooNew,
            format!("the graph was written by a newer release (schema {}); this one reads up to {SCHEMA_VERSION}", meta.schema_version),
        ));
    }
    // Schema 1 is the first; nothing older exists yet.
    Ok(meta)
}

fn status<T: Record>(
    table: &Table<T>,
    id: Uuid,
    merged_into: impl Fn(&T) -> Option<Uuid>,
) -> RefStatus {
    match table.get(id) {
        None => RefStatus::Missing,
        Some(r) => match merged_into(r) {
            Some(t) => RefStatus::MergedInto(t),
            None if r.is_deleted() => RefStatus::Deleted,
            None => RefStatus::Live,
        },
    }
}

impl References for GraphState {
    fn person(&self, id: Uuid) -> RefStatus {
        status(&self.people, id, |p| p.merged_into)
    }
    fn organization(&self, id: Uuid) -> RefStatus {
        status(&self.organizations, id, |o| o.merged_into)
    }
}

/// How many records `changes` adds to `table`.
fn absent<T: Record>(table: &Table<T>, changes: &super::commit::Changes<T>) -> usize {
    table.count_absent(
        changes
            .iter()
            .filter(|(_, c)| c.is_some())
            .map(|(id, _)| id),
    )
}

/// Stores a commit's changes to one table. In chunks: a large commit (a
/// group of pulled pages) is one long wasm call, which V8 would otherwise
/// run in its baseline tier to the end.
fn apply_changes<T: Record>(table: &mut Table<T>, changes: super::commit::Changes<T>) {
    let new = absent(table, &changes);
    table.batch(new, |table| {
        each_in_chunks(changes, CHUNK, |(id, change)| match change {
            Some(r) => {
                table.insert(r);
            }
            None => {
                table.remove(id);
            }
        })
    });
}
