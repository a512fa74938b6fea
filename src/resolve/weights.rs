//! m / u probabilities, Bayes factors and match weights.
//!
//! For field `f` at level `l`: `m = P(level | match)`, `u = P(level | non-match)`,
//! Bayes factor `BF = m / u`, and the match weight of a pair is
//! `log2(λ / (1 - λ)) + Σ_f log2 BF_f` (missing values contribute 0). The match
//! probability is `2^w / (1 + 2^w)`.
//!
//! `u` is measured on random pairs: the exact-agreement level exactly, from value
//! frequencies; the other levels from a sample of random pairs drawn with a seeded
//! SplitMix64 generator over the records in content order (so the sample does not
//! depend on input order). Optional term-frequency adjustment replaces, for an exact
//! agreement on value `v`, `u_exact` by the frequency of `v`.

use super::compare::{level, FieldPlan, NULL_LEVEL};
use super::progress::Progress;
use super::schema::{FieldType, Schema};
use super::table::Table;
use super::ResolveError;

/// Trained (or default) parameters of one field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldParams {
    pub field: String,
    pub labels: Vec<String>,
    /// P(level | match), one per level.
    pub m: Vec<f64>,
    /// P(level | non-match), one per level.
    pub u: Vec<f64>,
}

impl FieldParams {
    /// `log2(m / u)` of a level.
    pub fn bayes_factor_log2(&self, level: usize) -> f64 {
        (self.m[level] / self.u[level]).log2()
    }
}

/// A Fellegi–Sunter model: per-field m/u and the prior λ = P(two random records match).
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub fields: Vec<FieldParams>,
    pub lambda: f64,
}

/// Smallest probability any m or u may take.
pub const MIN_PROB: f64 = 1e-9;

fn default_u_exact(ty: FieldType) -> f64 {
    match ty {
        FieldType::Name | FieldType::Address | FieldType::FreeText | FieldType::Date => 1e-3,
        FieldType::GivenName | FieldType::Postcode | FieldType::Set => 1e-2,
        FieldType::FamilyName => 5e-3,
        FieldType::Email | FieldType::Phone => 1e-4,
        FieldType::Identifier => 1e-5,
    }
}

/// Default m before training: 0.9 for the first level, 0.03 for the last, the rest
/// shared equally by the intermediate levels.
pub(crate) fn default_m(levels: usize) -> Vec<f64> {
    match levels {
        0 => vec![],
        1 => vec![1.0],
        2 => vec![0.95, 0.05],
        k => {
            let mid = 0.07 / (k - 2) as f64;
            let mut v = vec![mid; k];
            v[0] = 0.9;
            v[k - 1] = 0.03;
            v
        }
    }
}

fn default_u(ty: FieldType, levels: usize) -> Vec<f64> {
    let e = default_u_exact(ty);
    let mut v = vec![(e * 2.0).min(0.01); levels];
    v[0] = e;
    let rest: f64 = v[..levels - 1].iter().sum();
    v[levels - 1] = 1.0 - rest;
    v
}

impl Model {
    /// Sensible untrained defaults (m by level position, u by field type, λ = 1e-4).
    pub fn defaults(schema: &Schema) -> Model {
        let plans = super::compare::plans(schema);
        Model {
            fields: schema
                .fields
                .iter()
                .zip(&plans)
                .map(|(f, p)| FieldParams {
                    field: f.name.clone(),
                    labels: p.labels.clone(),
                    m: default_m(p.labels.len()),
                    u: default_u(f.ty, p.labels.len()),
                })
                .collect(),
            lambda: 1e-4,
        }
    }

    /// The untrained prior of a table of `records` and `pairs` candidate
    /// pairs: each record has about one match.
    pub fn one_match_per_record(records: usize, pairs: u64) -> f64 {
        (records.max(2) as f64 / 2.0 / pairs.max(1) as f64).clamp(1e-12, 0.5)
    }

