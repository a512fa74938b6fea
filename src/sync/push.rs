//! Push: outbox → batches, and the server's answer → one transaction.

use rustc_hash::FxHashSet as HashSet;

/// The longest push body a batch is cut at by default: under postrust's
/// `PGRST_MAX_BODY_SIZE` (10 MiB), with room for the batch's last record.
pub const PUSH_BODY_BYTES: usize = 4 << 20;
use serde::{Deserialize, Serialize};

use super::{
    break_merge_cycles, drop_from_outbox, protocol_error, record_from_wire, redirect_person,
    resolve, scrub_survivors, seal, survivor, wire_record, Erasures, Pending, SyncRecord,
};
use crate::error::Result;
use crate::graph::{in_chunks, CHUNK};
use crate::model::*;
use crate::store::table::Table;
use crate::store::{
    Backend, ChangeOp, Commit, Db, GraphState, OutboxChange, Prepared, WriteContext,
};
use std::fmt::Write as _;

/// `$body` with `$table` (the state's table of records of `$kind`) and
/// `$changes` (the commit's changes to that table) bound: one generic call
/// instead of an arm per kind. Merges have no such pair here: `$merge`.
macro_rules! for_kind {
    ($kind:expr, $st:expr, $commit:expr, merge => $merge:expr, |$table:ident, $changes:ident| $body:expr) => {
        match $kind {
            EntityKind::Person => {
                let ($table, $changes) = (&$st.people, &mut $commit.people);
                $body
            }
            EntityKind::Organization => {
                let ($table, $changes) = (&$st.organizations, &mut $commit.organizations);
                $body
            }
            EntityKind::Edge => {
                let ($table, $changes) = (&$st.edges, &mut $commit.edges);
                $body
            }
            EntityKind::Interaction => {
                let ($table, $changes) = (&$st.interactions, &mut $commit.interactions);
                $body
            }
            EntityKind::Merge => $merge,
        }
    };
}

/// One record of a batch, and the outbox changes it answers for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushItem {
    pub change_id: Uuid,
    pub kind: EntityKind,
    pub id: Uuid,
    pub op: ChangeOp,
    pub base_version: u64,
    /// (outbox entry seq, index) of every pending change of this record
    /// when the batch was built: what an acknowledgement removes.
    pub covered: Vec<(u64, u32)>,
}

/// A batch ready to send: the request body of `wig_push` and what it covers.
#[derive(Debug, Clone)]
pub struct PushBatch {
    pub items: Vec<PushItem>,
    /// `{"changes":[…]}`
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AckReport {
    pub applied: usize,
    pub conflicts: usize,
    /// Conflicts whose resolution must be pushed again.
    pub repush: usize,
    /// Changes still in the outbox after this step.
    pub pending: usize,
    /// Ids of the records this step wrote.
    pub changed: Vec<Uuid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushResponse {
    applied: Vec<Applied>,
    conflicts: Vec<Conflict>,
    #[allow(dead_code)]
    checkpoint: serde_json::Value,
}

#[derive(Deserialize)]
struct Applied {
    change_id: Uuid,
    id: Uuid,
    version: u64,
}

#[derive(Deserialize)]
struct Conflict {
    change_id: Uuid,
    kind: EntityKind,
    id: Uuid,
    reason: String,
    server: Option<ServerRow>,
}

#[derive(Deserialize)]
struct ServerRow {
    id: Uuid,
    version: u64,
    #[serde(default)]
    erased: bool,
    record: Option<serde_json::Value>,
}

/// The protocol's name of an op (its serde name).
fn op_name(op: ChangeOp) -> &'static str {
    match op {
        ChangeOp::Upsert => "upsert",
        ChangeOp::Delete => "delete",
        ChangeOp::Erase => "erase",
    }
}

fn op_of<T: SyncRecord>(r: Option<&T>) -> ChangeOp {
    match r {
        None => ChangeOp::Erase,
        Some(r) if r.is_deleted() => ChangeOp::Delete,
        Some(_) => ChangeOp::Upsert,
    }
}

impl<B: Backend> Db<B> {
    /// The next batch of at most `limit` records (None: nothing to push).
    /// Pure: nothing is written; building it again gives the same change
    /// ids as long as no new change arrived.
    pub fn prepare_push(&self, limit: usize) -> Result<Option<PushBatch>> {
        self.prepare_push_excluding(limit, &HashSet::default(), PUSH_BODY_BYTES)
    }

