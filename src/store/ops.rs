//! The write and read operations of a graph, over any [`Backend`].

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use super::commit::{ChangeOp, Commit, OutboxChange, OutboxEntry};
use super::merge::{merge_mentions, scrub_merge};
use super::state::GraphState;
use super::table::{Key, Record, Table};
use super::{Backend, WriteSet};
use crate::error::{Error, ErrorCode, Result};
use crate::model::validate::{self, RefStatus, References};
use crate::model::*;

/// Who writes, when, and under which correlation id (for the audit trail).
/// `now` is a parameter so that the core never reads a clock.
#[derive(Debug, Clone)]
pub struct WriteContext {
    pub now: Timestamp,
    pub actor_id: Option<String>,
    pub correlation_id: Option<String>,
}

impl WriteContext {
    pub fn at(now: Timestamp) -> Self {
        WriteContext {
            now,
            actor_id: None,
            correlation_id: None,
        }
    }

    /// The audit entry of a call made in this context (a fresh correlation
    /// id when the caller gave none).
    pub(crate) fn audit_entry(
        &self,
        seq: u64,
        action: &str,
        entity: Option<(EntityKind, Uuid)>,
        metadata: serde_json::Value,
        at: Timestamp,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            seq,
            correlation_id: self
                .correlation_id
                .clone()
                .unwrap_or_else(|| new_id().to_string()),
            action: action.to_string(),
            actor_id: self.actor_id.clone(),
            entity_type: entity.map(|e| e.0),
            entity_id: entity.map(|e| e.1),
            metadata: Metadata(metadata),
            created_at: at,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    pub include_deleted: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub people: usize,
    pub organizations: usize,
    pub edges: usize,
    pub interactions: usize,
    pub deleted: usize,
    pub merged_away: usize,
    pub merges: usize,
    pub audit_entries: usize,
    pub outbox_changes: usize,
    /// Bytes held by the graph search index (see `GraphView::memory_bytes`),
    /// or None while it is not built (it is built by the first graph query).
    pub graph_index_bytes: Option<usize>,
}

/// Everything the graph holds about one person (GDPR access request).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPerson {
    pub person: Person,
    pub merged_records: Vec<Person>,
    pub organization: Option<Organization>,
    pub edges: Vec<Edge>,
    pub interactions: Vec<Interaction>,
    pub merges: Vec<MergeRecord>,
    pub audit: Vec<AuditEntry>,
}

/// Counts of what one batch wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    pub organizations: usize,
    pub people: usize,
    pub edges: usize,
    pub interactions: usize,
    pub unchanged: usize,
}

/// A validated call, ready to persist: its commit, the one write that makes
/// it durable, and what the call returns.
pub struct Prepared<T> {
    pub commit: Commit,
    pub set: WriteSet,
    pub output: T,
}

impl<T> Prepared<T> {
    /// `commit` with everything it writes against `state`.
    pub(crate) fn new(mut commit: Commit, state: &GraphState, output: T) -> Self {
        commit.strength_lost = super::strength_sync::strength_lost_changes(state, &commit);
        let mut set = commit.write_set(state);
        if !set.is_empty() {
            // Checked and bumped by the same write (see `WriteSet`).
            let next = state.generation + 1;
            set.expect_generation = Some(state.generation);
            set.puts.push((
                super::StoreName::Meta,
                super::generation_key(),
                super::codec::encode(&next),
            ));
            commit.generation = Some(next);
        }
        Prepared {
            commit,
            set,
            output,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Prepared<U> {
        Prepared {
            commit: self.commit,
            set: self.set,
            output: f(self.output),
        }
    }
}

pub struct Db<B: Backend> {
    backend: B,
    pub(super) state: GraphState,
    closed: bool,
    /// Incremental matching index, built on first use, kept current by every
    /// applied write.
    person_index: std::cell::RefCell<Option<super::PersonIndex>>,
    /// Applied commits, encoded for the other instances of this stored
    /// graph (see `store::shared`); None: not shared.
    share: Option<super::shared::ShareLog>,
}

/// How the field paths of errors are prefixed: `people[3].emails[0]` in a
/// batch, `[3].emails[0]` in a list call, `emails[0]` for one record.
#[derive(Clone, Copy)]
enum Paths {
    Batch,
    List,
    Single,
}

impl Paths {
    fn at(self, kind: &str, i: usize) -> String {
        match self {
            Paths::Batch => format!("{kind}[{i}]"),
            Paths::List => format!("[{i}]"),
            Paths::Single => String::new(),
        }
    }
}

fn wrap(e: Error, prefix: &str) -> Error {
    if prefix.is_empty() {
        e
    } else {
        e.within(prefix)
    }
}

/// Staged changes of one call, visible to the validation of later records in
/// the same call (an edge may name a person created earlier in the batch).
pub(super) struct Staging<'a> {
    pub(super) state: &'a GraphState,
    pub(super) now: Timestamp,
    pub(super) commit: Commit,
    pub(super) changes: Vec<OutboxChange>,
    seen: HashSet<(EntityKind, Uuid)>,
    edge_pairs: HashMap<(Uuid, Uuid), Uuid>,
    interaction_keys: HashMap<(String, String), Uuid>,
    pub(super) unchanged: usize,
}

pub(super) fn staged<'t, T: Record>(
    table: &'t Table<T>,
    pending: &'t super::commit::Changes<T>,
    id: Uuid,
) -> Option<&'t T> {
    match pending.get(&id) {
        Some(change) => change.as_ref(),
        None => table.get(id),
    }
}

/// An edge a merge left on a merged-away person (folded into the
/// survivor's edge, or between merged people) is read-only: unmerge puts
/// it back as it was, so it must not change meanwhile. `MERGED_AWAY`.
fn left_on_merged(e: &Edge, person: impl Fn(Uuid) -> RefStatus) -> Result<()> {
    for p in [e.from_person_id, e.to_person_id] {
        if let RefStatus::MergedInto(t) = person(p) {
            return Err(Error::new(
                ErrorCode::MergedAway,
                "id",
                format!(
                    "edge {} belongs to person {p}, merged into {t}: it is kept as it was for unmerge",
                    e.id
                ),
            ));
        }
    }
    Ok(())
}

