//! Tie strength from interactions, written onto edges: one call, one commit.
//!
//! Participants are mapped to people by id (following `mergedInto` to the
//! surviving record) or by email (an index over live people's emails,
//! lower-case). Whatever maps to no live person is reported, never dropped
//! silently. The [`StrengthEngine`] then scores every pair that shares an
//! interaction, at `now`; each pair's edge gets `strength`,
//! `strengthFactors` (all 8, contributions summing to `strength`),
//! `interactionCount`, `firstSeenAt`, `lastSeenAt` and `channels`. A pair
//! with interactions and no edge gets a new `interacted_with` edge; a pair
//! whose edge was soft-deleted is left alone (counted in `skippedDeleted`).
//!
//! Incremental (`only: "touched"`): only pairs that appear in an interaction
//! created or updated after the previous recompute (the `recompute_strengths`
//! audit entry, stamped with the time of that write, never with the `now`
//! it scored at), or written since the last recompute in this session, or
//! that an interaction left since (deleted, erased or re-pointed: see
//! [`strength_lost_changes`], stored with the write that did it), or of a
//! person whose interactions map differently since (created, an email
//! changed, deleted, restored, merged or unmerged: her edges and her
//! interactions' pairs) are written; every other edge is left as it is. Their scores
//! are computed with every interaction (embeddedness and the time scales are
//! global), so a touched pair gets exactly what a full recompute would give.
//!
//! An edge scored from interactions whose pair has none left (all deleted,
//! erased or re-pointed, or a person deleted) is cleared by a full
//! recompute, and by a touched one when its pair is touched: the fields a
//! scoring writes are reset (`interactionCount` 0, no factors, no
//! first/last seen, no channels) and its strength goes back to what the
//! edge would have without interactions: a declared edge keeps existing,
//! at the strength of a declared edge (`validate::DECLARED_STRENGTH`); an
//! edge the recompute created (`interacted_with`, sources `interactions`,
//! no metadata: nothing declared) is soft-deleted, strength 0, and is
//! revived, same id, if its pair has interactions again.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::commit::{ChangeOp, Commit, EdgeRescore};
use super::ops::{Db, Prepared, Staging, WriteContext};
use super::state::GraphState;
use super::Backend;
use crate::error::{Error, ErrorCode, Result};
use crate::graph::{in_chunks, CHUNK};
use crate::model::{
    self, new_id, pair_key, Edge, EntityKind, JsNumber, Metadata, RelationshipType, StrengthFactor,
    Timestamp, Uuid,
};
use crate::strength::{self, channel_bit, score_batch, StrengthParams, TimeScale};

/// What `recomputeStrengths` accepts (besides `now`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RecomputeOptions {
    /// Fixed recency half-life in days (default: a quarter of the observed
    /// span, between 1 hour and 30 days).
    pub half_life_days: Option<JsNumber>,
    /// Share of the score given to embeddedness, in [0, 1] (default 0.3).
    pub embeddedness_weight: Option<JsNumber>,
    /// "all" (default) or "touched".
    pub only: Option<String>,
    /// Epoch milliseconds: the time strengths are scored at (default: the
    /// write's own time, `WriteContext::now`). A scoring parameter only:
    /// records are stamped with the write's time.
    pub now: Option<JsNumber>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownParticipants {
    pub count: usize,
    /// Up to 20 distinct examples.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StrengthReport {
    pub edges_updated: usize,
    /// New edges, and edges this recompute had cleared (soft-deleted) that
    /// have interactions again.
    pub edges_created: usize,
    /// Edges whose pair has no interactions left: scored fields reset (see
    /// the module doc).
    pub edges_cleared: usize,
    pub edges_unchanged: usize,
    pub skipped_deleted: usize,
    pub pairs_scored: usize,
    pub interactions_used: usize,
    /// Interactions left with fewer than two known people.
    pub interactions_skipped: usize,
    /// Interactions with more than [`MAX_SCORED_GROUP`] known people: left
    /// out of every pair's score (see there).
    pub interactions_too_large: usize,
    pub unknown_participants: UnknownParticipants,
    pub only: String,
    pub now: Timestamp,
    /// The options scored with (`None`: the adaptive half-life). Kept in
    /// the audit entry: an import's or a merge's rescoring takes those of
    /// the last recompute, so its pairs are scored as the user's others.
    pub half_life_days: Option<f64>,
    pub embeddedness_weight: f64,
}

/// Phase timings of a full recompute (see [`Db::strength_phases`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StrengthPhases {
    /// Participants mapped to dense people (the engine's input), through
    /// the interaction columns (the first call after opening builds them).
    pub map_seconds: f64,
    /// Ingest every interaction and score every pair.
    pub engine_seconds: f64,
    /// Every pair explained: strength, the 8 factors, count, first/last
    /// seen, channels.
    pub explain_seconds: f64,
    /// `prepare_recompute_strengths`: the phases above plus edge records,
    /// outbox and the encoded write set (not persisted).
    pub prepare_seconds: f64,
    pub pairs: usize,
    pub interactions: usize,
}

pub(crate) const ACTION: &str = "recompute_strengths";

/// Interactions with more known people than this (an all-hands, a mailing
/// list) make no pairs: sharing one says nearly nothing of two people
/// (group size already weighs a 40-person meeting far below a 1:1), and
/// scoring every pair would write an edge per pair, ~500,000 for one
/// 1,000-person meeting. Counted in `interactionsTooLarge`.
pub const MAX_SCORED_GROUP: usize = 50;

/// A participant that maps to no live person (in the resolution cache).
const NO_PERSON: u32 = u32::MAX;

/// An engine score as the edge fields it sets: `strength`,
/// `strengthFactors`, `interactionCount`, `firstSeenAt`, `lastSeenAt` and
/// `channels`. Inline (the factors without their names, which are the
/// engine's): a commit holds one per rescored edge (see `EdgeRescore`).
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeScore {
    strength: f64,
    /// (value, contribution) in [`strength::FACTOR_NAMES`] order.
    factors: [(f64, f64); 8],
    count: u32,
    first_ms: i64,
    last_ms: i64,
    /// [`channel_bit`]s.
    channels: u8,
}