    /// [`Db::prepare_push`] without the records in `in_flight` (ids of
    /// batches sent whose acknowledgement is not stored yet), so the next
    /// batch can go out while earlier answers are being stored. A record
    /// edited meanwhile waits until its batch is acknowledged.
    /// A batch is also cut at `max_bytes` of body (one record always goes):
    /// gateways refuse long bodies (postrust: 10 MiB, `PGRST102`).
    pub fn prepare_push_excluding(
        &self,
        limit: usize,
        in_flight: &HashSet<Uuid>,
        max_bytes: usize,
    ) -> Result<Option<PushBatch>> {
        self.ensure_open()?;
        let st = self.state();
        let pending = Pending::first(st, limit.max(1), |id| in_flight.contains(&id));
        let erase_bases = st.sync.as_ref().map(|m| &m.erase_bases);
        let mut items = Vec::new();
        let mut body = String::from("{\"changes\":[");
        for key in pending.order.iter() {
            let (kind, id) = *key;
            let covered = pending.by_record[key].clone();
            let (last_seq, last_index) = *covered.last().expect("a pending record has changes");
            let change_id = st.outbox[&last_seq].change_id(last_index as usize);
            let mut record = String::new();
            let (op, base) = match kind {
                EntityKind::Person => item_of(&st.people, id, &mut record),
                EntityKind::Organization => item_of(&st.organizations, id, &mut record),
                EntityKind::Edge => item_of(&st.edges, id, &mut record),
                EntityKind::Interaction => item_of(&st.interactions, id, &mut record),
                EntityKind::Merge => match st.merges.get(&id) {
                    Some(m) => {
                        wire_record(m, &mut record);
                        (ChangeOp::Upsert, 0)
                    }
                    None => (ChangeOp::Erase, 0),
                },
            };
            let base = if op == ChangeOp::Erase {
                erase_bases
                    .and_then(|b| b.get(&id).copied())
                    .unwrap_or(base)
            } else {
                base
            };
            let mut item = String::with_capacity(record.len() + 160);
            write!(
                item,
                "{{\"change_id\":\"{change_id}\",\"kind\":\"{}\",\"id\":\"{id}\",\"op\":\"{}\",\"base_version\":{base},\"record\":",
                kind.as_str(),
                op_name(op),
            )
            .expect("writing to a String cannot fail");
            if record.is_empty() {
                item.push_str("null");
            } else {
                item.push_str(&record);
            }
            item.push('}');
            // The rest waits for the next batch.
            if !items.is_empty() && body.len() + 1 + item.len() + 2 > max_bytes {
                break;
            }
            if !items.is_empty() {
                body.push(',');
            }
            body.push_str(&item);
            items.push(PushItem {
                change_id,
                kind,
                id,
                op,
                base_version: base,
                covered,
            });
        }
        body.push_str("]}");
        Ok((!items.is_empty()).then_some(PushBatch { items, body }))
    }

    /// Applies the server's answer to `batch` in one transaction (see the
    /// module docs). An answer that does not fit the batch (unknown change
    /// id, a record id that differs, a malformed server row) is refused as a
    /// whole with `SYNC_PROTOCOL`; nothing is written then.
    pub fn prepare_ack(
        &self,
        batch: &PushBatch,
        response: &str,
        ctx: &WriteContext,
    ) -> Result<Prepared<AckReport>> {
        self.prepare_acks(&[(batch, response)], ctx)
    }