impl References for Staging<'_> {
    fn person(&self, id: Uuid) -> RefStatus {
        match staged(&self.state.people, &self.commit.people, id) {
            None => RefStatus::Missing,
            Some(p) if p.merged_into.is_some() => {
                RefStatus::MergedInto(p.merged_into.unwrap_or(id))
            }
            Some(p) if p.deleted_at.is_some() => RefStatus::Deleted,
            Some(_) => RefStatus::Live,
        }
    }
    fn organization(&self, id: Uuid) -> RefStatus {
        match staged(&self.state.organizations, &self.commit.organizations, id) {
            None => RefStatus::Missing,
            Some(o) if o.merged_into.is_some() => {
                RefStatus::MergedInto(o.merged_into.unwrap_or(id))
            }
            Some(o) if o.deleted_at.is_some() => RefStatus::Deleted,
            Some(_) => RefStatus::Live,
        }
    }
}

/// Equal but for `updatedAt`: re-sending a record unchanged writes nothing.
macro_rules! same_record {
    ($old:expr, $new:expr) => {{
        let mut probe = $new.clone();
        probe.updated_at = $old.updated_at;
        &probe == $old
    }};
}

impl<'a> Staging<'a> {
    pub(super) fn new(state: &'a GraphState, now: Timestamp) -> Self {
        Staging {
            state,
            now,
            commit: Commit::default(),
            changes: Vec::new(),
            seen: HashSet::default(),
            edge_pairs: HashMap::default(),
            interaction_keys: HashMap::default(),
            unchanged: 0,
        }
    }

    /// Sizes the maps up front: growing them moves every staged record.
    fn reserve(&mut self, orgs: usize, people: usize, edges: usize, interactions: usize) {
        self.commit.organizations.reserve(orgs);
        self.commit.people.reserve(people);
        self.commit.edges.reserve(edges);
        self.commit.interactions.reserve(interactions);
        self.seen.reserve(orgs + people + edges + interactions);
        self.edge_pairs.reserve(edges);
        self.interaction_keys.reserve(interactions);
        self.changes.reserve(orgs + people + edges + interactions);
    }

    fn first_time(&mut self, kind: EntityKind, id: Uuid) -> Result<()> {
        if !self.seen.insert((kind, id)) {
            return Err(Error::new(
                ErrorCode::DuplicateId,
                "id",
                format!("{} {id} appears twice in this call", kind.as_str()),
            ));
        }
        Ok(())
    }

    pub(super) fn change(&mut self, kind: EntityKind, id: Uuid, op: ChangeOp) {
        self.changes.push(OutboxChange { kind, id, op });
    }

    fn input_id(id: &Option<String>) -> Result<Option<Uuid>> {
        id.as_deref()
            .map(|s| validate::parse_id(s, "id"))
            .transpose()
    }

    pub(super) fn stage_organization(&mut self, input: &OrganizationInput) -> Result<Uuid> {
        let existing = match Self::input_id(&input.id)? {
            Some(id) => staged(&self.state.organizations, &self.commit.organizations, id).cloned(),
            None => None,
        };
        let org = validate::organization(input, existing.as_ref(), self.now)?;
        self.first_time(EntityKind::Organization, org.id)?;
        if existing.as_ref().is_some_and(|old| same_record!(old, org)) {
            self.unchanged += 1;
            return Ok(org.id);
        }
        self.change(EntityKind::Organization, org.id, ChangeOp::Upsert);
        let id = org.id;
        self.commit.organizations.insert(id, Some(org));
        Ok(id)
    }

    pub(super) fn stage_person(&mut self, input: &PersonInput) -> Result<Uuid> {
        let existing = match Self::input_id(&input.id)? {
            Some(id) => staged(&self.state.people, &self.commit.people, id).cloned(),
            None => None,
        };
        let person = validate::person(input, existing.as_ref(), self, self.now)?;
        self.first_time(EntityKind::Person, person.id)?;
        if existing
            .as_ref()
            .is_some_and(|old| same_record!(old, person))
        {
            self.unchanged += 1;
            return Ok(person.id);
        }
        self.change(EntityKind::Person, person.id, ChangeOp::Upsert);
        let id = person.id;
        self.commit.people.insert(id, Some(person));
        Ok(id)
    }

    fn edge_for_pair(&self, pair: (Uuid, Uuid)) -> Option<Uuid> {
        match self.edge_pairs.get(&pair) {
            Some(id) if id.is_nil() => None,
            Some(id) => Some(*id),
            None => self.state.edge_for_pair(pair).map(|e| e.id),
        }
    }

