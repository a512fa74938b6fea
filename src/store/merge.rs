//! Merge, unmerge and review feedback (issue #3).
//!
//! A merge keeps the target id and folds the sources into it: multi-valued
//! fields are unioned, empty scalars filled, the sources stay stored with
//! `mergedInto` (they leave queries), and every edge of a source is
//! re-pointed to the target — duplicates combined into the pair's edge, the
//! folded ones and self-edges left as they were on the source. The
//! [`MergeRecord`] holds every touched record as it was and as the merge left
//! it, so unmerge puts back exactly the prior state, and refuses
//! (`UNMERGE_CONFLICT`) when a later change depends on the merge.
//!
//! Like every write, a merge is prepared against the state without mutating
//! it and becomes one backend write. It travels to sync as ordinary row
//! changes: upserts of target, sources and the edges it rewrote; it erases
//! nothing (`plan_edges` says why).

use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;

use super::commit::{ChangeOp, Commit};
use super::ops::{Db, Prepared, Staging, WriteContext};
use super::Backend;
use crate::error::{Error, ErrorCode, Result};
use crate::model::*;
use crate::sync::SyncRecord;

/// At most this many sources in one merge.
pub const MAX_SOURCES: usize = 100;

/// Appends the items of `more` that `out` does not hold yet (lists are at
/// most [`limits::LIST`] long: the quadratic scan is cheaper than a set).
fn union<T: PartialEq + Clone>(out: &mut Vec<T>, more: &[T]) {
    for x in more {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
}

/// [`union`] of text that differs only in case ("Ada Lovelace", "ada
/// lovelace"): the first spelling stays, as a write of the record keeps it
/// (`validate::person` dedupes names and addresses the same way).
fn union_ignoring_case(out: &mut Vec<String>, more: &[String]) {
    for x in more {
        let key = x.to_lowercase();
        if !out.iter().any(|o| o.to_lowercase() == key) {
            out.push(x.clone());
        }
    }
}

/// `survivor` without what a merge of `source` into it brought: the
/// inverse of that merge's union for one source, used when the source was
/// erased on another device concurrently with the merge (GDPR: her data
/// must not live on in the survivor). Her names, emails, phones,
/// addresses, social handles, the scalars and metadata keys she filled and
/// her id in `previousIds` go; so does a merge explanation that came with
/// her. `before` is the survivor as that merge found it, when this device
/// holds the merge record: a value it held then is its own and stays.
/// Without it every value of hers goes, one the two shared too: an erasure
/// must not leave her data behind. `updatedAt` is kept, so devices
/// scrubbing the same record write the same record.
pub(crate) fn unfold_source(survivor: &Person, source: &Person, before: Option<&Person>) -> Person {
    let lower = |v: &[String]| -> HashSet<String> { v.iter().map(|x| x.to_lowercase()).collect() };
    let mut s = survivor.clone();
    let own = before.cloned().unwrap_or_else(|| Person {
        social_handles: Default::default(),
        names: Vec::new(),
        emails: Vec::new(),
        phones: Vec::new(),
        addresses: Vec::new(),
        title: None,
        organization_id: None,
        birth_date: None,
        merge_explanation: None,
        metadata: Metadata::default(),
        ..survivor.clone()
    });
    // Names and addresses are unioned ignoring case (`union_ignoring_case`).
    for (list, hers, mine) in [
        (&mut s.names, &source.names, &own.names),
        (&mut s.addresses, &source.addresses, &own.addresses),
    ] {
        let (hers, mine) = (lower(hers), lower(mine));
        list.retain(|x| {
            let x = x.to_lowercase();
            !hers.contains(&x) || mine.contains(&x)
        });
    }
    for (list, hers, mine) in [
        (&mut s.emails, &source.emails, &own.emails),
        (&mut s.phones, &source.phones, &own.phones),
    ] {
        list.retain(|x| !hers.contains(x) || mine.contains(x));
    }
    for (k, v) in &source.social_handles {
        if s.social_handles.get(k) == Some(v) && own.social_handles.get(k) != Some(v) {
            s.social_handles.remove(k);
        }
    }
    if source.title.is_some() && s.title == source.title && own.title != s.title {
        s.title = own.title.clone();
    }
    if source.organization_id.is_some()
        && s.organization_id == source.organization_id
        && own.organization_id != s.organization_id
    {
        s.organization_id = own.organization_id;
    }
    if source.birth_date.is_some()
        && s.birth_date == source.birth_date
        && own.birth_date != s.birth_date
    {
        s.birth_date = own.birth_date.clone();
    }
    if let (serde_json::Value::Object(mine), serde_json::Value::Object(hers)) =
        (&mut s.metadata.0, &source.metadata.0)
    {
        let kept = own.metadata.0.as_object();
        mine.retain(|k, v| hers.get(k) != Some(v) || kept.and_then(|o| o.get(k)) == Some(v));
    }
    // The explanation of the merge that brought her names her values.
    let names_her = |m: &Metadata| {
        let text = m.0.to_string().to_lowercase();
        std::iter::once(source.id.to_string())
            .chain(source.names.iter().map(|x| x.to_lowercase()))
            .chain(source.emails.iter().cloned())
            .chain(source.phones.iter().cloned())
            .any(|x| !x.is_empty() && text.contains(&x))
    };
    if s.merge_explanation.as_ref().is_some_and(names_her)
        && own.merge_explanation != s.merge_explanation
    {
        s.merge_explanation = own.merge_explanation.filter(|m| !names_her(m));
    }
    s.previous_ids.retain(|x| *x != source.id);
    s
}

fn too_many(field: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(Error::new(
            ErrorCode::TooLarge,
            field,
            format!("the merged record would have {n} {field}; at most {max}"),
        ));
    }
    Ok(())
}