    /// The answers to several consecutive batches (sent one after another,
    /// with disjoint records: see [`Db::prepare_push_excluding`]) in one
    /// transaction: the same as acknowledging them one by one, but the
    /// storage buckets they touch are rewritten once. Field paths name the
    /// answer (`responses[1].applied[3]`) when there are several.
    pub fn prepare_acks(
        &self,
        acks: &[(&PushBatch, &str)],
        ctx: &WriteContext,
    ) -> Result<Prepared<AckReport>> {
        self.ensure_open()?;
        let st = self.state();
        let many = acks.len() > 1;
        let mut applied: Vec<(usize, usize, Applied)> = Vec::new();
        let mut conflicts: Vec<(usize, usize, Conflict)> = Vec::new();
        let mut by_change: rustc_hash::FxHashMap<(usize, Uuid), &PushItem> =
            rustc_hash::FxHashMap::default();
        for (k, (batch, response)) in acks.iter().enumerate() {
            let at = if many {
                format!("responses[{k}]")
            } else {
                "response".into()
            };
            let resp: PushResponse = serde_json::from_str(response)
                .map_err(|e| protocol_error(&at, format!("not a wig_push answer: {e}")))?;
            applied.extend(resp.applied.into_iter().enumerate().map(|(i, a)| (k, i, a)));
            conflicts.extend(
                resp.conflicts
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (k, i, c)),
            );
            by_change.extend(batch.items.iter().map(|i| ((k, i.change_id), i)));
        }
        let path = |k: usize, list: &str, i: usize| {
            if many {
                format!("responses[{k}].{list}[{i}]")
            } else {
                format!("{list}[{i}]")
            }
        };
        let find = |k: usize, change_id: Uuid, id: Uuid, field: String| -> Result<&PushItem> {
            let item = by_change.get(&(k, change_id)).ok_or_else(|| {
                protocol_error(&field, format!("change {change_id} is not in this batch"))
            })?;
            if item.id != id {
                return Err(protocol_error(
                    field,
                    format!("change {change_id} is about {}, not {id}", item.id),
                ));
            }
            Ok(item)
        };
        // Every change sent is answered exactly once, applied (at a real
        // version) or a conflict the server's rules can give: else the
        // client would send it again at once, round after round.
        let mut answered: HashSet<(usize, Uuid)> = HashSet::default();
        for (k, i, a) in &applied {
            let field = path(*k, "applied", *i);
            find(*k, a.change_id, a.id, field.clone())?;
            if a.version == 0 {
                return Err(protocol_error(
                    format!("{field}.version"),
                    "0 is not a version (the server's versions start at 1)",
                ));
            }
            if !answered.insert((*k, a.change_id)) {
                return Err(protocol_error(
                    field,
                    format!("change {} is answered twice", a.change_id),
                ));
            }
        }
        for (k, i, c) in &conflicts {
            let field = path(*k, "conflicts", *i);
            let item = find(*k, c.change_id, c.id, field.clone())?;
            if !answered.insert((*k, c.change_id)) {
                return Err(protocol_error(
                    field,
                    format!("change {} is answered twice", c.change_id),
                ));
            }
            let server = c.server.as_ref();
            match c.reason.as_str() {
                // The server's row moved past the base the change was sent on.
                "stale_base" => {
                    if let Some(s) = server.filter(|s| s.version <= item.base_version) {
                        return Err(protocol_error(
                            format!("{field}.server.version"),
                            format!(
                                "{} is not after the change's base_version {}: not stale",
                                s.version, item.base_version
                            ),
                        ));
                    }
                }
                // Another record holds the pair / source.
                "duplicate_pair" | "duplicate_source" => {
                    if server.is_some_and(|s| s.id == item.id) {
                        return Err(protocol_error(
                            format!("{field}.server.id"),
                            format!("{} is the change's own record, not another one", item.id),
                        ));
                    }
                }
                other => {
                    return Err(protocol_error(
                        format!("{field}.reason"),
                        format!(
                            "'{other}' is not one of stale_base, duplicate_pair, duplicate_source"
                        ),
                    ))
                }
            }
        }
        for (k, (batch, _)) in acks.iter().enumerate() {
            if let Some(item) = batch
                .items
                .iter()
                .find(|i| !answered.contains(&(k, i.change_id)))
            {
                let at = if many {
                    format!("responses[{k}]")
                } else {
                    "response".into()
                };
                return Err(protocol_error(
                    at,
                    format!(
                        "change {} ({} {}) is neither applied nor a conflict",
                        item.change_id,
                        item.kind.as_str(),
                        item.id
                    ),
                ));
            }
        }
        if applied.is_empty() && conflicts.is_empty() {
            // Only empty batches (or none): nothing to store, not even an
            // audit entry.
            let report = AckReport {
                pending: st.outbox_changes(),
                ..AckReport::default()
            };
            return Ok(Prepared::new(Commit::default(), st, report));
        }
        let mut commit = Commit::default();
        let mut meta = st.sync.clone().unwrap_or_default();
        let mut removed: HashSet<(u64, u32)> = HashSet::default();
        let mut new_changes: Vec<OutboxChange> = Vec::new();
        let mut report = AckReport::default();
        let mut carried = Carried::default();
        // In chunks: grouped answers carry thousands of rows, one wasm call.
        let mut failed = None;
        in_chunks(applied.len(), CHUNK, |range| {
            for (k, i, a) in &applied[range] {
                let item = match find(*k, a.change_id, a.id, path(*k, "applied", *i)) {
                    Ok(item) => item,
                    Err(e) => {
                        failed.get_or_insert(e);
                        return;
                    }
                };
                removed.extend(carried.of(st, item));
                meta.erase_bases.remove(&item.id);
                let v = a.version;
                for_kind!(item.kind, st, commit, merge => {}, |table, changes| {
                    set_version(table, changes, item.id, v)
                });
                report.applied += 1;
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        // The records whose current state must be pushed again.
        let mut repush: Vec<(EntityKind, Uuid)> = Vec::new();
        // Edits that met a merge: folded once every conflict is resolved.
        let mut edits: Vec<Person> = Vec::new();
        // People the server answered erased.
        let mut erased = Erasures::default();
        let mut erased_people: HashSet<Uuid> = HashSet::default();
        for (k, i, c) in conflicts.iter() {
            let field = path(*k, "conflicts", *i);
            let item = find(*k, c.change_id, c.id, field.clone())?;
            if item.kind != c.kind {
                return Err(protocol_error(
                    format!("{field}.kind"),
                    format!("change {} is a {}", c.change_id, item.kind.as_str()),
                ));
            }
            let server = c
                .server
                .as_ref()
                .ok_or_else(|| protocol_error(format!("{field}.server"), "missing"))?;
            removed.extend(carried.of(st, item));
            report.conflicts += 1;
            if item.kind == EntityKind::Person && server.erased && server.id == item.id {
                // Read before the erase is staged: her record as held here.
                erased.note(item.id, st.people.get(item.id));
                erased_people.insert(item.id);
            }
            let sfield = format!("{field}.server.record");
            // Merge records are written once and never edited: the server's
            // copy stands.
            let outcome = for_kind!(item.kind, st, commit, merge => Vec::new(), |table, changes| {
                resolve_conflict(table, changes, item, server, &c.reason, &sfield, &mut meta)?
            });
            repush.extend(outcome);
            // An edit that met a merge goes to the survivor.
            if item.kind == EntityKind::Person && !server.erased && server.id == item.id {
                let theirs: Option<Person> = server
                    .record
                    .clone()
                    .and_then(|r| record_from_wire(r, server.version, &sfield).ok());
                if let (Some(ours), Some(theirs)) = (st.people.get(item.id), theirs) {
                    edits.extend(edit_meeting_merge(ours, &theirs));
                }
            }
        }
        // A resolved merge may close a cycle (see `break_merge_cycles`):
        // broken before edits follow survivors, the cleared record pushed.
        let cleared = break_merge_cycles(&st.people, &mut commit.people)
            .into_iter()
            .map(|id| (EntityKind::Person, id))
            .chain(
                break_merge_cycles(&st.organizations, &mut commit.organizations)
                    .into_iter()
                    .map(|id| (EntityKind::Organization, id)),
            )
            .collect::<Vec<_>>();
        for key in cleared {
            if !repush.contains(&key) {
                repush.push(key);
            }
        }
        for edit in edits {
            match fold_into_survivor(st, &mut commit, &edit) {
                Folded::Into(t) => repush.push((EntityKind::Person, t)),
                Folded::Nothing => {}
                Folded::NoSurvivorYet => meta.redirects.push(edit),
            }
        }
        // Her mentions in interactions go as on a pulled tombstone (see
        // `Db::scrub_erased`), those just pushed included; and her traces
        // in this device's merges, rejections and audit entries.
        for (change, base) in Self::scrub_erased(st, &mut commit, &erased.mentions) {
            if change.op == ChangeOp::Erase && base > 0 {
                meta.erase_bases.insert(change.id, base);
            }
            if !repush.contains(&(change.kind, change.id)) {
                repush.push((change.kind, change.id));
            }
        }
        // Her values leave the people a merge took her into (read before
        // her merge records go, just below).
        for change in scrub_survivors(st, &mut commit, &erased.records) {
            if !repush.contains(&(change.kind, change.id)) {
                repush.push((change.kind, change.id));
            }
        }
        if !erased_people.is_empty() {
            crate::store::scrub_traces(st, &mut commit, &erased_people);
        }
        // A record erased by the server takes its other pending changes too.
        for (kind, id) in repush.iter().copied() {
            new_changes.push(OutboxChange {
                kind,
                id,
                op: for_kind!(kind, st, commit, merge => ChangeOp::Upsert, |table, changes| {
                    op_of(staged(table, changes, id))
                }),
            });
        }
        let erased_by_server = erased_ids(&commit);
        if !erased_by_server.is_empty() {
            let pending = Pending::of(st);
            for (key, at) in &pending.by_record {
                if erased_by_server.contains(&key.1) && !repush.contains(key) {
                    removed.extend(at.iter().copied());
                }
            }
        }
        report.repush = new_changes.len();
        drop_from_outbox(st, &removed, &mut commit);
        report.pending = st.outbox_changes() - removed.len() + new_changes.len();
        report.changed = changed_ids(&commit);
        commit.sync = Some(meta);
        let audit = serde_json::json!({
            "applied": report.applied, "conflicts": report.conflicts, "repush": report.repush,
        });
        seal(st, &mut commit, ctx, "sync_push", new_changes, audit);
        Ok(Prepared::new(commit, st, report))
    }
}

/// Where the changes a batch item carried sit in the outbox now. Positions
/// move when an answer stored meanwhile rewrote a partly acknowledged entry
/// (pipelined push: the next batch is sent before the previous answer is
/// stored), so they are found by record within the entries the item named:
/// a record's changes in an existing entry can only go away (acknowledged,
/// scrubbed by an erase), never arrive — new changes get new entries.
#[derive(Default)]
struct Carried {
    by_entry: rustc_hash::FxHashMap<u64, rustc_hash::FxHashMap<(EntityKind, Uuid), Vec<u32>>>,
}

impl Carried {
    fn of(&mut self, st: &GraphState, item: &PushItem) -> Vec<(u64, u32)> {
        let mut out = Vec::with_capacity(item.covered.len());
        let mut seqs: Vec<u64> = item.covered.iter().map(|(seq, _)| *seq).collect();
        seqs.dedup();
        for seq in seqs {
            let Some(entry) = st.outbox.get(&seq) else {
                continue;
            };
            let index = self.by_entry.entry(seq).or_insert_with(|| {
                let mut m: rustc_hash::FxHashMap<(EntityKind, Uuid), Vec<u32>> =
                    rustc_hash::FxHashMap::default();
                for (i, c) in entry.changes.iter().enumerate() {
                    m.entry((c.kind, c.id)).or_default().push(i as u32);
                }
                m
            });
            if let Some(at) = index.get(&(item.kind, item.id)) {
                out.extend(at.iter().map(|i| (seq, *i)));
            }
        }
        out
    }
}

/// `id`'s record as the step has it: staged in `changes`, else stored.
pub(super) fn staged<'a, T: SyncRecord>(
    table: &'a Table<T>,
    changes: &'a crate::store::Changes<T>,
    id: Uuid,
) -> Option<&'a T> {
    match changes.get(&id) {
        Some(c) => c.as_ref(),
        None => table.get(id),
    }
}

fn item_of<T: SyncRecord>(table: &Table<T>, id: Uuid, out: &mut String) -> (ChangeOp, u64) {
    match table.get(id) {
        Some(r) => {
            wire_record(r, out);
            (op_of(Some(r)), r.sync_version())
        }
        None => (ChangeOp::Erase, 0),
    }
}

fn set_version<T: SyncRecord>(
    table: &Table<T>,
    changes: &mut crate::store::Changes<T>,
    id: Uuid,
    version: u64,
) {
    // Erased here since the batch was built: nothing to mark.
    if let Some(r) = table.get(id) {
        if r.sync_version() < version {
            let mut r = r.clone();
            r.set_sync_version(version);
            changes.insert(id, Some(r));
        }
    }
}

pub(crate) fn erased_ids(commit: &Commit) -> HashSet<Uuid> {
    fn erased<T>(changes: &crate::store::Changes<T>) -> impl Iterator<Item = Uuid> + '_ {
        changes
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(id, _)| *id)
    }
    erased(&commit.people)
        .chain(erased(&commit.organizations))
        .chain(erased(&commit.edges))
        .chain(erased(&commit.interactions))
        .collect()
}