    fn stage_edge(&mut self, input: &EdgeInput) -> Result<Uuid> {
        let endpoints = match validate::edge_endpoints(input, self) {
            Ok(endpoints) => endpoints,
            // A stored edge written back after one of its people was
            // soft-deleted: its endpoints are not new references.
            Err(e) if e.code == ErrorCode::MissingReference => {
                let deleted_ok = validate::KeptReferences {
                    refs: self,
                    kept: |_| true,
                };
                match validate::edge_endpoints(input, &deleted_ok) {
                    Ok(kept) if self.edge_for_pair(pair_key(kept.0, kept.1)).is_some() => kept,
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let pair = pair_key(endpoints.0, endpoints.1);
        let by_pair = self.edge_for_pair(pair);
        let id = Self::input_id(&input.id)?;
        let existing_id = match (id, by_pair) {
            (Some(id), Some(other)) if id != other => {
                return Err(Error::new(
                    ErrorCode::DuplicateEdge,
                    "toPersonId",
                    format!(
                        "{} and {} are already joined by edge {other}",
                        pair.0, pair.1
                    ),
                ));
            }
            (Some(id), _) => Some(id),
            (None, by_pair) => by_pair,
        };
        let existing =
            existing_id.and_then(|id| staged(&self.state.edges, &self.commit.edges, id).cloned());
        if let Some(old) = &existing {
            left_on_merged(old, |p| self.person(p))?;
        }
        let edge = validate::edge(input, endpoints, existing.as_ref(), self.now)?;
        if let Err(e) = self.first_time(EntityKind::Edge, edge.id) {
            return Err(if by_pair.is_some() && id.is_none() {
                Error::new(
                    ErrorCode::DuplicateEdge,
                    "toPersonId",
                    format!("{} and {} are joined twice in this call", pair.0, pair.1),
                )
            } else {
                e
            });
        }
        if let Some(old) = existing {
            if old.pair() != pair {
                self.edge_pairs.insert(old.pair(), Uuid::nil());
            }
            if same_record!(&old, edge) {
                self.unchanged += 1;
                return Ok(old.id);
            }
        }
        self.edge_pairs.insert(pair, edge.id);
        self.change(EntityKind::Edge, edge.id, ChangeOp::Upsert);
        let id = edge.id;
        self.commit.edges.insert(id, Some(edge));
        Ok(id)
    }

    pub(super) fn stage_interaction(&mut self, input: &InteractionInput) -> Result<Uuid> {
        let key = validate::interaction_key(input)?;
        let by_key = match self.interaction_keys.get(&key) {
            Some(id) => {
                return Err(Error::new(
                    ErrorCode::DuplicateInteraction,
                    "sourceId",
                    format!(
                        "({}, {}) appears twice in this call (interaction {id})",
                        key.0, key.1
                    ),
                ))
            }
            None => self.state.interaction_by_source().get(&key).copied(),
        };
        let id = Self::input_id(&input.id)?;
        let existing_id = match (id, by_key) {
            (Some(id), Some(other)) if id != other => {
                return Err(Error::new(
                    ErrorCode::DuplicateInteraction,
                    "sourceId",
                    format!("({}, {}) is already interaction {other}", key.0, key.1),
                ));
            }
            (Some(id), _) => Some(id),
            (None, by_key) => by_key,
        };
        let existing = existing_id.and_then(|id| {
            staged(&self.state.interactions, &self.commit.interactions, id).cloned()
        });
        if let Some(old) = &existing {
            if (old.source_name.as_str(), old.source_id.as_str())
                != (key.0.as_str(), key.1.as_str())
            {
                if let Some(other) = self.state.interaction_by_source().get(&key) {
                    return Err(Error::new(
                        ErrorCode::DuplicateInteraction,
                        "sourceId",
                        format!("({}, {}) is already interaction {other}", key.0, key.1),
                    ));
                }
            }
        }
        let interaction =
            validate::interaction(input, key.clone(), existing.as_ref(), self, self.now)?;
        self.first_time(EntityKind::Interaction, interaction.id)?;
        self.interaction_keys.insert(key, interaction.id);
        if existing
            .as_ref()
            .is_some_and(|old| same_record!(old, interaction))
        {
            self.unchanged += 1;
            return Ok(interaction.id);
        }
        self.change(EntityKind::Interaction, interaction.id, ChangeOp::Upsert);
        let id = interaction.id;
        self.commit.interactions.insert(id, Some(interaction));
        Ok(id)
    }

    /// Seals the call: its audit entry and its outbox entry.
    pub(super) fn finish(
        mut self,
        ctx: &WriteContext,
        action: &str,
        entity: Option<(EntityKind, Uuid)>,
        metadata: serde_json::Value,
    ) -> Commit {
        if !self.commit.is_empty() || !self.commit.audit_removed.is_empty() {
            self.commit.audit.push(ctx.audit_entry(
                self.state.next_audit_seq,
                action,
                entity,
                metadata,
                self.now,
            ));
        }
        if !self.changes.is_empty() {
            self.commit.outbox.push(OutboxEntry {
                seq: self.state.next_outbox_seq,
                base_change_id: new_id(),
                at: self.now,
                changes: std::mem::take(&mut self.changes),
            });
        }
        self.commit
    }
}

fn check_batch_len(n: usize, field: &str) -> Result<()> {
    if n > limits::BATCH {
        return Err(Error::new(
            ErrorCode::TooLarge,
            field,
            format!("{n} records in one call; at most {}", limits::BATCH),
        ));
    }
    Ok(())
}

fn parse_cursor(cursor: &str) -> Result<Key> {
    let bad = || {
        Error::new(
            ErrorCode::InvalidInput,
            "cursor",
            "not a cursor returned by a previous page",
        )
    };
    let (b, id) = cursor.split_once('.').ok_or_else(bad)?;
    Ok(Key {
        bucket: b.parse().map_err(|_| bad())?,
        id: Uuid::try_parse(id).map_err(|_| bad())?,
    })
}

/// A page of `table`; without `includeDeleted`, soft-deleted and
/// merged-away records, and those `away` names, are left out.
fn page<T: Record>(
    table: &Table<T>,
    opts: &ListOptions,
    away: impl Fn(&T) -> bool,
) -> Result<Page<T>> {
    let limit = opts.limit.unwrap_or(100);
    if limit == 0 || limit > limits::PAGE {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "limit",
            format!("{limit} is not between 1 and {}", limits::PAGE),
        ));
    }
    let after = opts.cursor.as_deref().map(parse_cursor).transpose()?;
    let mut items = Vec::with_capacity(limit.min(table.len()));
    let mut last = None;
    let mut more = false;
    for (k, r) in table.after(after) {
        if !opts.include_deleted && (r.is_deleted() || r.is_merged_away() || away(r)) {
            continue;
        }
        if items.len() == limit {
            more = true;
            break;
        }
        items.push(r.clone());
        last = Some(*k);
    }
    let next_cursor = if more {
        last.map(|k| format!("{}.{}", k.bucket, k.id))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// True when `text` holds one of `ids` (hyphenated, any case).
fn text_names(text: &str, ids: &HashSet<Uuid>) -> bool {
    const LEN: usize = 36;
    text.len() >= LEN
        && (0..=text.len() - LEN).any(|i| {
            text.get(i..i + LEN)
                .and_then(|s| Uuid::try_parse(s).ok())
                .is_some_and(|id| ids.contains(&id))
        })
}

/// True when a JSON value names one of `ids` in any key or string, at any
/// depth.
fn json_names(v: &serde_json::Value, ids: &HashSet<Uuid>) -> bool {
    match v {
        serde_json::Value::String(s) => text_names(s, ids),
        serde_json::Value::Array(items) => items.iter().any(|x| json_names(x, ids)),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, x)| text_names(k, ids) || json_names(x, ids)),
        _ => false,
    }
}

/// What erasing `people` removes beyond their records, on the device that
/// erases and on every device the erase reaches (a pulled tombstone, a
/// push answered "erased"): their merges (merges of others lose every
/// trace of them — their edges, their records — and stay undoable for the
/// rest), rejected pairs with them, and audit entries about them, about a
/// record the commit removes or about a pair with them (entries about
/// others lose their ids). Staged in `commit` (merges already staged
/// there are read as staged); returns every id the erase removes: the
/// people, the records the commit removes, the merges.
pub(crate) fn scrub_traces(
    st: &GraphState,
    commit: &mut Commit,
    people: &HashSet<Uuid>,
) -> HashSet<Uuid> {
    fn removed<T>(changes: &super::Changes<T>) -> impl Iterator<Item = Uuid> + '_ {
        changes
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|(id, _)| *id)
    }
    let mut erased: HashSet<Uuid> = people.clone();
    erased.extend(removed(&commit.edges));
    erased.extend(removed(&commit.interactions));
    let mut merge_edges: HashSet<Uuid> = HashSet::default();
    let merges: Vec<MergeRecord> = commit.staged_merges(st).cloned().collect();
    // Her records as this device holds them, and as merge records hold
    // them (the values other records took from her).
    let hers: Vec<Person> = people
        .iter()
        .filter_map(|id| st.people.get(*id))
        .chain(
            merges
                .iter()
                .flat_map(|m| m.people_before.iter().chain(&m.people_after))
                .filter(|p| people.contains(&p.id)),
        )
        .cloned()
        .collect();
    for m in merges {
        if people.contains(&m.target_id) || m.source_ids.iter().any(|x| people.contains(x)) {
            commit.merges.insert(m.id, None);
            erased.insert(m.id);
        } else if let Some((scrubbed, edges)) = scrub_merge(&m, people, &hers) {
            commit.merges.insert(m.id, Some(scrubbed));
            merge_edges.extend(edges);
        }
    }
    for pair in st
        .rejections
        .keys()
        .filter(|(a, b)| people.contains(a) || people.contains(b))
    {
        commit.rejections.insert(*pair, None);
    }
    let mut correlations: HashMap<String, String> = HashMap::default();
    for a in st.audit.values() {
        // Edges of theirs that only merge records held count as theirs.
        let about = a
            .entity_id
            .is_some_and(|e| erased.contains(&e) || merge_edges.contains(&e));
        let mentions = audit_mentions(a, people);
        if about || (mentions && a.action == "reject_match") {
            commit.audit_removed.push(a.seq);
        } else if mentions {
            let mut a = a.clone();
            redact_json(&mut a.metadata.0, people);
            a.actor_id = a.actor_id.filter(|x| !text_names(x, people));
            if text_names(&a.correlation_id, people) {
                a.correlation_id = correlations
                    .entry(a.correlation_id.clone())
                    .or_insert_with(|| new_id().to_string())
                    .clone();
            }
            commit.audit.push(a);
        }
    }
    erased
}

