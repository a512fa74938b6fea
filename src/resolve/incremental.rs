//! Incremental matching: an index built once, then `match_one` for a new record
//! without re-running the linkage.
//!
//! The blocking rules become an inverted index (key hash → record ids) and, for
//! sorted-neighbourhood rules, an ordered map of sort keys. A query computes its own
//! keys, unions the posting lists (plus `window - 1` neighbours on each side of its
//! sort key), and scores only those records, so its cost is
//! O(rules × (log n + max_block_size)) comparisons — independent of n².
//!
//! Huge blocks: a key whose posting list exceeds its rule's `max_block_size` is a *stop key*,
//! ignored by queries (the same rule as batch blocking, which skips blocks larger
//! than `max_block_size`). Its list is kept, so that removing records (an edited
//! person's old version) can bring it back under the limit.

use super::blocking::{compile, key_hash, record_keys, CompiledRule, TableRow};
use super::compare::{level, matched_alternatives, plans, FieldPlan, NULL_LEVEL};
use super::explain::{build, FieldPart, PairExplanation};
use super::progress::{Progress, ProgressFn};
use super::schema::Schema;
use super::table::{fingerprint_of, prepare, FxMap, Prepared, Table, NULL_ID, UNSEEN_ID};
use super::weights::{exact_floor, probability, Model, MIN_PROB};
use super::{LinkConfig, Record, ResolveError};
use std::collections::BTreeSet;

/// The rows holding one blocking key, in insertion order.
type Posting = Vec<u32>;

/// A scored match candidate for a query record.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Index of the stored record.
    pub index: usize,
    pub match_weight: f64,
    pub probability: f64,
    /// `is_match`: probability ≥ the configured match threshold.
    pub is_match: bool,
    /// Waterfall; `a` is the stored record, `b` is `usize::MAX` (the query).
    pub explanation: PairExplanation,
}

/// Inverted blocking index over a growing set of records.
pub struct MatchIndex {
    schema: Schema,
    plans: Vec<FieldPlan>,
    rules: Vec<CompiledRule>,
    windows: Vec<Option<usize>>,
    model: Model,
    table: Table,
    postings: Vec<FxMap<u64, Posting>>,
    sorted: Vec<BTreeSet<(String, u64, u32)>>,
    /// Per rule.
    max_block_size: Vec<usize>,
    match_probability: f64,
}

impl MatchIndex {
    /// Build the index over `records` with a (typically trained) `model`.
    pub fn build(
        schema: &Schema,
        config: &LinkConfig,
        model: Model,
        records: &[Record],
        progress: ProgressFn,
    ) -> Result<Self, ResolveError> {
        schema.validate()?;
        model.check(schema)?;
        let rules = compile(schema, &config.blocking)?;
        let windows = config
            .blocking
            .iter()
            .map(|r| match r {
                super::BlockingRule::SortedNeighbourhood { window, .. } => Some(*window),
                super::BlockingRule::Key(_) => None,
            })
            .collect();
        let mut idx = MatchIndex {
            schema: schema.clone(),
            plans: plans(schema),
            postings: (0..rules.len()).map(|_| FxMap::default()).collect(),
            sorted: vec![BTreeSet::new(); rules.len()],
            rules,
            windows,
            model,
            table: Table::new(schema),
            max_block_size: super::block_caps(config),
            match_probability: config.match_probability,
        };
        let mut pr = Progress::new(progress);
        pr.stage(super::PROGRESS_TOTAL)?;
        for (i, r) in records.iter().enumerate() {
            if i % 1024 == 0 {
                pr.step(i, records.len())?;
            }
            idx.insert(r);
        }
        pr.finish()?;
        Ok(idx)
    }

    pub fn len(&self) -> usize {
        self.table.n
    }
    pub fn is_empty(&self) -> bool {
        self.table.n == 0
    }
    pub fn model(&self) -> &Model {
        &self.model
    }
    /// Sets the prior (λ) of the model, e.g. as the number of records moves.
    pub fn set_lambda(&mut self, lambda: f64) {
        self.model.lambda = lambda;
    }
    /// Number of stop keys (keys shared by more than `max_block_size` records).
    pub fn stop_keys(&self) -> usize {
        self.postings
            .iter()
            .zip(&self.max_block_size)
            .map(|(m, &cap)| m.values().filter(|p| p.len() > cap).count())
            .sum()
    }

    /// The blocking keys of a stored row, by rule (hashed, except for
    /// sorted-neighbourhood rules' sort keys).
    fn row_keys(&self, row: usize) -> Vec<Vec<String>> {
        self.rules
            .iter()
            .map(|rule| {
                record_keys(
                    rule,
                    &TableRow {
                        table: &self.table,
                        row,
                    },
                )
            })
            .collect()
    }

    /// Removes a record (e.g. the old version of an edited one): it is no
    /// longer a candidate and no longer counts in term frequencies or block
    /// sizes. Indices of the other records do not change.
    pub fn remove(&mut self, row: usize) {
        if row >= self.table.n {
            return;
        }
        for (ri, keys) in self.row_keys(row).into_iter().enumerate() {
            if self.windows[ri].is_some() {
                if let Some(k) = keys.into_iter().next() {
                    self.sorted[ri].remove(&(k, self.table.fingerprint[row], row as u32));
                }
                continue;
            }
            for k in keys {
                let h = key_hash(&self.rules[ri], &k);
                if let Some(list) = self.postings[ri].get_mut(&h) {
                    list.retain(|&r| r != row as u32);
                    if list.is_empty() {
                        self.postings[ri].remove(&h);
                    }
                }
            }
        }
        self.table.retire(row);
    }