/// Adds the keys of `from` that `into` lacks: the kept record's values win,
/// nothing of the others is dropped (unmerge restores each record's own).
fn combine_metadata(into: &mut Metadata, from: &Metadata) {
    match (&mut into.0, &from.0) {
        (serde_json::Value::Object(mine), serde_json::Value::Object(theirs)) => {
            for (k, v) in theirs {
                mine.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        (mine @ serde_json::Value::Null, theirs) => *mine = theirs.clone(),
        _ => {}
    }
}

fn metadata_fits(m: &Metadata, field: &str, what: impl FnOnce(usize) -> String) -> Result<()> {
    let size = m.0.to_string().len();
    if size > limits::METADATA_BYTES {
        return Err(Error::new(ErrorCode::TooLarge, field, what(size)));
    }
    Ok(())
}

/// Equal but for `syncVersion`, as sync sees records: by their JSON (a
/// record that went to the server and back may differ in representation
/// only, e.g. an explanation `Some(null)` read back as `None`).
fn same_but_version<T: SyncRecord + Clone>(a: &T, b: &T) -> bool {
    if a == b {
        return true;
    }
    let mut a = a.clone();
    a.set_sync_version(b.sync_version());
    serde_json::to_value(&a).ok() == serde_json::to_value(b).ok()
}

/// Equal but for what a strength recompute writes (strength, factors,
/// count, channels, first/last seen, `updatedAt`, and `deletedAt` when it
/// clears an edge it made) and `syncVersion`.
fn same_but_scores(a: &Edge, b: &Edge) -> bool {
    let unscored = |e: &Edge| Edge {
        deleted_at: None,
        strength: 0.0,
        strength_factors: Vec::new(),
        interaction_count: 0,
        channels: Vec::new(),
        first_seen_at: None,
        last_seen_at: None,
        updated_at: Timestamp::from_millis(0),
        sync_version: 0,
        ..e.clone()
    };
    same_but_version(&unscored(a), &unscored(b))
}

/// `before` with the server version `now` holds, if that is later.
fn at_version<T: SyncRecord + Clone>(before: &T, now: Option<&T>) -> T {
    let mut r = before.clone();
    if let Some(now) = now {
        r.set_sync_version(r.sync_version().max(now.sync_version()));
    }
    r
}

/// The merged record's combined metadata within the limit.
fn merged_record_fits(m: &Metadata) -> Result<()> {
    metadata_fits(m, "metadata", |n| {
        format!(
            "the merged record would have {n} bytes of metadata; at most {}",
            limits::METADATA_BYTES
        )
    })
}

/// A merged record's `mergeExplanation`: None for no explanation, which is
/// what a record read back from JSON holds.
fn explanation_field(explanation: &Metadata) -> Option<Metadata> {
    (!explanation.0.is_null()).then(|| explanation.clone())
}

fn explanation_of(v: serde_json::Value) -> Result<Metadata> {
    match v {
        serde_json::Value::Null => Ok(Metadata::default()),
        v @ serde_json::Value::Object(_) => {
            crate::model::validate::check_free_json(&v, "explanation")?;
            let m = Metadata(v);
            metadata_fits(&m, "explanation", |n| {
                format!("{n} bytes of JSON; at most {}", limits::METADATA_BYTES)
            })?;
            Ok(m)
        }
        _ => Err(Error::new(
            ErrorCode::InvalidJson,
            "explanation",
            "an explanation is a JSON object (or null)",
        )),
    }
}

/// Checks target and sources (exist, live, not merged away, distinct,
/// 1..=100, target not among them) and returns the sources in canonical
/// (sorted) order. `look(id)` = `(mergedInto, deleted)` of a stored record.
fn check_merge_ids(
    kind: EntityKind,
    target: Uuid,
    sources: &[Uuid],
    look: impl Fn(Uuid) -> Option<(Option<Uuid>, bool)>,
) -> Result<Vec<Uuid>> {
    let what = kind.as_str();
    if sources.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "sourceIds",
            format!("name at least one {what} to merge into the target"),
        ));
    }
    if sources.len() > MAX_SOURCES {
        return Err(Error::new(
            ErrorCode::TooLarge,
            "sourceIds",
            format!(
                "{} records in one merge; at most {MAX_SOURCES}",
                sources.len()
            ),
        ));
    }
    let live = |id: Uuid, field: &str| -> Result<()> {
        match look(id) {
            None => Err(Error::new(
                ErrorCode::NotFound,
                field,
                format!("no {what} {id}"),
            )),
            Some((Some(t), _)) => Err(Error::new(
                ErrorCode::MergedAway,
                field,
                format!("{what} {id} was merged into {t}; use {t}"),
            )),
            Some((None, true)) => Err(Error::new(
                ErrorCode::NotFound,
                field,
                format!("{what} {id} is deleted"),
            )),
            Some((None, false)) => Ok(()),
        }
    };
    live(target, "targetId")?;
    let mut seen = HashSet::default();
    for (i, id) in sources.iter().enumerate() {
        let field = format!("sourceIds[{i}]");
        if *id == target {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                field,
                format!("{what} {id} is the target; a record cannot be merged into itself"),
            ));
        }
        if !seen.insert(*id) {
            return Err(Error::new(
                ErrorCode::DuplicateId,
                field,
                format!("{what} {id} appears twice in sourceIds"),
            ));
        }
        live(*id, &field)?;
    }
    let mut sorted = sources.to_vec();
    sorted.sort_unstable();
    Ok(sorted)
}

