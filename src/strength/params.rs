//! Tunable parameters of the tie-strength model.

use super::Channel;

/// A time scale that is either fixed or derived from the observed data span.
///
/// `SpanFraction` resolves to `clamp(fraction × span, min_ms, max_ms)` where
/// `span` is `last − first` over every interaction the engine has absorbed
/// (independent of the scoring `now`). Resolution is continuous (not
/// quantised) so that strengths stay monotone in the evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeScale {
    /// Always this many milliseconds.
    Fixed { ms: f64 },
    /// `clamp(fraction × observed_span_ms, min_ms, max_ms)`.
    SpanFraction {
        fraction: f64,
        min_ms: f64,
        max_ms: f64,
    },
}

impl TimeScale {
    /// Resolve to milliseconds for an observed data span (never below 1 ms).
    pub fn resolve(&self, span_ms: f64) -> f64 {
        let v = match *self {
            TimeScale::Fixed { ms } => ms,
            TimeScale::SpanFraction {
                fraction,
                min_ms,
                max_ms,
            } => {
                let x = fraction * span_ms.max(0.0);
                // `max` then `min` so that a mis-ordered (min > max) pair still
                // yields a finite value.
                x.max(min_ms).min(max_ms.max(min_ms))
            }
        };
        if v.is_finite() && v >= 1.0 {
            v
        } else {
            1.0
        }
    }
}

/// One value per [`Channel`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerChannel {
    pub email: f64,
    pub message: f64,
    pub meeting: f64,
    pub call: f64,
    pub other: f64,
}

impl PerChannel {
    pub fn get(&self, c: Channel) -> f64 {
        match c {
            Channel::Email => self.email,
            Channel::Message => self.message,
            Channel::Meeting => self.meeting,
            Channel::Call => self.call,
            Channel::Other => self.other,
        }
    }
    pub(crate) fn max(&self) -> f64 {
        self.email
            .max(self.message)
            .max(self.meeting)
            .max(self.call)
            .max(self.other)
    }
}

/// Relative weights of the direct (pair-local) factors. They are normalised
/// to sum to 1 at scoring time (negative or non-finite weights count as 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorWeights {
    pub recency: f64,
    pub frequency: f64,
    pub reciprocity: f64,
    pub channel_mix: f64,
    pub group_size: f64,
    pub duration: f64,
    pub longevity: f64,
}

impl FactorWeights {
    /// In the order of [`super::FACTOR_NAMES`] (without embeddedness),
    /// normalised to sum to 1 (all zero if the sum is not positive).
    pub fn normalised(&self) -> [f64; 7] {
        let raw = [
            self.recency,
            self.frequency,
            self.reciprocity,
            self.channel_mix,
            self.group_size,
            self.duration,
            self.longevity,
        ];
        let clean = raw.map(|w| if w.is_finite() && w > 0.0 { w } else { 0.0 });
        let sum: f64 = clean.iter().sum();
        if sum > 0.0 {
            clean.map(|w| w / sum)
        } else {
            [0.0; 7]
        }
    }
}

/// All parameters of the strength model. See [`StrengthParams::default`] for
/// how each default was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct StrengthParams {
    /// Half-life of the recency factor `2^(−(now − last)/h)`.
    pub recency_half_life: TimeScale,
    /// Half-life of the decayed interaction mass behind the frequency factor.
    /// Fixed (not span-relative) because the mass is kept as an exact,
    /// incrementally updatable sufficient statistic for this one decay rate.
    pub frequency_half_life_ms: f64,
    /// `frequency = 1 − exp(−mass / frequency_saturation)`; mass is in units
    /// of "one fresh 30-minute 1:1 meeting".
    pub frequency_saturation: f64,
    /// Per-interaction weight by channel (also the "richness" used by the
    /// channel-mix factor, relative to the largest weight).
    pub channel_weights: PerChannel,
    /// Duration assumed (minutes) when `duration_minutes` is `None`; only used
    /// by the duration factor (the frequency mass uses a neutral multiplier 1).
    pub default_duration_minutes: PerChannel,
    /// Treat `Meeting`/`Call` with `two_way == None` as two-way exchanges.
    pub synchronous_two_way: bool,
    /// Group discount `g(n) = (n − 1)^(−group_exponent)` for `n` participants.
    pub group_exponent: f64,
    /// Duration multiplier of the mass: `clamp((d / ref)^exponent, min, max)`.
    pub duration_reference_minutes: f64,
    pub duration_exponent: f64,
    pub duration_multiplier_min: f64,
    pub duration_multiplier_max: f64,
    /// `duration = 1 − exp(−Σ g·minutes / duration_saturation_minutes)`.
    pub duration_saturation_minutes: f64,
    /// `longevity = 1 − exp(−(last − first) / L)`.
    pub longevity_scale: TimeScale,
    /// Reciprocity value with no reciprocated evidence (one-way only or
    /// unknown direction).
    pub one_way_reciprocity: f64,
    /// `reciprocity = floor + (1 − floor)(1 − exp(−r / saturation))`, where r
    /// is the group-discounted count of reciprocated exchanges.
    pub reciprocity_saturation: f64,
    /// Weights of the direct factors (normalised).
    pub weights: FactorWeights,
    /// Share of the final score given to embeddedness, in [0, 1].
    pub embeddedness_weight: f64,
}

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 86_400_000.0;

