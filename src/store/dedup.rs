//! Duplicate suggestions over the stored graph: people and organizations are
//! normalised (`normalize`), turned into linker records with the presets of
//! `resolve`, linked, and every suggested pair comes with its explanation.

use serde::Serialize;

use super::ops::Db;
use super::Backend;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Organization, Person, Uuid};
use crate::normalize::{
    likely_full_names, normalize_email, normalize_org_name, normalize_phone, org_domain_from_email,
    parse_person_name,
};
use crate::resolve::{
    FieldValue, LinkConfig, Linker, MatchIndex, Model, Record, ResolveError, Schema,
};
use rustc_hash::FxHashMap;

/// Below this many records EM has too little to learn from: the preset's
/// default m/u probabilities are used as they are.
const MIN_RECORDS_TO_TRAIN: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKind {
    People,
    Organizations,
}

#[derive(Debug, Clone)]
pub struct DuplicateOptions {
    pub kind: DuplicateKind,
    /// Match probability at or above which a pair is suggested (default 0.9).
    pub threshold: f64,
    /// At most this many suggestions, most probable first.
    pub limit: usize,
    /// Region for phone numbers written without a country code (ISO 3166, e.g. "US").
    pub default_region: String,
}

impl Default for DuplicateOptions {
    fn default() -> Self {
        DuplicateOptions {
            kind: DuplicateKind::People,
            threshold: 0.9,
            limit: 1_000,
            default_region: "US".into(),
        }
    }
}