fn min_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    a.max(b)
}

/// Every record id a merge touched (people, organizations, edges).
fn touched(m: &MergeRecord) -> HashSet<Uuid> {
    let mut ids: HashSet<Uuid> = HashSet::default();
    ids.extend(m.people_before.iter().map(|p| p.id));
    ids.extend(m.organizations_before.iter().map(|o| o.id));
    ids.extend(m.edges_before.iter().map(|e| e.id));
    ids
}

/// True when an edge joins one of `people`.
fn edge_of(e: &Edge, people: &HashSet<Uuid>) -> bool {
    people.contains(&e.from_person_id) || people.contains(&e.to_person_id)
}

/// True when a person record is, or names, one of `people` (as a record
/// merged into it, or as the record it was merged into).
fn person_names(p: &Person, people: &HashSet<Uuid>) -> bool {
    people.contains(&p.id)
        || p.merged_into.is_some_and(|t| people.contains(&t))
        || p.previous_ids.iter().any(|x| people.contains(x))
}

/// True when a merge record names one of `people` anywhere: as its target
/// or a source, in a person record it holds, or in an edge it holds.
/// (Organizations hold no person ids; `explanation` and the records'
/// metadata are the caller's free-form JSON.)
pub(super) fn merge_mentions(m: &MergeRecord, people: &HashSet<Uuid>) -> bool {
    people.contains(&m.target_id)
        || m.source_ids.iter().any(|s| people.contains(s))
        || m.people_before
            .iter()
            .chain(&m.people_after)
            .any(|p| person_names(p, people))
        || m.edges_before
            .iter()
            .chain(&m.edges_after)
            .any(|e| edge_of(e, people))
}

/// A merge record of others without any trace of `people` (GDPR erasure):
/// their person records (an organization merge re-points its members) and
/// their edges — as they were, as the merge left them, and among the
/// removed ids — go, and the other records' `previousIds` and `mergedInto`
/// lose them. Unmerge then restores everything else exactly as before.
/// Returns the scrubbed record and the ids of the edges it dropped, or
/// None when the record names none of `people`. A record whose target or
/// sources are among `people` is about them: the caller removes it whole.
pub(super) fn scrub_merge(
    m: &MergeRecord,
    people: &HashSet<Uuid>,
    hers: &[Person],
) -> Option<(MergeRecord, HashSet<Uuid>)> {
    if !merge_mentions(m, people) {
        return None;
    }
    let mut m = m.clone();
    let edges: HashSet<Uuid> = m
        .edges_before
        .iter()
        .chain(&m.edges_after)
        .filter(|e| edge_of(e, people))
        .map(|e| e.id)
        .collect();
    m.edges_before.retain(|e| !edges.contains(&e.id));
    m.edges_after.retain(|e| !edges.contains(&e.id));
    m.removed_edge_ids.retain(|id| !edges.contains(id));
    for list in [&mut m.people_before, &mut m.people_after] {
        list.retain(|p| !people.contains(&p.id));
        for p in list.iter_mut() {
            // A record that had taken her in by an earlier merge (since
            // undone) holds her values too: they go (`unfold_source`).
            let listed: Vec<&Person> = hers
                .iter()
                .filter(|h| p.previous_ids.contains(&h.id))
                .collect();
            for h in listed {
                *p = unfold_source(p, h, None);
            }
            p.previous_ids.retain(|x| !people.contains(x));
            p.merged_into = p.merged_into.filter(|t| !people.contains(t));
        }
    }
    Some((m, edges))
}

