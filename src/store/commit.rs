//! A commit: what one call changes, computed against the state without
//! mutating it, then turned into the backend's [`WriteSet`].

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::codec::{encode, encode_sized};
use super::state::{GraphState, RecordCounts};
use super::strength_sync::EdgeScore;
use super::table::{Key, Record, Table};
use super::{StoreKey, StoreName, WriteSet};
use crate::graph::in_chunks;
use crate::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    /// Soft delete (the record stays, with `deletedAt`).
    Delete,
    /// Hard delete: the record is gone (GDPR erase, merged-away cleanup).
    Erase,
}

/// One change waiting to be pushed. Sync reads the record's current state at
/// push time, so ten edits of one record push it once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxChange {
    pub kind: EntityKind,
    pub id: Uuid,
    pub op: ChangeOp,
}

/// The changes of one call, in order. Each change's id (what makes a push
/// idempotent) is derived from the entry's random `base_change_id` and the
/// change's position, so a million-record load stores 18 bytes per change,
/// not a UUID more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub seq: u64,
    pub base_change_id: Uuid,
    pub at: Timestamp,
    pub changes: Vec<OutboxChange>,
}

impl OutboxEntry {
    /// The client-made id of change `index`: unique per change, stable
    /// across retries.
    pub fn change_id(&self, index: usize) -> Uuid {
        Uuid::from_u128(self.base_change_id.as_u128() ^ index as u128)
    }
}

/// Changed records by id; `None` = the record is removed (hard delete).
pub type Changes<T> = FxHashMap<Uuid, Option<T>>;

/// A rewrite of some fields of a stored record, in place: the record in
/// table slot `slot()` (at the commit's state) with `write` applied is what
/// gets stored. Its id, and so its key, stays.
pub trait Rewrite<T> {
    fn slot(&self) -> u32;
    fn write(&self, record: &mut T);
    /// Serializes `record` as `write` would leave it, without changing or
    /// copying it (the write set encodes every rewritten record).
    fn serialize_over<S: serde::Serializer>(&self, record: &T, s: S) -> Result<S::Ok, S::Error>;
}

/// The tables without rewrites.
impl<T> Rewrite<T> for std::convert::Infallible {
    fn slot(&self) -> u32 {
        match *self {}
    }
    fn write(&self, _: &mut T) {
        match *self {}
    }
    fn serialize_over<S: serde::Serializer>(&self, _: &T, _: S) -> Result<S::Ok, S::Error> {
        match *self {}
    }
}

/// A record as a commit stores it: as it is, or rewritten.
enum Stored<'a, T, R> {
    Record(&'a T),
    Rewritten(&'a T, &'a R),
}

impl<T: Serialize, R: Rewrite<T>> Serialize for Stored<'_, T, R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Stored::Record(r) => r.serialize(s),
            Stored::Rewritten(r, rewrite) => rewrite.serialize_over(r, s),
        }
    }
}

/// A stored edge's new score from a strength recompute. Rewriting only the
/// scored fields, a recompute that rescores 1.41 M edges holds 1.41 M of
/// these (no heap part) instead of as many new edge records (each with its
/// sources, metadata, factors and channels copied or built), and applying
/// it reuses the stored record's factor vector.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeRescore {
    pub slot: u32,
    pub score: EdgeScore,
    pub updated_at: Timestamp,
}