/// True when an audit entry mentions one of `ids` anywhere: as its entity,
/// its actor, in its correlation id, or in any key or string of its
/// metadata at any depth (a merge's `sourceIds`, a rejection's `a`/`b`).
/// What erasure removes or redacts, and what an export includes.
pub(crate) fn audit_mentions(entry: &AuditEntry, ids: &HashSet<Uuid>) -> bool {
    entry.entity_id.is_some_and(|e| ids.contains(&e))
        || entry
            .actor_id
            .as_deref()
            .is_some_and(|a| text_names(a, ids))
        || text_names(&entry.correlation_id, ids)
        || json_names(&entry.metadata.0, ids)
}

/// Drops from a JSON value every string and key that names one of `ids`: an
/// array loses the item, an object the entry.
fn redact_json(v: &mut serde_json::Value, ids: &HashSet<Uuid>) {
    let names =
        |x: &serde_json::Value| matches!(x, serde_json::Value::String(s) if text_names(s, ids));
    match v {
        serde_json::Value::String(s) if text_names(s, ids) => *v = serde_json::Value::Null,
        serde_json::Value::Array(items) => {
            items.retain(|x| !names(x));
            items.iter_mut().for_each(|x| redact_json(x, ids));
        }
        serde_json::Value::Object(map) => {
            map.retain(|k, x| !text_names(k, ids) && !names(x));
            map.values_mut().for_each(|x| redact_json(x, ids));
        }
        _ => {}
    }
}

impl<B: Backend> Db<B> {
    /// Opens (or creates) the graph held by `backend`.
    pub async fn open(backend: B) -> Result<Self> {
        let mut loader = super::state::Loader::default();
        backend
            .load(&mut |store, key, bytes| loader.add(store, key, bytes))
            .await?;
        let (state, init) = loader.finish()?;
        if let Some(set) = init {
            backend.write(set).await?;
        }
        Ok(Db {
            backend,
            state,
            closed: false,
            person_index: Default::default(),
            share: None,
        })
    }

