//! General record linkage (Fellegi–Sunter) for people, organisations and any typed
//! records: blocking → graded comparisons → m/u weights (u from random pairs, m and λ
//! by EM, no labels) → match probabilities → clustering that never chains strangers →
//! explanations; plus an incremental index for matching one new record.
//!
//! ```
//! use wig_graph::resolve::*;
//! let schema = Schema::new(vec![
//!     FieldSpec::new("name", FieldType::Name),
//!     FieldSpec::new("email", FieldType::Email),
//! ]);
//! // three records are too few to train on: use the default m/u (see `Model::defaults`)
//! let config = LinkConfig { train: false, ..LinkConfig::for_schema(&schema) };
//! let linker = Linker::new(schema, config).unwrap();
//! let recs = vec![
//!     record(&[Some("Ann Lee"), Some("ann@x.org")]),
//!     record(&[Some("Anne Lee"), Some("ann@x.org")]),
//!     record(&[Some("Bob Stone"), None]),
//! ];
//! let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
//! assert_eq!(res.clusters.len(), 2);
//! ```

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod em;
pub mod explain;
mod fold;
pub mod incremental;
pub mod progress;
pub mod schema;
pub mod similarity;
mod table;
pub mod weights;

pub use blocking::{BlockingRule, BlockingStats, KeyPart, RuleStats};
pub use cluster::{cluster_scored, ClusterParams};
pub use compare::{compare_values, level_labels, Level, NULL_LEVEL};
pub use em::{EmReport, Patterns};
pub use explain::{FieldContribution, PairExplanation};
pub use incremental::{Candidate, MatchIndex};
pub use progress::{no_progress, ProgressFn, PROGRESS_TOTAL};
pub use schema::{CompareOptions, FieldSpec, FieldType, Schema};
pub use weights::{log2_odds, probability, FieldParams, Model};

use compare::FieldPlan;
use progress::Progress;
use table::Table;

/// One field value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldValue {
    Text(String),
    /// Several values (for `Set` fields; other types join them with spaces).
    Many(Vec<String>),
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_string())
    }
}
impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}
impl From<Vec<String>> for FieldValue {
    fn from(v: Vec<String>) -> Self {
        FieldValue::Many(v)
    }
}

/// A record: one optional value per schema field, in schema order. Missing trailing
/// values may be omitted.
pub type Record = Vec<Option<FieldValue>>;

/// Build a record from optional strings (empty strings become missing values).
pub fn record(values: &[Option<&str>]) -> Record {
    values
        .iter()
        .map(|v| v.filter(|s| !s.is_empty()).map(FieldValue::from))
        .collect()
}

/// Errors of the resolve module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// The progress callback returned `false`.
    Cancelled,
    UnknownField(String),
    InvalidConfig(String),
    /// Blocking produced more candidate pairs than [`blocking::MAX_CANDIDATES`].
    TooManyPairs(u64),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Cancelled => write!(f, "cancelled"),
            ResolveError::UnknownField(n) => write!(f, "unknown field {n:?}"),
            ResolveError::InvalidConfig(m) => write!(f, "invalid configuration: {m}"),
            ResolveError::TooManyPairs(n) => {
                write!(f, "blocking produced too many candidate pairs ({n}+)")
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Settings of a linkage run.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Blocking rules (union).
    pub blocking: Vec<BlockingRule>,
    /// Exact-key blocks larger than this are skipped (and are stop keys in the index).
    pub max_block_size: usize,
    /// `(rule index, its own max block size)` for rules whose keys identify
    /// so well that a large block is still one person (see [`Self::person`]).
    pub rule_max_block_size: Vec<(usize, usize)>,
    /// Random pairs sampled to estimate u.
    pub u_sample_pairs: usize,
    /// Seed of the u sampler.
    pub seed: u64,
    /// Train m and λ by EM (and u by sampling). When false, `model` is used as is.
    pub train: bool,
    /// Starting model (defaults from the schema when `None`).
    pub model: Option<Model>,
    /// Keep λ fixed at this value instead of estimating it.
    pub prior: Option<f64>,
    pub em_max_iterations: usize,
    pub em_tolerance: f64,
    /// A pair is a match when its probability is ≥ this.
    pub match_probability: f64,
    /// Records whose pair probability is below this are never put in one cluster.
    pub cannot_link_probability: f64,
    pub max_cluster_size: usize,
    /// When linking: each table is free of duplicates, so a cluster takes at most one
    /// record from each table.
    pub one_to_one: bool,
}

