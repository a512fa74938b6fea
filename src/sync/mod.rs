//! Sync with a PostgreSQL server speaking `sql/PROTOCOL.md`: the client's
//! bookkeeping, in plain Rust (the HTTP calls, retries and tab locking are
//! in `pkg/sync.js`).
//!
//! - **Push** ([`Db::prepare_push`], [`Db::prepare_ack`]): the outbox (one
//!   entry per write call, see `store::commit`) becomes batches of at most N
//!   records, each record once with its *current* state, `base_version` =
//!   its `syncVersion`, and a change id that is stable across retries (the
//!   id of its last pending change). The server's answer is applied in one
//!   transaction: exactly the changes the batch carried leave the outbox,
//!   acknowledged records get `syncVersion` = the version the server wrote
//!   (a record edited again meanwhile keeps its newer changes pending, now
//!   based on that version), and conflicts are resolved (below), the
//!   resolved record written with base = the server's version and pushed
//!   again.
//! - **Pull** ([`Db::prepare_pull`]): one page of server rows is applied in
//!   one transaction together with the new checkpoint (`meta/sync`), so a
//!   failure never moves the checkpoint past rows that were not applied.
//!   Pulled rows do not enter the outbox; a record with pending local
//!   changes is resolved against the server's row and stays pending (a row
//!   not newer than the version it is based on changes nothing).
//!
//! Conflict rules ([`resolve()`], same on every device):
//! - an erase (server tombstone, or a local erase) beats everything; a
//!   person's erase reaching a device that holds her record also takes her
//!   id and emails out of its interactions, as a local erase does
//!   (`Db::scrub_erased`);
//! - deletes and merges win (`deletedAt`, `mergedInto` survive any edit);
//! - an edit that meets a person merged away is applied to the survivor
//!   (following `mergedInto` chains): its scalars by `updatedAt`, its array
//!   items unioned ([`redirect_person`]);
//! - otherwise last writer wins per scalar field by `updatedAt` (ties: the
//!   larger canonical JSON of the scalar fields), arrays are unioned winner
//!   first, maps key by key;
//! - an edge or interaction that hits the server's "one edge per pair" /
//!   "one interaction per (sourceName, sourceId)" rule is folded into the
//!   server's record (same rules), and the local duplicate goes.

mod pull;
mod push;
mod resolve;

pub use pull::PullReport;
pub use push::{AckReport, PushBatch, PushItem, PUSH_BODY_BYTES};
pub use resolve::{redirect_person, resolve, SyncRecord};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode, Result};
use crate::graph::{in_chunks, CHUNK};
use crate::model::*;
use crate::store::{
    Backend, ChangeOp, Commit, Db, GraphState, OutboxChange, OutboxEntry, WriteContext,
};

/// Stored under `meta/sync`, written in the same transaction as the rows it
/// accounts for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncMeta {
    /// `checkpoint` is the last server version applied, as a decimal string.
    pub state: SyncState,
    /// Records erased here whose erase the server refused as stale: the
    /// server version to base the next erase on (the record itself is gone).
    pub erase_bases: BTreeMap<Uuid, u64>,
    /// Local edits of people the server merged away, waiting for their
    /// survivor to arrive (a later pull page) to be folded into it.
    pub redirects: Vec<Person>,
}

impl Default for SyncMeta {
    fn default() -> Self {
        SyncMeta {
            state: SyncState {
                remote: String::new(),
                checkpoint: None,
                last_success_at: None,
                last_error: None,
                status: SyncStatus::Idle,
            },
            erase_bases: BTreeMap::new(),
            redirects: Vec::new(),
        }
    }
}

impl SyncMeta {
    pub fn checkpoint(&self) -> u64 {
        self.state
            .checkpoint
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
}

pub(crate) fn protocol_error(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::new(ErrorCode::SyncProtocol, field, reason)
}

/// Where each pending change of each record sits in the outbox:
/// (kind, id) → [(entry seq, index)], records in order of first change.
pub(crate) struct Pending {
    pub by_record: HashMap<(EntityKind, Uuid), Vec<(u64, u32)>>,
    pub order: Vec<(EntityKind, Uuid)>,
}

impl Pending {
    pub fn of(state: &GraphState) -> Self {
        Self::first(state, usize::MAX, |_| false)
    }

