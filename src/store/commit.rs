//! A commit: what one call changes, computed against the state without
//! mutating it, then turned into the backend's [`WriteSet`].

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::codec::{encode, encode_sized};
use super::state::GraphState;
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

#[derive(Debug, Default, Clone)]
pub struct Commit {
    pub people: Changes<Person>,
    pub organizations: Changes<Organization>,
    pub edges: Changes<Edge>,
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
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
            && self.organizations.is_empty()
            && self.edges.is_empty()
            && self.interactions.is_empty()
            && self.merges.is_empty()
            && self.rejections.is_empty()
    }

    /// The touched buckets of each table, re-encoded from state + changes, and
    /// the audit, outbox and merge entries: the whole call as one write.
    pub fn write_set(&self, state: &GraphState) -> WriteSet {
        let mut set = WriteSet::default();
        buckets(&mut set, StoreName::People, &state.people, &self.people);
        buckets(
            &mut set,
            StoreName::Organizations,
            &state.organizations,
            &self.organizations,
        );
        buckets(&mut set, StoreName::Edges, &state.edges, &self.edges);
        buckets(
            &mut set,
            StoreName::Interactions,
            &state.interactions,
            &self.interactions,
        );
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
        set
    }
}

fn buckets<T: Record>(
    set: &mut WriteSet,
    store: StoreName,
    table: &Table<T>,
    changes: &Changes<T>,
) {
    let mut changed: Vec<Key> = changes.keys().map(|id| table.key(*id)).collect();
    changed.sort_unstable();
    // The runs of one bucket each in `changed`.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < changed.len() {
        let bucket = changed[i].bucket;
        let end = i + changed[i..]
            .iter()
            .take_while(|k| k.bucket == bucket)
            .count();
        runs.push((i, end));
        i = end;
    }
    // In chunks of buckets: a large write re-encodes every bucket in one
    // wasm call, which V8 would run in its baseline tier to the end.
    let mut keys: Vec<Key> = Vec::new();
    // Bytes per record of the last bucket encoded, to size the next one.
    let mut per_record = 0usize;
    in_chunks(runs.len(), BUCKETS_PER_CALL, |range| {
        for &(i, end) in &runs[range] {
            let bucket = changed[i].bucket;
            // Merge two sorted runs: the stored keys of the bucket and its changes.
            keys.clear();
            keys.extend(table.bucket_keys(bucket).copied());
            keys.extend_from_slice(&changed[i..end]);
            keys.sort_unstable();
            keys.dedup();
            let out: Vec<&T> = keys
                .iter()
                .filter_map(|k| match changes.get(&k.id) {
                    Some(change) => change.as_ref(),
                    None => table.get(k.id),
                })
                .collect();
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
}

/// Buckets hold about a hundred records each when full.
const BUCKETS_PER_CALL: usize = 32;