impl LinkConfig {
    /// Defaults with blocking rules derived from the schema's field types.
    pub fn for_schema(schema: &Schema) -> Self {
        LinkConfig {
            blocking: BlockingRule::defaults_for(schema),
            ..LinkConfig::default()
        }
    }

    /// Settings for [`Schema::person`] that stay near-linear in the number of contacts.
    ///
    /// `for_schema(&Schema::person())` pairs every two records sharing *any* name or
    /// org token (blocks up to 1,000): at 100,000 contacts that is ~14 M candidate
    /// pairs, and EM then trains on pairs that only share a company or a first name
    /// (bench/resolution: F1 0.32, 55 s in wasm). Here: exact e-mail, exact phone,
    /// sorted name tokens, each name token + the first 5 letters of the org (nickname
    /// or typo copies at one company), and each name token alone — but only rare
    /// tokens, via `max_block_size` 30: a token shared by more than 30 records
    /// ("john", "smith") identifies nobody. 100k contacts: ~0.5 M pairs, F1 0.78,
    /// under 1 s CPU natively. An e-mail or phone over 30 records (a switchboard,
    /// `info@`) identifies nobody either, but the same e-mail or phone *and* the
    /// same full name does: those two rules keep blocks of up to 1,000, so 31
    /// copies of one contact are still found.
    pub fn person() -> Self {
        let each = || KeyPart::EachToken("name".into());
        let full_name = || KeyPart::SortedTokens("name".into());
        let with_name =
            |field: &str| BlockingRule::key(vec![KeyPart::Exact(field.into()), full_name()]);
        LinkConfig {
            blocking: vec![
                BlockingRule::exact(&["email"]),
                BlockingRule::exact(&["phone"]),
                BlockingRule::key(vec![full_name()]),
                BlockingRule::key(vec![each(), KeyPart::Prefix("org".into(), 5)]),
                BlockingRule::key(vec![each()]),
                with_name("email"),
                with_name("phone"),
            ],
            max_block_size: 30,
            rule_max_block_size: vec![(5, 1_000), (6, 1_000)],
            ..LinkConfig::default()
        }
    }

    /// The largest block rule `rule` keeps.
    pub fn max_block_size_of(&self, rule: usize) -> usize {
        self.rule_max_block_size
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or(self.max_block_size, |(_, n)| *n)
    }
}

/// The largest block of each rule.
pub(crate) fn block_caps(config: &LinkConfig) -> Vec<usize> {
    (0..config.blocking.len())
        .map(|r| config.max_block_size_of(r).max(1))
        .collect()
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            blocking: Vec::new(),
            max_block_size: 1000,
            rule_max_block_size: Vec::new(),
            u_sample_pairs: 20_000,
            seed: 42,
            train: true,
            model: None,
            prior: None,
            em_max_iterations: 100,
            em_tolerance: 1e-6,
            match_probability: 0.5,
            cannot_link_probability: 1e-3,
            max_cluster_size: 1000,
            one_to_one: false,
        }
    }
}

/// A scored candidate pair. In a link run `a` indexes the left table and `b` the right.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    pub a: usize,
    pub b: usize,
    /// log2-odds of a match (prior included).
    pub match_weight: f64,
    pub probability: f64,
}