/// One field's part of a suggestion's score: a step of the waterfall.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldContribution {
    pub field: String,
    /// Comparison level, e.g. "exact", "jaro-winkler >= 0.94", "missing".
    pub level: String,
    /// log2 Bayes factor: positive pushes towards "same", negative away.
    pub weight: f64,
    pub value_a: Option<String>,
    pub value_b: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateSuggestion {
    pub a: Uuid,
    pub b: Uuid,
    pub probability: f64,
    /// log2 odds: `priorWeight` + the fields' weights.
    pub match_weight: f64,
    pub prior_weight: f64,
    pub fields: Vec<FieldContribution>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateReport {
    pub suggestions: Vec<DuplicateSuggestion>,
    pub records: usize,
    pub candidate_pairs: u64,
    /// Blocks a blocking rule skipped as too large: a name token, email or
    /// phone shared by more records than its blocks hold (see
    /// `LinkConfig::person`). Another rule may still pair their records.
    pub skipped_blocks: u64,
    /// Whether the weights were trained (EM) on this graph or are the defaults.
    pub trained: bool,
}

/// Checks a `defaultRegion` option: a region phones can be read in. An
/// unknown one would silently turn phone matching off.
pub(crate) fn check_region(region: &str) -> Result<()> {
    if crate::normalize::is_known_region(region) {
        return Ok(());
    }
    let shown: String = region.chars().take(20).collect();
    Err(Error::new(
        ErrorCode::InvalidInput,
        "defaultRegion",
        format!("'{shown}' is not a country code such as US or GB"),
    ))
}

fn many(values: Vec<String>) -> Option<FieldValue> {
    let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
    values.sort();
    values.dedup();
    match values.len() {
        0 => None,
        1 => values.pop().map(FieldValue::Text),
        _ => Some(FieldValue::Many(values)),
    }
}

/// A person as the linker sees it: every name written out with nicknames
/// resolved (Bob Smith also reads as Robert Smith), canonical emails (Gmail
/// dots and +tags removed), E.164 phones, and the organization's core name.
fn person_record(p: &Person, org: Option<&Organization>, region: &str) -> Record {
    let mut names = Vec::new();
    for n in &p.names {
        let parsed = parse_person_name(n);
        names.push(parsed.folded_full.clone());
        if let (Some(given), Some(family)) = (&parsed.given, &parsed.family) {
            for key in likely_full_names(given, 3) {
                names.push(format!("{key} {family}"));
            }
        }
    }
    let emails = p
        .emails
        .iter()
        .filter_map(|e| normalize_email(e).ok())
        .map(|e| e.canonical)
        .collect();
    let phones = p
        .phones
        .iter()
        .filter_map(|ph| normalize_phone(ph, region).ok())
        .collect();
    let org_name = org
        .map(|o| normalize_org_name(&o.name).core)
        .into_iter()
        .collect();
    vec![many(names), many(emails), many(phones), many(org_name)]
}

fn organization_record(o: &Organization, member_domains: &[String]) -> Record {
    let mut domains: Vec<String> = o.domain.iter().cloned().collect();
    domains.extend(member_domains.iter().cloned());
    vec![many(vec![normalize_org_name(&o.name).core]), many(domains)]
}

impl<B: Backend> Db<B> {
    /// Suggests pairs of records that are probably the same person (or
    /// organization), each with its field-by-field explanation. Pairs the
    /// user rejected are never suggested. `progress(done, total)` may return
    /// false to cancel (error CANCELLED).
    pub fn suggest_duplicates(
        &self,
        opts: &DuplicateOptions,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<DuplicateReport> {
        check_region(&opts.default_region)?;
        if !(0.0..=1.0).contains(&opts.threshold) || opts.threshold.is_nan() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "threshold",
                format!(
                    "{} is not a probability in [0, 1]",
                    crate::model::JsNumber(opts.threshold)
                ),
            ));
        }
        let st = self.state();
        let (ids, records, schema): (Vec<Uuid>, Vec<Record>, Schema) = match opts.kind {
            DuplicateKind::People => {
                let live = live_people(self);
                let records = live
                    .iter()
                    .map(|p| {
                        person_record(
                            p,
                            p.organization_id.and_then(|o| st.organizations.get(o)),
                            &opts.default_region,
                        )
                    })
                    .collect();
                (
                    live.iter().map(|p| p.id).collect(),
                    records,
                    Schema::person(),
                )
            }
            DuplicateKind::Organizations => {
                // An organization's people tell its domain when it has none.
                let mut member_domains: rustc_hash::FxHashMap<Uuid, Vec<String>> =
                    Default::default();
                for p in live_people(self) {
                    if let Some(o) = p.organization_id {
                        member_domains
                            .entry(o)
                            .or_default()
                            .extend(p.emails.iter().filter_map(|e| org_domain_from_email(e)));
                    }
                }
                let live: Vec<&Organization> =
                    st.organizations.values().filter(|o| o.is_live()).collect();
                let records = live
                    .iter()
                    .map(|o| {
                        organization_record(
                            o,
                            member_domains.get(&o.id).map_or(&[][..], Vec::as_slice),
                        )
                    })
                    .collect();
                (
                    live.iter().map(|o| o.id).collect(),
                    records,
                    Schema::organization(),
                )
            }
        };
        let trained = records.len() >= MIN_RECORDS_TO_TRAIN;
        let mut config = match opts.kind {
            // Blocking that stays near-linear at 100k contacts (see LinkConfig::person).
            DuplicateKind::People => LinkConfig::person(),
            DuplicateKind::Organizations => LinkConfig::for_schema(&schema),
        };
        config.train = trained;
        // The linker works in log-odds, open at 0 and 1: the ends of the
        // threshold's [0, 1] map just inside (the filter below still uses
        // the threshold itself), and the cannot-link floor stays below.
        config.match_probability = opts.threshold.clamp(1e-6, 1.0 - 1e-9);
        config.cannot_link_probability =
            config.cannot_link_probability.min(config.match_probability);
        let linker = Linker::new(schema, config).map_err(resolve_error)?;
        let resolution = linker.dedupe(&records, progress).map_err(resolve_error)?;
        let mut cluster_of = vec![usize::MAX; records.len()];
        for (c, members) in resolution.clusters.iter().enumerate() {
            for &m in members {
                cluster_of[m] = c;
            }
        }
        let mut suggestions: Vec<DuplicateSuggestion> = resolution
            .pairs
            .iter()
            .enumerate()
            // A pair is suggested when it scores high enough AND clustering kept it
            // together (clustering refuses to chain strangers through one weak link).
            .filter(|(_, p)| p.probability >= opts.threshold && cluster_of[p.a] == cluster_of[p.b])
            // Pairs the user rejected (rejectMatch) are never suggested again.
            .filter(|(_, p)| !self.is_rejected(ids[p.a], ids[p.b]))
            .filter_map(|(i, p)| {
                let e = resolution.explain(i)?;
                Some(DuplicateSuggestion {
                    a: ids[p.a],
                    b: ids[p.b],
                    probability: p.probability,
                    match_weight: e.match_weight(),
                    prior_weight: e.prior_weight,
                    fields: contributions(e.fields),
                })
            })
            .collect();
        suggestions.sort_by(|x, y| {
            y.probability
                .total_cmp(&x.probability)
                .then(x.a.cmp(&y.a))
                .then(x.b.cmp(&y.b))
        });
        suggestions.truncate(opts.limit);
        Ok(DuplicateReport {
            suggestions,
            records: records.len(),
            candidate_pairs: resolution.blocking.candidate_pairs,
            skipped_blocks: resolution
                .blocking
                .per_rule
                .iter()
                .map(|r| r.skipped_blocks)
                .sum(),
            trained,
        })
    }
}