impl Rewrite<Edge> for EdgeRescore {
    fn slot(&self) -> u32 {
        self.slot
    }
    fn write(&self, e: &mut Edge) {
        self.score.write(e);
        e.updated_at = self.updated_at;
    }
    fn serialize_over<S: serde::Serializer>(&self, e: &Edge, s: S) -> Result<S::Ok, S::Error> {
        self.score.serialize_over(e, self.updated_at, s)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Commit {
    pub people: Changes<Person>,
    pub organizations: Changes<Organization>,
    pub edges: Changes<Edge>,
    /// Stored edges rescored in place (never also in `edges`).
    pub edge_rescores: Vec<EdgeRescore>,
    pub interactions: Changes<Interaction>,
    pub merges: BTreeMap<Uuid, Option<MergeRecord>>,
    /// Rejected pairs to add (`Some`) or remove (`None`), by (a, b).
    pub rejections: BTreeMap<(Uuid, Uuid), Option<Rejection>>,
    pub audit: Vec<AuditEntry>,
    pub audit_removed: Vec<u64>,
    /// Outbox entries to add or rewrite (erase scrubs earlier entries).
    pub outbox: Vec<OutboxEntry>,
    pub outbox_removed: Vec<u64>,
    /// Sync bookkeeping (`meta/sync`: pull checkpoint), written with the rows.
    pub sync: Option<crate::sync::SyncMeta>,
    /// Entries of `GraphState::strength_lost` to add or rewrite (`Some`) or
    /// remove (`None`), by key: set by `Prepared::new` from the other
    /// changes (see `strength_sync::strength_lost_changes`).
    pub strength_lost: BTreeMap<u64, Option<Vec<Vec<Uuid>>>>,
    /// The stored generation once this commit is written (set by
    /// `Prepared::new` when it writes anything).
    pub generation: Option<u64>,
}

impl Commit {
    /// The merge records as they are with this commit applied: the stored
    /// ones it leaves alone, then those it writes.
    pub(crate) fn staged_merges<'a>(
        &'a self,
        st: &'a super::GraphState,
    ) -> impl Iterator<Item = &'a MergeRecord> + 'a {
        st.merges
            .values()
            .filter(|m| !self.merges.contains_key(&m.id))
            .chain(self.merges.values().flatten())
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
            && self.organizations.is_empty()
            && self.edges.is_empty()
            && self.edge_rescores.is_empty()
            && self.interactions.is_empty()
            && self.merges.is_empty()
            && self.rejections.is_empty()
    }

    /// The touched buckets of each table, re-encoded from state + changes, and
    /// the audit, outbox and merge entries: the whole call as one write.
    pub fn write_set(&self, state: &GraphState) -> WriteSet {
        let mut set = WriteSet::default();
        let none: &[std::convert::Infallible] = &[];
        let people = buckets(
            &mut set,
            StoreName::People,
            &state.people,
            &self.people,
            none,
        );
        let organizations = buckets(
            &mut set,
            StoreName::Organizations,
            &state.organizations,
            &self.organizations,
            none,
        );
        let edges = buckets(
            &mut set,
            StoreName::Edges,
            &state.edges,
            &self.edges,
            &self.edge_rescores,
        );
        let interactions = buckets(
            &mut set,
            StoreName::Interactions,
            &state.interactions,
            &self.interactions,
            none,
        );
        // Each table's record count after the commit, stored with its rows:
        // opening reserves room for them at once (see `RecordCounts`).
        if [people, organizations, edges, interactions]
            .iter()
            .any(Option::is_some)
        {
            let after = |len: usize, delta: Option<i64>| (len as i64 + delta.unwrap_or(0)) as u64;
            let counts = RecordCounts {
                people: after(state.people.len(), people),
                organizations: after(state.organizations.len(), organizations),
                edges: after(state.edges.len(), edges),
                interactions: after(state.interactions.len(), interactions),
            };
            set.puts.push((
                StoreName::Meta,
                StoreKey::Text(RecordCounts::KEY.into()),
                encode(&counts),
            ));
        }
        for (id, m) in &self.merges {
            let key = StoreKey::Text(id.to_string());
            match m {
                Some(m) => set.puts.push((StoreName::Merges, key, encode(m))),
                None => set.deletes.push((StoreName::Merges, key)),
            }
        }
        for ((a, b), r) in &self.rejections {
            let key = StoreKey::Text(format!("{a}|{b}"));
            match r {
                Some(r) => set.puts.push((StoreName::Rejections, key, encode(r))),
                None => set.deletes.push((StoreName::Rejections, key)),
            }
        }
        for a in &self.audit {
            set.puts
                .push((StoreName::Audit, StoreKey::Num(a.seq), encode(a)));
        }
        for seq in &self.audit_removed {
            set.deletes.push((StoreName::Audit, StoreKey::Num(*seq)));
        }
        for o in &self.outbox {
            // 18 bytes per change (see `OutboxEntry`), plus the header.
            let bytes = encode_sized(o, o.changes.len() * 18 + 64);
            set.puts
                .push((StoreName::Outbox, StoreKey::Num(o.seq), bytes));
        }
        for seq in &self.outbox_removed {
            set.deletes.push((StoreName::Outbox, StoreKey::Num(*seq)));
        }
        if let Some(sync) = &self.sync {
            set.puts
                .push((StoreName::Meta, StoreKey::Text("sync".into()), encode(sync)));
        }
        for (k, groups) in &self.strength_lost {
            let key = StoreKey::Text(format!("{}{k}", super::strength_sync::LOST_KEY));
            match groups {
                Some(g) => set.puts.push((StoreName::Meta, key, encode(g))),
                None => set.deletes.push((StoreName::Meta, key)),
            }
        }
        set
    }
}

/// Where a changed key's record comes from: `changes`, or `rewrites[i]`.
const FROM_CHANGES: u32 = u32::MAX;

/// Encodes the buckets `changes` and `rewrites` touch; returns how many
/// records the table gains (negative: loses) with them, `None` if it
/// touches none.
fn buckets<T: Record, R: Rewrite<T>>(
    set: &mut WriteSet,
    store: StoreName,
    table: &Table<T>,
    changes: &Changes<T>,
    rewrites: &[R],
) -> Option<i64> {
    let rewritten = rewrites.iter().enumerate().filter_map(|(i, r)| {
        let id = table.at_slot(r.slot())?.id();
        debug_assert!(
            !changes.contains_key(&id),
            "a record both changed and rewritten"
        );
        Some((table.key(id), i as u32))
    });
    let mut changed: Vec<(Key, u32)> = changes
        .keys()
        .map(|id| (table.key(*id), FROM_CHANGES))
        .chain(rewritten)
        .collect();
    changed.sort_unstable_by_key(|(k, _)| *k);
    // The runs of one bucket each in `changed`.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < changed.len() {
        let bucket = changed[i].0.bucket;
        let end = i + changed[i..]
            .iter()
            .take_while(|(k, _)| k.bucket == bucket)
            .count();
        runs.push((i, end));
        i = end;
    }
    // A changed key's record as stored by this commit (`None`: removed).
    let record = |id: Uuid, from: u32| -> Option<Stored<'_, T, R>> {
        if from == FROM_CHANGES {
            return changes[&id].as_ref().map(Stored::Record);
        }
        let r = &rewrites[from as usize];
        Some(Stored::Rewritten(table.at_slot(r.slot())?, r))
    };
    // In chunks of buckets: a large write re-encodes every bucket in one
    // wasm call, which V8 would run in its baseline tier to the end.
    let mut out: Vec<Stored<'_, T, R>> = Vec::new();
    // Bytes per record of the last bucket encoded, to size the next one.
    let mut per_record = 0usize;
    let mut delta = 0i64;
    in_chunks(runs.len(), BUCKETS_PER_CALL, |range| {
        for &(i, end) in &runs[range] {
            let bucket = changed[i].0.bucket;
            // Merge two sorted runs: the stored keys of the bucket and its
            // changed keys.
            out.clear();
            let mut pending = changed[i..end].iter().peekable();
            let mut before = 0i64;
            for stored in table.bucket_keys(bucket) {
                before += 1;
                while let Some((k, from)) = pending.next_if(|(k, _)| k < stored) {
                    out.extend(record(k.id, *from));
                }
                match pending.next_if(|(k, _)| k == stored) {
                    Some((k, from)) => out.extend(record(k.id, *from)),
                    None => out.extend(table.get(stored.id).map(Stored::Record)),
                }
            }
            for (k, from) in pending {
                out.extend(record(k.id, *from));
            }
            delta += out.len() as i64 - before;
            let key = StoreKey::Num(u64::from(bucket));
            if out.is_empty() {
                set.deletes.push((store, key));
            } else {
                let bytes = encode_sized(&out, out.len() * per_record * 9 / 8 + 64);
                per_record = bytes.len() / out.len();
                set.puts.push((store, key, bytes));
            }
        }
    });
    (!runs.is_empty()).then_some(delta)
}

/// Buckets hold about a hundred records each when full.
const BUCKETS_PER_CALL: usize = 32;