/// Scores pairs of stored rows.
pub(crate) struct Scorer<'a> {
    pub table: &'a Table,
    pub plans: &'a [FieldPlan],
    pub bf: Vec<Vec<f64>>,
    pub tf: Vec<Vec<f64>>,
    pub prior: f64,
}

impl<'a> Scorer<'a> {
    pub fn new(table: &'a Table, plans: &'a [FieldPlan], model: &Model) -> Self {
        Scorer {
            table,
            plans,
            bf: model.bf_table(),
            tf: weights::tf_adjustments(table, plans, model),
            prior: model.prior_log2_odds(),
        }
    }

    /// Bayes factor (log2) of field `f` at `level` for rows `a`/`b`, TF
    /// included: by the more frequent of the two rows' values, so the pair
    /// weighs the same either way round (of a multi-valued field, a row's
    /// value is all its alternatives, and "Dev" alone can be common while
    /// "Dev, Carol" is unique).
    #[inline]
    pub fn field_bf(&self, f: usize, level: u8, a: usize, b: usize) -> f64 {
        if level == NULL_LEVEL {
            return 0.0;
        }
        let mut w = self.bf[f][level as usize];
        if level == 0 && !self.tf[f].is_empty() {
            let ids = &self.table.cols[f].ids;
            let tf = &self.tf[f];
            w += tf[ids[a] as usize].min(tf[ids[b] as usize]);
            w = w.max(weights::exact_floor(&self.bf[f]));
        }
        w
    }

    /// Match weight from the per-field levels of rows `a`, `b`.
    #[inline]
    pub fn weight_of(&self, levels: &[u8], a: usize, b: usize) -> f64 {
        let mut w = self.prior;
        for (f, &l) in levels.iter().enumerate() {
            w += self.field_bf(f, l, a, b);
        }
        w
    }

    pub fn weight(&self, a: usize, b: usize) -> f64 {
        let mut w = self.prior;
        for f in 0..self.plans.len() {
            let l = weights::compare_rows(self.table, self.plans, f, a, b);
            w += self.field_bf(f, l, a, b);
        }
        w
    }
}

/// A configured linker.
#[derive(Clone, Debug)]
pub struct Linker {
    schema: Schema,
    config: LinkConfig,
    plans: Vec<FieldPlan>,
    rules: Vec<blocking::CompiledRule>,
}

/// The result of a dedupe or link run.
#[derive(Clone, Debug)]
pub struct Resolution {
    /// The trained (or given) model.
    pub model: Model,
    pub em: Option<EmReport>,
    pub blocking: BlockingStats,
    /// Every candidate pair with its score, ordered by `(a, b)`.
    pub pairs: Vec<ScoredPair>,
    /// Clusters of records (every record is in exactly one, singletons included).
    /// In a link run, right-table record `j` appears as `n_left + j`.
    pub clusters: Vec<Vec<usize>>,
    /// Records of the left (or only) table.
    pub n_left: usize,
    pub link: bool,
    /// Probability threshold used for matches.
    pub match_probability: f64,
    table: Table,
    plans: Vec<FieldPlan>,
    schema: Schema,
}