impl EdgeScore {
    fn of(es: &strength::EdgeStrength) -> Self {
        EdgeScore {
            strength: es.strength,
            factors: es.factors.map(|f| (f.value, f.contribution)),
            count: es.interaction_count,
            first_ms: es.first_seen_ms,
            last_ms: es.last_seen_ms,
            channels: es.channels,
        }
    }

    /// Sets the scored fields of `e`, reusing its factor and channel
    /// vectors where they fit.
    pub(crate) fn write(&self, e: &mut Edge) {
        e.strength = self.strength;
        let factors = &mut e.strength_factors;
        let engine_names = factors.len() == strength::FACTOR_NAMES.len()
            && factors
                .iter()
                .zip(strength::FACTOR_NAMES)
                .all(|(f, name)| f.name == name);
        if engine_names {
            for (f, &(value, contribution)) in factors.iter_mut().zip(&self.factors) {
                f.value = value;
                f.contribution = contribution;
            }
        } else {
            factors.clear();
            factors.extend(strength::FACTOR_NAMES.iter().zip(&self.factors).map(
                |(name, &(value, contribution))| StrengthFactor {
                    name: (*name).into(),
                    value,
                    contribution,
                },
            ));
        }
        e.interaction_count = self.count;
        e.first_seen_at = Some(Timestamp::from_millis(self.first_ms));
        e.last_seen_at = Some(Timestamp::from_millis(self.last_ms));
        if !channels_are(&e.channels, self.channels) {
            let (list, n) = channel_list(self.channels);
            e.channels.clear();
            e.channels.extend_from_slice(&list[..n]);
        }
    }

    /// Serializes `e` as [`EdgeScore::write`] (and `updatedAt`) would
    /// leave it, field for field as `Edge`'s derived `Serialize` does,
    /// without copying it: the factors and channels are built on the stack.
    /// Test: `a_rescore_serializes_as_the_rescored_edge`.
    pub(crate) fn serialize_over<S: serde::Serializer>(
        &self,
        e: &Edge,
        updated: Timestamp,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Every field named: a field added to `Edge` fails to compile here.
        let Edge {
            id,
            from_person_id,
            to_person_id,
            relationship_type,
            strength: _,
            strength_factors: _,
            sources,
            channels: _,
            first_seen_at: _,
            last_seen_at: _,
            interaction_count: _,
            metadata,
            created_at,
            updated_at: _,
            deleted_at,
            sync_version,
        } = e;
        let factors: [StrengthFactor; 8] = std::array::from_fn(|i| StrengthFactor {
            name: std::borrow::Cow::Borrowed(strength::FACTOR_NAMES[i]),
            value: self.factors[i].0,
            contribution: self.factors[i].1,
        });
        let (channels, n) = channel_list(self.channels);
        let channels = &channels[..n];
        let mut st = s.serialize_struct("Edge", 16)?;
        st.serialize_field("id", id)?;
        st.serialize_field("fromPersonId", from_person_id)?;
        st.serialize_field("toPersonId", to_person_id)?;
        st.serialize_field("relationshipType", relationship_type)?;
        st.serialize_field("strength", &self.strength)?;
        st.serialize_field("strengthFactors", &factors[..])?;
        st.serialize_field("sources", sources)?;
        st.serialize_field("channels", channels)?;
        st.serialize_field("firstSeenAt", &Some(Timestamp::from_millis(self.first_ms)))?;
        st.serialize_field("lastSeenAt", &Some(Timestamp::from_millis(self.last_ms)))?;
        st.serialize_field("interactionCount", &self.count)?;
        st.serialize_field("metadata", metadata)?;
        st.serialize_field("createdAt", created_at)?;
        st.serialize_field("updatedAt", &updated)?;
        st.serialize_field("deletedAt", deleted_at)?;
        st.serialize_field("syncVersion", sync_version)?;
        st.end()
    }
}

/// The channels of `bits` in order: the first `n` of the array.
fn channel_list(bits: u8) -> ([model::Channel; model::Channel::ALL.len()], usize) {
    let mut list = [model::Channel::Other; model::Channel::ALL.len()];
    let mut n = 0;
    for &c in model::Channel::ALL {
        if bits & channel_bit(to_channel(c)) != 0 {
            list[n] = c;
            n += 1;
        }
    }
    list[..n].sort();
    (list, n)
}

/// Whether `channels` lists exactly the channels of `bits`, each once, in order.
fn channels_are(channels: &[model::Channel], bits: u8) -> bool {
    let have = channels
        .iter()
        .fold(0u8, |b, c| b | channel_bit(to_channel(*c)));
    have == bits
        && channels.len() == bits.count_ones() as usize
        && channels.windows(2).all(|w| w[0] < w[1])
}

/// Whether the edge already holds exactly what `EdgeScore::of(es)` would
/// write (same strength, factors, count, first/last seen, channels).
fn scored_equals(es: &strength::EdgeStrength, e: &Edge) -> bool {
    e.strength == es.strength
        && e.interaction_count == es.interaction_count
        && e.first_seen_at == Some(Timestamp::from_millis(es.first_seen_ms))
        && e.last_seen_at == Some(Timestamp::from_millis(es.last_seen_ms))
        && channels_are(&e.channels, es.channels)
        && e.strength_factors.len() == es.factors.len()
        && e.strength_factors.iter().zip(&es.factors).all(|(a, b)| {
            a.name == b.name && a.value == b.value && a.contribution == b.contribution
        })
}

fn to_channel(c: model::Channel) -> strength::Channel {
    match c {
        model::Channel::Email => strength::Channel::Email,
        model::Channel::Message => strength::Channel::Message,
        model::Channel::Meeting => strength::Channel::Meeting,
        model::Channel::Call => strength::Channel::Call,
        model::Channel::Other => strength::Channel::Other,
    }
}

