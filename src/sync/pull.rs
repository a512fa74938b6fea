//! Pull: one page of server rows → one transaction with the new checkpoint.

use rustc_hash::FxHashSet as HashSet;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::push::{
    changed_ids, edit_meeting_merge, fold_duplicate, fold_into_survivor, staged, Folded,
};
use super::{
    break_merge_cycles, drop_from_outbox, protocol_error, resolve, scrub_survivors, seal, survivor,
    upsert, Erasures, Pending, SyncRecord,
};
use crate::error::Result;
use crate::graph::{in_chunks, CHUNK};
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

// Rows stay raw text until their kind is known: each record is then read
// once, straight into its model type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullPage<'a> {
    #[serde(borrow)]
    changes: Vec<&'a RawValue>,
    checkpoint: u64,
    more: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row<'a> {
    kind: std::borrow::Cow<'a, str>,
    id: Uuid,
    version: u64,
    erased: bool,
    #[serde(borrow)]
    record: Option<&'a RawValue>,
}

/// What one page does to one table, collected before anything is staged.
struct Step<'a> {
    pending: &'a Pending,
    drop: HashSet<(u64, u32)>,
    report: PullReport,
    /// Local person edits that met a merge: folded into the survivor at the end.
    redirects: Vec<Person>,
    erase_bases: Vec<(Uuid, u64)>,
    /// The people whose tombstones this step applies.
    erased: Erasures,
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
                // The row is the server state ours is based on (our own push
                // coming back) or older: nothing new. Resolving would union
                // back what ours took out since (an erase's scrub).
                Some(_) if theirs.sync_version() <= ours.sync_version() => {}
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

/// A server record (raw JSON) → the model type, with `syncVersion` = its version.
fn record_from_raw<T: WithVersion>(raw: &RawValue, version: u64, field: &str) -> Result<T> {
    let mut r: T = serde_json::from_str(raw.get())
        .map_err(|e| protocol_error(field, format!("not a valid record: {e}")))?;
    r.set_version(version);
    Ok(r)
}

trait WithVersion: serde::de::DeserializeOwned {
    fn set_version(&mut self, v: u64);
}
macro_rules! with_version {
    ($($t:ty),*) => {$(
        impl WithVersion for $t {
            fn set_version(&mut self, v: u64) {
                self.sync_version = v;
            }
        }
    )*};
}
with_version!(Person, Organization, Edge, Interaction);
// Merge records are written once; they carry no sync version.
impl WithVersion for MergeRecord {
    fn set_version(&mut self, _: u64) {}
}

impl<B: Backend> Db<B> {
    /// The checkpoint the next pull starts after (0: never pulled).
    pub fn sync_checkpoint(&self) -> u64 {
        self.state().sync.as_ref().map_or(0, |s| s.checkpoint())
    }

    /// Applies one `wig_pull` page (its JSON text) and stores its
    /// checkpoint, as one write. A page that does not follow the protocol
    /// (unknown kind, a row that is not a valid record, versions not after
    /// the stored checkpoint, a checkpoint that is not the page's last
    /// version, `more` on a page without rows) is refused as a whole with
    /// `SYNC_PROTOCOL`.
    pub fn prepare_pull(&self, page: &str, ctx: &WriteContext) -> Result<Prepared<PullReport>> {
        self.prepare_pull_pages(&[page], ctx)
    }

    /// Several consecutive pages in one write (fewer rewrites of the same
    /// buckets during a long initial pull); the last page's checkpoint is
    /// stored. Field paths name the page (`pages[1].changes[3]`) when there
    /// are several.
    pub fn prepare_pull_pages(
        &self,
        pages: &[&str],
        ctx: &WriteContext,
    ) -> Result<Prepared<PullReport>> {
        self.prepare_pull_owned(pages.iter().copied(), ctx)
    }