    /// `log2(λ / (1 - λ))`.
    pub fn prior_log2_odds(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Check the model fits a schema (same fields and level counts).
    pub fn check(&self, schema: &Schema) -> Result<(), ResolveError> {
        let plans = super::compare::plans(schema);
        let ok = self.fields.len() == schema.len()
            && self
                .fields
                .iter()
                .zip(&plans)
                .all(|(f, p)| f.m.len() == p.labels.len() && f.u.len() == p.labels.len())
            && self.lambda > 0.0
            && self.lambda < 1.0;
        if ok {
            Ok(())
        } else {
            Err(ResolveError::InvalidConfig(
                "model does not fit the schema".into(),
            ))
        }
    }

    /// Per-field Bayes-factor table `bf[f][level]` in log2.
    pub(crate) fn bf_table(&self) -> Vec<Vec<f64>> {
        self.fields
            .iter()
            .map(|f| (0..f.m.len()).map(|l| f.bayes_factor_log2(l)).collect())
            .collect()
    }
}

/// Probability from a log2-odds match weight.
pub fn probability(weight_log2: f64) -> f64 {
    1.0 / (1.0 + (-weight_log2).exp2())
}

/// Log2-odds from a probability (clamped to avoid infinities).
pub fn log2_odds(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

/// Deterministic SplitMix64 generator.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// Compare two stored rows on one field.
#[inline]
pub(crate) fn compare_rows(table: &Table, plans: &[FieldPlan], f: usize, a: usize, b: usize) -> u8 {
    let col = &table.cols[f];
    let (Some((ia, va)), Some((ib, vb))) = (col.get(a), col.get(b)) else {
        return NULL_LEVEL;
    };
    let plan = &plans[f];
    if ia == ib {
        return 0;
    }
    let (pa, pb) = match plan.partner {
        Some(p) => (
            table.cols[p].get(a).map(|x| x.1),
            table.cols[p].get(b).map(|x| x.1),
        ),
        None => (None, None),
    };
    level(plan, false, va, vb, pa, pb)
}

/// Estimate u for every field from the table (exact level from frequencies, other
/// levels from `sample` random pairs, or from all pairs when that is fewer).
pub(crate) fn estimate_u(
    table: &Table,
    plans: &[FieldPlan],
    link: bool,
    sample: usize,
    seed: u64,
    model: &mut Model,
    progress: &mut Progress,
) -> Result<(), ResolveError> {
    let nf = plans.len();
    // exact level from value frequencies
    let mut u_exact = vec![0.0; nf];
    for (f, col) in table.cols.iter().enumerate() {
        u_exact[f] = if link {
            let (na, nb) = (col.non_null[0] as f64, col.non_null[1] as f64);
            let s: f64 = col.counts[0]
                .iter()
                .zip(&col.counts[1])
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum();
            if na * nb > 0.0 {
                s / (na * nb)
            } else {
                0.0
            }
        } else {
            let nn = col.non_null[0] as f64;
            let s: f64 = col.counts[0]
                .iter()
                .map(|&c| c as f64 * (c as f64 - 1.0))
                .sum();
            if nn > 1.0 {
                s / (nn * (nn - 1.0))
            } else {
                0.0
            }
        };
    }
    // other levels from sampled pairs
    let mut counts: Vec<Vec<u64>> = plans.iter().map(|p| vec![0; p.labels.len()]).collect();
    let visit = |a: usize, b: usize, counts: &mut Vec<Vec<u64>>| {
        for (f, c) in counts.iter_mut().enumerate() {
            let col = &table.cols[f];
            let (ia, ib) = (col.ids[a], col.ids[b]);
            if ia == super::table::NULL_ID || ib == super::table::NULL_ID || ia == ib {
                continue;
            }
            let l = compare_rows(table, plans, f, a, b);
            if l != NULL_LEVEL {
                c[l as usize] += 1;
            }
        }
    };
    let total = super::blocking::total_pairs(table, link);
    if total <= sample as u64 {
        let mut k = 0usize;
        if link {
            for a in 0..table.n_left {
                for b in table.n_left..table.n {
                    visit(a, b, &mut counts);
                }
                k += table.n - table.n_left;
                progress.step(k, total as usize)?;
            }
        } else {
            for a in 0..table.n {
                for b in a + 1..table.n {
                    visit(a, b, &mut counts);
                }
                k += table.n - a - 1;
                progress.step(k, total as usize)?;
            }
        }
    } else {
        let mut rng = SplitMix64(seed);
        let (lo, hi) = if link {
            (
                table.content_order(0..table.n_left),
                table.content_order(table.n_left..table.n),
            )
        } else {
            let o = table.content_order(0..table.n);
            (o.clone(), o)
        };
        let mut drawn = 0usize;
        while drawn < sample {
            let a = lo[rng.below(lo.len() as u64) as usize] as usize;
            let b = hi[rng.below(hi.len() as u64) as usize] as usize;
            if a == b {
                continue;
            }
            visit(a, b, &mut counts);
            drawn += 1;
            if drawn.is_multiple_of(4096) {
                progress.step(drawn, sample)?;
            }
        }
    }
    for (f, fp) in model.fields.iter_mut().enumerate() {
        let k = fp.u.len();
        let c = &counts[f];
        let rest: u64 = c[1..].iter().sum();
        let e = u_exact[f].clamp(MIN_PROB, 1.0 - 1e-6);
        // half a pseudo-count per intermediate level, none on "different"
        let alpha = 0.5;
        let denom = rest as f64 + alpha * (k - 2) as f64;
        for (l, &cl) in c.iter().enumerate().skip(1) {
            let a = if l + 1 < k { alpha } else { 0.0 };
            let share = if denom > 0.0 {
                (cl as f64 + a) / denom
            } else {
                1.0 / (k - 1) as f64
            };
            fp.u[l] = ((1.0 - e) * share).max(MIN_PROB);
        }
        fp.u[0] = e;
    }
    Ok(())
}

/// The least weight an exact agreement gets once adjusted for its value's
/// frequency: no weaker level's weight (a typo must not count more than
/// the exact name: in a small graph every value is frequent), and never
/// evidence against a match.
pub(crate) fn exact_floor(bf: &[f64]) -> f64 {
    // The levels between "exact" (first) and "different" (last), if any.
    let last = bf.len().saturating_sub(1);
    bf[1.min(last)..last].iter().copied().fold(0.0, f64::max)
}

/// Term-frequency adjustments (log2) of exact agreement per field and value id:
/// `log2(u_exact / freq(v))`, or empty when the field has no TF adjustment.
pub(crate) fn tf_adjustments(table: &Table, plans: &[FieldPlan], model: &Model) -> Vec<Vec<f64>> {
    plans
        .iter()
        .enumerate()
        .map(|(f, p)| {
            if !p.tf {
                return Vec::new();
            }
            let col = &table.cols[f];
            let nn = (col.non_null[0] + col.non_null[1]) as f64;
            let u0 = model.fields[f].u[0];
            (0..col.values.len())
                .map(|id| {
                    let freq = (col.count(id as u32) as f64 / nn).max(MIN_PROB);
                    (u0 / freq).log2()
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_floor_is_the_best_level_between_exact_and_different_and_never_negative() {
        assert_eq!(super::exact_floor(&[5.0, 2.5, 3.0, -4.0]), 3.0);
        assert_eq!(super::exact_floor(&[5.0, -4.0]), 0.0);
        assert_eq!(super::exact_floor(&[5.0]), 0.0);
        assert_eq!(super::exact_floor(&[]), 0.0);
    }
}