    /// Add a record; returns its index.
    pub fn insert(&mut self, record: &Record) -> usize {
        let row = self.table.push(&self.schema, record, 0);
        for (ri, keys) in self.row_keys(row).into_iter().enumerate() {
            if self.windows[ri].is_some() {
                if let Some(k) = keys.into_iter().next() {
                    self.sorted[ri].insert((k, self.table.fingerprint[row], row as u32));
                }
                continue;
            }
            for k in keys {
                let list = self.postings[ri]
                    .entry(key_hash(&self.rules[ri], &k))
                    .or_default();
                if list.last() != Some(&(row as u32)) {
                    list.push(row as u32);
                }
            }
        }
        row
    }

    /// Score a record against the index: candidates from the blocking keys, best first.
    pub fn match_one(&self, record: &Record) -> Vec<Candidate> {
        // prepare the query: (id in the dictionary or UNSEEN, prepared value)
        let q: Vec<Option<Prepared>> = self
            .schema
            .fields
            .iter()
            .enumerate()
            .map(|(f, spec)| {
                record
                    .get(f)
                    .and_then(|v| v.as_ref())
                    .and_then(|v| prepare(spec.ty, v))
            })
            .collect();
        let qid: Vec<u32> = q
            .iter()
            .enumerate()
            .map(|(f, p)| match p {
                None => NULL_ID,
                Some(p) => self.table.cols[f].lookup(&p.norm).unwrap_or(UNSEEN_ID),
            })
            .collect();
        let fp = fingerprint_of(q.iter().map(|p| p.as_ref().map(|p| p.norm.as_str())));
        let mut cands: Vec<u32> = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            let keys = record_keys(rule, q.as_slice());
            if let Some(w) = self.windows[ri] {
                let Some(k) = keys.into_iter().next() else {
                    continue;
                };
                let set = &self.sorted[ri];
                // the query sits where it would be sorted: (key, fingerprint, after all rows)
                let probe = (k, fp, u32::MAX);
                cands.extend(set.range(..&probe).rev().take(w - 1).map(|e| e.2));
                cands.extend(set.range(&probe..).take(w - 1).map(|e| e.2));
                continue;
            }
            for k in keys {
                if let Some(v) = self.postings[ri].get(&key_hash(rule, &k)) {
                    if v.len() <= self.max_block_size[ri] {
                        cands.extend_from_slice(v);
                    }
                }
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let bf = self.model.bf_table();
        let prior = self.model.prior_log2_odds();
        let mut out: Vec<Candidate> = cands
            .into_iter()
            .map(|row| self.score(row as usize, &q, &qid, &bf, prior))
            .collect();
        out.sort_by(|x, y| {
            y.match_weight
                .total_cmp(&x.match_weight)
                .then(x.index.cmp(&y.index))
        });
        out
    }

    fn score(
        &self,
        row: usize,
        q: &[Option<Prepared>],
        qid: &[u32],
        bf: &[Vec<f64>],
        prior: f64,
    ) -> Candidate {
        let mut parts = Vec::with_capacity(self.plans.len());
        for (f, plan) in self.plans.iter().enumerate() {
            let col = &self.table.cols[f];
            let lv = match (col.get(row), &q[f]) {
                (Some((id, v)), Some(qv)) => {
                    let (pa, pb) = match plan.partner {
                        Some(p) => (self.table.cols[p].get(row).map(|x| x.1), q[p].as_ref()),
                        None => (None, None),
                    };
                    level(plan, id == qid[f], v, qv, pa, pb)
                }
                _ => NULL_LEVEL,
            };
            let mut w = if lv == NULL_LEVEL {
                0.0
            } else {
                bf[f][lv as usize]
            };
            if lv == 0 && plan.tf {
                // The more frequent of the two values, as `Scorer::field_bf`
                // has it: a stored pair weighs the same here as there. A
                // query value the index has not seen counts as the row's.
                let row_count = col.get(row).map_or(0, |(id, _)| col.count(id));
                let query_count = if qid[f] < UNSEEN_ID {
                    col.count(qid[f])
                } else {
                    0
                };
                let nn = (col.non_null[0] + col.non_null[1]) as f64;
                let freq = (row_count.max(query_count) as f64 / nn.max(1.0)).max(MIN_PROB);
                w += (self.model.fields[f].u[0] / freq).log2();
                w = w.max(exact_floor(&bf[f]));
            }
            parts.push(FieldPart {
                field: &self.schema.fields[f].name,
                level: lv,
                labels: &plan.labels,
                bf: w,
                value_a: self.table.raw(row, f),
                value_b: None,
            });
        }
        let mut e = build(row, usize::MAX, prior, parts);
        for (f, c) in e.fields.iter_mut().enumerate() {
            let Some(qv) = &q[f] else { continue };
            // Of a multi-valued field, the values that matched best.
            let (ma, mb) = match self.table.cols[f].get(row) {
                Some((_, v)) => matched_alternatives(&self.plans[f], v, qv),
                None => (None, None),
            };
            if let Some(ma) = ma {
                c.value_a = Some(ma.to_string());
            }
            c.value_b = Some(mb.map_or_else(|| qv.norm.clone(), str::to_string));
        }
        let w = e.match_weight();
        Candidate {
            index: row,
            match_weight: w,
            probability: probability(w),
            is_match: probability(w) >= self.match_probability,
            explanation: e,
        }
    }
}
