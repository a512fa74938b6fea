//! A commit: what one call changes, computed against the state without
//! mutating it, then turned into the backend's [`WriteSet`].

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::codec::encode;
use super::state::GraphState;
use super::table::{Key, Record, Table};
use super::{StoreKey, StoreName, WriteSet};
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxChange {
    pub change_id: Uuid,
    pub kind: EntityKind,
    pub id: Uuid,
    pub op: ChangeOp,
    pub at: Timestamp,
}

/// The changes of one call, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub seq: u64,
    pub changes: Vec<OutboxChange>,
}

/// `None` = the record is removed (hard delete).
pub type Changes<T> = BTreeMap<Key, Option<T>>;

#[derive(Debug, Default, Clone)]
pub struct Commit {
    pub people: Changes<Person>,
    pub organizations: Changes<Organization>,
    pub edges: Changes<Edge>,
    pub interactions: Changes<Interaction>,
    pub merges: BTreeMap<Uuid, Option<MergeRecord>>,
    pub audit: Vec<AuditEntry>,
    pub audit_removed: Vec<u64>,
    /// Outbox entries to add or rewrite (erase scrubs earlier entries).
    pub outbox: Vec<OutboxEntry>,
    pub outbox_removed: Vec<u64>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && self.organizations.is_empty() && self.edges.is_empty() && self.interactions.is_empty() && self.merges.is_empty()
    }

    /// The touched buckets of each table, re-encoded from state + changes, and
    /// the audit, outbox and merge entries: the whole call as one write.
    pub fn write_set(&self, state: &GraphState) -> WriteSet {
        let mut set = WriteSet::default();
        buckets(&mut set, StoreName::People, &state.people, &self.people);
        buckets(&mut set, StoreName::Organizations, &state.organizations, &self.organizations);
        buckets(&mut set, StoreName::Edges, &state.edges, &self.edges);
        buckets(&mut set, StoreName::Interactions, &state.interactions, &self.interactions);
        for (id, m) in &self.merges {
            let key = StoreKey::Text(id.to_string());
            match m {
                Some(m) => set.puts.push((StoreName::Merges, key, encode(m))),
                None => set.deletes.push((StoreName::Merges, key)),
            }
        }
        for a in &self.audit {
            set.puts.push((StoreName::Audit, StoreKey::Num(a.seq), encode(a)));
        }
        for seq in &self.audit_removed {
            set.deletes.push((StoreName::Audit, StoreKey::Num(*seq)));
        }
        for o in &self.outbox {
            set.puts.push((StoreName::Outbox, StoreKey::Num(o.seq), encode(o)));
        }
        for seq in &self.outbox_removed {
            set.deletes.push((StoreName::Outbox, StoreKey::Num(*seq)));
        }
        set
    }
}

fn buckets<T: Record>(set: &mut WriteSet, store: StoreName, table: &Table<T>, changes: &Changes<T>) {
    let touched: BTreeSet<u16> = changes.keys().map(|k| k.bucket).collect();
    for bucket in touched {
        let lo = Key { bucket, id: Uuid::nil() };
        let hi = Key { bucket, id: Uuid::max() };
        let mut pending = changes.range(lo..=hi).peekable();
        let mut out: Vec<&T> = Vec::new();
        // Merge two sorted runs: the stored bucket and its changes.
        for (key, stored) in table.bucket(bucket) {
            while let Some((ck, change)) = pending.peek() {
                if *ck < key {
                    if let Some(r) = change {
                        out.push(r);
                    }
                    pending.next();
                } else {
                    break;
                }
            }
            match pending.peek() {
                Some((ck, change)) if *ck == key => {
                    if let Some(r) = change {
                        out.push(r);
                    }
                    pending.next();
                }
                _ => out.push(stored),
            }
        }
        for (_, change) in pending {
            if let Some(r) = change {
                out.push(r);
            }
        }
        let key = StoreKey::Num(u64::from(bucket));
        if out.is_empty() {
            set.deletes.push((store, key));
        } else {
            set.puts.push((store, key, encode(&out)));
        }
    }
}