fn params(o: &RecomputeOptions) -> Result<StrengthParams> {
    let mut p = StrengthParams::default();
    if let Some(d) = &o.half_life_days {
        if !d.0.is_finite() || d.0 <= 0.0 || d.0 > 36_500.0 {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "halfLifeDays",
                format!("{d} is not a number of days in (0, 36500]"),
            ));
        }
        p.recency_half_life = TimeScale::Fixed {
            ms: d.0 * 86_400_000.0,
        };
    }
    if let Some(w) = &o.embeddedness_weight {
        if !(0.0..=1.0).contains(&w.0) {
            return Err(Error::new(
                ErrorCode::InvalidStrength,
                "embeddednessWeight",
                format!("{w} is not a number in [0, 1]"),
            ));
        }
        p.embeddedness_weight = w.0;
    }
    Ok(p)
}

/// The audit entry of the last recompute: its time is the mark a touched
/// recompute counts from, its metadata the report (and options) it scored
/// with.
fn last_recompute(st: &GraphState) -> Option<&model::AuditEntry> {
    st.audit.values().rev().find(|a| a.action == ACTION)
}

/// The scoring options (`halfLifeDays`, `embeddednessWeight`) of the last
/// recompute, as its audit entry keeps them; the defaults before any (or
/// after one by a release that did not keep them).
pub(super) fn last_scoring_options(st: &GraphState) -> RecomputeOptions {
    let Some(meta) = last_recompute(st).map(|a| &a.metadata.0) else {
        return RecomputeOptions::default();
    };
    let number = |key: &str| meta.get(key).and_then(|v| v.as_f64()).map(JsNumber);
    RecomputeOptions {
        half_life_days: number("halfLifeDays"),
        embeddedness_weight: number("embeddednessWeight"),
        ..Default::default()
    }
}

/// The time strengths are scored at: the `now` option, else the write's.
fn scoring_time(o: &RecomputeOptions, written: Timestamp) -> Result<Timestamp> {
    match &o.now {
        None => Ok(written),
        Some(n) => Timestamp::try_from_millis_f64(n.0).map_err(|_| {
            Error::new(
                ErrorCode::InvalidTimestamp,
                "now",
                format!("{n} is not a time in epoch milliseconds"),
            )
        }),
    }
}

/// `id` through `mergedInto` to a live person, as a recompute maps a
/// participant id.
fn live_person(st: &GraphState, mut id: Uuid) -> Option<Uuid> {
    for _ in 0..16 {
        let p = st.people.get(id)?;
        match p.merged_into {
            Some(t) => id = t,
            None => return p.deleted_at.is_none().then_some(id),
        }
    }
    None
}

/// A live edge holding what a scoring wrote: interactions counted, the
/// engine's factors (an `interactionCount` a caller declared, without
/// them, is the caller's, not derived here).
fn scored_from_interactions(e: &Edge) -> bool {
    e.deleted_at.is_none()
        && e.interaction_count > 0
        && e.strength_factors.len() == strength::FACTOR_NAMES.len()
        && e.strength_factors
            .iter()
            .zip(strength::FACTOR_NAMES)
            .all(|(f, name)| f.name == name)
}

/// How a person ranks among the live holders of one email: the lowest
/// rank is who the email maps to, the oldest record (`createdAt`, then the
/// smallest id). The same in every session and on every device, where
/// table order changes with reopening and syncing; `collect_interactions`
/// and the touched bookkeeping both map by it.
fn holder_rank(p: &model::Person) -> (Timestamp, Uuid) {
    (p.created_at, p.id)
}

/// An edge the engine scored no pair for that holds scores from
/// interactions: cleared. Only between live people: an edge of a merged-away
/// or deleted person is out of the graph with her, and is left as it was
/// (a merge's folded edges are not withdrawn, so that the other side of
/// merges made in opposite directions on two devices keeps its edge).
fn unsupported(st: &GraphState, e: &Edge) -> bool {
    let live = |id: Uuid| st.people.get(id).is_some_and(model::Person::is_live);
    scored_from_interactions(e) && live(e.from_person_id) && live(e.to_person_id)
}

/// An edge as a recompute creates it, nothing declared by a caller: type
/// `interacted_with`, sources `["interactions"]`, no metadata.
fn created_by_recompute(e: &Edge) -> bool {
    e.relationship_type == RelationshipType::InteractedWith
        && e.sources.len() == 1
        && e.sources[0] == "interactions"
        && e.metadata.is_null()
}

/// An edge [`clear_scores`] soft-deleted: a recompute revives it when its
/// pair has interactions again (an edge a caller deleted stays deleted).
fn cleared_by_recompute(e: &Edge) -> bool {
    e.deleted_at.is_some()
        && created_by_recompute(e)
        && e.interaction_count == 0
        && e.strength == 0.0
        && e.strength_factors.is_empty()
        && e.first_seen_at.is_none()
        && e.last_seen_at.is_none()
        && e.channels.is_empty()
}

/// Stages `e` with what a scoring wrote undone, its pair having no
/// interactions left: see the module doc.
fn clear_scores(s: &mut Staging, e: &Edge, written: Timestamp, report: &mut StrengthReport) {
    let mut e = e.clone();
    let created = created_by_recompute(&e);
    e.strength = if created {
        0.0
    } else {
        model::validate::DECLARED_STRENGTH
    };
    e.strength_factors.clear();
    e.channels.clear();
    e.first_seen_at = None;
    e.last_seen_at = None;
    e.interaction_count = 0;
    e.updated_at = written.max(e.updated_at);
    let op = if created {
        e.deleted_at = Some(e.updated_at);
        ChangeOp::Delete
    } else {
        ChangeOp::Upsert
    };
    s.change(EntityKind::Edge, e.id, op);
    s.commit.edges.insert(e.id, Some(e));
    report.edges_cleared += 1;
}

/// Meta keys of the stored [`GraphState::strength_lost`] entries:
/// `strengthLost/<n>`.
pub(crate) const LOST_KEY: &str = "strengthLost/";