impl Resolution {
    /// Candidate pairs at or above the match threshold.
    pub fn matches(&self) -> impl Iterator<Item = &ScoredPair> + '_ {
        let t = self.match_probability;
        self.pairs.iter().filter(move |p| p.probability >= t)
    }

    /// The pairs implied by the clusters: dedupe — every `(i, j)`, `i < j`, in one
    /// cluster; link — every `(left index, right index)` in one cluster.
    pub fn linked_pairs(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for c in &self.clusters {
            for (i, &x) in c.iter().enumerate() {
                for &y in &c[i + 1..] {
                    if !self.link {
                        out.push((x, y));
                    } else if x < self.n_left && y >= self.n_left {
                        out.push((x, y - self.n_left));
                    }
                }
            }
        }
        out
    }

    /// Explanation of candidate pair `i` (index into [`Resolution::pairs`]).
    pub fn explain(&self, i: usize) -> Option<PairExplanation> {
        let p = self.pairs.get(i)?;
        let b = if self.link { p.b + self.n_left } else { p.b };
        Some(self.explain_rows(p.a, b, p.a, p.b))
    }

    /// Explanation of any two records (row numbers as in [`Resolution::clusters`]).
    pub fn explain_records(&self, a: usize, b: usize) -> Option<PairExplanation> {
        if a >= self.table.n || b >= self.table.n {
            return None;
        }
        Some(self.explain_rows(a, b, a, b))
    }

    fn explain_rows(&self, a: usize, b: usize, la: usize, lb: usize) -> PairExplanation {
        let sc = Scorer::new(&self.table, &self.plans, &self.model);
        let parts = (0..self.plans.len())
            .map(|f| {
                let l = weights::compare_rows(&self.table, &self.plans, f, a, b);
                let (value_a, value_b) = self.table.shown(&self.plans[f], f, a, b);
                explain::FieldPart {
                    field: &self.schema.fields[f].name,
                    level: l,
                    labels: &self.plans[f].labels,
                    bf: sc.field_bf(f, l, a, b),
                    value_a,
                    value_b,
                }
            })
            .collect();
        explain::build(la, lb, sc.prior, parts)
    }
}

