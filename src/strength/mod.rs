//! Relationship (tie) strength per pair of people, with every factor
//! explained.
//!
//! # Model
//! For each pair `(a, b)`, `a < b`, that shares at least one interaction:
//!
//! 1. **Direct factors** `v_k ∈ [0, 1]` from the pair's own sufficient
//!    statistics ([`PairStats`]): recency, frequency, reciprocity, channel mix,
//!    group size, duration, longevity (see [`factors::direct_factors`]).
//!    The *base strength* is `s_ab = Σ_k ŵ_k v_k` with the factor weights
//!    `ŵ` normalised to sum to 1, so `s_ab ∈ [0, 1]`.
//! 2. **Embeddedness** `E_ab ∈ [0, 1]`, a second pass over the pair graph of
//!    base strengths (see [`embeddedness`]).
//! 3. **Strength** = `(1 − β)·s_ab + β·E_ab`, with `β` the embeddedness
//!    weight. This is a weighted sum of `[0, 1]` factors whose weights
//!    (`(1 − β)ŵ_k` and `β`) sum to 1, so the strength is in `[0, 1]` and the
//!    decomposition is exact: `contribution_k = (1 − β)·ŵ_k·v_k`,
//!    `contribution_E = β·E_ab`, and the reported `strength` *is* the sum of
//!    the contributions (computed in the listed order).
//!
//! # Guarantees
//! * **Deterministic / order-independent**: statistics are integer fixed
//!   point or min/max; float sums run in a canonical order. The same set of
//!   interactions, in any order or batching, and the same `now` give
//!   bit-identical strengths.
//! * **Monotone** (the contract tested): with resolved time scales unchanged
//!   (fixed scales, or the new timestamp inside the already observed span),
//!   adding a 2-participant interaction between `a` and `b` dated at or before
//!   `now` never lowers `strength(a, b)`, and moving the pair's last
//!   interaction later (still ≤ `now`) never lowers it. Every direct factor is
//!   non-decreasing in the pair's evidence and `E_ab` does not depend on the
//!   pair's own statistics. (A group interaction also changes the pair's
//!   *neighbours*' ties, which may legitimately shift `E_ab` either way.)
//! * **Future timestamps** (after `now`) are not dropped: a pair is scored at
//!   `max(now, last_seen)`, i.e. as of its latest interaction.
//! * **Incremental = full**: [`StrengthEngine::score_touched`] after a batch
//!   gives exactly what [`StrengthEngine::score_all`] gives for the same `now`,
//!   provided the previous scoring used the same `now`.

pub mod accumulate;
mod batch;
pub mod chunked;
pub mod embeddedness;
mod engine;
pub mod factors;
pub mod params;

#[cfg(test)]
mod tests;

pub use accumulate::{channel_bit, PairStats};
pub use batch::InteractionBatch;
pub use engine::{score_batch, score_interactions, StrengthEngine};
pub use params::{FactorWeights, PerChannel, ResolvedScales, StrengthParams, TimeScale};

/// Interaction channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Message,
    Meeting,
    Call,
    Other,
}

/// One interaction, as mapped by the integrator.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionInput {
    pub timestamp_ms: i64,
    /// Dense person indices; duplicates are removed.
    pub participants: Vec<u32>,
    /// The initiator, if known (ignored if not among the participants).
    pub sender: Option<u32>,
    pub channel: Channel,
    /// Direction if known: `Some(true)` two-way, `Some(false)` one-way.
    pub two_way: Option<bool>,
    pub duration_minutes: Option<f32>,
}

/// One explained factor of an [`EdgeStrength`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Factor {
    pub name: &'static str,
    /// Factor value in [0, 1].
    pub value: f64,
    /// Share of the strength: `weight × value`; contributions sum to strength.
    pub contribution: f64,
}

/// Names of the factors, in the order they appear in [`EdgeStrength::factors`].
pub const FACTOR_NAMES: [&str; 8] = [
    "recency",
    "frequency",
    "reciprocity",
    "channel_mix",
    "group_size",
    "duration",
    "longevity",
    "embeddedness",
];

/// Strength of one pair, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeStrength {
    /// In [0, 1]; equals the sum of `factors[..].contribution`.
    pub strength: f64,
    /// In [`FACTOR_NAMES`] order (a fixed array: no allocation per pair).
    pub factors: [Factor; 8],
    pub interaction_count: u32,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    /// Bitmask of [`channel_bit`]s seen.
    pub channels: u8,
    /// Any reciprocated (two-way) evidence.
    pub two_way: bool,
}