    /// Only the first `limit` records (in order of first change) that
    /// `skip` does not name, with every pending change of each: what one
    /// push batch needs, without a map entry per pending record.
    pub fn first(state: &GraphState, limit: usize, skip: impl Fn(Uuid) -> bool) -> Self {
        let mut by_record: HashMap<(EntityKind, Uuid), Vec<(u64, u32)>> = HashMap::default();
        let mut order = Vec::new();
        for entry in state.outbox.values() {
            // In chunks: an entry of a large load holds every change of it,
            // and this pass runs in one wasm call (see `graph::in_chunks`).
            in_chunks(entry.changes.len(), CHUNK, |range| {
                for i in range {
                    let c = &entry.changes[i];
                    let key = (c.kind, c.id);
                    let at = match by_record.get_mut(&key) {
                        Some(at) => at,
                        None if order.len() < limit && !skip(c.id) => {
                            order.push(key);
                            by_record.entry(key).or_default()
                        }
                        None => continue,
                    };
                    at.push((entry.seq, i as u32));
                }
            });
        }
        Pending { by_record, order }
    }
}

/// Removes the changes at `removed` from the outbox, in `commit`. A partly
/// removed entry is rewritten under a fresh base change id: the kept
/// changes move to new positions, and a change id must never name another
/// change (the server would take it for one it already applied).
pub(crate) fn drop_from_outbox(
    state: &GraphState,
    removed: &HashSet<(u64, u32)>,
    commit: &mut Commit,
) {
    if removed.is_empty() {
        return;
    }
    let seqs: HashSet<u64> = removed.iter().map(|(s, _)| *s).collect();
    for seq in seqs {
        let Some(entry) = state.outbox.get(&seq) else {
            continue;
        };
        let kept: Vec<OutboxChange> = entry
            .changes
            .iter()
            .enumerate()
            .filter(|(i, _)| !removed.contains(&(seq, *i as u32)))
            .map(|(_, c)| *c)
            .collect();
        if kept.is_empty() {
            commit.outbox_removed.push(seq);
        } else {
            commit.outbox.push(OutboxEntry {
                seq,
                base_change_id: new_id(),
                at: entry.at,
                changes: kept,
            });
        }
    }
}

/// The audit entry and (when resolutions must be pushed) the outbox entry
/// of one sync step.
pub(crate) fn seal(
    state: &GraphState,
    commit: &mut Commit,
    ctx: &WriteContext,
    action: &str,
    changes: Vec<OutboxChange>,
    report: serde_json::Value,
) {
    commit
        .audit
        .push(ctx.audit_entry(state.next_audit_seq, action, None, report, ctx.now));
    if !changes.is_empty() {
        let seq = state
            .next_outbox_seq
            .max(commit.outbox.iter().map(|o| o.seq + 1).max().unwrap_or(0));
        commit.outbox.push(OutboxEntry {
            seq,
            base_change_id: new_id(),
            at: ctx.now,
            changes,
        });
    }
}

pub(crate) fn upsert(kind: EntityKind, id: Uuid) -> OutboxChange {
    OutboxChange {
        kind,
        id,
        op: ChangeOp::Upsert,
    }
}

/// The people whose erase reaches this sync step, as this device held
/// them (in memory only, never stored): what the step scrubs from
/// interactions ([`Db::scrub_erased`]) and from survivors of merges
/// ([`scrub_survivors`]).
#[derive(Default)]
pub(crate) struct Erasures {
    /// Her id as text and, when held, her emails: what a participant or
    /// sender that names her looks like.
    pub mentions: HashSet<String>,
    /// Her records, when held.
    pub records: Vec<Person>,
}

impl Erasures {
    /// Notes her erase; `held` is her record (staged or stored), read
    /// before the erase is staged.
    pub fn note(&mut self, id: Uuid, held: Option<&Person>) {
        self.mentions.insert(id.to_string());
        if let Some(p) = held {
            self.mentions.extend(p.emails.iter().cloned());
            self.records.push(p.clone());
        }
    }
}

/// A person's erase reaching this device after a merge took her into
/// another (the erase and the merge made concurrently on two devices; a
/// local erase of a merged-away person is refused): her values leave every
/// person that lists her in `previousIds`, stored or staged by this step,
/// as [`crate::store::unfold_source`] says. `erased` are her records as
/// this device held them, read before the tombstones were staged. The
/// merge record, when held, tells the survivor's own values from hers, and
/// undoes what the merge did to edges: an edge of hers it re-pointed to
/// the survivor is erased, an edge of the survivor's it combined with hers
/// goes back to what it was (her counts, sources and notes leave it).
/// Staged in `commit`; returns the changes to push, people first.
pub(crate) fn scrub_survivors(
    st: &GraphState,
    commit: &mut crate::store::Commit,
    erased: &[Person],
) -> Vec<OutboxChange> {
    if erased.is_empty() {
        return Vec::new();
    }
    let hers: HashSet<Uuid> = erased.iter().map(|p| p.id).collect();
    let mut holders: Vec<Person> = st
        .people
        .values()
        .filter(|p| !commit.people.contains_key(&p.id))
        .chain(commit.people.values().flatten())
        .filter(|p| p.previous_ids.iter().any(|x| hers.contains(x)))
        .cloned()
        .collect();
    holders.sort_unstable_by_key(|p| p.id);
    let mut changed = Vec::new();
    let mut edges: Vec<(Uuid, Option<Edge>)> = Vec::new();
    for holder in holders {
        let mut p = holder.clone();
        for her in erased
            .iter()
            .filter(|h| holder.previous_ids.contains(&h.id))
        {
            let merge = commit.staged_merges(st).find(|m| {
                m.target_id == p.id && m.source_ids.contains(&her.id) && m.undone_at.is_none()
            });
            let before = merge.and_then(|m| m.people_before.iter().find(|b| b.id == p.id));
            p = crate::store::unfold_source(&p, her, before);
            for after in merge.map_or(&[][..], |m| &m.edges_after[..]) {
                let Some(was) =
                    merge.and_then(|m| m.edges_before.iter().find(|b| b.id == after.id))
                else {
                    continue;
                };
                let Some(now) = push::staged(&st.edges, &commit.edges, after.id) else {
                    continue;
                };
                if [was.from_person_id, was.to_person_id].contains(&her.id) {
                    edges.push((after.id, None));
                } else {
                    let mut back = was.clone();
                    back.sync_version = now.sync_version;
                    back.updated_at = now.updated_at;
                    edges.push((after.id, Some(back)));
                }
            }
        }
        if p != holder {
            changed.push(upsert(EntityKind::Person, p.id));
            commit.people.insert(p.id, Some(p));
        }
    }
    for (id, edge) in edges {
        changed.push(OutboxChange {
            kind: EntityKind::Edge,
            id,
            op: if edge.is_some() {
                ChangeOp::Upsert
            } else {
                ChangeOp::Erase
            },
        });
        commit.edges.insert(id, edge);
    }
    changed
}

impl<B: Backend> Db<B> {
    /// A person's erase reaching this device (a pulled tombstone, a push
    /// conflict with an erased row) reaches her mentions in interactions
    /// as a local erase does ([`Db::scrub_interaction`]): every interaction
    /// (stored, or staged by this step: pulled rows and pending local
    /// changes alike) whose participants or sender are in `mentions` loses
    /// them, and goes when fewer than two participants are left. `updatedAt`
    /// is kept, so devices scrubbing the same record write the same record
    /// (no ping-pong). Staged in `commit`; returns the changes to push
    /// (upserts and erases, by id) with each record's last seen version
    /// (the base of an erase).
    pub(crate) fn scrub_erased(
        st: &GraphState,
        commit: &mut Commit,
        mentions: &HashSet<String>,
    ) -> Vec<(OutboxChange, u64)> {
        if mentions.is_empty() {
            return Vec::new();
        }
        let names = |i: &Interaction| {
            i.participants.iter().any(|p| mentions.contains(p))
                || i.sender.as_ref().is_some_and(|s| mentions.contains(s))
        };
        let mut hits: Vec<Interaction> = st
            .interactions
            .values()
            .filter(|i| !commit.interactions.contains_key(&i.id))
            .chain(commit.interactions.values().flatten())
            .filter(|i| names(i))
            .cloned()
            .collect();
        hits.sort_unstable_by_key(|i| i.id);
        let mut out = Vec::with_capacity(hits.len());
        for i in hits {
            let scrubbed = Self::scrub_interaction(&i, mentions);
            let op = match scrubbed {
                Some(_) => ChangeOp::Upsert,
                None => ChangeOp::Erase,
            };
            commit.interactions.insert(i.id, scrubbed);
            let change = OutboxChange {
                kind: EntityKind::Interaction,
                id: i.id,
                op,
            };
            out.push((change, i.sync_version));
        }
        out
    }
}

/// The surviving record of a merge chain (`mergedInto` followed), looked
/// up in `get` (the state with the step's staged changes): a person or an
/// organization.
pub(crate) fn survivor<'a, T: SyncRecord>(
    mut id: Uuid,
    get: impl Fn(Uuid) -> Option<&'a T>,
) -> Option<&'a T> {
    // A chain longer than this is a cycle (corrupt data): no survivor.
    for _ in 0..64 {
        let p = get(id)?;
        match p.merged_into() {
            Some(next) if next != id => id = next,
            _ => return Some(p),
        }
    }
    None
}

