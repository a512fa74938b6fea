//! Pull: one page of server rows → one transaction with the new checkpoint.

use rustc_hash::FxHashSet as HashSet;
use serde::{Deserialize, Serialize};

use super::push::{changed_ids, edit_meeting_merge, fold_into_survivor, Folded};
use super::{
    drop_from_outbox, protocol_error, record_from_wire, resolve, seal, upsert, Pending, SyncRecord,
};
use crate::error::Result;
use crate::model::*;
use crate::store::table::Table;
use crate::store::{Backend, ChangeOp, Changes, Commit, Db, OutboxChange, Prepared, WriteContext};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullReport {
    /// Rows in the page.
    pub rows: usize,
    /// Rows that changed a local record (the rest were already here).
    pub written: usize,
    /// Rows met by pending local changes (resolved, still pending).
    pub resolved: usize,
    pub erased: usize,
    pub checkpoint: u64,
    pub more: bool,
    /// Ids of the records this page wrote (other tabs reload these).
    pub changed: Vec<Uuid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullPage {
    changes: Vec<serde_json::Value>,
    checkpoint: u64,
    more: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    kind: String,
    id: Uuid,
    version: u64,
    erased: bool,
    record: Option<serde_json::Value>,
}

/// What one page does to one table, collected before anything is staged.
struct Step<'a> {
    pending: &'a Pending,
    drop: HashSet<(u64, u32)>,
    report: PullReport,
    /// Local person edits that met a merge: folded into the survivor at the end.
    redirects: Vec<Person>,
    erase_bases: Vec<(Uuid, u64)>,
}

impl<'a> Step<'a> {
    fn row<T: SyncRecord>(
        &mut self,
        table: &Table<T>,
        changes: &mut Changes<T>,
        id: Uuid,
        theirs: Option<T>,
    ) {
        let local = match changes.get(&id) {
            Some(c) => c.clone(),
            None => table.get(id).cloned(),
        };
        let pending = self.pending.by_record.get(&(T::KIND, id));
        match (theirs, local) {
            (None, None) => {}
            (None, Some(_)) => {
                // A tombstone: erased everywhere, local edits included.
                changes.insert(id, None);
                if let Some(at) = pending {
                    self.drop.extend(at.iter().copied());
                }
                self.report.erased += 1;
                self.report.written += 1;
            }
            (Some(theirs), None) if pending.is_some() => {
                // Erased here, not pushed yet: the erase wins, and is now
                // based on this version.
                self.erase_bases.push((id, theirs.sync_version()));
            }
            (Some(theirs), None) => {
                changes.insert(id, Some(theirs));
                self.report.written += 1;
            }
            (Some(theirs), Some(ours)) => match pending {
                Some(at) => {
                    let mut resolved = resolve(&ours, &theirs);
                    resolved.set_sync_version(theirs.sync_version());
                    self.report.resolved += 1;
                    if resolved == theirs {
                        // Nothing of ours is left to push.
                        self.drop.extend(at.iter().copied());
                    }
                    if resolved != ours {
                        changes.insert(id, Some(resolved));
                        self.report.written += 1;
                    }
                }
                None if theirs == ours => {}
                None => {
                    changes.insert(id, Some(theirs));
                    self.report.written += 1;
                }
            },
        }
    }
}

fn kind_of(s: &str) -> Option<EntityKind> {
    Some(match s {
        "person" => EntityKind::Person,
        "organization" => EntityKind::Organization,
        "edge" => EntityKind::Edge,
        "interaction" => EntityKind::Interaction,
        "merge" => EntityKind::Merge,
        _ => return None,
    })
}

impl<B: Backend> Db<B> {
    /// The checkpoint the next pull starts after (0: never pulled).
    pub fn sync_checkpoint(&self) -> u64 {
        self.state().sync.as_ref().map_or(0, |s| s.checkpoint())
    }