    pub fn state(&self) -> &GraphState {
        &self.state
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub fn close(&mut self) {
        self.closed = true;
    }

    pub(crate) fn ensure_open(&self) -> Result<()> {
        if self.closed {
            return Err(Error::general(ErrorCode::Closed, "the graph is closed"));
        }
        Ok(())
    }

    pub(super) fn prepared<T>(&self, commit: Commit, output: T) -> Prepared<T> {
        if commit.is_empty() && commit.audit.is_empty() && commit.outbox.is_empty() {
            Prepared {
                commit,
                set: WriteSet::default(),
                output,
            }
        } else {
            Prepared::new(commit, &self.state, output)
        }
    }

    /// Persists a prepared call in one backend write, then applies it in
    /// memory. Nothing changes anywhere if the write fails.
    pub async fn run<T>(&mut self, prepared: Prepared<T>) -> Result<T> {
        let Prepared {
            commit,
            set,
            output,
        } = prepared;
        if !set.is_empty() {
            self.backend.write(set).await?;
        }
        self.apply(commit);
        Ok(output)
    }

    /// Applies a prepared call whose write set the caller persisted itself
    /// (the wasm layer does, so that reads are not blocked while it awaits).
    pub fn apply(&mut self, commit: Commit) {
        if let Some(log) = &mut self.share {
            log.record(&commit, &self.state);
        }
        self.apply_unshared(commit);
    }

    fn apply_unshared(&mut self, commit: Commit) {
        let changed: Vec<Uuid> = if self.person_index.borrow().is_some() {
            commit.people.keys().copied().collect()
        } else {
            Vec::new()
        };
        self.state.apply(commit);
        if let Some(index) = self.person_index.borrow_mut().as_mut() {
            self.refresh_person_index(index, &changed);
        }
    }

    /// Starts (or stops) encoding each applied commit for the other
    /// instances of this stored graph: [`Db::take_shared`] hands them over,
    /// [`Db::apply_shared`] applies them there.
    /// Starting again while on keeps the commits not yet taken (a new tab
    /// saying hello during a long import must not cut its log).
    pub fn share_commits(&mut self, on: bool) {
        if !on {
            self.share = None;
        } else if self.share.is_none() {
            self.share = Some(Default::default());
        }
    }

    pub fn shares_commits(&self) -> bool {
        self.share.is_some()
    }

    /// The commits applied since the last take, framed; None when there
    /// were none or one was too large to share (the others then read the
    /// graph again).
    pub fn take_shared(&mut self) -> Option<Vec<u8>> {
        self.share.as_mut().and_then(|log| log.take())
    }

    /// Applies commits another instance of this stored graph wrote
    /// ([`Db::take_shared`]'s frames), in order. Commits this copy already
    /// has are skipped; true when it is then current with the last of them.
    /// False (nothing applied past what fits) when a commit is not the next
    /// one for this copy, or the frames are not this code's: read the graph
    /// again instead.
    pub fn apply_shared(&mut self, frames: &[u8]) -> Result<bool> {
        self.ensure_open()?;
        let Some(commits) = super::shared::decode_frames(frames) else {
            return Ok(false);
        };
        for commit in commits {
            match commit.generation {
                Some(g) if g <= self.state.generation => continue,
                Some(g) if g == self.state.generation + 1 => self.apply_unshared(commit),
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Matches one person against everyone stored (incremental: no full
    /// re-run). The index is built on the first call.
    pub fn match_person(
        &self,
        person: &Person,
        limit: usize,
        region: &str,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Vec<super::MatchCandidate>> {
        self.ensure_open()?;
        super::dedup::check_region(region)?;
        // Phones are normalised with the region: another region, another index.
        let stale = self
            .person_index
            .borrow()
            .as_ref()
            .is_none_or(|i| i.stale_for(region));
        if stale {
            let index = self.build_person_index(region, progress)?;
            *self.person_index.borrow_mut() = Some(index);
        }
        let guard = self.person_index.borrow();
        let index = guard.as_ref().expect("built above");
        Ok(self.match_person_in(index, person, limit))
    }

    fn stage<T>(
        &self,
        ctx: &WriteContext,
        inputs: &[T],
        paths: Paths,
        kind: &str,
        mut f: impl FnMut(&mut Staging, &T) -> Result<()>,
    ) -> Result<Staging<'_>> {
        self.ensure_open()?;
        check_batch_len(inputs.len(), kind)?;
        let mut s = Staging::new(&self.state, ctx.now);
        for (i, input) in inputs.iter().enumerate() {
            f(&mut s, input).map_err(|e| wrap(e, &paths.at(kind, i)))?;
        }
        Ok(s)
    }

    pub fn prepare_upsert_people(
        &self,
        inputs: Vec<PersonInput>,
        ctx: &WriteContext,
    ) -> Result<Prepared<Vec<Person>>> {
        self.upsert_people_paths(inputs, ctx, Paths::List)
    }

    pub fn prepare_upsert_person(
        &self,
        input: PersonInput,
        ctx: &WriteContext,
    ) -> Result<Prepared<Person>> {
        self.upsert_people_paths(vec![input], ctx, Paths::Single)
            .map(|p| p.map(|mut v| v.remove(0)))
    }

    fn upsert_people_paths(
        &self,
        inputs: Vec<PersonInput>,
        ctx: &WriteContext,
        paths: Paths,
    ) -> Result<Prepared<Vec<Person>>> {
        let mut ids = Vec::with_capacity(inputs.len());
        let s = self.stage(ctx, &inputs, paths, "people", |s, p| {
            s.stage_person(p).map(|id| ids.push(id))
        })?;
        let entity = (ids.len() == 1).then(|| (EntityKind::Person, ids[0]));
        let commit = s.finish(
            ctx,
            "upsert",
            entity,
            serde_json::json!({ "people": ids.len() }),
        );
        let out = ids
            .iter()
            .map(|id| {
                staged(&self.state.people, &commit.people, *id)
                    .cloned()
                    .expect("staged record")
            })
            .collect();
        Ok(self.prepared(commit, out))
    }

    pub fn prepare_upsert_organizations(
        &self,
        inputs: Vec<OrganizationInput>,
        ctx: &WriteContext,
    ) -> Result<Prepared<Vec<Organization>>> {
        self.upsert_orgs_paths(inputs, ctx, Paths::List)
    }

    pub fn prepare_upsert_organization(
        &self,
        input: OrganizationInput,
        ctx: &WriteContext,
    ) -> Result<Prepared<Organization>> {
        self.upsert_orgs_paths(vec![input], ctx, Paths::Single)
            .map(|p| p.map(|mut v| v.remove(0)))
    }

    fn upsert_orgs_paths(
        &self,
        inputs: Vec<OrganizationInput>,
        ctx: &WriteContext,
        paths: Paths,
    ) -> Result<Prepared<Vec<Organization>>> {
        let mut ids = Vec::with_capacity(inputs.len());
        let s = self.stage(ctx, &inputs, paths, "organizations", |s, o| {
            s.stage_organization(o).map(|id| ids.push(id))
        })?;
        let entity = (ids.len() == 1).then(|| (EntityKind::Organization, ids[0]));
        let commit = s.finish(
            ctx,
            "upsert",
            entity,
            serde_json::json!({ "organizations": ids.len() }),
        );
        let out = ids
            .iter()
            .map(|id| {
                staged(&self.state.organizations, &commit.organizations, *id)
                    .cloned()
                    .expect("staged record")
            })
            .collect();
        Ok(self.prepared(commit, out))
    }

    pub fn prepare_upsert_edges(
        &self,
        inputs: Vec<EdgeInput>,
        ctx: &WriteContext,
    ) -> Result<Prepared<Vec<Edge>>> {
        self.upsert_edges_paths(inputs, ctx, Paths::List)
    }

    pub fn prepare_upsert_edge(
        &self,
        input: EdgeInput,
        ctx: &WriteContext,
    ) -> Result<Prepared<Edge>> {
        self.upsert_edges_paths(vec![input], ctx, Paths::Single)
            .map(|p| p.map(|mut v| v.remove(0)))
    }

    fn upsert_edges_paths(
        &self,
        inputs: Vec<EdgeInput>,
        ctx: &WriteContext,
        paths: Paths,
    ) -> Result<Prepared<Vec<Edge>>> {
        let mut ids = Vec::with_capacity(inputs.len());
        let s = self.stage(ctx, &inputs, paths, "edges", |s, e| {
            s.stage_edge(e).map(|id| ids.push(id))
        })?;
        let entity = (ids.len() == 1).then(|| (EntityKind::Edge, ids[0]));
        let commit = s.finish(
            ctx,
            "upsert",
            entity,
            serde_json::json!({ "edges": ids.len() }),
        );
        let out = ids
            .iter()
            .map(|id| {
                staged(&self.state.edges, &commit.edges, *id)
                    .cloned()
                    .expect("staged record")
            })
            .collect();
        Ok(self.prepared(commit, out))
    }

    pub fn prepare_upsert_interactions(
        &self,
        inputs: Vec<InteractionInput>,
        ctx: &WriteContext,
    ) -> Result<Prepared<Vec<Interaction>>> {
        self.upsert_interactions_paths(inputs, ctx, Paths::List)
    }

    pub fn prepare_upsert_interaction(
        &self,
        input: InteractionInput,
        ctx: &WriteContext,
    ) -> Result<Prepared<Interaction>> {
        self.upsert_interactions_paths(vec![input], ctx, Paths::Single)
            .map(|p| p.map(|mut v| v.remove(0)))
    }

    fn upsert_interactions_paths(
        &self,
        inputs: Vec<InteractionInput>,
        ctx: &WriteContext,
        paths: Paths,
    ) -> Result<Prepared<Vec<Interaction>>> {
        let mut ids = Vec::with_capacity(inputs.len());
        let s = self.stage(ctx, &inputs, paths, "interactions", |s, i| {
            s.stage_interaction(i).map(|id| ids.push(id))
        })?;
        let entity = (ids.len() == 1).then(|| (EntityKind::Interaction, ids[0]));
        let commit = s.finish(
            ctx,
            "upsert",
            entity,
            serde_json::json!({ "interactions": ids.len() }),
        );
        let out = ids
            .iter()
            .map(|id| {
                staged(&self.state.interactions, &commit.interactions, *id)
                    .cloned()
                    .expect("staged record")
            })
            .collect();
        Ok(self.prepared(commit, out))
    }

    /// Organizations, people, edges and interactions in one transaction, in
    /// that order (so later records may reference earlier ones).
    pub fn prepare_batch(
        &self,
        input: BatchInput,
        ctx: &WriteContext,
    ) -> Result<Prepared<BatchResult>> {
        self.ensure_open()?;
        check_batch_len(
            input.organizations.len()
                + input.people.len()
                + input.edges.len()
                + input.interactions.len(),
            "batch",
        )?;
        let mut s = Staging::new(&self.state, ctx.now);
        s.reserve(
            input.organizations.len(),
            input.people.len(),
            input.edges.len(),
            input.interactions.len(),
        );
        let mut result = BatchResult::default();
        for (i, o) in input.organizations.iter().enumerate() {
            s.stage_organization(o)
                .map_err(|e| wrap(e, &Paths::Batch.at("organizations", i)))?;
            result.organizations += 1;
        }
        for (i, p) in input.people.iter().enumerate() {
            s.stage_person(p)
                .map_err(|e| wrap(e, &Paths::Batch.at("people", i)))?;
            result.people += 1;
        }
        for (i, e) in input.edges.iter().enumerate() {
            s.stage_edge(e)
                .map_err(|e| wrap(e, &Paths::Batch.at("edges", i)))?;
            result.edges += 1;
        }
        for (i, x) in input.interactions.iter().enumerate() {
            s.stage_interaction(x)
                .map_err(|e| wrap(e, &Paths::Batch.at("interactions", i)))?;
            result.interactions += 1;
        }
        result.unchanged = s.unchanged;
        let meta = serde_json::to_value(&result).unwrap_or_default();
        let commit = s.finish(ctx, "batch_upsert", None, meta);
        Ok(self.prepared(commit, result))
    }

    /// Soft delete: the record stays, marked `deletedAt`, and leaves queries.
    /// Deleting a deleted record is a no-op.
    pub fn prepare_delete(
        &self,
        kind: EntityKind,
        id: Uuid,
        ctx: &WriteContext,
    ) -> Result<Prepared<()>> {
        self.ensure_open()?;
        let now = ctx.now;
        let mut s = Staging::new(&self.state, now);
        macro_rules! soft {
            ($table:ident, $merged:expr) => {{
                let r = self.state.$table.get(id).ok_or_else(|| {
                    Error::new(
                        ErrorCode::NotFound,
                        "id",
                        format!("no {} {id}", kind.as_str()),
                    )
                })?;
                #[allow(clippy::redundant_closure_call)]
                if let Some(t) = ($merged)(r) {
                    return Err(Error::new(
                        ErrorCode::MergedAway,
                        "id",
                        format!("{} {id} was merged into {t}", kind.as_str()),
                    ));
                }
                if r.deleted_at.is_some() {
                    return Ok(self.prepared(Commit::default(), ()));
                }
                let mut r = r.clone();
                r.deleted_at = Some(now);
                r.updated_at = now;
                s.commit.$table.insert(id, Some(r));
            }};
        }
        if kind == EntityKind::Edge {
            if let Some(e) = self.state.edges.get(id) {
                left_on_merged(e, |p| s.person(p))?;
            }
        }
        match kind {
            EntityKind::Person => soft!(people, |p: &Person| p.merged_into),
            EntityKind::Organization => soft!(organizations, |o: &Organization| o.merged_into),
            EntityKind::Edge => soft!(edges, |_: &Edge| None::<Uuid>),
            EntityKind::Interaction => soft!(interactions, |_: &Interaction| None::<Uuid>),
            EntityKind::Merge => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "kind",
                    "merges are undone with unmerge, not deleted",
                ))
            }
        }
        s.change(kind, id, ChangeOp::Delete);
        let commit = s.finish(ctx, "delete", Some((kind, id)), serde_json::Value::Null);
        Ok(self.prepared(commit, ()))
    }

    /// Every id that is this person: the record and those merged into it.
    fn identities(&self, id: Uuid) -> Result<(Person, Vec<Person>)> {
        let person = self
            .state
            .people
            .get(id)
            .cloned()
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "id", format!("no person {id}")))?;
        if let Some(t) = person.merged_into {
            return Err(Error::new(
                ErrorCode::MergedAway,
                "id",
                format!("person {id} was merged into {t}; use {t}"),
            ));
        }
        let merged = person
            .previous_ids
            .iter()
            .filter_map(|p| self.state.people.get(*p).cloned())
            .collect();
        Ok((person, merged))
    }