/// Breaks merge cycles. Two devices merging the same people in opposite
/// directions (A: p2 into p1, B: p1 into p2), or three around a ring,
/// leave `mergedInto` pointing round in a circle once their records are
/// resolved one by one ([`resolve()`] keeps a merge from either side), and
/// nobody of the ring is live. So every sync step that staged records
/// follows the chains that start at a staged record (the state with the
/// step's changes: a cycle closed by a pulled row meeting a local change is
/// seen too) and, in each cycle, gives the member with the **smallest id**
/// `mergedInto = null`: it survives, and the others, still pointing along
/// the ring, reach it. The choice depends only on the ids in the cycle,
/// which never change, so every device holding the cycle clears the same
/// member whatever order its records arrived in; `updatedAt` is kept (two
/// devices clearing the same cycle write the same record). The caller
/// pushes what was cleared, so the server converges too; a device that
/// pulls the cleared record without a change of its own takes it as it
/// is, and one still holding its own merge of that record resolves it
/// back into the cycle, breaks it the same way and pushes the same state:
/// no ping-pong. Returns the ids cleared, smallest first.
pub(crate) fn break_merge_cycles<T: SyncRecord>(
    table: &crate::store::table::Table<T>,
    changes: &mut crate::store::Changes<T>,
) -> Vec<Uuid> {
    let mut cleared = Vec::new();
    {
        let next = |id: Uuid| -> Option<Uuid> {
            push::staged(table, changes, id)
                .and_then(|r| r.merged_into())
                .filter(|n| *n != id)
        };
        let mut starts: Vec<Uuid> = changes
            .iter()
            .filter(|(_, r)| r.as_ref().is_some_and(|r| r.merged_into().is_some()))
            .map(|(id, _)| *id)
            .collect();
        starts.sort_unstable();
        // Each record is walked once: a chain reaching a walked record
        // ends there (its cycle, if any, is already found).
        let mut walked: HashSet<Uuid> = HashSet::default();
        let mut path: Vec<Uuid> = Vec::new();
        let mut on_path: HashMap<Uuid, usize> = HashMap::default();
        for start in starts {
            path.clear();
            on_path.clear();
            let mut at = start;
            loop {
                if walked.contains(&at) {
                    break;
                }
                if let Some(&from) = on_path.get(&at) {
                    let smallest = *path[from..].iter().min().expect("a cycle has members");
                    cleared.push(smallest);
                    break;
                }
                on_path.insert(at, path.len());
                path.push(at);
                match next(at) {
                    Some(n) => at = n,
                    None => break,
                }
            }
            walked.extend(path.iter().copied());
        }
    }
    cleared.sort_unstable();
    // Cycles are disjoint, and clearing one member cannot close another.
    for id in &cleared {
        if let Some(mut r) = push::staged(table, changes, *id).cloned() {
            r.set_merged_into(None);
            changes.insert(*id, Some(r));
        }
    }
    cleared
}

/// A record as the protocol carries it: camelCase JSON minus `syncVersion`.
pub(crate) fn wire_record<T: Serialize>(record: &T, out: &mut String) {
    let json = serde_json::to_string(record).expect("records serialize");
    // `syncVersion` is every record's last field: cut it off the end.
    match json.rfind(",\"syncVersion\":") {
        Some(at) => {
            out.push_str(&json[..at]);
            out.push('}');
        }
        None => out.push_str(&json),
    }
}

/// A server record → the model type, with `syncVersion` = its version.
pub(crate) fn record_from_wire<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    version: u64,
    field: &str,
) -> Result<T> {
    let serde_json::Value::Object(mut m) = value else {
        return Err(protocol_error(field, "not a JSON object"));
    };
    m.insert("syncVersion".into(), version.into());
    serde_json::from_value(serde_json::Value::Object(m))
        .map_err(|e| protocol_error(field, format!("not a valid record: {e}")))
}
