//! The direct (pair-local) factors, each a value in [0, 1] that never
//! decreases when the pair gains an interaction at or before `now`.

use super::accumulate::{diff_ms, BucketDecay, MassConfig, PairStats};
use super::params::{ResolvedScales, StrengthParams};

/// Number of direct factors.
pub const N_DIRECT: usize = 7;

/// Index of each direct factor in the value arrays.
pub const RECENCY: usize = 0;
pub const FREQUENCY: usize = 1;
pub const RECIPROCITY: usize = 2;
pub const CHANNEL_MIX: usize = 3;
pub const GROUP_SIZE: usize = 4;
pub const DURATION: usize = 5;
pub const LONGEVITY: usize = 6;

/// Per-channel richness `q = weight / max weight` for the channel-mix factor,
/// in the bit order of [`super::accumulate::channel_bit`].
pub(crate) fn channel_richness(params: &StrengthParams) -> [f64; 5] {
    let cw = &params.channel_weights;
    let max = cw.max();
    let raw = [cw.email, cw.message, cw.meeting, cw.call, cw.other];
    raw.map(|w| {
        if max > 0.0 && w.is_finite() && w > 0.0 {
            (w / max).min(1.0)
        } else {
            0.0
        }
    })
}

/// `1 − exp(−x/scale)` as `1 − 2^(−x·rate)`, with `rate = log2 e / scale`
/// computed once per scoring pass ([`FactorRates`]): a multiply and an
/// `exp2` per factor instead of a division and an `exp` (exp2 takes half
/// the time of exp in wasm's libm; the relative error, ≤ y·2^−52, is below
/// 10^−14 wherever the result differs from 1).
fn sat(x: f64, rate: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.0;
    }
    (1.0 - (-x * rate).exp2()).clamp(0.0, 1.0)
}

/// `log2 e / scale` for [`sat`]; an unusable scale saturates at once.
fn rate(scale: f64) -> f64 {
    if scale.is_nan() || scale <= 0.0 || !scale.is_finite() {
        f64::INFINITY
    } else {
        std::f64::consts::LOG2_E / scale
    }
}

/// The rates of one scoring pass (parameters, resolved scales and `now`
/// fixed): half-lives and saturation scales as reciprocals, so each factor
/// takes a multiply, not a division, and the decay of the mass buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorRates {
    /// Halvings of recency per ms.
    recency: f64,
    frequency: f64,
    reciprocity: f64,
    duration: f64,
    longevity: f64,
    decay: BucketDecay,
}

impl FactorRates {
    /// For a pass at `now_ms` over interactions from `first_ms` on.
    pub fn new(
        params: &StrengthParams,
        scales: &ResolvedScales,
        mass: &MassConfig,
        now_ms: i64,
        first_ms: i64,
    ) -> Self {
        FactorRates {
            decay: BucketDecay::new(mass, now_ms, mass.bucket_of(first_ms)),
            // Resolved scales are finite and at least 1 ms.
            recency: 1.0 / scales.recency_half_life_ms,
            frequency: rate(params.frequency_saturation),
            reciprocity: rate(params.reciprocity_saturation),
            duration: rate(params.duration_saturation_minutes),
            longevity: rate(scales.longevity_scale_ms),
        }
    }
}

/// The effective scoring time of a pair: `max(now, last_seen)`. Interactions
/// dated after `now` are thus scored as of their own time (recency 1, mass
/// not inflated by a negative age) instead of being extrapolated.
pub fn effective_now(stats: &PairStats, now_ms: i64) -> i64 {
    now_ms.max(stats.last_ms)
}

/// Values of the seven direct factors for one pair.
///
/// * recency `2^(−(now − last)/h_rec)`
/// * frequency `1 − exp(−mass/s)` (decayed, channel·group·duration weighted)
/// * reciprocity `floor + (1 − floor)(1 − exp(−r/s_r))`
/// * channel mix `1 − Π_{channels used}(1 − q_ch)` (media multiplexity)
/// * group size `(n_min − 1)^(−α)`, the most intimate setting seen
/// * duration `1 − exp(−Σ g·minutes / D)`
/// * longevity `1 − exp(−(last − first)/L)`
pub fn direct_factors(
    stats: &PairStats,
    now_ms: i64,
    rates: &FactorRates,
    mass: &MassConfig,
    richness: &[f64; 5],
    params: &StrengthParams,
) -> [f64; N_DIRECT] {
    let mut v = [0.0; N_DIRECT];
    if stats.count == 0 {
        return v;
    }
    let now = effective_now(stats, now_ms);
    let age = diff_ms(now, stats.last_ms);
    v[RECENCY] = (-age * rates.recency).exp2().clamp(0.0, 1.0);
    v[FREQUENCY] = sat(stats.decayed_mass(now, mass, &rates.decay), rates.frequency);
    let floor = params.one_way_reciprocity.clamp(0.0, 1.0);
    let floor = if floor.is_nan() { 0.0 } else { floor };
    v[RECIPROCITY] =
        (floor + (1.0 - floor) * sat(stats.reciprocated(), rates.reciprocity)).clamp(0.0, 1.0);
    let mut keep = 1.0;
    for (bit, q) in richness.iter().enumerate() {
        if stats.channels & (1u8 << bit) != 0 {
            keep *= 1.0 - q;
        }
    }
    v[CHANNEL_MIX] = (1.0 - keep).clamp(0.0, 1.0);
    v[GROUP_SIZE] = mass
        .group_discount(stats.min_group as usize, params)
        .clamp(0.0, 1.0);
    v[DURATION] = sat(stats.minutes(), rates.duration);
    let span = diff_ms(stats.last_ms, stats.first_ms);
    v[LONGEVITY] = sat(span, rates.longevity);
    v
}