    /// Applies one `wig_pull` page (its JSON text) and stores its
    /// checkpoint, as one write. A page that does not follow the protocol
    /// (unknown kind, a row that is not a valid record, versions not after
    /// the stored checkpoint) is refused as a whole with `SYNC_PROTOCOL`.
    pub fn prepare_pull(&self, page: &str, ctx: &WriteContext) -> Result<Prepared<PullReport>> {
        self.ensure_open()?;
        let st = self.state();
        let page: PullPage = serde_json::from_str(page)
            .map_err(|e| protocol_error("response", format!("not a wig_pull page: {e}")))?;
        let since = self.sync_checkpoint();
        if page.checkpoint < since {
            return Err(protocol_error(
                "checkpoint",
                format!(
                    "{} is before the stored checkpoint {since}",
                    page.checkpoint
                ),
            ));
        }
        let pending = Pending::of(st);
        let mut commit = Commit::default();
        let mut step = Step {
            pending: &pending,
            drop: HashSet::default(),
            report: PullReport::default(),
            redirects: st
                .sync
                .as_ref()
                .map(|m| m.redirects.clone())
                .unwrap_or_default(),
            erase_bases: Vec::new(),
        };
        let mut last = since;
        let mut erased_people: HashSet<Uuid> = HashSet::default();
        for (i, value) in page.changes.into_iter().enumerate() {
            let field = format!("changes[{i}]");
            let row: Row = serde_json::from_value(value)
                .map_err(|e| protocol_error(&field, format!("not a change row: {e}")))?;
            let kind = kind_of(&row.kind).ok_or_else(|| {
                protocol_error(
                    format!("{field}.kind"),
                    format!(
                        "'{}' is not one of person, organization, edge, interaction, merge",
                        row.kind
                    ),
                )
            })?;
            if row.version <= last || row.version > page.checkpoint {
                return Err(protocol_error(
                    format!("{field}.version"),
                    format!(
                        "{} is not after {last} and at most the page's checkpoint {}",
                        row.version, page.checkpoint
                    ),
                ));
            }
            last = row.version;
            let rfield = format!("{field}.record");
            let record = match (row.erased, row.record) {
                (true, _) => None,
                (false, Some(r)) => Some(r),
                (false, None) => {
                    return Err(protocol_error(
                        rfield,
                        "missing for a row that is not erased",
                    ))
                }
            };
            macro_rules! decode {
                ($t:ty) => {{
                    match record {
                        None => None,
                        Some(r) => {
                            let rec: $t = record_from_wire(r, row.version, &rfield)?;
                            if rec.id != row.id {
                                return Err(protocol_error(
                                    format!("{rfield}.id"),
                                    format!("{} is not the row's id {}", rec.id, row.id),
                                ));
                            }
                            Some(rec)
                        }
                    }
                }};
            }
            step.report.rows += 1;
            match kind {
                EntityKind::Person => {
                    let theirs = decode!(Person);
                    if theirs.is_none() {
                        erased_people.insert(row.id);
                    }
                    // An edit meeting a merge (ours pending against their
                    // merge, or theirs against our pending merge) goes to
                    // the survivor.
                    if let (Some(t), Some(ours)) = (&theirs, st.people.get(row.id)) {
                        if pending
                            .by_record
                            .contains_key(&(EntityKind::Person, row.id))
                        {
                            if let Some(edit) = edit_meeting_merge(ours, t) {
                                step.redirects.push(edit);
                            }
                        }
                    }
                    step.row(&st.people, &mut commit.people, row.id, theirs);
                }
                EntityKind::Organization => {
                    let theirs = decode!(Organization);
                    step.row(&st.organizations, &mut commit.organizations, row.id, theirs);
                }
                EntityKind::Edge => {
                    let theirs = decode!(Edge);
                    step.row(&st.edges, &mut commit.edges, row.id, theirs);
                }
                EntityKind::Interaction => {
                    let theirs = decode!(Interaction);
                    step.row(&st.interactions, &mut commit.interactions, row.id, theirs);
                }
                EntityKind::Merge => {
                    let theirs = decode!(MergeRecord);
                    match theirs {
                        Some(m) if st.merges.get(&m.id) != Some(&m) => {
                            commit.merges.insert(m.id, Some(m));
                            step.report.written += 1;
                        }
                        None if st.merges.contains_key(&row.id) => {
                            commit.merges.insert(row.id, None);
                            step.report.erased += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        let Step {
            drop: mut removed,
            mut report,
            redirects,
            erase_bases,
            ..
        } = step;
        let mut new_changes: Vec<OutboxChange> = Vec::new();
        // Edges of erased people go with them (the erasing device pushed
        // their erases too; local edges not pushed yet are caught here).
        if !erased_people.is_empty() {
            let doomed: Vec<Uuid> = st
                .edges
                .values()
                .chain(commit.edges.values().flatten())
                .filter(|e| {
                    erased_people.contains(&e.from_person_id)
                        || erased_people.contains(&e.to_person_id)
                })
                .map(|e| e.id)
                .collect();
            for id in doomed {
                let synced = st.edges.get(id).is_some_and(|e| e.sync_version > 0);
                if commit.edges.get(&id).is_some_and(|c| c.is_none()) {
                    continue;
                }
                commit.edges.insert(id, None);
                if let Some(at) = pending.by_record.get(&(EntityKind::Edge, id)) {
                    removed.extend(at.iter().copied());
                }
                if synced {
                    new_changes.push(OutboxChange {
                        kind: EntityKind::Edge,
                        id,
                        op: ChangeOp::Erase,
                    });
                }
            }
        }
        // Edits that met a merge go to the survivor; one whose survivor has
        // not arrived yet (a later page) waits in `meta/sync`.
        let mut waiting = Vec::new();
        for edit in redirects {
            match fold_into_survivor(st, &mut commit, &edit) {
                Folded::Into(target) => new_changes.push(upsert(EntityKind::Person, target)),
                Folded::Nothing => {}
                Folded::NoSurvivorYet => waiting.push(edit),
            }
        }
        drop_from_outbox(st, &removed, &mut commit);
        let mut meta = st.sync.clone().unwrap_or_default();
        meta.redirects = waiting;
        meta.erase_bases.extend(erase_bases);
        meta.state.checkpoint = Some(page.checkpoint.to_string());
        meta.state.last_success_at = Some(ctx.now);
        meta.state.status = SyncStatus::Success;
        meta.state.last_error = None;
        commit.sync = Some(meta);
        report.checkpoint = page.checkpoint;
        report.more = page.more;
        report.changed = changed_ids(&commit);
        // An empty page writes only the checkpoint: no audit entry for it.
        if report.written > 0 || !new_changes.is_empty() {
            let audit = serde_json::json!({
                "rows": report.rows, "written": report.written, "resolved": report.resolved,
                "erased": report.erased, "checkpoint": page.checkpoint,
            });
            seal(st, &mut commit, ctx, "sync_pull", new_changes, audit);
        }
        let set = commit.write_set(st);
        Ok(Prepared {
            commit,
            set,
            output: report,
        })
    }
}