    /// [`Db::prepare_pull_pages`] taking the pages: each page's text is
    /// dropped once its rows are staged (records own their fields), so a
    /// group's JSON is not held while the write is encoded — that is when
    /// memory peaks.
    pub fn prepare_pull_owned<S: AsRef<str>>(
        &self,
        pages: impl ExactSizeIterator<Item = S>,
        ctx: &WriteContext,
    ) -> Result<Prepared<PullReport>> {
        self.ensure_open()?;
        let st = self.state();
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
            erased: Erasures::default(),
        };
        let mut last = self.sync_checkpoint();
        let mut checkpoint = last;
        let mut more = false;
        let mut erased_people: HashSet<Uuid> = HashSet::default();
        let several = pages.len() > 1;
        for (p, text) in pages.enumerate() {
            let text = text.as_ref();
            let at = if several {
                format!("pages[{p}].")
            } else {
                String::new()
            };
            let page: PullPage = serde_json::from_str(text).map_err(|e| {
                protocol_error(format!("{at}response"), format!("not a wig_pull page: {e}"))
            })?;
            if page.checkpoint < last {
                return Err(protocol_error(
                    format!("{at}checkpoint"),
                    format!("{} is before the checkpoint {last}", page.checkpoint),
                ));
            }
            // A page without rows ends where it started, and says there is
            // nothing more: else the client would ask again forever (or
            // skip the versions in between).
            if page.changes.is_empty() && page.more {
                return Err(protocol_error(
                    format!("{at}more"),
                    format!(
                        "true for a page without rows (checkpoint {} after {last}): the pull would not advance",
                        page.checkpoint
                    ),
                ));
            }
            if page.changes.is_empty() && page.checkpoint != last {
                return Err(protocol_error(
                    format!("{at}checkpoint"),
                    format!(
                        "{} for a page without rows, which ends at the checkpoint it started from ({last})",
                        page.checkpoint
                    ),
                ));
            }
            checkpoint = page.checkpoint;
            more = page.more;
            step.report.rows += page.changes.len();
            // In chunks: a group of pages is one long wasm call, which V8
            // would otherwise run in its baseline tier to the end.
            let mut failed = None;
            in_chunks(page.changes.len(), CHUNK, |range| {
                if failed.is_some() {
                    return;
                }
                for i in range {
                    let row = self.pull_row(
                        st,
                        &mut commit,
                        &mut step,
                        &mut erased_people,
                        &mut last,
                        checkpoint,
                        page.changes[i],
                        || format!("{at}changes[{i}]"),
                    );
                    if let Err(e) = row {
                        failed = Some(e);
                        return;
                    }
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            // The checkpoint is the page's last version: one further on
            // would skip the rows in between.
            if last != checkpoint {
                return Err(protocol_error(
                    format!("{at}checkpoint"),
                    format!("{checkpoint} is not the page's last version {last}"),
                ));
            }
        }
        let Step {
            drop: mut removed,
            mut report,
            redirects,
            mut erase_bases,
            erased,
            ..
        } = step;
        let mut new_changes: Vec<OutboxChange> = Vec::new();
        // Merge cycles first: edges and redirected edits follow survivors.
        for id in break_merge_cycles(&st.people, &mut commit.people) {
            new_changes.push(upsert(EntityKind::Person, id));
        }
        for id in break_merge_cycles(&st.organizations, &mut commit.organizations) {
            new_changes.push(upsert(EntityKind::Organization, id));
        }
        repoint_edges(st, &mut commit, &pending, &mut new_changes);
        repoint_organizations(st, &mut commit, &mut new_changes);
        fold_local_duplicates(
            st,
            &mut commit,
            &pending,
            &mut removed,
            &mut new_changes,
            &mut erase_bases,
        );
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
        // Her id and (held here) emails leave the interactions too, pulled
        // rows of this step and pending local ones included, as a local
        // erase does: a later edit (arrays are unioned) or an interaction
        // logged offline must not bring them back. The scrubbed records are
        // pushed, so the server's copies are scrubbed too.
        for (change, base) in Self::scrub_erased(st, &mut commit, &erased.mentions) {
            if change.op == ChangeOp::Erase {
                if let Some(at) = pending.by_record.get(&(change.kind, change.id)) {
                    removed.extend(at.iter().copied());
                }
                if base > 0 {
                    erase_bases.push((change.id, base));
                }
            }
            report.written += 1;
            new_changes.push(change);
        }
        // Her values leave the people a merge made elsewhere took her
        // into (read before her merge records go, just below).
        for change in scrub_survivors(st, &mut commit, &erased.records) {
            report.written += 1;
            new_changes.push(change);
        }
        // And from this device's merges, rejections and audit entries, as
        // on the device that erased (the audit entry of this pull counts
        // rows only).
        if !erased_people.is_empty() {
            crate::store::scrub_traces(st, &mut commit, &erased_people);
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
        meta.state.checkpoint = Some(checkpoint.to_string());
        meta.state.last_success_at = Some(ctx.now);
        meta.state.status = SyncStatus::Success;
        meta.state.last_error = None;
        commit.sync = Some(meta);
        report.checkpoint = checkpoint;
        report.more = more;
        report.changed = changed_ids(&commit);
        // An empty page writes only the checkpoint: no audit entry for it.
        if report.written > 0 || !new_changes.is_empty() {
            let audit = serde_json::json!({
                "rows": report.rows, "written": report.written, "resolved": report.resolved,
                "erased": report.erased, "checkpoint": checkpoint,
            });
            seal(st, &mut commit, ctx, "sync_pull", new_changes, audit);
        }
        Ok(Prepared::new(commit, st, report))
    }

    #[allow(clippy::too_many_arguments)]
    fn pull_row(
        &self,
        st: &crate::store::GraphState,
        commit: &mut Commit,
        step: &mut Step,
        erased_people: &mut HashSet<Uuid>,
        last: &mut u64,
        checkpoint: u64,
        raw: &RawValue,
        field: impl Fn() -> String,
    ) -> Result<()> {
        let pending = step.pending;
        let row: Row = serde_json::from_str(raw.get())
            .map_err(|e| protocol_error(field(), format!("not a change row: {e}")))?;
        let kind = kind_of(&row.kind).ok_or_else(|| {
            protocol_error(
                format!("{}.kind", field()),
                format!(
                    "'{}' is not one of person, organization, edge, interaction, merge",
                    row.kind
                ),
            )
        })?;
        if row.version <= *last || row.version > checkpoint {
            return Err(protocol_error(
                format!("{}.version", field()),
                format!(
                    "{} is not after {last} and at most the page's checkpoint {}",
                    row.version, checkpoint
                ),
            ));
        }
        *last = row.version;
        let rfield = || format!("{}.record", field());
        let record = match (row.erased, row.record) {
            (true, _) => None,
            (false, Some(r)) => Some(r),
            (false, None) => {
                return Err(protocol_error(
                    rfield(),
                    "missing for a row that is not erased",
                ))
            }
        };
        macro_rules! decode {
            ($t:ty) => {{
                match record {
                    None => None,
                    Some(r) => {
                        let rec: $t = record_from_raw(r, row.version, &rfield())?;
                        if rec.id != row.id {
                            return Err(protocol_error(
                                format!("{}.id", rfield()),
                                format!("{} is not the row's id {}", rec.id, row.id),
                            ));
                        }
                        Some(rec)
                    }
                }
            }};
        }
        match kind {
            EntityKind::Person => {
                let theirs = decode!(Person);
                if theirs.is_none() {
                    erased_people.insert(row.id);
                    // Her identifiers as held here, before the tombstone
                    // removes her record.
                    let held = staged(&st.people, &commit.people, row.id);
                    step.erased.note(row.id, held);
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
        Ok(())
    }
}

/// A pulled edge (interaction) for a pair (source) that a local one with
/// changes not pushed yet holds under another id: both devices made it
/// offline (or this one brought back a deleted edge of the pair). The
/// server keeps one live edge a pair (one interaction a source), so at push
/// ours would fold into theirs (rule 6); it folds now, or the graph would
/// hold two live records for one pair until then, and the search index,
/// which keeps one edge a pair, would lose the pair when either is deleted.
/// Two edges of a pair of which one is deleted are no duplicates there:
/// both stay. The folded record is pushed when it holds something of ours;
/// ours, if the server has it, is erased there as the push would.
fn fold_local_duplicates(
    st: &crate::store::GraphState,
    commit: &mut Commit,
    pending: &Pending,
    removed: &mut HashSet<(u64, u32)>,
    new_changes: &mut Vec<OutboxChange>,
    erase_bases: &mut Vec<(Uuid, u64)>,
) {
    let live = |e: Option<&Edge>| e.is_some_and(|e| e.deleted_at.is_none());
    let pulled_edges: Vec<(Uuid, Uuid)> = commit
        .edges
        .iter()
        .filter_map(|(id, e)| {
            let e = e.as_ref().filter(|e| e.deleted_at.is_none())?;
            let local = st.edge_for_pair(e.pair())?.id;
            (local != *id).then_some((*id, local))
        })
        .collect();
    let mut fold = Fold {
        pending,
        removed,
        new_changes,
        erase_bases,
    };
    for (theirs, ours) in pulled_edges {
        if live(staged(&st.edges, &commit.edges, ours)) {
            fold.one(&st.edges, &mut commit.edges, theirs, ours);
        }
    }
    if commit.interactions.is_empty() {
        return;
    }
    let by_source = st.interaction_by_source();
    let pulled: Vec<(Uuid, Uuid)> = commit
        .interactions
        .iter()
        .filter_map(|(id, i)| {
            let i = i.as_ref()?;
            let local = by_source.get(&(i.source_name.clone(), i.source_id.clone()))?;
            (local != id).then_some((*id, *local))
        })
        .collect();
    for (theirs, ours) in pulled {
        fold.one(&st.interactions, &mut commit.interactions, theirs, ours);
    }
}

/// Where [`fold_local_duplicates`] leaves what it does.
struct Fold<'a> {
    pending: &'a Pending,
    removed: &'a mut HashSet<(u64, u32)>,
    new_changes: &'a mut Vec<OutboxChange>,
    erase_bases: &'a mut Vec<(Uuid, u64)>,
}

impl Fold<'_> {
    /// Folds the local record `ours` into the pulled `theirs` when ours is
    /// still here after this pull and has changes to push (else the server
    /// holds it as it is, no duplicate of theirs), as the push would.
    fn one<T: SyncRecord>(
        &mut self,
        table: &Table<T>,
        changes: &mut Changes<T>,
        theirs: Uuid,
        ours: Uuid,
    ) {
        let Some(local) = staged(table, changes, ours).cloned() else {
            return;
        };
        let at = self.pending.by_record.get(&(T::KIND, ours));
        if local.sync_version() > 0 && at.is_none() {
            return;
        }
        let Some(pulled) = changes.get(&theirs).cloned().flatten() else {
            return;
        };
        if !fold_into(changes, self.new_changes, &local, &pulled) {
            return;
        }
        changes.insert(ours, None);
        if let Some(at) = at {
            self.removed.extend(at.iter().copied());
        }
        if local.sync_version() > 0 {
            // The server has ours too (deleted there, since revived here).
            self.new_changes.push(OutboxChange {
                kind: T::KIND,
                id: ours,
                op: ChangeOp::Erase,
            });
            self.erase_bases.push((ours, local.sync_version()));
        }
    }
}

/// An edge that names a person merged away (a pulled edge made on a device
/// that had not seen the merge, or a local edge whose person a pulled merge
/// took) is re-pointed to the survivor, like the merge itself would have,
/// and pushed. Left as it is when re-pointing would make a self-edge. When
/// the survivor's pair already has a live edge, a live one the merge cannot
/// have seen (this device's edit still to push, or one written after the
/// merge) is folded into it as two versions of one record (rule 6: later
/// scalars win, arrays and metadata unioned), and stays as it was on the
/// merged-away person, as a merge leaves the edges it folds: so a
/// relationship declared or edited offline is not lost from queries. An
/// edit made before the merge and pushed before the merge arrived stays on
/// the merged-away person (out of queries): nothing here tells it from an
/// edge the merge folded, whose fold again would bring back what was
/// removed from the survivor's edge since.
/// People whose organization was merged away (a merge pulled now, or an
/// edit made elsewhere before it arrived: last writer wins per field) move
/// to the surviving organization, as the merge moved them on its device;
/// pushed like any change, so every device converges on the survivor.
fn repoint_organizations(
    st: &crate::store::GraphState,
    commit: &mut Commit,
    new_changes: &mut Vec<OutboxChange>,
) {
    let org = |id: Uuid| staged(&st.organizations, &commit.organizations, id);
    let merged = |id: Option<Uuid>| id.and_then(org).is_some_and(|o| o.merged_into.is_some());
    let newly_merged = commit.organizations.iter().any(|(id, o)| {
        o.as_ref().is_some_and(|o| o.merged_into.is_some())
            && st
                .organizations
                .get(*id)
                .is_none_or(|old| old.merged_into.is_none())
    });
    let mut moved: Vec<Person> = commit
        .people
        .values()
        .flatten()
        .filter(|p| merged(p.organization_id))
        .cloned()
        .collect();
    if newly_merged {
        moved.extend(
            st.people
                .values()
                .filter(|p| !commit.people.contains_key(&p.id) && merged(p.organization_id))
                .cloned(),
        );
    }
    for mut p in moved {
        let Some(to) = p
            .organization_id
            .and_then(|o| survivor(o, org))
            .map(|o| o.id)
        else {
            continue;
        };
        p.organization_id = Some(to);
        new_changes.push(upsert(EntityKind::Person, p.id));
        commit.people.insert(p.id, Some(p));
    }
}

fn repoint_edges(
    st: &crate::store::GraphState,
    commit: &mut Commit,
    pending: &Pending,
    new_changes: &mut Vec<OutboxChange>,
) {
    let person = |id: Uuid| staged(&st.people, &commit.people, id);
    let merged = |id: Uuid| person(id).is_some_and(|p| p.merged_into.is_some());
    let newly_merged: HashSet<Uuid> = commit
        .people
        .iter()
        .filter(|(id, p)| {
            p.as_ref().is_some_and(|p| p.merged_into.is_some())
                && st.people.get(**id).is_none_or(|o| o.merged_into.is_none())
        })
        .map(|(id, _)| *id)
        .collect();
    // In chunks: a group of pulled pages stages every edge of it.
    let staged_edges: Vec<&Edge> = commit.edges.values().flatten().collect();
    let mut candidates: Vec<Edge> = Vec::new();
    in_chunks(staged_edges.len(), CHUNK, |range| {
        candidates.extend(
            staged_edges[range]
                .iter()
                .filter(|e| merged(e.from_person_id) || merged(e.to_person_id))
                .map(|e| (*e).clone()),
        );
    });
    drop(staged_edges);
    if !newly_merged.is_empty() {
        candidates.extend(
            st.edges
                .values()
                .filter(|e| !commit.edges.contains_key(&e.id))
                .filter(|e| {
                    newly_merged.contains(&e.from_person_id)
                        || newly_merged.contains(&e.to_person_id)
                })
                .cloned(),
        );
    }
    if candidates.is_empty() {
        return;
    }
    let mut repointed = Vec::new();
    let mut folds: Vec<(Edge, Uuid)> = Vec::new();
    // Two of them may land on one pair (both people merged into one): the
    // first re-pointed holds it and the other folds into it. Live ones
    // first, then by id: every device picks the same.
    candidates.sort_by_key(|e| (e.deleted_at.is_some(), e.id));
    {
        let mut staged_pairs: rustc_hash::FxHashMap<(Uuid, Uuid), Uuid> = commit
            .edges
            .values()
            .flatten()
            .map(|e| (e.pair(), e.id))
            .collect();
        for e in candidates {
            let to_survivor = |id: Uuid| survivor(id, person).map(|p| p.id);
            let (Some(from), Some(to)) =
                (to_survivor(e.from_person_id), to_survivor(e.to_person_id))
            else {
                continue;
            };
            if from == to {
                continue;
            }
            let pair = pair_key(from, to);
            let holder = match staged_pairs.get(&pair) {
                Some(other) => Some(*other),
                None => st.edge_for_pair(pair).map(|other| other.id),
            };
            if let Some(other) = holder.filter(|other| *other != e.id) {
                // Only what the merge cannot have seen: an edit of this
                // device's still to push, or one written after the merge
                // (folding an edge the merge already folded would bring
                // back what was removed from the survivor's edge since).
                let unseen = pending.by_record.contains_key(&(EntityKind::Edge, e.id))
                    || [e.from_person_id, e.to_person_id].iter().any(|&id| {
                        person(id)
                            .is_some_and(|p| p.merged_into.is_some() && e.updated_at > p.updated_at)
                    });
                if e.deleted_at.is_none() && unseen {
                    folds.push((e, other));
                }
                continue;
            }
            let mut e = e;
            e.from_person_id = from;
            e.to_person_id = to;
            staged_pairs.insert(pair, e.id);
            repointed.push(e);
        }
    }
    for e in repointed {
        new_changes.push(upsert(EntityKind::Edge, e.id));
        commit.edges.insert(e.id, Some(e));
    }
    for (e, other) in folds {
        let Some(kept) = staged(&st.edges, &commit.edges, other)
            .filter(|o| o.deleted_at.is_none())
            .cloned()
        else {
            continue;
        };
        fold_into(&mut commit.edges, new_changes, &e, &kept);
    }
}

/// Stages `ours` folded into `theirs` (rule 6), pushed when that changes
/// theirs; false when the two cannot be folded.
fn fold_into<T: SyncRecord>(
    changes: &mut Changes<T>,
    new_changes: &mut Vec<OutboxChange>,
    ours: &T,
    theirs: &T,
) -> bool {
    let Ok(mut folded) = fold_duplicate(ours, theirs) else {
        return false;
    };
    folded.set_sync_version(theirs.sync_version());
    if folded != *theirs {
        new_changes.push(upsert(T::KIND, theirs.id()));
        changes.insert(theirs.id(), Some(folded));
    }
    true
}