    fn mentions(person: &Person, merged: &[Person]) -> HashSet<String> {
        std::iter::once(person)
            .chain(merged)
            .flat_map(|p| std::iter::once(p.id.to_string()).chain(p.emails.iter().cloned()))
            .collect()
    }

    /// All data of one person: for a GDPR access request.
    pub fn export_person(&self, id: Uuid) -> Result<ExportedPerson> {
        self.ensure_open()?;
        let (person, merged_records) = self.identities(id)?;
        let ids: HashSet<Uuid> = std::iter::once(person.id)
            .chain(merged_records.iter().map(|p| p.id))
            .collect();
        let mentions = Self::mentions(&person, &merged_records);
        let edges: Vec<Edge> = self
            .state
            .edges
            .values()
            .filter(|e| ids.contains(&e.from_person_id) || ids.contains(&e.to_person_id))
            .cloned()
            .collect();
        let interactions = self
            .state
            .interactions
            .values()
            .filter(|i| i.participants.iter().any(|p| mentions.contains(p)))
            .cloned()
            .collect();
        // Merges of this person, and merges of others that hold her records
        // or edges.
        let merges = self
            .state
            .merges
            .values()
            .filter(|m| merge_mentions(m, &ids))
            .cloned()
            .collect();
        let edge_ids: HashSet<Uuid> = edges.iter().map(|e| e.id).collect();
        // Entries about her or her edges, and entries filed under others
        // that name her (a merge into someone else, a rejected pair).
        let audit = self
            .state
            .audit
            .values()
            .filter(|a| {
                a.entity_id.is_some_and(|e| edge_ids.contains(&e)) || audit_mentions(a, &ids)
            })
            .cloned()
            .collect();
        let organization = person
            .organization_id
            .and_then(|o| self.state.organizations.get(o).cloned());
        Ok(ExportedPerson {
            person,
            merged_records,
            organization,
            edges,
            interactions,
            merges,
            audit,
        })
    }