pub(crate) fn changed_ids(commit: &Commit) -> Vec<Uuid> {
    commit
        .people
        .keys()
        .chain(commit.organizations.keys())
        .chain(commit.edges.keys())
        .chain(commit.interactions.keys())
        .copied()
        .collect()
}

fn json_object<T: SyncRecord>(record: &T) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(record) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => unreachable!("records serialize to objects"),
    }
}

/// `ours` folded into `theirs`, the server's record for the same pair /
/// source (rule 6): ours takes theirs' identity (id, the unique key's
/// fields, `createdAt`, `syncVersion`) and the two are resolved as two
/// versions of one record.
pub(crate) fn fold_duplicate<T: SyncRecord>(ours: &T, theirs: &T) -> serde_json::Result<T> {
    let mut as_theirs = json_object(ours);
    let theirs_json = json_object(theirs);
    for k in [
        "id",
        "fromPersonId",
        "toPersonId",
        "sourceName",
        "sourceId",
        "createdAt",
        "syncVersion",
    ] {
        if let Some(v) = theirs_json.get(k) {
            as_theirs.insert(k.to_string(), v.clone());
        }
    }
    let ours_as_theirs: T = serde_json::from_value(serde_json::Value::Object(as_theirs))?;
    Ok(resolve(theirs, &ours_as_theirs))
}

