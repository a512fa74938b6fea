//! Explanations: the waterfall of a pair's match weight.
//!
//! `prior_weight + Σ fields[i].bayes_factor_log2 == match_weight()` exactly as the
//! linker computed it, and `probability == 2^w / (1 + 2^w)`.

use super::compare::NULL_LEVEL;
use super::weights::probability;

/// One field's part of the waterfall.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldContribution {
    pub field: String,
    /// Comparison level label, or `"missing"` when either value is absent (weight 0).
    pub level_label: String,
    /// `log2(m / u)` of the level, including any term-frequency adjustment.
    pub bayes_factor_log2: f64,
    pub value_a: Option<String>,
    pub value_b: Option<String>,
}

/// Why a pair scored what it scored.
#[derive(Clone, Debug, PartialEq)]
pub struct PairExplanation {
    pub a: usize,
    pub b: usize,
    pub probability: f64,
    /// `log2(λ / (1 - λ))`: the starting point of the waterfall.
    pub prior_weight: f64,
    pub fields: Vec<FieldContribution>,
}

impl PairExplanation {
    /// Total log2-odds: prior plus every field's Bayes factor.
    pub fn match_weight(&self) -> f64 {
        self.fields
            .iter()
            .fold(self.prior_weight, |w, f| w + f.bayes_factor_log2)
    }

    /// A plain-text waterfall, one line per part.
    pub fn to_text(&self) -> String {
        let mut s = format!("prior{:>38.2}\n", self.prior_weight);
        let mut run = self.prior_weight;
        for f in &self.fields {
            run += f.bayes_factor_log2;
            s.push_str(&format!(
                "{:<16} {:<28} {:>+8.2} → {:>8.2}   {:?} | {:?}\n",
                f.field,
                f.level_label,
                f.bayes_factor_log2,
                run,
                f.value_a.as_deref().unwrap_or("∅"),
                f.value_b.as_deref().unwrap_or("∅"),
            ));
        }
        s.push_str(&format!(
            "match weight {:.2} → probability {:.6}\n",
            run, self.probability
        ));
        s
    }
}

/// Per-field raw material of an explanation.
pub(crate) struct FieldPart<'a> {
    pub field: &'a str,
    pub level: u8,
    pub labels: &'a [String],
    pub bf: f64,
    pub value_a: Option<&'a str>,
    pub value_b: Option<&'a str>,
}

pub(crate) fn build(a: usize, b: usize, prior: f64, parts: Vec<FieldPart>) -> PairExplanation {
    let fields: Vec<FieldContribution> = parts
        .into_iter()
        .map(|p| FieldContribution {
            field: p.field.to_string(),
            level_label: if p.level == NULL_LEVEL {
                "missing".to_string()
            } else {
                p.labels[p.level as usize].clone()
            },
            bayes_factor_log2: if p.level == NULL_LEVEL { 0.0 } else { p.bf },
            value_a: p.value_a.map(str::to_string),
            value_b: p.value_b.map(str::to_string),
        })
        .collect();
    let mut e = PairExplanation {
        a,
        b,
        probability: 0.0,
        prior_weight: prior,
        fields,
    };
    e.probability = probability(e.match_weight());
    e
}
