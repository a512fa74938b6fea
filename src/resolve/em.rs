//! Unsupervised training of m (and λ) by expectation–maximisation.
//!
//! Fellegi–Sunter with conditional independence. The candidate pairs are collapsed
//! into distinct comparison vectors ("patterns") with counts, sorted, so an iteration
//! costs O(patterns × fields) and the result does not depend on pair order.
//! `u` stays fixed at its random-pair estimate. The E-step uses the prior λ of *all*
//! pairs; since blocking keeps (nearly) every true match, the expected number of
//! matches among the candidates divided by the number of all pairs re-estimates λ.
//! m is smoothed with one pseudo-pair spread by the default m (no level is ever 0).

use super::compare::NULL_LEVEL;
use super::progress::Progress;
use super::weights::{default_m, Model, MIN_PROB};
use super::ResolveError;

/// Outcome of EM.
#[derive(Clone, Debug, PartialEq)]
pub struct EmReport {
    pub iterations: usize,
    pub converged: bool,
    /// Distinct comparison vectors among the candidate pairs.
    pub patterns: usize,
    /// Expected number of matching pairs among the candidates.
    pub expected_matches: f64,
}

/// Distinct comparison vectors with counts (`levels` is row-major, `fields` wide).
#[derive(Clone, Debug, Default)]
pub struct Patterns {
    pub fields: usize,
    pub levels: Vec<u8>,
    pub counts: Vec<u64>,
}

impl Patterns {
    /// Collapse per-pair level rows into sorted distinct patterns.
    pub fn from_rows(fields: usize, rows: &[u8]) -> Patterns {
        if fields == 0 {
            return Patterns {
                fields,
                levels: Vec::new(),
                counts: Vec::new(),
            };
        }
        let mut refs: Vec<&[u8]> = rows.chunks_exact(fields).collect();
        refs.sort_unstable();
        let mut p = Patterns {
            fields,
            ..Default::default()
        };
        for r in refs {
            if p.levels.len() >= fields && &p.levels[p.levels.len() - fields..] == r {
                *p.counts.last_mut().unwrap_or(&mut 0) += 1;
            } else {
                p.levels.extend_from_slice(r);
                p.counts.push(1);
            }
        }
        p
    }
    pub fn len(&self) -> usize {
        self.counts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
    pub fn row(&self, i: usize) -> &[u8] {
        &self.levels[i * self.fields..(i + 1) * self.fields]
    }
}

/// Log2 match weight of a pattern under a model (no term-frequency adjustment).
pub fn pattern_weight(model: &Model, bf: &[Vec<f64>], row: &[u8]) -> f64 {
    let mut w = model.prior_log2_odds();
    for (f, &l) in row.iter().enumerate() {
        if l != NULL_LEVEL {
            w += bf[f][l as usize];
        }
    }
    w
}

/// Run EM. `total_pairs` is the number of pairs of the whole comparison space;
/// `fixed_lambda` keeps λ at a caller-chosen value.
pub fn train(
    patterns: &Patterns,
    model: &mut Model,
    total_pairs: u64,
    fixed_lambda: Option<f64>,
    max_iterations: usize,
    tolerance: f64,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<EmReport, ResolveError> {
    let nf = model.fields.len();
    let priors: Vec<Vec<f64>> = model.fields.iter().map(|f| default_m(f.m.len())).collect();
    if let Some(l) = fixed_lambda {
        model.lambda = l;
    }
    let mut report = EmReport {
        iterations: 0,
        converged: false,
        patterns: patterns.len(),
        expected_matches: 0.0,
    };
    if patterns.is_empty() || total_pairs == 0 {
        report.converged = true;
        return Ok(report);
    }
    let mut num: Vec<Vec<f64>> = model.fields.iter().map(|f| vec![0.0; f.m.len()]).collect();
    let mut den = vec![0.0; nf];
    for it in 0..max_iterations {
        if !progress(it, max_iterations) {
            return Err(ResolveError::Cancelled);
        }
        let bf = model.bf_table();
        num.iter_mut()
            .for_each(|v| v.iter_mut().for_each(|x| *x = 0.0));
        den.iter_mut().for_each(|x| *x = 0.0);
        let mut expected = 0.0;
        for i in 0..patterns.len() {
            let row = patterns.row(i);
            let w = pattern_weight(model, &bf, row);
            let p = 1.0 / (1.0 + (-w).exp2());
            let c = patterns.counts[i] as f64 * p;
            expected += c;
            for (f, &l) in row.iter().enumerate() {
                if l != NULL_LEVEL {
                    num[f][l as usize] += c;
                    den[f] += c;
                }
            }
        }
        let mut delta: f64 = 0.0;
        for f in 0..nf {
            let fp = &mut model.fields[f];
            for (l, m) in fp.m.iter_mut().enumerate() {
                let new = ((num[f][l] + priors[f][l]) / (den[f] + 1.0)).max(MIN_PROB);
                delta = delta.max((new - *m).abs());
                *m = new;
            }
        }
        if fixed_lambda.is_none() {
            let new = (expected / total_pairs as f64).clamp(1e-12, 0.5);
            delta = delta.max(((new - model.lambda) / model.lambda).abs());
            model.lambda = new;
        }
        report.iterations = it + 1;
        report.expected_matches = expected;
        if delta < tolerance {
            report.converged = true;
            break;
        }
    }
    Ok(report)
}

pub(crate) fn train_with_progress(
    patterns: &Patterns,
    model: &mut Model,
    total_pairs: u64,
    fixed_lambda: Option<f64>,
    max_iterations: usize,
    tolerance: f64,
    progress: &mut Progress,
) -> Result<EmReport, ResolveError> {
    let mut cancelled = false;
    let r = train(
        patterns,
        model,
        total_pairs,
        fixed_lambda,
        max_iterations,
        tolerance,
        &mut |d, t| {
            if progress.step(d, t).is_err() {
                cancelled = true;
                return false;
            }
            true
        },
    );
    if cancelled {
        return Err(ResolveError::Cancelled);
    }
    r
}