/// The record's conflict resolved into `changes`; returns the records to push again.
#[allow(clippy::too_many_arguments)]
fn resolve_conflict<T: SyncRecord>(
    table: &Table<T>,
    changes: &mut crate::store::Changes<T>,
    item: &PushItem,
    server: &ServerRow,
    reason: &str,
    field: &str,
    meta: &mut super::SyncMeta,
) -> Result<Vec<(EntityKind, Uuid)>> {
    let kind = T::KIND;
    if server.erased {
        // An erase beats every edit.
        if server.id == item.id && table.get(item.id).is_some() {
            changes.insert(item.id, None);
        }
        meta.erase_bases.remove(&item.id);
        return Ok(Vec::new());
    }
    let record = server
        .record
        .clone()
        .ok_or_else(|| protocol_error(field, "missing for a row that is not erased"))?;
    let theirs: T = record_from_wire(record, server.version, field)?;
    if theirs.id() != server.id {
        return Err(protocol_error(
            field,
            format!("id {} is not the row's id {}", theirs.id(), server.id),
        ));
    }
    let Some(ours) = staged(table, changes, item.id).cloned() else {
        // Erased here: the erase stands, based on the server's version now.
        if server.id == item.id {
            meta.erase_bases.insert(item.id, server.version);
            return Ok(vec![(kind, item.id)]);
        }
        return Ok(Vec::new());
    };
    if server.id != item.id {
        // duplicate_pair / duplicate_source: the server holds another record
        // for the same pair / source. Ours folds into it and goes.
        if reason == "stale_base" {
            return Err(protocol_error(
                field,
                "a stale_base conflict names another record",
            ));
        }
        let current = staged(table, changes, server.id).cloned();
        let base = match current {
            Some(c) => resolve(&c, &theirs),
            None => theirs.clone(),
        };
        let mut folded = fold_duplicate(&ours, &base).map_err(|e| {
            protocol_error(field, format!("cannot fold into the server's record: {e}"))
        })?;
        folded.set_sync_version(server.version);
        let mut out = Vec::new();
        if folded != theirs {
            out.push((kind, server.id));
        }
        changes.insert(server.id, Some(folded));
        changes.insert(item.id, None);
        if ours.sync_version() > 0 {
            // The server has ours too: erase it there.
            out.push((kind, item.id));
        }
        return Ok(out);
    }
    let mut resolved = resolve(&ours, &theirs);
    resolved.set_sync_version(server.version);
    let same = resolved == theirs;
    changes.insert(item.id, Some(resolved));
    Ok(if same {
        Vec::new()
    } else {
        vec![(kind, item.id)]
    })
}