/// One candidate of an incremental match: a stored person and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchCandidate {
    pub id: Uuid,
    pub probability: f64,
    pub is_match: bool,
    pub match_weight: f64,
    pub prior_weight: f64,
    pub fields: Vec<FieldContribution>,
}

/// The index incremental matching runs on: the linker's inverted index over
/// blocking keys, plus which stored person each of its rows is. An edit
/// removes the old version's row and adds one for the new version, and with
/// the default weights (under 1,000 people) the prior follows the number of
/// people, so the scores depend on the stored graph only, not on its
/// history. Trained weights are trained once, when the index is built.
pub struct PersonIndex {
    index: MatchIndex,
    rows: Vec<Uuid>,
    current: FxHashMap<Uuid, usize>,
    region: String,
    trained: bool,
}

impl PersonIndex {
    fn insert(&mut self, p: &Person, org: Option<&Organization>) {
        self.remove(p.id);
        let row = self.index.insert(&person_record(p, org, &self.region));
        debug_assert_eq!(row, self.rows.len());
        self.rows.push(p.id);
        self.current.insert(p.id, row);
    }

    fn remove(&mut self, id: Uuid) {
        if let Some(old) = self.current.remove(&id) {
            self.index.remove(old);
        }
    }

    /// The default weights' prior: about one match per person, among the
    /// people stored now (as `findDuplicates` has it).
    fn follow_prior(&mut self) {
        if !self.trained {
            let n = self.current.len();
            self.index.set_lambda(untrained_lambda(n));
        }
    }

    /// Whether the index must be built again: another phone region, or the
    /// graph crossed the size from which weights are trained.
    pub fn stale_for(&self, region: &str) -> bool {
        self.region != region || self.trained != (self.current.len() >= MIN_RECORDS_TO_TRAIN)
    }
}

/// The default weights' prior for `n` records: about one match each.
fn untrained_lambda(n: usize) -> f64 {
    let pairs = n as u64 * (n as u64).saturating_sub(1) / 2;
    Model::one_match_per_record(n, pairs)
}

/// The people a query may be matched against: live and not merged away.
fn live_people<B: Backend>(db: &Db<B>) -> Vec<&Person> {
    db.state().people.values().filter(|p| p.is_live()).collect()
}