    /// What an erase does to an interaction that names the erased person
    /// (`mentions`: her ids as text, her emails): those participants and
    /// such a sender go; `None` when fewer than two participants are left
    /// (the interaction goes). Nothing else changes (the caller decides
    /// `updatedAt`). Shared with sync, which applies a pulled erase the same
    /// way.
    pub(crate) fn scrub_interaction(
        i: &Interaction,
        mentions: &HashSet<String>,
    ) -> Option<Interaction> {
        let kept: Vec<String> = i
            .participants
            .iter()
            .filter(|p| !mentions.contains(*p))
            .cloned()
            .collect();
        if kept.len() < 2 {
            return None;
        }
        let mut i = i.clone();
        i.sender = i.sender.filter(|x| !mentions.contains(x));
        i.participants = kept;
        Some(i)
    }

    /// Hard delete of a person (GDPR erasure): the record, the records merged
    /// into it, their edges, their merge records and audit entries, and their
    /// mentions in interactions (an interaction left with fewer than two
    /// participants goes too), in other people's merge records (see
    /// `scrub_merge`) and in audit entries about others (redacted). What
    /// remains is one `erase` audit entry.
    pub fn prepare_erase_person(
        &self,
        id: Uuid,
        ctx: &WriteContext,
    ) -> Result<Prepared<serde_json::Value>> {
        self.ensure_open()?;
        let (person, merged) = self.identities(id)?;
        let ids: HashSet<Uuid> = std::iter::once(person.id)
            .chain(merged.iter().map(|p| p.id))
            .collect();
        let mentions = Self::mentions(&person, &merged);
        let mut s = Staging::new(&self.state, ctx.now);
        for pid in &ids {
            s.commit.people.insert(*pid, None);
            s.change(EntityKind::Person, *pid, ChangeOp::Erase);
        }
        let (mut edges, mut removed_interactions, mut edited_interactions) = (0, 0, 0);
        for e in self
            .state
            .edges
            .values()
            .filter(|e| ids.contains(&e.from_person_id) || ids.contains(&e.to_person_id))
        {
            s.commit.edges.insert(e.id, None);
            s.changes.push(OutboxChange {
                kind: EntityKind::Edge,
                id: e.id,
                op: ChangeOp::Erase,
            });
            edges += 1;
        }
        for i in self
            .state
            .interactions
            .values()
            .filter(|i| i.participants.iter().any(|p| mentions.contains(p)))
        {
            let key = i.id;
            match Self::scrub_interaction(i, &mentions) {
                None => {
                    s.commit.interactions.insert(key, None);
                    s.changes.push(OutboxChange {
                        kind: EntityKind::Interaction,
                        id: i.id,
                        op: ChangeOp::Erase,
                    });
                    removed_interactions += 1;
                }
                Some(mut i) => {
                    i.updated_at = ctx.now;
                    s.changes.push(OutboxChange {
                        kind: EntityKind::Interaction,
                        id: i.id,
                        op: ChangeOp::Upsert,
                    });
                    s.commit.interactions.insert(key, Some(i));
                    edited_interactions += 1;
                }
            }
        }
        let erased = scrub_traces(&self.state, &mut s.commit, &ids);
        // Pending changes about erased records would push them again: drop them.
        for entry in self.state.outbox.values() {
            let kept: Vec<OutboxChange> = entry
                .changes
                .iter()
                .filter(|c| !erased.contains(&c.id))
                .copied()
                .collect();
            if kept.len() != entry.changes.len() {
                if kept.is_empty() {
                    s.commit.outbox_removed.push(entry.seq);
                } else {
                    s.commit.outbox.push(OutboxEntry {
                        changes: kept,
                        ..entry.clone()
                    });
                }
            }
        }
        let report = serde_json::json!({
            "people": ids.len(), "edges": edges, "interactionsRemoved": removed_interactions,
            "interactionsEdited": edited_interactions, "auditEntriesRemoved": s.commit.audit_removed.len(),
        });
        // The erase entry names the id only: no name, no email survives.
        let commit = s.finish(ctx, "erase", Some((EntityKind::Person, id)), report.clone());
        Ok(self.prepared(commit, report))
    }