impl Default for StrengthParams {
    /// Defaults, and why. They were chosen for CRM data (emails, meetings,
    /// calls over months or years) from first principles and the tie-strength
    /// literature, *not* fitted to the SocioPatterns evaluation file; the
    /// evaluation only checked that the same defaults transfer to a dataset
    /// on a very different time scale (2 days of 20-second contacts).
    ///
    /// * **Time scales are relative to the observed span `T`, with absolute
    ///   caps** (the answer to "hours or weeks?"): "recent" and "long-lived"
    ///   only mean something relative to how much history we can see.
    ///   - `recency_half_life = clamp(T/4, 1 h, 30 d)`: a tie that went
    ///     silent for a quarter of the visible history has lost half its
    ///     recency. A CRM import of ≥ 4 months pins this at 30 days ("weeks"),
    ///     the usual CRM "cooling" horizon; a 1-day dataset gets hours.
    ///   - `longevity_scale = clamp(T/2, 1 h, 365 d)`: a tie spanning half the
    ///     history scores 1 − e⁻¹ ≈ 0.63, one spanning all of it ≈ 0.86; in a
    ///     multi-year CRM a one-year relationship scores 0.63.
    ///   - `frequency_half_life = 30 d` (fixed): the decayed mass is kept as an
    ///     exact incremental statistic for one decay rate, so it cannot follow
    ///     `T`. 30 days is the CRM horizon; on shorter data it simply means
    ///     "count", which is what short data calls for anyway.
    /// * **Channel weights** meeting 1.0 > call 0.8 > message 0.4 > email 0.3,
    ///   other 0.3: media richness (synchronous, face-to-face first) and cost
    ///   of the act. Unknown durations: meeting 30 min, call 10 min, others 0.
    /// * **Group discount** `(n − 1)^(−0.5)`: Newman's collaboration weight
    ///   `1/(n − 1)` (attention split among the others) is too harsh for a
    ///   5-person deal meeting, no discount is too lenient for a 40-person
    ///   all-hands; the square root sits between (1:1 = 1, 5 people = 0.5,
    ///   40 people = 0.16).
    /// * **Duration multiplier** `clamp(√(d / 30 min), 0.05, 3)`: a 30-minute
    ///   meeting is the unit; longer is more but sub-linearly; a 20-second
    ///   chat still counts a little.
    /// * **Frequency saturation 4**: with a 30-day half-life a steady weekly
    ///   1:1 meeting yields mass ≈ 6 → 0.79, monthly ≈ 1.4 → 0.30, a daily
    ///   email ≈ 13 → 0.96: diminishing returns past roughly weekly contact.
    /// * **Duration saturation 120 min** of (group-discounted) time together
    ///   reaches 0.63: a couple of long meetings make a tie.
    /// * **Reciprocity**: one-way only (or unknown) = 0.2 ("one-way only is
    ///   weak"); each reciprocated exchange moves it toward 1 with
    ///   saturation 1 (one real exchange ≈ 0.71, three ≈ 0.96).
    /// * **Factor weights** frequency .25, recency .20, reciprocity .15,
    ///   longevity .15, channel mix .10, duration .10, group size .05:
    ///   Granovetter's "amount of time" (frequency, recency, longevity,
    ///   duration: 0.70) and "reciprocal services" (0.15) dominate, with
    ///   intimacy proxies (media multiplexity, small groups: 0.15).
    /// * **Embeddedness weight 0.30**: mutual-contact overlap correlates with
    ///   tie strength (Onnela et al. 2007) and is scale-free, so it carries
    ///   across data sets; it is structural evidence, not direct evidence, so
    ///   it gets a minority share.
    fn default() -> Self {
        StrengthParams {
            recency_half_life: TimeScale::SpanFraction {
                fraction: 0.25,
                min_ms: HOUR_MS,
                max_ms: 30.0 * DAY_MS,
            },
            frequency_half_life_ms: 30.0 * DAY_MS,
            frequency_saturation: 4.0,
            channel_weights: PerChannel {
                email: 0.3,
                message: 0.4,
                meeting: 1.0,
                call: 0.8,
                other: 0.3,
            },
            default_duration_minutes: PerChannel {
                email: 0.0,
                message: 0.0,
                meeting: 30.0,
                call: 10.0,
                other: 0.0,
            },
            synchronous_two_way: true,
            group_exponent: 0.5,
            duration_reference_minutes: 30.0,
            duration_exponent: 0.5,
            duration_multiplier_min: 0.05,
            duration_multiplier_max: 3.0,
            duration_saturation_minutes: 120.0,
            longevity_scale: TimeScale::SpanFraction {
                fraction: 0.5,
                min_ms: HOUR_MS,
                max_ms: 365.0 * DAY_MS,
            },
            one_way_reciprocity: 0.2,
            reciprocity_saturation: 1.0,
            weights: FactorWeights {
                recency: 0.20,
                frequency: 0.25,
                reciprocity: 0.15,
                channel_mix: 0.10,
                group_size: 0.05,
                duration: 0.10,
                longevity: 0.15,
            },
            embeddedness_weight: 0.30,
        }
    }
}

