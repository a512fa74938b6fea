//! The graph in memory: tables, the indexes writes need, audit and outbox.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use super::codec::{decode, encode};
use super::commit::{Commit, OutboxEntry};
use super::table::{Record, Table};
use super::{StoreKey, StoreName, WriteSet};
use crate::error::{Error, ErrorCode, Result};
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
        GraphMeta { schema_version: SCHEMA_VERSION, bucket_bits: [10, 8, 12, 12] }
    }
}

macro_rules! record_impl {
    ($t:ty, $kind:expr) => {
        impl Record for $t {
            const KIND: EntityKind = $kind;
            fn id(&self) -> Uuid {
                self.id
            }
            fn is_deleted(&self) -> bool {
                self.deleted_at.is_some()
            }
        }
    };
}
record_impl!(Person, EntityKind::Person);
record_impl!(Organization, EntityKind::Organization);
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
    pub audit: BTreeMap<u64, AuditEntry>,
    pub outbox: BTreeMap<u64, OutboxEntry>,
    /// One edge per unordered pair of people.
    pub edge_by_pair: HashMap<(Uuid, Uuid), Uuid>,
    /// One interaction per (sourceName, sourceId).
    pub interaction_by_source: HashMap<(String, String), Uuid>,
    pub next_audit_seq: u64,
    pub next_outbox_seq: u64,
}

impl Default for GraphState {
    fn default() -> Self {
        Self::with_meta(GraphMeta::default())
    }
}

impl GraphState {
    fn with_meta(meta: GraphMeta) -> Self {
        let b = meta.bucket_bits;
        GraphState {
            meta,
            people: Table::new(b[0]),
            organizations: Table::new(b[1]),
            edges: Table::new(b[2]),
            interactions: Table::new(b[3]),
            merges: BTreeMap::new(),
            audit: BTreeMap::new(),
            outbox: BTreeMap::new(),
            edge_by_pair: HashMap::new(),
            interaction_by_source: HashMap::new(),
            next_audit_seq: 1,
            next_outbox_seq: 1,
        }
    }

    /// Rebuilds the state from everything a backend stored. An empty store
    /// yields a new graph and the write that initialises it.
    pub fn load(items: Vec<(StoreName, StoreKey, Vec<u8>)>) -> Result<(GraphState, Option<WriteSet>)> {
        let meta_bytes = items.iter().find(|(s, k, _)| *s == StoreName::Meta && *k == StoreKey::Text("graph".into()));
        let (meta, init) = match meta_bytes {
            None if items.is_empty() => {
                let meta = GraphMeta::default();
                let mut set = WriteSet::default();
                set.puts.push((StoreName::Meta, StoreKey::Text("graph".into()), encode(&meta)));
                (meta, Some(set))
            }
            None => return Err(Error::general(ErrorCode::Storage, "the database holds records but no graph metadata")),
            Some((_, _, bytes)) => (upgrade(decode::<GraphMeta>(bytes, "graph metadata")?)?, None),
        };
        let mut state = GraphState::with_meta(meta);
        let (mut people, mut orgs, mut edges, mut interactions) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (store, _key, bytes) in &items {
            match store {
                StoreName::People => people.extend(decode::<Vec<Person>>(bytes, "people")?),
                StoreName::Organizations => orgs.extend(decode::<Vec<Organization>>(bytes, "organizations")?),
                StoreName::Edges => edges.extend(decode::<Vec<Edge>>(bytes, "edges")?),
                StoreName::Interactions => interactions.extend(decode::<Vec<Interaction>>(bytes, "interactions")?),
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
                StoreName::Meta => {}
            }
        }
        state.edge_by_pair = edges.iter().map(|e| (e.pair(), e.id)).collect();
        state.interaction_by_source = interactions.iter().map(|i| ((i.source_name.clone(), i.source_id.clone()), i.id)).collect();
        state.people.fill(people);
        state.organizations.fill(orgs);
        state.edges.fill(edges);
        state.interactions.fill(interactions);
        Ok((state, init))
    }

    pub fn apply(&mut self, commit: Commit) {
        for (key, change) in commit.people {
            match change {
                Some(p) => {
                    self.people.insert(p);
                }
                None => {
                    self.people.remove(key.id);
                }
            }
        }
        for (key, change) in commit.organizations {
            match change {
                Some(o) => {
                    self.organizations.insert(o);
                }
                None => {
                    self.organizations.remove(key.id);
                }
            }
        }
        for (key, change) in commit.edges {
            if let Some(old) = self.edges.remove(key.id) {
                self.edge_by_pair.remove(&old.pair());
            }
            if let Some(e) = change {
                self.edge_by_pair.insert(e.pair(), e.id);
                self.edges.insert(e);
            }
        }
        for (key, change) in commit.interactions {
            if let Some(old) = self.interactions.remove(key.id) {
                self.interaction_by_source.remove(&(old.source_name, old.source_id));
            }
            if let Some(i) = change {
                self.interaction_by_source.insert((i.source_name.clone(), i.source_id.clone()), i.id);
                self.interactions.insert(i);
            }
        }
        for (id, m) in commit.merges {
            match m {
                Some(m) => self.merges.insert(id, m),
                None => self.merges.remove(&id),
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

fn status<T: Record>(table: &Table<T>, id: Uuid, merged_into: impl Fn(&T) -> Option<Uuid>) -> RefStatus {
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