    pub async fn upsert_people(
        &mut self,
        inputs: Vec<PersonInput>,
        ctx: &WriteContext,
    ) -> Result<Vec<Person>> {
        let p = self.prepare_upsert_people(inputs, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_person(
        &mut self,
        input: PersonInput,
        ctx: &WriteContext,
    ) -> Result<Person> {
        let p = self.prepare_upsert_person(input, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_organizations(
        &mut self,
        inputs: Vec<OrganizationInput>,
        ctx: &WriteContext,
    ) -> Result<Vec<Organization>> {
        let p = self.prepare_upsert_organizations(inputs, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_organization(
        &mut self,
        input: OrganizationInput,
        ctx: &WriteContext,
    ) -> Result<Organization> {
        let p = self.prepare_upsert_organization(input, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_edges(
        &mut self,
        inputs: Vec<EdgeInput>,
        ctx: &WriteContext,
    ) -> Result<Vec<Edge>> {
        let p = self.prepare_upsert_edges(inputs, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_edge(&mut self, input: EdgeInput, ctx: &WriteContext) -> Result<Edge> {
        let p = self.prepare_upsert_edge(input, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_interactions(
        &mut self,
        inputs: Vec<InteractionInput>,
        ctx: &WriteContext,
    ) -> Result<Vec<Interaction>> {
        let p = self.prepare_upsert_interactions(inputs, ctx)?;
        self.run(p).await
    }
    pub async fn upsert_interaction(
        &mut self,
        input: InteractionInput,
        ctx: &WriteContext,
    ) -> Result<Interaction> {
        let p = self.prepare_upsert_interaction(input, ctx)?;
        self.run(p).await
    }
    pub async fn batch(&mut self, input: BatchInput, ctx: &WriteContext) -> Result<BatchResult> {
        let p = self.prepare_batch(input, ctx)?;
        self.run(p).await
    }
    pub async fn delete(&mut self, kind: EntityKind, id: Uuid, ctx: &WriteContext) -> Result<()> {
        let p = self.prepare_delete(kind, id, ctx)?;
        self.run(p).await
    }
    pub async fn erase_person(
        &mut self,
        id: Uuid,
        ctx: &WriteContext,
    ) -> Result<serde_json::Value> {
        let p = self.prepare_erase_person(id, ctx)?;
        self.run(p).await
    }

    pub fn person(&self, id: Uuid) -> Option<&Person> {
        self.state.people.get(id)
    }
    pub fn organization(&self, id: Uuid) -> Option<&Organization> {
        self.state.organizations.get(id)
    }
    pub fn edge(&self, id: Uuid) -> Option<&Edge> {
        self.state.edges.get(id)
    }
    pub fn interaction(&self, id: Uuid) -> Option<&Interaction> {
        self.state.interactions.get(id)
    }
    pub fn list_people(&self, opts: &ListOptions) -> Result<Page<Person>> {
        page(&self.state.people, opts, |_| false)
    }
    pub fn list_organizations(&self, opts: &ListOptions) -> Result<Page<Organization>> {
        page(&self.state.organizations, opts, |_| false)
    }
    pub fn list_edges(&self, opts: &ListOptions) -> Result<Page<Edge>> {
        // An edge a merge folded stays on its merged-away person: away with her.
        let merged = |id: Uuid| {
            self.state
                .people
                .get(id)
                .is_some_and(|p| p.merged_into.is_some())
        };
        page(&self.state.edges, opts, |e: &Edge| {
            merged(e.from_person_id) || merged(e.to_person_id)
        })
    }
    pub fn list_interactions(&self, opts: &ListOptions) -> Result<Page<Interaction>> {
        page(&self.state.interactions, opts, |_| false)
    }

    /// Audit entries, newest first.
    pub fn audit(&self, limit: usize, before_seq: Option<u64>) -> Vec<AuditEntry> {
        self.state
            .audit
            .range(..before_seq.unwrap_or(u64::MAX))
            .rev()
            .take(limit.min(limits::PAGE))
            .map(|(_, a)| a.clone())
            .collect()
    }

    pub fn stats(&self) -> Stats {
        let st = &self.state;
        let live_people = st.people.values().filter(|p| p.is_live()).count();
        let live_orgs = st.organizations.values().filter(|o| o.is_live()).count();
        // An edge a merge folded stays on its merged-away person: merged
        // away with her, not a live edge.
        let merged_people: HashSet<Uuid> = st
            .people
            .values()
            .filter(|p| p.merged_into.is_some())
            .map(|p| p.id)
            .collect();
        let (mut live_edges, mut folded_edges) = (0, 0);
        for e in st.edges.values().filter(|e| e.deleted_at.is_none()) {
            if !merged_people.is_empty()
                && (merged_people.contains(&e.from_person_id)
                    || merged_people.contains(&e.to_person_id))
            {
                folded_edges += 1;
            } else {
                live_edges += 1;
            }
        }
        let merged_away = merged_people.len()
            + st.organizations
                .values()
                .filter(|o| o.merged_into.is_some())
                .count()
            + folded_edges;
        let live_interactions = st
            .interactions
            .values()
            .filter(|i| i.deleted_at.is_none())
            .count();
        let total =
            st.people.len() + st.organizations.len() + st.edges.len() + st.interactions.len();
        Stats {
            people: live_people,
            organizations: live_orgs,
            edges: live_edges,
            interactions: live_interactions,
            deleted: total - live_people - live_orgs - live_edges - live_interactions - merged_away,
            merged_away,
            merges: st.merges.len(),
            audit_entries: st.audit.len(),
            outbox_changes: st.outbox_changes(),
            graph_index_bytes: st.built_graph_view().map(|v| v.memory_bytes()),
        }
    }
}