/// Of two versions of a person where exactly one is merged away, the other
/// (an edit the merge did not see), pointed at the merge's survivor.
pub(crate) fn edit_meeting_merge(ours: &Person, theirs: &Person) -> Option<Person> {
    let mut edit = match (ours.merged_into, theirs.merged_into) {
        (None, Some(_)) => ours.clone(),
        (Some(_), None) => theirs.clone(),
        _ => return None,
    };
    edit.merged_into = ours.merged_into.or(theirs.merged_into);
    Some(edit)
}

pub(crate) enum Folded {
    Into(Uuid),
    /// The survivor already holds everything of the edit.
    Nothing,
    /// The survivor is not here (yet): it arrives with a later page.
    NoSurvivorYet,
}

/// Folds `edit` (a local edit of a person the server merged away; its
/// `mergedInto` names where) into the survivor, staged in `commit`. Used
/// by push and pull.
pub(crate) fn fold_into_survivor(st: &GraphState, commit: &mut Commit, edit: &Person) -> Folded {
    let Some(into) = edit.merged_into else {
        return Folded::Nothing;
    };
    let Some(target) = survivor(into, |x| staged(&st.people, &commit.people, x)).cloned() else {
        return Folded::NoSurvivorYet;
    };
    if target.id == edit.id {
        return Folded::Nothing;
    }
    let mut plain = edit.clone();
    plain.merged_into = None;
    let folded = redirect_person(&target, &plain);
    if folded == target {
        return Folded::Nothing;
    }
    commit.people.insert(target.id, Some(folded));
    Folded::Into(target.id)
}

#[cfg(test)]
mod op_name_tests {
    use super::*;

    #[test]
    fn op_names_are_the_serde_names() {
        for op in [ChangeOp::Upsert, ChangeOp::Delete, ChangeOp::Erase] {
            assert_eq!(
                serde_json::to_string(&op).unwrap(),
                format!("\"{}\"", op_name(op))
            );
        }
    }
}