fn conflict(reason: String) -> Error {
    Error::new(ErrorCode::UnmergeConflict, "mergeId", reason)
}

/// What a person merge does to edges: the edges it rewrites, as they were
/// and as it leaves them (each sorted by id), and how many source edges it
/// folded into another without touching them.
struct EdgePlan {
    before: Vec<Edge>,
    after: Vec<Edge>,
    folded: usize,
}

impl<B: Backend> Db<B> {
    /// Re-points every edge of a source to the target. Edges that end up on
    /// the same pair are combined into one: interactionCount summed,
    /// firstSeenAt = min, lastSeenAt = max, sources and channels unioned
    /// (sorted), the kept edge's type, metadata combined (the kept edge's
    /// keys win); then every edge of the
    /// merged person is rescored from the pooled interactions (sources read
    /// as the target), in the same transaction, so unmerge restores the
    /// scores too. An edge no interaction supports keeps the larger strength. The kept edge is a
    /// live one before a deleted one (a relationship the user deleted must
    /// not hide a live one), then the target's own edge to that person,
    /// then the smallest id — so the result does not depend on the order of
    /// the sources. A deleted edge adds nothing to a live one (its strength
    /// and metadata were withdrawn). The pair's record is the target's own
    /// edge when it has one (one edge per pair), holding the kept content.
    ///
    /// Nothing is erased or deleted: an edge folded into another, and an
    /// edge between a source and the target or between two sources, stays
    /// as it was on its merged-away person, out of every query with her.
    /// So a merge only adds (the combined edge, `mergedInto`), and two
    /// devices merging the same people in opposite directions cannot erase
    /// the relationship between them (an erase beats every edit in sync):
    /// whichever of the two survives the merge cycle keeps a live edge.
    fn plan_edges(&self, target: Uuid, sources: &[Uuid], now: Timestamp) -> Result<EdgePlan> {
        let src: HashSet<Uuid> = sources.iter().copied().collect();
        let repoint = |id: Uuid| if src.contains(&id) { target } else { id };
        // (moved, edge after re-pointing) by the new pair.
        let mut groups: BTreeMap<(Uuid, Uuid), Vec<(bool, Edge)>> = BTreeMap::new();
        for e in self
            .state
            .edges
            .values()
            .filter(|e| src.contains(&e.from_person_id) || src.contains(&e.to_person_id))
        {
            let (from, to) = (repoint(e.from_person_id), repoint(e.to_person_id));
            if from == to {
                continue;
            }
            let mut moved = e.clone();
            moved.from_person_id = from;
            moved.to_person_id = to;
            groups
                .entry(pair_key(from, to))
                .or_default()
                .push((true, moved));
        }
        for (pair, group) in groups.iter_mut() {
            // The target's own edge to the same person (it touches no source).
            if let Some(e) = self.state.edge_for_pair(*pair) {
                group.push((false, e.clone()));
            }
        }
        let mut before = Vec::with_capacity(groups.len());
        let mut after = Vec::with_capacity(groups.len());
        let mut folded = 0;
        for mut group in groups.into_values() {
            group.sort_by_key(|(moved, e)| (e.deleted_at.is_some(), *moved, e.id));
            let mut kept = group[0].1.clone();
            for (_, e) in &group[1..] {
                if e.deleted_at.is_some() && kept.deleted_at.is_none() {
                    continue;
                }
                kept.interaction_count = kept.interaction_count.saturating_add(e.interaction_count);
                kept.first_seen_at = min_opt(kept.first_seen_at, e.first_seen_at);
                kept.last_seen_at = max_opt(kept.last_seen_at, e.last_seen_at);
                kept.sources.extend(e.sources.iter().cloned());
                kept.channels.extend(e.channels.iter().copied());
                combine_metadata(&mut kept.metadata, &e.metadata);
                kept.strength = kept.strength.max(e.strength);
            }
            if group.len() > 1 {
                kept.sources.sort();
                kept.sources.dedup();
                kept.channels.sort();
                kept.channels.dedup();
                folded += group.len() - 1;
            }
            // The record that holds the pair: the target's own edge, else
            // the kept one.
            let record = group
                .iter()
                .find(|(moved, _)| !moved)
                .unwrap_or(&group[0])
                .1
                .clone();
            if record.id != kept.id {
                kept.id = record.id;
                kept.from_person_id = record.from_person_id;
                kept.to_person_id = record.to_person_id;
                kept.created_at = kept.created_at.min(record.created_at);
                kept.sync_version = record.sync_version;
            }
            let original = self.state.edges.get(record.id).cloned().expect("stored");
            before.push(original);
            kept.updated_at = now;
            after.push(kept);
        }
        self.rescore_for_merge(target, sources, now, &mut after)?;
        before.sort_by_key(|e| e.id);
        after.sort_by_key(|e| e.id);
        Ok(EdgePlan {
            before,
            after,
            folded,
        })
    }