/// What `commit` changes in [`GraphState::strength_lost`] (key → entry,
/// `None`: removed), stored with it (see [`Commit::write_set`]): the
/// people of each interaction it takes away from pairs (soft-deleted,
/// erased, or re-pointed: participants changed), as they map now (ids
/// through `mergedInto`, emails through live people, as a recompute maps
/// them: the interaction may be gone, or name others, by the next one),
/// which the next `only: "touched"` recompute rescores. A recompute removes
/// every entry (it has seen them); erased people leave every entry.
pub(crate) fn strength_lost_changes(
    st: &GraphState,
    commit: &Commit,
) -> BTreeMap<u64, Option<Vec<Vec<Uuid>>>> {
    let mut out = BTreeMap::new();
    if is_recompute(st, commit) {
        out.extend(st.strength_lost.keys().map(|k| (*k, None)));
        return out;
    }
    let erased: HashSet<Uuid> = commit
        .people
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(id, _)| *id)
        .collect();
    // A group of an interaction keeps its other people while two are left;
    // a one-person group (see `remapped` below) stays unless she is erased.
    let without_erased = |groups: &[Vec<Uuid>]| -> Vec<Vec<Uuid>> {
        groups
            .iter()
            .filter_map(|g| {
                let kept: Vec<Uuid> = g
                    .iter()
                    .filter(|id| !erased.contains(id))
                    .copied()
                    .collect();
                (kept.len() >= 2 || (g.len() == 1 && kept.len() == 1)).then_some(kept)
            })
            .collect()
    };
    if !erased.is_empty() {
        for (k, groups) in &st.strength_lost {
            if groups.iter().flatten().any(|id| erased.contains(id)) {
                let kept = without_erased(groups);
                out.insert(*k, (!kept.is_empty()).then_some(kept));
            }
        }
    }
    // People whose interactions now map differently (created, emails
    // changed, deleted, restored, merged, unmerged): one-person groups,
    // whose pairs the next touched recompute rescores (see `lost_pairs`).
    let mut remapped: Vec<Vec<Uuid>> = commit
        .people
        .iter()
        .filter_map(|(id, change)| {
            let new = change.as_ref()?;
            maps_differently(st.people.get(*id), new).then(|| vec![*id])
        })
        .collect();
    // An email several live people hold maps to the oldest of them: one that
    // gains, loses or stops being live on an email other people hold
    // re-maps them too (a merge gives the survivor an email a third person
    // shares). One pass over the people, only when such emails changed.
    let live_emails = |p: Option<&model::Person>| -> HashSet<String> {
        p.filter(|p| p.is_live())
            .map(|p| p.emails.iter().map(|e| e.to_lowercase()).collect())
            .unwrap_or_default()
    };
    // Every email of a re-mapped person counts (a person who stops being
    // live, or comes back, changes the holder of each of hers).
    let mut changed_emails: HashSet<String> = HashSet::default();
    for (id, change) in &commit.people {
        let (old, new) = (
            live_emails(st.people.get(*id)),
            live_emails(change.as_ref()),
        );
        if old != new {
            changed_emails.extend(old.union(&new).cloned());
        }
    }
    if !changed_emails.is_empty() {
        for p in st.people.values().filter(|p| p.is_live()) {
            if !commit.people.contains_key(&p.id)
                && p.emails
                    .iter()
                    .any(|e| changed_emails.contains(&e.to_lowercase()))
            {
                remapped.push(vec![p.id]);
            }
        }
    }
    let mut lost: Vec<&[String]> = Vec::new();
    // The other pairs of a re-mapped person's interactions change too: a
    // meeting she leaves (deleted, another email) is smaller for everyone
    // in it, and group size feeds several factors. Those interactions'
    // groups, as they map before this commit, are lost groups. Only what
    // maps differently counts: the ids of people who stop or start being
    // live or merged (or are new), and the emails that changed hands (not
    // every email of a person who adds an alias).
    let moved_ids: HashSet<Uuid> = commit
        .people
        .iter()
        .filter_map(|(id, change)| {
            let new = change.as_ref()?;
            let old = st.people.get(*id);
            old.is_none_or(|o| o.is_live() != new.is_live() || o.merged_into != new.merged_into)
                .then_some(*id)
        })
        .collect();
    let moved_emails: HashSet<String> = commit
        .people
        .iter()
        .flat_map(|(id, change)| {
            let (old, new) = (
                live_emails(st.people.get(*id)),
                live_emails(change.as_ref()),
            );
            old.symmetric_difference(&new).cloned().collect::<Vec<_>>()
        })
        .collect();
    if !moved_ids.is_empty() || !moved_emails.is_empty() {
        lost.extend(interactions_naming(st, &moved_ids, &moved_emails));
    }
    // An interaction written with an `updatedAt` no later than the last
    // recompute's mark (pulled from another device, which wrote it before)
    // is not after the mark a touched recompute counts from: after a reopen
    // (the session's own list gone) only a mark kept here finds its pairs.
    let mark = if commit.interactions.is_empty() {
        None // no walk back through the audit for the many commits without any
    } else {
        last_recompute(st).map(|a| a.created_at)
    };
    for change in commit.interactions.values().flatten() {
        if change.deleted_at.is_none() && mark.is_some_and(|m| change.updated_at <= m) {
            lost.push(&change.participants);
        }
    }
    for (id, change) in &commit.interactions {
        let Some(old) = st.interactions.get(*id).filter(|i| i.deleted_at.is_none()) else {
            continue;
        };
        let kept = change
            .as_ref()
            .is_some_and(|new| new.deleted_at.is_none() && new.participants == old.participants);
        if !kept {
            lost.push(&old.participants);
        }
    }
    if lost.is_empty() && remapped.is_empty() {
        return out;
    }
    // Each email → its oldest live holder (as `collect_interactions` maps
    // them), from one pass over the people.
    let mut by_email: HashMap<String, Option<(Timestamp, Uuid)>> = lost
        .iter()
        .flat_map(|g| g.iter())
        .filter(|t| Uuid::try_parse(t).is_err())
        .map(|t| (t.to_lowercase(), None))
        .collect();
    if !by_email.is_empty() {
        for p in st.people.values().filter(|p| p.is_live()) {
            for e in &p.emails {
                if let Some(slot) = by_email.get_mut(&e.to_lowercase()) {
                    let rank = holder_rank(p);
                    if slot.is_none_or(|held| rank < held) {
                        *slot = Some(rank);
                    }
                }
            }
        }
    }
    let mut groups: Vec<Vec<Uuid>> = lost
        .iter()
        .map(|g| {
            let mut ids: Vec<Uuid> = g
                .iter()
                .filter_map(|t| match Uuid::try_parse(t) {
                    Ok(id) => live_person(st, id),
                    Err(_) => by_email
                        .get(&t.to_lowercase())
                        .copied()
                        .flatten()
                        .map(|(_, id)| id),
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();
    groups = without_erased(&groups);
    groups.append(&mut remapped);
    groups.sort_unstable();
    groups.dedup();
    if !groups.is_empty() {
        let key = st.strength_lost.keys().next_back().map_or(0, |k| k + 1);
        out.insert(key, Some(groups));
    }
    out
}

/// The participants of every live interaction that names one of `people`
/// (by id, through `mergedInto`) or one of `emails` (lower-case).
/// Participant texts are checked once each; the rows are read only when
/// some text names them.
fn interactions_naming<'s>(
    st: &'s GraphState,
    people: &HashSet<Uuid>,
    emails: &HashSet<String>,
) -> Vec<&'s [String]> {
    // An interaction names a person by her id or by the id of someone
    // merged into her (participants are stored canonical: ids as
    // `Uuid::to_string` gives them, emails in lower case).
    let mut ids: Vec<Uuid> = people.iter().copied().collect();
    for p in st.people.values().filter(|p| p.merged_into.is_some()) {
        let mut at = p.merged_into;
        for _ in 0..16 {
            match at {
                Some(id) if people.contains(&id) => {
                    ids.push(p.id);
                    break;
                }
                Some(id) => at = st.people.get(id).and_then(|q| q.merged_into),
                None => break,
            }
        }
    }
    let columns = st.interaction_columns();
    let mut named = HashSet::default();
    named.extend(ids.iter().filter_map(|id| columns.key(&id.to_string())));
    named.extend(emails.iter().filter_map(|e| columns.key(e)));
    // Most writes (a new contact, an address nobody used) name none: no
    // pass over the rows.
    if named.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (slot, row) in columns.rows().iter().enumerate() {
        if row.live && columns.keys(row).iter().any(|k| named.contains(k)) {
            if let Some(i) = st.interactions.at_slot(slot as u32) {
                out.push(i.participants.as_slice());
            }
        }
    }
    out
}

/// Whether `commit` is a recompute: it adds a recompute's audit entry. An
/// erasure rewrites earlier entries that named her (a recompute's among
/// them, its unknown participants): those are no new recompute, and must
/// not end what the next touched one is to look at.
pub(crate) fn is_recompute(st: &GraphState, commit: &Commit) -> bool {
    commit
        .audit
        .iter()
        .any(|a| a.action == ACTION && !st.audit.contains_key(&a.seq))
}

/// Whether a person write changes which interactions map to whom.
fn maps_differently(old: Option<&model::Person>, new: &model::Person) -> bool {
    let Some(old) = old else { return true };
    let emails = |p: &model::Person| {
        let mut e: Vec<String> = p.emails.iter().map(|e| e.to_lowercase()).collect();
        e.sort_unstable();
        e
    };
    old.is_live() != new.is_live()
        || old.merged_into != new.merged_into
        || emails(old) != emails(new)
}

/// The pairs of people in [`GraphState::strength_lost`], as they map now,
/// and the people whose interactions map differently since the last
/// recompute (its one-person groups): every pair of theirs, old (their
/// edges) or new (their interactions), is touched.
fn lost_pairs(st: &GraphState) -> (HashSet<(Uuid, Uuid)>, HashSet<Uuid>) {
    let mut pairs = HashSet::default();
    let mut remapped = HashSet::default();
    let mut ids: Vec<Uuid> = Vec::new();
    for group in st.strength_lost.values().flatten() {
        if let [one] = group.as_slice() {
            // Her old pairs: her edges, and a merged-away person's survivor's.
            remapped.insert(*one);
            remapped.extend(live_person(st, *one));
            continue;
        }
        ids.clear();
        ids.extend(group.iter().filter_map(|id| live_person(st, *id)));
        ids.sort_unstable();
        ids.dedup();
        // As it maps now, no more people than were in it: a group too large
        // now was too large before, and made no pairs either time.
        if ids.len() > MAX_SCORED_GROUP {
            continue;
        }
        for x in 0..ids.len() {
            for y in x + 1..ids.len() {
                pairs.insert(pair_key(ids[x], ids[y]));
            }
        }
    }
    if !remapped.is_empty() {
        pairs.extend(
            st.edges
                .values()
                .filter(|e| {
                    e.deleted_at.is_none()
                        && (remapped.contains(&e.from_person_id)
                            || remapped.contains(&e.to_person_id))
                })
                .map(|e| e.pair()),
        );
    }
    (pairs, remapped)
}

impl<B: Backend> Db<B> {
    /// Recomputes tie strengths from the interactions (see the module doc).
    /// `ctx.now` is the time of the write (the records' `updatedAt`, never
    /// earlier than an edge's previous one, and the audit entry's
    /// `createdAt`, which the next `only: "touched"` call counts from);
    /// strengths are scored at `opts.now`, by default `ctx.now`.
    pub fn prepare_recompute_strengths(
        &self,
        ctx: &WriteContext,
        opts: &RecomputeOptions,
    ) -> Result<Prepared<StrengthReport>> {
        self.ensure_open()?;
        let params = params(opts)?;
        let touched_only = match opts.only.as_deref() {
            None | Some("all") => false,
            Some("touched") => true,
            Some(other) => {
                return Err(Error::new(
                    ErrorCode::InvalidEnum,
                    "only",
                    format!("'{other}' is not one of all, touched"),
                ))
            }
        };
        let st = self.state();
        let now = scoring_time(opts, ctx.now)?;
        let written = ctx.now;
        let since = if touched_only {
            last_recompute(st)
                .map(|a| a.created_at)
                // A mark after this write (a clock set back, or one left by
                // a release that stamped the scoring `now`) says nothing of
                // what was written since: every pair is touched.
                .filter(|t| *t <= written)
        } else {
            None
        };

        let mut report = StrengthReport {
            only: if touched_only { "touched" } else { "all" }.into(),
            now,
            half_life_days: opts.half_life_days.map(|d| d.0),
            embeddedness_weight: params.embeddedness_weight,
            ..Default::default()
        };
        let (people, inputs, touched) =
            self.collect_interactions(since, touched_only, &|id| id, &mut report);
        let mut engine = strength::StrengthEngine::new(params);
        engine.add_batch(&inputs);
        drop(inputs);
        report.pairs_scored = engine.score_all(now.millis());
        let mut s = Staging::new(st, written);
        // Sized once: growing a map of ~1 KB edge records rehashes (moves)
        // them. Pairs beyond the stored edges are new edges; the rest may be
        // rescores.
        let stored = st.edges.len();
        s.commit
            .edges
            .reserve(report.pairs_scored.saturating_sub(stored));
        s.commit
            .edge_rescores
            .reserve(report.pairs_scored.min(stored));
        s.changes.reserve(report.pairs_scored);
        // Touched: the pairs interactions left since the last recompute
        // (each removed once scored; those left have no interactions now).
        let (mut lost, remapped) = if touched_only {
            lost_pairs(st)
        } else {
            Default::default()
        };
        // Full: the slots of the scored pairs' edges, a bit each (the other
        // edges are checked for interactions gone, below).
        let mut scored_slots: Vec<u64> = if touched_only {
            Vec::new()
        } else {
            vec![0; st.edges.by_slot().len().div_ceil(64)]
        };
        // In pair order, in chunks of people (see `graph::in_chunks`).
        engine.for_each_edge(|(a, b), es| {
            let (pa, pb) = (people[a as usize], people[b as usize]);
            if touched_only {
                let left = !lost.is_empty() && lost.remove(&pair_key(pa, pb));
                let remapped =
                    !remapped.is_empty() && (remapped.contains(&pa) || remapped.contains(&pb));
                if !left && !remapped && !touched.contains(&(a, b)) {
                    return;
                }
            }
            let old = st.edge_slot_for_pair(pair_key(pa, pb));
            let old = old.and_then(|slot| Some((slot, st.edges.at_slot(slot)?)));
            if let Some((slot, _)) = old {
                if let Some(bits) = scored_slots.get_mut(slot as usize / 64) {
                    *bits |= 1 << (slot % 64);
                }
            }
            // Compared before building anything: an unchanged recompute
            // allocates nothing per pair.
            if old.is_some_and(|(_, e)| e.deleted_at.is_none() && scored_equals(&es, e)) {
                report.edges_unchanged += 1;
                return;
            }
            let score = EdgeScore::of(&es);
            match old {
                Some((_, old)) if cleared_by_recompute(old) => {
                    let mut e = old.clone();
                    e.deleted_at = None;
                    score.write(&mut e);
                    e.updated_at = written.max(old.updated_at);
                    s.change(EntityKind::Edge, e.id, ChangeOp::Upsert);
                    s.commit.edges.insert(e.id, Some(e));
                    report.edges_created += 1;
                }
                Some((_, old)) if old.deleted_at.is_some() => report.skipped_deleted += 1,
                Some((slot, old)) => {
                    s.change(EntityKind::Edge, old.id, ChangeOp::Upsert);
                    s.commit.edge_rescores.push(EdgeRescore {
                        slot,
                        score,
                        updated_at: written.max(old.updated_at),
                    });
                    report.edges_updated += 1;
                }
                None => {
                    let (from, to) = pair_key(pa, pb);
                    let mut e = Edge {
                        id: new_id(),
                        from_person_id: from,
                        to_person_id: to,
                        relationship_type: RelationshipType::InteractedWith,
                        strength: 0.0,
                        strength_factors: Vec::new(),
                        sources: vec!["interactions".into()],
                        channels: Vec::new(),
                        first_seen_at: None,
                        last_seen_at: None,
                        interaction_count: 0,
                        metadata: Metadata::default(),
                        created_at: written,
                        updated_at: written,
                        deleted_at: None,
                        sync_version: 0,
                    };
                    score.write(&mut e);
                    s.change(EntityKind::Edge, e.id, ChangeOp::Upsert);
                    s.commit.edges.insert(e.id, Some(e));
                    report.edges_created += 1;
                }
            }
        });
        // Edges scored from interactions whose pair has none left: of the
        // touched pairs, those the engine did not score; in full, every edge
        // whose slot no scored pair named.
        if touched_only {
            let mut left: Vec<(Uuid, Uuid)> = lost.into_iter().collect();
            left.sort_unstable();
            for pair in left {
                let e = st
                    .edge_slot_for_pair(pair)
                    .and_then(|slot| st.edges.at_slot(slot));
                if let Some(e) = e.filter(|e| unsupported(st, e)) {
                    clear_scores(&mut s, e, written, &mut report);
                }
            }
        } else {
            for (i, bits) in scored_slots.iter().enumerate() {
                let mut unscored = !bits;
                while unscored != 0 {
                    let slot = i * 64 + unscored.trailing_zeros() as usize;
                    unscored &= unscored - 1;
                    let e = st.edges.at_slot(slot as u32);
                    if let Some(e) = e.filter(|e| unsupported(st, e)) {
                        clear_scores(&mut s, e, written, &mut report);
                    }
                }
            }
        }
        // In wasm, where memory stops at 4 GB and is never returned, the
        // engine's per-pair state is freed before the write set is encoded,
        // which then reuses it (the peak of a recompute that replaces
        // 1.41 M edges is the old edges, the new ones and the encoded set
        // together). Natively, freeing it early left glibc's heap such that
        // the next recompute's engine ran 25 % slower (0.64 -> 0.82 s,
        // measured), and memory is not capped: it is dropped at the end.
        if cfg!(target_arch = "wasm32") {
            drop(engine);
        }
        let meta = serde_json::to_value(&report).unwrap_or_default();
        let mut commit = s.finish(ctx, ACTION, None, meta.clone());
        // Always leave the audit mark, even when nothing changed: it is what
        // the next `only: "touched"` call counts from.
        if commit.audit.is_empty() {
            commit
                .audit
                .push(ctx.audit_entry(st.next_audit_seq, ACTION, None, meta, written));
        }
        Ok(self.prepared(commit, report))
    }

    /// Rescores, in place, edges of a merge in preparation: interactions are
    /// read with `sources` sent to `target`, so a combined edge gets the
    /// strength of the pooled interactions (the last recompute's options,
    /// as every other pair was scored with). Edges with
    /// no interactions behind them keep what they have.
    pub(super) fn rescore_for_merge(
        &self,
        target: Uuid,
        sources: &[Uuid],
        now: Timestamp,
        edges: &mut [Edge],
    ) -> Result<()> {
        if edges.is_empty() || self.state().interactions.is_empty() {
            return Ok(());
        }
        let params = params(&last_scoring_options(self.state()))?;
        let sources: HashSet<Uuid> = sources.iter().copied().collect();
        let redirect = |id: Uuid| if sources.contains(&id) { target } else { id };
        let mut report = StrengthReport::default();
        let (people, inputs, _) = self.collect_interactions(None, false, &redirect, &mut report);
        let scores: HashMap<(Uuid, Uuid), strength::EdgeStrength> =
            score_batch(&inputs, now.millis(), &params)
                .into_iter()
                .map(|((a, b), es)| (pair_key(people[a as usize], people[b as usize]), es))
                .collect();
        for e in edges.iter_mut() {
            if let Some(es) = scores.get(&e.pair()) {
                EdgeScore::of(es).write(e);
            }
        }
        Ok(())
    }

    /// The interactions as the strength engine's input: participants mapped
    /// to dense person indices (ids through `mergedInto`, emails through live
    /// people, then through `redirect`, which a merge in preparation uses to
    /// send its sources to the target); unknown participants counted in
    /// `report`. Returns the people by index, the inputs and the pairs touched
    /// since `since`.
    pub(super) fn collect_interactions(
        &self,
        since: Option<Timestamp>,
        touched_only: bool,
        redirect: &dyn Fn(Uuid) -> Uuid,
        report: &mut StrengthReport,
    ) -> (Vec<Uuid>, strength::InteractionBatch, HashSet<(u32, u32)>) {
        let st = self.state();
        // email → its live holder of the lowest `holder_rank`
        let mut by_email: HashMap<String, (Timestamp, Uuid)> = HashMap::default();
        for p in st.people.values().filter(|p| p.is_live()) {
            for e in &p.emails {
                let rank = holder_rank(p);
                by_email
                    .entry(e.to_lowercase())
                    .and_modify(|held| *held = (*held).min(rank))
                    .or_insert(rank);
            }
        }
        let resolve = |s: &str| -> Option<Uuid> {
            if let Ok(id) = Uuid::try_parse(s) {
                live_person(st, id).map(redirect)
            } else {
                by_email.get(&s.to_lowercase()).map(|(_, id)| redirect(*id))
            }
        };

        // Each distinct participant text resolved once (the columns intern
        // them), then people numbered by id: the engine sums in ascending
        // index order, so this canonical numbering (not the table order)
        // is what makes the scores bit-for-bit reproducible.
        let columns = st.interaction_columns();
        let texts = columns.texts();
        let person_of_key: Vec<Option<Uuid>> = texts.iter().map(|t| resolve(t)).collect();
        let mut people: Vec<Uuid> = person_of_key.iter().flatten().copied().collect();
        people.sort_unstable();
        people.dedup();
        let index_of_key: Vec<u32> = person_of_key
            .iter()
            .map(|p| {
                p.map_or(NO_PERSON, |id| {
                    people.binary_search(&id).unwrap_or(0) as u32
                })
            })
            .collect();

        let rows = columns.rows();
        let mut batch = strength::InteractionBatch::with_capacity(rows.len(), 3 * rows.len());
        let mut unknown_keys = vec![false; texts.len()];
        let mut touched: HashSet<(u32, u32)> = HashSet::default();
        let mut ps: Vec<u32> = Vec::new();
        // Table order: the engine is order-independent. In chunks of table
        // slots (see `graph::in_chunks`).
        in_chunks(rows.len(), CHUNK, |r| {
            for slot in r {
                let row = &rows[slot];
                if !row.live {
                    continue;
                }
                ps.clear();
                let mut sender = None;
                for (pos, &k) in columns.keys(row).iter().enumerate() {
                    let n = index_of_key[k as usize];
                    if n == NO_PERSON {
                        report.unknown_participants.count += 1;
                        unknown_keys[k as usize] = true;
                        continue;
                    }
                    if pos as u32 == row.sender {
                        sender = Some(n);
                    }
                    if !ps.contains(&n) {
                        ps.push(n);
                    }
                }
                if ps.len() < 2 {
                    report.interactions_skipped += 1;
                    continue;
                }
                if ps.len() > MAX_SCORED_GROUP {
                    report.interactions_too_large += 1;
                    continue;
                }
                // Only an `only: "touched"` call looks at what was touched.
                if touched_only
                    && (since.is_none_or(|t| row.updated_ms > t.millis())
                        || st
                            .interactions
                            .at_slot(slot as u32)
                            .is_some_and(|i| st.touched_interactions.contains(&i.id)))
                {
                    for x in 0..ps.len() {
                        for y in x + 1..ps.len() {
                            touched.insert((ps[x].min(ps[y]), ps[x].max(ps[y])));
                        }
                    }
                }
                report.interactions_used += 1;
                batch.push(
                    row.timestamp_ms,
                    ps.iter().copied(),
                    sender,
                    to_channel(row.channel),
                    row.direction.map(|d| d == model::Direction::TwoWay),
                    row.duration_minutes,
                );
            }
        });
        // The 20 smallest distinct unknown texts: the same whatever the table order.
        let mut unknown: Vec<&str> = (0..texts.len())
            .filter(|&k| unknown_keys[k])
            .map(|k| &*texts[k])
            .collect();
        unknown.sort_unstable();
        unknown.truncate(20);
        report.unknown_participants.examples = unknown.into_iter().map(String::from).collect();
        (people, batch, touched)
    }

    /// The strength engine's input exactly as `recomputeStrengths` builds it
    /// (people by dense index, mapped interactions): lets a benchmark time
    /// the engine apart from mapping and writing.
    pub fn strength_inputs(&self) -> (Vec<Uuid>, strength::InteractionBatch) {
        let mut report = StrengthReport::default();
        let (people, inputs, _) = self.collect_interactions(None, false, &|id| id, &mut report);
        (people, inputs)
    }

    /// Times the phases of a full recompute at `now` (default parameters)
    /// with `clock` (seconds), writing nothing: what `bench/run strength`
    /// reports natively and in wasm. `map` + `engine` + `explain` is the
    /// full recompute proper (every pair scored from every interaction and
    /// explained as the API serves it); `prepare` is the API call's whole
    /// preparation, which also builds the edge records and the outbox and
    /// encodes the write set (it repeats the first three phases).
    pub fn strength_phases(
        &self,
        now: Timestamp,
        clock: &dyn Fn() -> f64,
    ) -> Result<StrengthPhases> {
        self.ensure_open()?;
        let params = params(&RecomputeOptions::default())?;
        let mut report = StrengthReport::default();
        let t0 = clock();
        let (_, inputs, _) = self.collect_interactions(None, false, &|id| id, &mut report);
        let t1 = clock();
        let mut engine = strength::StrengthEngine::new(params);
        engine.add_batch(&inputs);
        engine.score_all(now.millis());
        let t2 = clock();
        // Every pair explained as the API serves it (strength, the 8 factors
        // with contributions, count, first/last seen, channels), each read.
        let (mut pairs, mut total) = (0usize, 0.0f64);
        engine.for_each_edge(|_, es| {
            pairs += 1;
            total += es.strength + es.factors[7].contribution + es.last_seen_ms as f64;
        });
        std::hint::black_box(total);
        let t3 = clock();
        drop((engine, inputs));
        let t4 = clock();
        let prepared =
            self.prepare_recompute_strengths(&WriteContext::at(now), &RecomputeOptions::default())?;
        let t5 = clock();
        drop(prepared);
        Ok(StrengthPhases {
            map_seconds: t1 - t0,
            engine_seconds: t2 - t1,
            explain_seconds: t3 - t2,
            prepare_seconds: t5 - t4,
            pairs,
            interactions: report.interactions_used,
        })
    }

    pub async fn recompute_strengths(
        &mut self,
        ctx: &WriteContext,
        opts: &RecomputeOptions,
    ) -> Result<StrengthReport> {
        let p = self.prepare_recompute_strengths(ctx, opts)?;
        self.run(p).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::encode;
    use proptest::prelude::*;

    /// A rescore serialized over its edge, as the write set encodes it.
    struct Over<'a>(&'a EdgeScore, &'a Edge, Timestamp);

    impl Serialize for Over<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            self.0.serialize_over(self.1, self.2, s)
        }
    }

    fn factor(name: &str, value: f64) -> StrengthFactor {
        StrengthFactor {
            name: name.to_string().into(),
            value,
            contribution: value / 2.0,
        }
    }

    proptest! {
        /// Stored bytes and JSON alike: the edge with the score written
        /// over it, whatever factors (the engine's, a caller's, none) and
        /// channels (any subset, any order) it held.
        #[test]
        fn a_rescore_serializes_as_the_rescored_edge(
            old_channels in proptest::collection::vec(0usize..5, 0..6),
            bits in 0u8..32,
            own_factors in 0usize..3,
            values in proptest::array::uniform8(0.0f64..1.0),
            count in any::<u32>(),
            first in 0i64..2_000_000_000_000,
            span in 0i64..1_000_000_000,
            deleted in any::<bool>(),
            sync_version in any::<u64>(),
        ) {
            let e = Edge {
                id: new_id(),
                from_person_id: new_id(),
                to_person_id: new_id(),
                relationship_type: RelationshipType::Knows,
                strength: 0.25,
                strength_factors: match own_factors {
                    0 => strength::FACTOR_NAMES.iter().map(|n| factor(n, 0.5)).collect(),
                    1 => vec![factor("by hand", 1.0)],
                    _ => Vec::new(),
                },
                sources: vec!["crm".into(), "interactions".into()],
                channels: old_channels.iter().map(|&i| model::Channel::ALL[i]).collect(),
                first_seen_at: None,
                last_seen_at: Some(Timestamp::from_millis(5)),
                interaction_count: 3,
                metadata: Metadata(serde_json::json!({"note": "met at a conference"})),
                created_at: Timestamp::from_millis(1),
                updated_at: Timestamp::from_millis(2),
                deleted_at: deleted.then(|| Timestamp::from_millis(3)),
                sync_version,
            };
            let score = EdgeScore {
                strength: values.iter().sum::<f64>() / 16.0,
                factors: values.map(|v| (v, v / 16.0)),
                count,
                first_ms: first,
                last_ms: first + span,
                channels: bits,
            };
            let now = Timestamp::from_millis(first + span + 1);
            let mut rescored = e.clone();
            score.write(&mut rescored);
            rescored.updated_at = now;
            prop_assert_eq!(encode(&Over(&score, &e, now)), encode(&rescored));
            prop_assert_eq!(
                serde_json::to_string(&Over(&score, &e, now)).unwrap(),
                serde_json::to_string(&rescored).unwrap()
            );
        }
    }
}