impl Linker {
    pub fn new(schema: Schema, config: LinkConfig) -> Result<Self, ResolveError> {
        schema.validate()?;
        if let Some(m) = &config.model {
            m.check(&schema)?;
        }
        let ok = |p: f64| p > 0.0 && p < 1.0;
        if !ok(config.match_probability) || !ok(config.cannot_link_probability) {
            return Err(ResolveError::InvalidConfig(
                "probabilities must be within (0, 1)".into(),
            ));
        }
        if config.cannot_link_probability > config.match_probability {
            return Err(ResolveError::InvalidConfig(
                "cannot_link_probability must not exceed match_probability".into(),
            ));
        }
        if config.prior.is_some_and(|p| !ok(p)) {
            return Err(ResolveError::InvalidConfig(
                "prior must be within (0, 1)".into(),
            ));
        }
        let rules = blocking::compile(&schema, &config.blocking)?;
        let plans = compare::plans(&schema);
        Ok(Linker {
            schema,
            config,
            plans,
            rules,
        })
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Find duplicates within one table.
    pub fn dedupe(
        &self,
        records: &[Record],
        progress: ProgressFn,
    ) -> Result<Resolution, ResolveError> {
        let mut pr = Progress::new(progress);
        pr.stage(300)?;
        let table = Table::build(&self.schema, records, None);
        self.run(table, false, &mut pr)
    }

    /// Link two tables (pairs are only made across them).
    pub fn link(
        &self,
        left: &[Record],
        right: &[Record],
        progress: ProgressFn,
    ) -> Result<Resolution, ResolveError> {
        let mut pr = Progress::new(progress);
        pr.stage(300)?;
        let table = Table::build(&self.schema, left, Some(right));
        self.run(table, true, &mut pr)
    }

    fn run(&self, table: Table, link: bool, pr: &mut Progress) -> Result<Resolution, ResolveError> {
        let cfg = &self.config;
        let nf = self.plans.len();
        pr.stage(1000)?;
        let (pairs, stats) =
            blocking::candidate_pairs(&table, &self.rules, link, &block_caps(cfg), pr)?;
        let mut model = cfg
            .model
            .clone()
            .unwrap_or_else(|| Model::defaults(&self.schema));
        if let Some(p) = cfg.prior {
            model.lambda = p;
        } else if cfg.model.is_none() {
            // start λ at "each record has about one match"
            model.lambda =
                Model::one_match_per_record(table.n, blocking::total_pairs(&table, link));
        }
        pr.stage(1500)?;
        if cfg.train {
            weights::estimate_u(
                &table,
                &self.plans,
                link,
                cfg.u_sample_pairs,
                cfg.seed,
                &mut model,
                pr,
            )?;
        }
        pr.stage(5000)?;
        let mut levels = vec![0u8; pairs.len() * nf];
        for (k, (&(a, b), row)) in pairs
            .iter()
            .zip(levels.chunks_exact_mut(nf.max(1)))
            .enumerate()
        {
            if k % 4096 == 0 {
                pr.step(k, pairs.len())?;
            }
            for (f, slot) in row.iter_mut().enumerate().take(nf) {
                *slot = weights::compare_rows(&table, &self.plans, f, a as usize, b as usize);
            }
        }
        pr.stage(500)?;
        let em = if cfg.train && nf > 0 {
            let pats = Patterns::from_rows(nf, &levels);
            Some(em::train_with_progress(
                &pats,
                &mut model,
                blocking::total_pairs(&table, link),
                cfg.prior,
                cfg.em_max_iterations,
                cfg.em_tolerance,
                pr,
            )?)
        } else {
            None
        };
        pr.stage(1700)?;
        let scorer = Scorer::new(&table, &self.plans, &model);
        let nl = table.n_left;
        let mut scored = Vec::with_capacity(pairs.len());
        let mut edges = Vec::new();
        let link_w = log2_odds(cfg.match_probability);
        for (&(a, b), row) in pairs.iter().zip(levels.chunks_exact(nf.max(1))) {
            let w = if nf == 0 {
                scorer.prior
            } else {
                scorer.weight_of(row, a as usize, b as usize)
            };
            if w >= link_w {
                edges.push((a, b, w));
            }
            scored.push(ScoredPair {
                a: a as usize,
                b: if link { b as usize - nl } else { b as usize },
                match_weight: w,
                probability: probability(w),
            });
        }
        let params = ClusterParams {
            link_weight: link_w,
            cannot_link_weight: log2_odds(cfg.cannot_link_probability),
            max_cluster_size: cfg.max_cluster_size.max(1),
            one_per_side: (link && cfg.one_to_one).then_some(nl),
        };
        let mut cancelled = false;
        let labels = cluster::cluster_labels(
            table.n,
            &edges,
            &table.fingerprint,
            &params,
            &mut |x, y| scorer.weight(x as usize, y as usize),
            &mut |d, t| {
                let ok = pr.step(d, t).is_ok();
                cancelled |= !ok;
                ok
            },
        );
        let labels = match labels {
            Some(l) if !cancelled => l,
            _ => return Err(ResolveError::Cancelled),
        };
        let clusters = cluster::groups(&labels);
        drop(scorer);
        pr.finish()?;
        Ok(Resolution {
            model,
            em,
            blocking: stats,
            pairs: scored,
            clusters,
            n_left: nl,
            link,
            match_probability: cfg.match_probability,
            table,
            plans: self.plans.clone(),
            schema: self.schema.clone(),
        })
    }
}

#[cfg(test)]
mod person_config_tests {
    use super::*;

    #[test]
    fn person_config_compiles_and_finds_a_nickname_copy_at_one_company() {
        let config = LinkConfig {
            train: false,
            ..LinkConfig::person()
        };
        let linker = Linker::new(Schema::person(), config).unwrap();
        let recs = vec![
            record(&[Some("Robert Zuccarello"), None, None, Some("Acmelabs Inc")]),
            record(&[Some("Bob Zuccarello"), None, None, Some("Acmelabs")]),
            record(&[Some("Ann Lee"), Some("ann@x.org"), None, None]),
            record(&[Some("Anne Lee"), Some("ann@x.org"), None, None]),
        ];
        let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
        let cands: Vec<(usize, usize)> = res.pairs.iter().map(|p| (p.a, p.b)).collect();
        assert!(cands.contains(&(0, 1)), "{cands:?}");
        assert!(cands.contains(&(2, 3)), "{cands:?}");
    }
}