impl<B: Backend> Db<B> {
    /// Builds the incremental index over all live people: the weights are
    /// trained once on the graph (from 1,000 people up) or the defaults.
    pub fn build_person_index(
        &self,
        region: &str,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<PersonIndex> {
        let st = self.state();
        let people = live_people(self);
        let records: Vec<Record> = people
            .iter()
            .map(|p| {
                person_record(
                    p,
                    p.organization_id.and_then(|o| st.organizations.get(o)),
                    region,
                )
            })
            .collect();
        let schema = Schema::person();
        // The same scale as findDuplicates at its default threshold: a
        // candidate `isMatch` when it would be suggested, and the same
        // prior for the same graph (trained, or one match per record).
        let mut config = LinkConfig::person();
        config.match_probability = DuplicateOptions::default().threshold;
        let model = if records.len() >= MIN_RECORDS_TO_TRAIN {
            Linker::new(schema.clone(), config.clone())
                .map_err(resolve_error)?
                .dedupe(&records, progress)
                .map_err(resolve_error)?
                .model
        } else {
            Model {
                lambda: untrained_lambda(records.len()),
                ..Model::defaults(&schema)
            }
        };
        let index = MatchIndex::build(&schema, &config, model, &records, progress)
            .map_err(resolve_error)?;
        let rows: Vec<Uuid> = people.iter().map(|p| p.id).collect();
        let current = rows.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        Ok(PersonIndex {
            index,
            rows,
            current,
            region: region.to_string(),
            trained: records.len() >= MIN_RECORDS_TO_TRAIN,
        })
    }

    /// Adds the current version of changed people to an index (after a write).
    pub fn refresh_person_index(&self, index: &mut PersonIndex, changed: &[Uuid]) {
        let st = self.state();
        for id in changed {
            match st.people.get(*id) {
                Some(p) if p.is_live() => {
                    index.insert(p, p.organization_id.and_then(|o| st.organizations.get(o)))
                }
                _ => index.remove(*id),
            }
        }
        index.follow_prior();
    }

    /// Matches one person (stored or not) against the index: candidates with
    /// probability and explanation, best first. Cost: the query's blocking
    /// keys' postings, not the size of the graph.
    pub fn match_person_in(
        &self,
        index: &PersonIndex,
        person: &Person,
        limit: usize,
    ) -> Vec<MatchCandidate> {
        let org = person
            .organization_id
            .and_then(|o| self.state().organizations.get(o));
        let query = person_record(person, org, &index.region);
        let mut out: Vec<MatchCandidate> = index
            .index
            .match_one(&query)
            .into_iter()
            .filter_map(|c| {
                let id = *index.rows.get(c.index)?;
                // Skip itself and rows of superseded versions.
                (id != person.id
                    && index.current.get(&id) == Some(&c.index)
                    && !self.is_rejected(id, person.id))
                .then(|| MatchCandidate {
                    id,
                    probability: c.probability,
                    is_match: c.is_match,
                    match_weight: c.match_weight,
                    prior_weight: c.explanation.prior_weight,
                    fields: contributions(c.explanation.fields),
                })
            })
            .collect();
        out.sort_by(|x, y| {
            y.probability
                .total_cmp(&x.probability)
                .then(x.id.cmp(&y.id))
        });
        out.truncate(limit);
        out
    }
}

/// The linker's explanation as the API's waterfall steps.
fn contributions(fields: Vec<crate::resolve::FieldContribution>) -> Vec<FieldContribution> {
    fields
        .into_iter()
        .map(|f| FieldContribution {
            field: f.field,
            level: f.level_label,
            weight: f.bayes_factor_log2,
            value_a: f.value_a,
            value_b: f.value_b,
        })
        .collect()
}

fn resolve_error(e: ResolveError) -> Error {
    match e {
        ResolveError::Cancelled => {
            Error::general(ErrorCode::Cancelled, "cancelled by the progress callback")
        }
        other => Error::general(ErrorCode::InvalidInput, format!("{other:?}")),
    }
}