    /// Merges `sources` into the person `target` (see the module docs).
    /// Names, emails, phones and addresses are unioned (the target's first,
    /// then the sources' in id order), social handles too (the target wins a
    /// conflict, then the smaller source id), empty title, organizationId
    /// and birthDate are filled from the sources; metadata objects are
    /// combined (the target's keys win, then the sources' in id order).
    /// Merging two people rejected as a match is allowed.
    pub fn prepare_merge_people(
        &self,
        target: Uuid,
        sources: &[Uuid],
        explanation: serde_json::Value,
        ctx: &WriteContext,
    ) -> Result<Prepared<MergeRecord>> {
        self.ensure_open()?;
        let st = &self.state;
        let sources = check_merge_ids(EntityKind::Person, target, sources, |id| {
            st.people
                .get(id)
                .map(|p| (p.merged_into, p.deleted_at.is_some()))
        })?;
        let explanation = explanation_of(explanation)?;
        let now = ctx.now;
        let target_before = st.people.get(target).cloned().expect("checked");
        let sources_before: Vec<Person> = sources
            .iter()
            .map(|id| st.people.get(*id).cloned().expect("checked"))
            .collect();
        let mut t = target_before.clone();
        for s in &sources_before {
            union_ignoring_case(&mut t.names, &s.names);
            union(&mut t.emails, &s.emails);
            union(&mut t.phones, &s.phones);
            union_ignoring_case(&mut t.addresses, &s.addresses);
            for (k, v) in &s.social_handles {
                t.social_handles
                    .entry(k.clone())
                    .or_insert_with(|| v.clone());
            }
            if t.title.is_none() {
                t.title = s.title.clone();
            }
            if t.organization_id.is_none() {
                t.organization_id = s.organization_id;
            }
            if t.birth_date.is_none() {
                t.birth_date = s.birth_date.clone();
            }
            combine_metadata(&mut t.metadata, &s.metadata);
            union(&mut t.previous_ids, &[s.id]);
            union(&mut t.previous_ids, &s.previous_ids);
        }
        too_many("names", t.names.len(), limits::LIST)?;
        too_many("emails", t.emails.len(), limits::LIST)?;
        too_many("phones", t.phones.len(), limits::LIST)?;
        too_many("addresses", t.addresses.len(), limits::LIST)?;
        too_many(
            "socialHandles",
            t.social_handles.len(),
            limits::SOCIAL_HANDLES,
        )?;
        merged_record_fits(&t.metadata)?;
        t.merge_explanation = explanation_field(&explanation);
        t.updated_at = now;
        let sources_after: Vec<Person> = sources_before
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.merged_into = Some(target);
                s.updated_at = now;
                s
            })
            .collect();
        let edges = self.plan_edges(target, &sources, now)?;
        for e in &edges.after {
            metadata_fits(&e.metadata, "sourceIds", |n| {
                format!(
                    "the combined edge {} would have {n} bytes of metadata; at most {}",
                    e.id,
                    limits::METADATA_BYTES
                )
            })?;
        }
        if let Some(e) = edges.after.iter().find(|e| e.sources.len() > limits::LIST) {
            return Err(Error::new(
                ErrorCode::TooLarge,
                "sourceIds",
                format!(
                    "the combined edge {} would have {} sources; at most {}",
                    e.id,
                    e.sources.len(),
                    limits::LIST
                ),
            ));
        }

        let mut s = Staging::new(st, now);
        let mut people_after = vec![t];
        people_after.extend(sources_after);
        for p in &people_after {
            s.commit.people.insert(p.id, Some(p.clone()));
            s.change(EntityKind::Person, p.id, ChangeOp::Upsert);
        }
        for e in &edges.after {
            s.commit.edges.insert(e.id, Some(e.clone()));
            s.change(EntityKind::Edge, e.id, ChangeOp::Upsert);
        }
        let mut people_before = vec![target_before];
        people_before.extend(sources_before);
        let record = MergeRecord {
            id: new_id(),
            seq: st.next_audit_seq,
            entity_type: EntityKind::Person,
            target_id: target,
            source_ids: sources,
            explanation,
            people_before,
            people_after,
            organizations_before: Vec::new(),
            organizations_after: Vec::new(),
            edges_before: edges.before,
            edges_after: edges.after,
            removed_edge_ids: Vec::new(),
            edges_folded: edges.folded,
            created_at: now,
            undone_at: None,
        };
        Ok(self.seal_merge(s, ctx, record))
    }

    /// Merges `sources` into the organization `target`: the target's name is
    /// kept, an empty domain filled, metadata objects combined (the target's
    /// keys win); people whose organizationId is a source are re-pointed to
    /// the target (and restored on unmerge).
    pub fn prepare_merge_organizations(
        &self,
        target: Uuid,
        sources: &[Uuid],
        explanation: serde_json::Value,
        ctx: &WriteContext,
    ) -> Result<Prepared<MergeRecord>> {
        self.ensure_open()?;
        let st = &self.state;
        let sources = check_merge_ids(EntityKind::Organization, target, sources, |id| {
            st.organizations
                .get(id)
                .map(|o| (o.merged_into, o.deleted_at.is_some()))
        })?;
        let explanation = explanation_of(explanation)?;
        let now = ctx.now;
        let target_before = st.organizations.get(target).cloned().expect("checked");
        let sources_before: Vec<Organization> = sources
            .iter()
            .map(|id| st.organizations.get(*id).cloned().expect("checked"))
            .collect();
        let mut t = target_before.clone();
        for s in &sources_before {
            if t.domain.is_none() {
                t.domain = s.domain.clone();
            }
            combine_metadata(&mut t.metadata, &s.metadata);
            union(&mut t.previous_ids, &[s.id]);
            union(&mut t.previous_ids, &s.previous_ids);
        }
        merged_record_fits(&t.metadata)?;
        t.merge_explanation = explanation_field(&explanation);
        t.updated_at = now;
        let src: HashSet<Uuid> = sources.iter().copied().collect();
        let mut people_before: Vec<Person> = st
            .people
            .values()
            .filter(|p| p.organization_id.is_some_and(|o| src.contains(&o)))
            .cloned()
            .collect();
        people_before.sort_by_key(|p| p.id);
        let people_after: Vec<Person> = people_before
            .iter()
            .map(|p| {
                let mut p = p.clone();
                p.organization_id = Some(target);
                p.updated_at = now;
                p
            })
            .collect();
        let mut organizations_after = vec![t];
        organizations_after.extend(sources_before.iter().map(|o| {
            let mut o = o.clone();
            o.merged_into = Some(target);
            o.updated_at = now;
            o
        }));

        let mut s = Staging::new(st, now);
        for o in &organizations_after {
            s.commit.organizations.insert(o.id, Some(o.clone()));
            s.change(EntityKind::Organization, o.id, ChangeOp::Upsert);
        }
        for p in &people_after {
            s.commit.people.insert(p.id, Some(p.clone()));
            s.change(EntityKind::Person, p.id, ChangeOp::Upsert);
        }
        let mut organizations_before = vec![target_before];
        organizations_before.extend(sources_before);
        let record = MergeRecord {
            id: new_id(),
            seq: st.next_audit_seq,
            entity_type: EntityKind::Organization,
            target_id: target,
            source_ids: sources,
            explanation,
            people_before,
            people_after,
            organizations_before,
            organizations_after,
            edges_before: Vec::new(),
            edges_after: Vec::new(),
            removed_edge_ids: Vec::new(),
            edges_folded: 0,
            created_at: now,
            undone_at: None,
        };
        Ok(self.seal_merge(s, ctx, record))
    }

    fn seal_merge(
        &self,
        mut s: Staging<'_>,
        ctx: &WriteContext,
        record: MergeRecord,
    ) -> Prepared<MergeRecord> {
        s.commit.merges.insert(record.id, Some(record.clone()));
        let meta = serde_json::json!({
            "mergeId": record.id, "sourceIds": record.source_ids,
            "edgesKept": record.edges_after.len(), "edgesFolded": record.edges_folded,
            "peopleRepointed": if record.entity_type == EntityKind::Organization { record.people_after.len() } else { 0 },
        });
        let commit = s.finish(
            ctx,
            "merge",
            Some((record.entity_type, record.target_id)),
            meta,
        );
        self.prepared(commit, record)
    }

    /// Undoes a merge: every record it touched goes back to exactly what it
    /// was before (removed edges come back), and the MergeRecord is marked
    /// `undoneAt`. Refused with UNMERGE_CONFLICT when the merge is already
    /// undone, when a later merge touching the same records is in effect, or
    /// when a record the merge wrote changed since. Rejections stay.
    pub fn prepare_unmerge(&self, merge_id: Uuid, ctx: &WriteContext) -> Result<Prepared<()>> {
        self.ensure_open()?;
        let st = &self.state;
        let m = st.merges.get(&merge_id).ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "mergeId",
                format!("no merge {merge_id}"),
            )
        })?;
        if let Some(at) = m.undone_at {
            return Err(conflict(format!(
                "merge {merge_id} was already undone at {at}"
            )));
        }
        let ids = touched(m);
        let later = st
            .merges
            .values()
            .filter(|o| o.seq > m.seq && o.undone_at.is_none())
            .find(|o| touched(o).iter().any(|id| ids.contains(id)));
        if let Some(o) = later {
            return Err(conflict(format!("a later merge ({}, into {}) involves the same records and is still in effect; undo it first", o.id, o.target_id)));
        }
        // Unchanged but for `syncVersion`: pushing the merge's records sets
        // their server version without changing them.
        fn unchanged<T: SyncRecord + Clone>(
            kind: &str,
            id: Uuid,
            now: Option<&T>,
            after: &T,
        ) -> Result<()> {
            match now {
                None => Err(conflict(format!("{kind} {id} no longer exists"))),
                Some(cur) if !same_but_version(cur, after) => Err(conflict(format!(
                    "{kind} {id} was modified after the merge (updatedAt {}, the merge wrote {})",
                    cur.updated_at(),
                    after.updated_at()
                ))),
                Some(_) => Ok(()),
            }
        }
        for p in &m.people_after {
            unchanged("person", p.id, st.people.get(p.id), p)?;
        }
        for o in &m.organizations_after {
            unchanged("organization", o.id, st.organizations.get(o.id), o)?;
        }
        // The times of the strength recomputes: an edge whose last write is
        // one of them was rewritten by a recompute, not by the user.
        let recomputes: HashSet<Timestamp> = st
            .audit
            .values()
            .filter(|a| a.action == super::strength_sync::ACTION)
            .map(|a| a.created_at)
            .collect();
        for e in &m.edges_after {
            let now = st.edges.get(e.id);
            // A strength recompute since rescored (or cleared) the edge, and
            // nothing after it: no edit of the user's. The undo puts it back
            // as it was before the merge, and the next recompute (`only:
            // 'touched'` too) rescores the people it gives back their edges.
            let rescored = now
                .is_some_and(|cur| recomputes.contains(&cur.updated_at) && same_but_scores(cur, e));
            if !rescored {
                unchanged("edge", e.id, now, e)?;
            }
        }
        if let Some(id) = m
            .removed_edge_ids
            .iter()
            .find(|id| st.edges.get(**id).is_some())
        {
            return Err(conflict(format!(
                "edge {id}, removed by the merge, exists again"
            )));
        }
        let mut s = Staging::new(st, ctx.now);
        // The records as they were, at the server version they have now: a
        // merge already pushed must not make the undo's push a stale one.
        for p in &m.people_before {
            s.commit
                .people
                .insert(p.id, Some(at_version(p, st.people.get(p.id))));
            s.change(EntityKind::Person, p.id, ChangeOp::Upsert);
        }
        for o in &m.organizations_before {
            s.commit
                .organizations
                .insert(o.id, Some(at_version(o, st.organizations.get(o.id))));
            s.change(EntityKind::Organization, o.id, ChangeOp::Upsert);
        }
        for e in &m.edges_before {
            s.commit
                .edges
                .insert(e.id, Some(at_version(e, st.edges.get(e.id))));
            s.change(EntityKind::Edge, e.id, ChangeOp::Upsert);
        }
        let mut undone = m.clone();
        undone.undone_at = Some(ctx.now);
        s.commit.merges.insert(merge_id, Some(undone));
        let commit = s.finish(
            ctx,
            "unmerge",
            Some((m.entity_type, m.target_id)),
            serde_json::json!({ "mergeId": merge_id, "sourceIds": m.source_ids }),
        );
        Ok(self.prepared(commit, ()))
    }

    /// Review feedback: `a` and `b` (two people or two organizations) are
    /// not the same. Durable; recording a pair twice is a no-op. Merging a
    /// rejected pair stays allowed (the user decides); unmerge leaves
    /// rejections alone.
    pub fn prepare_reject_match(
        &self,
        a: Uuid,
        b: Uuid,
        ctx: &WriteContext,
    ) -> Result<Prepared<Rejection>> {
        self.ensure_open()?;
        let st = &self.state;
        if a == b {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "b",
                "a record always matches itself",
            ));
        }
        let kind_of = |id: Uuid, field: &str| -> Result<EntityKind> {
            let (kind, merged) = if let Some(p) = st.people.get(id) {
                (EntityKind::Person, p.merged_into)
            } else if let Some(o) = st.organizations.get(id) {
                (EntityKind::Organization, o.merged_into)
            } else {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    field,
                    format!("no person or organization {id}"),
                ));
            };
            match merged {
                Some(t) => Err(Error::new(
                    ErrorCode::MergedAway,
                    field,
                    format!("{} {id} was merged into {t}; use {t}", kind.as_str()),
                )),
                None => Ok(kind),
            }
        };
        let (ka, kb) = (kind_of(a, "a")?, kind_of(b, "b")?);
        if ka != kb {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "b",
                format!(
                    "a is a {}, b is a {}: only records of one kind can match",
                    ka.as_str(),
                    kb.as_str()
                ),
            ));
        }
        let (x, y) = pair_key(a, b);
        if let Some(r) = st.rejections.get(&(x, y)) {
            return Ok(self.prepared(Commit::default(), r.clone()));
        }
        let rejection = Rejection {
            a: x,
            b: y,
            kind: ka,
            created_at: ctx.now,
        };
        let mut s = Staging::new(st, ctx.now);
        s.commit.rejections.insert((x, y), Some(rejection.clone()));
        let commit = s.finish(
            ctx,
            "reject_match",
            Some((ka, x)),
            serde_json::json!({ "a": x, "b": y }),
        );
        Ok(self.prepared(commit, rejection))
    }

    /// True when `a` and `b` were rejected as a match (either order).
    pub fn is_rejected(&self, a: Uuid, b: Uuid) -> bool {
        self.state.rejections.contains_key(&pair_key(a, b))
    }

    /// Every rejected pair, ordered by (a, b).
    pub fn rejected_pairs(&self) -> Vec<Rejection> {
        self.state.rejections.values().cloned().collect()
    }

    /// Merge records, newest first (undone ones included, with `undoneAt`).
    pub fn merges(&self) -> Vec<MergeRecord> {
        let mut all: Vec<MergeRecord> = self.state.merges.values().cloned().collect();
        all.sort_by_key(|m| std::cmp::Reverse(m.seq));
        all
    }

    pub fn merge_record(&self, id: Uuid) -> Option<&MergeRecord> {
        self.state.merges.get(&id)
    }

    pub async fn merge_people(
        &mut self,
        target: Uuid,
        sources: &[Uuid],
        explanation: serde_json::Value,
        ctx: &WriteContext,
    ) -> Result<MergeRecord> {
        let p = self.prepare_merge_people(target, sources, explanation, ctx)?;
        self.run(p).await
    }
    pub async fn merge_organizations(
        &mut self,
        target: Uuid,
        sources: &[Uuid],
        explanation: serde_json::Value,
        ctx: &WriteContext,
    ) -> Result<MergeRecord> {
        let p = self.prepare_merge_organizations(target, sources, explanation, ctx)?;
        self.run(p).await
    }
    pub async fn unmerge(&mut self, merge_id: Uuid, ctx: &WriteContext) -> Result<()> {
        let p = self.prepare_unmerge(merge_id, ctx)?;
        self.run(p).await
    }
    pub async fn reject_match(
        &mut self,
        a: Uuid,
        b: Uuid,
        ctx: &WriteContext,
    ) -> Result<Rejection> {
        let p = self.prepare_reject_match(a, b, ctx)?;
        self.run(p).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(names: &[&str], emails: &[&str], title: Option<&str>) -> Person {
        let at = Timestamp::from_millis(0);
        Person {
            id: new_id(),
            names: names.iter().map(|s| s.to_string()).collect(),
            emails: emails.iter().map(|s| s.to_string()).collect(),
            phones: Vec::new(),
            social_handles: Default::default(),
            title: title.map(str::to_string),
            organization_id: None,
            addresses: Vec::new(),
            birth_date: None,
            merge_explanation: None,
            previous_ids: Vec::new(),
            merged_into: None,
            metadata: Metadata::default(),
            created_at: at,
            updated_at: at,
            deleted_at: None,
            sync_version: 0,
        }
    }

    /// With the survivor as the merge found it, its own values stay (a
    /// shared email too); without it, every value of hers goes.
    #[test]
    fn unfolding_a_source_keeps_the_survivors_own_values_when_known() {
        let own = person(&["Ada Lovelace"], &["ada@acme.com"], None);
        let her = person(
            &["ada byron"],
            &["ada@acme.com", "ada@home.org"],
            Some("Countess"),
        );
        let mut merged = own.clone();
        merged.names.push("Ada Byron".into());
        merged.emails.push("ada@home.org".into());
        merged.title = her.title.clone();
        merged.previous_ids.push(her.id);
        merged.merge_explanation = Some(Metadata(serde_json::json!({"email": "ada@home.org"})));

        let known = unfold_source(&merged, &her, Some(&own));
        assert_eq!(known, own, "exactly the survivor as it was");

        let unknown = unfold_source(&merged, &her, None);
        assert_eq!(unknown.names, ["Ada Lovelace"]);
        assert!(unknown.emails.is_empty(), "the shared email goes too");
        assert_eq!((unknown.title, unknown.merge_explanation), (None, None));
        assert!(unknown.previous_ids.is_empty());
    }
}