/// Time scales resolved for one scoring pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedScales {
    pub recency_half_life_ms: f64,
    pub longevity_scale_ms: f64,
}

impl StrengthParams {
    /// Resolve the span-relative time scales for an observed data span.
    pub fn resolve_scales(&self, span_ms: f64) -> ResolvedScales {
        ResolvedScales {
            recency_half_life_ms: self.recency_half_life.resolve(span_ms),
            longevity_scale_ms: self.longevity_scale.resolve(span_ms),
        }
    }

    /// Group discount `g(n)` for an interaction with `n ≥ 2` participants.
    pub fn group_discount(&self, n: usize) -> f64 {
        let e = if self.group_exponent.is_finite() && self.group_exponent > 0.0 {
            self.group_exponent
        } else {
            0.0
        };
        ((n.max(2) - 1) as f64).powf(-e)
    }

    /// Mass multiplier for a known duration (minutes); `None` → 1.
    pub fn duration_multiplier(&self, minutes: Option<f32>) -> f64 {
        match clean_minutes(minutes) {
            None => 1.0,
            Some(d) => {
                let r = self.duration_reference_minutes.max(1e-9);
                let lo = self.duration_multiplier_min.max(0.0);
                let hi = self.duration_multiplier_max.max(lo);
                let m = (d / r).powf(self.duration_exponent);
                if m.is_finite() {
                    m.clamp(lo, hi)
                } else {
                    hi
                }
            }
        }
    }

    /// Minutes counted by the duration factor (before the group discount).
    pub fn effective_minutes(&self, channel: Channel, minutes: Option<f32>) -> f64 {
        match clean_minutes(minutes) {
            Some(d) => d,
            None => {
                let d = self.default_duration_minutes.get(channel);
                if d.is_finite() && d > 0.0 {
                    d
                } else {
                    0.0
                }
            }
        }
    }
}

/// A finite, non-negative duration, or `None` (negative/NaN count as unknown).
fn clean_minutes(minutes: Option<f32>) -> Option<f64> {
    match minutes {
        Some(d) if d.is_finite() && d >= 0.0 => Some(d as f64),
        _ => None,
    }
}
