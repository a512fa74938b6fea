//! Per-pair sufficient statistics and their (exact, order-independent)
//! accumulation.
//!
//! Every statistic is either a count, a min/max, or a sum kept in **integer
//! fixed point**, so absorbing the same interactions in any order (or in any
//! number of batches) yields bit-identical state. The decayed mass
//! `Σ w·2^(−(now − t)/h)` is stored per 32-half-life time bucket `k` as
//! `Σ round(w·2^(−(end_k − t)/h) · 2^64)` (each term in `(2^−32 w, w]`), and
//! evaluated at scoring time as `Σ_k M_k·2^(−(now − end_k)/h)`.

use super::batch::Head;
use super::params::StrengthParams;
use super::Channel;

/// Fixed-point scale of group-discounted counts (reciprocity); g ≤ 1 fits u32.
const G_SCALE: f64 = 2_147_483_648.0; // 2^31
/// Fixed-point scale of minutes (duration).
const MIN_SCALE: f64 = 1_048_576.0; // 2^20
/// Fixed-point scale of mass terms.
const MASS_SCALE: f64 = 18_446_744_073_709_551_616.0; // 2^64
/// Half-lives per mass bucket.
const BUCKET_HALF_LIVES: f64 = 32.0;
/// Upper bound on one interaction's mass weight and minutes (garbage guard).
const MAX_WEIGHT: f64 = 1.0e6;
const MAX_MINUTES: f64 = 1.0e6;

// 128-bit conversions and arithmetic are library calls in wasm (and
// natively): a few per pair were a quarter of the direct-factor pass in
// wasm. These give exactly what `as` gives, with 64-bit operations on the
// common path.

/// `(a as i128 − b as i128) as f64`.
#[inline]
pub(crate) fn diff_ms(a: i64, b: i64) -> f64 {
    match a.checked_sub(b) {
        Some(d) => d as f64,
        None => (a as i128 - b as i128) as f64,
    }
}

/// `f64::min` as a compare and a select: wasm's `f64.min` returns NaN when
/// either side is NaN where Rust's returns the other side, so `f64::min`
/// is a call to libm's `fmin` there (a few million a scoring pass).
#[inline(always)]
pub(crate) fn min_f64(x: f64, y: f64) -> f64 {
    if x.is_nan() || y < x {
        y
    } else {
        x
    }
}

/// `m as f64` (rounded to nearest, ties to even).
#[inline]
pub(crate) fn u128_to_f64(m: u128) -> f64 {
    let (hi, lo) = ((m >> 64) as u64, m as u64);
    if hi == 0 {
        return lo as f64;
    }
    // The top 64 bits, with a sticky bit for everything below them, round
    // exactly as the whole number does (the rounding point is bit 10).
    let shift = 64 - hi.leading_zeros(); // 1..=64
    let (top, rest) = if shift == 64 {
        (hi, lo)
    } else {
        ((hi << (64 - shift)) | (lo >> shift), lo << (64 - shift))
    };
    let scale = f64::from_bits(u64::from(1023 + shift) << 52); // 2^shift
    (top | u64::from(rest != 0)) as f64 * scale
}

/// `x as u128` for an integral `x` (NaN and negatives → 0, 2^128 and
/// above → `u128::MAX`, as `as` saturates).
#[inline]
pub(crate) fn f64_to_u128(x: f64) -> u128 {
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    if x.is_nan() || x < TWO_64 {
        return x as u64 as u128; // below 2^64, NaN, negative
    }
    if x >= TWO_64 * TWO_64 {
        return u128::MAX;
    }
    // Both halves exact: x is integral and at least 2^64, a multiple of 2^12.
    let hi = (x / TWO_64).floor();
    let lo = x - hi * TWO_64;
    ((hi as u64 as u128) << 64) | lo as u64 as u128
}

/// Bit of a channel in [`super::EdgeStrength::channels`].
pub fn channel_bit(c: Channel) -> u8 {
    match c {
        Channel::Email => 1,
        Channel::Message => 2,
        Channel::Meeting => 4,
        Channel::Call => 8,
        Channel::Other => 16,
    }
}

/// Decay configuration of the mass statistic (fixed for an engine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassConfig {
    pub half_life_ms: f64,
    /// `1 / half_life_ms`: decay as a multiply, not a division.
    halvings_per_ms: f64,
    pub bucket_ms: i64,
    /// `1 / bucket_ms`, for [`Self::bucket_of`].
    bucket_inverse: f64,
    /// `params.group_discount(n)` for `n < GROUP_TABLE`: a `powf` (a libm
    /// call in wasm) per interaction and per pair otherwise.
    group_discounts: [f64; GROUP_TABLE],
    /// `params.duration_multiplier(m)` for whole minutes `m < DURATION_TABLE`
    /// (how durations usually come): another `powf` per interaction otherwise.
    duration_multipliers: [f64; DURATION_TABLE],
}

/// Whole-minute durations with a precomputed multiplier (up to 4 hours).
const DURATION_TABLE: usize = 241;

/// Group sizes with a precomputed discount (larger ones call `powf`).
const GROUP_TABLE: usize = 64;

impl MassConfig {
    pub fn new(params: &StrengthParams) -> Self {
        let h = params.frequency_half_life_ms;
        let h = if h.is_finite() && h >= 1.0 { h } else { 1.0 };
        let bucket = (h * BUCKET_HALF_LIVES).round().clamp(32.0, 1.0e17) as i64;
        MassConfig {
            half_life_ms: h,
            halvings_per_ms: 1.0 / h,
            bucket_ms: bucket,
            bucket_inverse: 1.0 / bucket as f64,
            // `black_box`: with the base a constant, LLVM rewrites
            // `pow(8, x)` as `exp2(3x)`, one ulp away from the runtime call
            // the table stands for.
            group_discounts: std::array::from_fn(|n| {
                params.group_discount(std::hint::black_box(n))
            }),
            duration_multipliers: std::array::from_fn(|m| {
                params.duration_multiplier(Some(std::hint::black_box(m) as f32))
            }),
        }
    }

    /// The mass bucket of time `t`: exactly `t.div_euclid(bucket_ms)`, by a
    /// float multiply and one correction (the `i64` division per pair event
    /// it replaces was ~2 % of a full recompute in wasm, measured by taking
    /// it out). Below 2^53 the product is off by less than 1/8 (the
    /// quotient is below 2^48), so the floor is off by at most one.
    #[inline]
    pub fn bucket_of(&self, t: i64) -> i64 {
        if t.unsigned_abs() >= 1 << 53 {
            return t.div_euclid(self.bucket_ms);
        }
        let q = (t as f64 * self.bucket_inverse).floor() as i64;
        let r = t - q * self.bucket_ms;
        if r < 0 {
            q - 1
        } else if r >= self.bucket_ms {
            q + 1
        } else {
            q
        }
    }

    /// `2^(−(now − end of bucket k)/h)`: what bucket `k`'s mass is worth at
    /// `now_ms`.
    pub fn bucket_decay(&self, now_ms: i64, k: i64) -> f64 {
        let age = match k.checked_add(1).and_then(|k| k.checked_mul(self.bucket_ms)) {
            Some(end) => diff_ms(now_ms, end),
            None => (now_ms as i128 - (k as i128 + 1) * self.bucket_ms as i128) as f64,
        };
        (-age * self.halvings_per_ms).exp2()
    }

    /// Exactly `params.group_discount(n)` (the params this was made from).
    #[inline(always)]
    pub fn group_discount(&self, n: usize, params: &StrengthParams) -> f64 {
        match self.group_discounts.get(n) {
            Some(&g) => g,
            None => params.group_discount(n),
        }
    }

    /// Exactly `params.duration_multiplier(minutes)`.
    #[inline(always)]
    pub fn duration_multiplier(&self, minutes: Option<f32>, params: &StrengthParams) -> f64 {
        match minutes {
            Some(m) if m >= 0.0 && m < DURATION_TABLE as f32 && m == m.trunc() => {
                self.duration_multipliers[m as usize]
            }
            _ => params.duration_multiplier(minutes),
        }
    }
}

/// Direction evidence of one interaction, packed in a `u32`: a sender
/// (directed from this participant to each other participant), or one of
/// the two markers below.
const DIR_UNKNOWN: u32 = u32::MAX;
const DIR_EXCHANGE: u32 = u32::MAX - 1;

/// How one interaction directs one of its pairs `(a, b)`, `a < b`: two
/// bits, kept with the pair's event (see [`pair_direction`]).
const PAIR_UNDIRECTED: u32 = 0;
const PAIR_EXCHANGE: u32 = 1;
const PAIR_FORWARD: u32 = 2;
const PAIR_BACKWARD: u32 = 3;

/// The direction (two bits) an interaction with direction evidence `dir`
/// (from [`prepare`]) gives its pair `(a, b)`, `a < b`.
#[inline]
pub(crate) fn pair_direction(dir: u32, a: u32, b: u32) -> u32 {
    if dir == DIR_EXCHANGE {
        PAIR_EXCHANGE
    } else if dir == a {
        PAIR_FORWARD
    } else if dir == b {
        PAIR_BACKWARD
    } else {
        PAIR_UNDIRECTED
    }
}

/// What one interaction contributes to each pair it touches: the same for
/// every pair of the interaction (the direction travels with each pair's
/// event). 32 bytes: absorbing gathers one per pair event, at random, so
/// its size is the cost (48 bytes took a third longer to gather in wasm).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contribution {
    pub t: i64,
    /// Mass term ×2^64, rounded: an integer below 2^84, so exact in an
    /// `f64` (read back with [`f64_to_u128`]).
    pub mass_fx: f64,
    pub minutes_fx: u64,
    pub g_fx: u32,
    pub group: u16,
    pub channel_bit: u8,
}

const _: () = assert!(std::mem::size_of::<Contribution>() == 32);

/// Derive the per-pair contribution of one interaction from its head and
/// its participants (sorted, distinct), with its direction evidence (see
/// [`pair_direction`]). Returns `None` when fewer than two participants.
pub(crate) fn prepare(
    it: &Head,
    participants: &[u32],
    params: &StrengthParams,
    mass: &MassConfig,
) -> Option<(Contribution, u32)> {
    let n = participants.len();
    if n < 2 {
        return None;
    }
    let g = mass.group_discount(n, params);
    let cw = params.channel_weights.get(it.channel);
    let cw = if cw.is_finite() && cw > 0.0 { cw } else { 0.0 };
    let duration = it.duration_minutes();
    let w = (cw * g * mass.duration_multiplier(duration, params)).clamp(0.0, MAX_WEIGHT);
    let minutes = min_f64(params.effective_minutes(it.channel, duration), MAX_MINUTES);
    let synchronous = matches!(it.channel, Channel::Meeting | Channel::Call);
    let dir = match (it.two_way, it.sender()) {
        (Some(true), _) => DIR_EXCHANGE,
        (None, _) if synchronous && params.synchronous_two_way => DIR_EXCHANGE,
        (_, Some(s)) if s < DIR_EXCHANGE && participants.binary_search(&s).is_ok() => s,
        _ => DIR_UNKNOWN,
    };
    let t = it.timestamp_ms;
    let to_end = mass.bucket_ms - (t - mass.bucket_of(t) * mass.bucket_ms); // (0, bucket]
    let term = w * (-(to_end as f64) * mass.halvings_per_ms).exp2();
    // To the nearest, ties to even: one wasm instruction (`round`, ties
    // away from zero, is a libm call).
    let contribution = Contribution {
        t,
        mass_fx: (term * MASS_SCALE).round_ties_even(),
        minutes_fx: (minutes * g * MIN_SCALE).round_ties_even() as u64,
        g_fx: (g * G_SCALE).round_ties_even() as u32,
        group: n.min(u16::MAX as usize) as u16,
        channel_bit: channel_bit(it.channel),
    };
    Some((contribution, dir))
}

/// [`MassConfig::bucket_decay`] of a few consecutive buckets at one `now`,
/// worked out once per scoring pass. A bucket spans 32 half-lives (960
/// days by default), so nearly every pair's mass sits in one or two of
/// them: the table saves an `exp2`, a libm call in wasm, per pair. Other
/// buckets and other times are computed; the values are the same either way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketDecay {
    now_ms: i64,
    first: i64,
    factors: [f64; DECAY_TABLE],
}

const DECAY_TABLE: usize = 8;

impl BucketDecay {
    /// The decay at `now_ms` of buckets `first ..= first + 7`.
    pub fn new(mass: &MassConfig, now_ms: i64, first: i64) -> Self {
        BucketDecay {
            now_ms,
            first,
            factors: std::array::from_fn(|i| {
                mass.bucket_decay(now_ms, first.saturating_add(i as i64))
            }),
        }
    }

    #[inline]
    pub fn get(&self, mass: &MassConfig, now_ms: i64, k: i64) -> f64 {
        if now_ms == self.now_ms {
            if let Some(&f) = k
                .checked_sub(self.first)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| self.factors.get(i))
            {
                return f;
            }
        }
        mass.bucket_decay(now_ms, k)
    }
}

/// Sufficient statistics of one pair `(a, b)`, `a < b`.
///
/// Order-independent: absorbing the same interactions in any order gives
/// identical state (all sums are integer fixed point, the rest min/max).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairStats {
    /// Number of interactions that touched the pair.
    pub count: u32,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Bitmask of channels seen (see [`channel_bit`]).
    pub channels: u8,
    /// Smallest group size seen (2 = a 1:1 interaction happened).
    pub min_group: u32,
    /// Group-discounted counts ×2^31 (`G_SCALE`): directed a→b, directed b→a, exchanges.
    fwd_fx: u64,
    bwd_fx: u64,
    exchange_fx: u64,
    /// Group-discounted minutes ×2^20.
    minutes_fx: u64,
    /// Latest mass bucket inline; older ones (rare) in `older`, ascending.
    bucket: i64,
    mass_fx: u128,
    older: Vec<(i64, u128)>,
}

impl Default for PairStats {
    fn default() -> Self {
        PairStats {
            count: 0,
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            channels: 0,
            min_group: u32::MAX,
            fwd_fx: 0,
            bwd_fx: 0,
            exchange_fx: 0,
            minutes_fx: 0,
            bucket: i64::MIN,
            mass_fx: 0,
            older: Vec::new(),
        }
    }
}

impl PairStats {
    /// Absorb one interaction with its [`pair_direction`] for this pair.
    pub(crate) fn absorb(&mut self, c: &Contribution, direction: u32, mass: &MassConfig) {
        self.count = self.count.saturating_add(1);
        self.first_ms = self.first_ms.min(c.t);
        self.last_ms = self.last_ms.max(c.t);
        self.channels |= c.channel_bit;
        self.min_group = self.min_group.min(c.group as u32);
        // Without branches (the direction is as good as random per event)
        // or an indexed array (in wasm, a trip through the stack in memory).
        let g = u64::from(c.g_fx);
        let to = |d: u32| g & 0u64.wrapping_sub(u64::from(direction == d));
        self.exchange_fx = self.exchange_fx.saturating_add(to(PAIR_EXCHANGE));
        self.fwd_fx = self.fwd_fx.saturating_add(to(PAIR_FORWARD));
        self.bwd_fx = self.bwd_fx.saturating_add(to(PAIR_BACKWARD));
        self.minutes_fx = self.minutes_fx.saturating_add(c.minutes_fx);
        self.add_mass(mass.bucket_of(c.t), f64_to_u128(c.mass_fx));
    }

    fn add_mass(&mut self, k: i64, m: u128) {
        if self.bucket == k {
            self.mass_fx = self.mass_fx.saturating_add(m);
        } else if self.bucket == i64::MIN {
            self.bucket = k;
            self.mass_fx = m;
        } else if k > self.bucket {
            let pos = self.older.len();
            self.older.insert(pos, (self.bucket, self.mass_fx));
            self.bucket = k;
            self.mass_fx = m;
        } else {
            match self.older.binary_search_by_key(&k, |e| e.0) {
                Ok(i) => self.older[i].1 = self.older[i].1.saturating_add(m),
                Err(i) => self.older.insert(i, (k, m)),
            }
        }
    }

    /// Group-discounted number of reciprocated exchanges:
    /// `exchanges + min(a→b, b→a)`.
    pub fn reciprocated(&self) -> f64 {
        (self.exchange_fx as f64 + self.fwd_fx.min(self.bwd_fx) as f64) / G_SCALE
    }

    /// Any evidence of two-way communication.
    pub fn is_two_way(&self) -> bool {
        self.exchange_fx > 0 || (self.fwd_fx > 0 && self.bwd_fx > 0)
    }

    /// Group-discounted minutes spent together.
    pub fn minutes(&self) -> f64 {
        self.minutes_fx as f64 / MIN_SCALE
    }

    /// Decayed mass `Σ w·2^(−(now − t)/h)` at `now_ms` (exact statistic,
    /// evaluated in a fixed bucket order, so deterministic), with the
    /// buckets' decay from `decay` where it holds them.
    pub fn decayed_mass(&self, now_ms: i64, mass: &MassConfig, decay: &BucketDecay) -> f64 {
        if self.bucket == i64::MIN {
            return 0.0;
        }
        let eval =
            |k: i64, m: u128| -> f64 { (u128_to_f64(m) / MASS_SCALE) * decay.get(mass, now_ms, k) };
        let mut s = 0.0;
        for &(k, m) in &self.older {
            s += eval(k, m);
        }
        s + eval(self.bucket, self.mass_fx)
    }
}

#[cfg(test)]
mod conversion_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn u128_to_f64_is_as(hi in any::<u64>(), lo in any::<u64>(), shift in 0u32..128) {
            let m = (((hi as u128) << 64) | lo as u128) >> shift;
            prop_assert_eq!(u128_to_f64(m).to_bits(), (m as f64).to_bits());
        }

        #[test]
        fn f64_to_u128_is_as(bits in any::<u64>()) {
            let x = f64::from_bits(bits).round();
            prop_assert_eq!(f64_to_u128(x), x as u128);
        }

        #[test]
        fn bucket_of_is_div_euclid(
            t in prop_oneof![any::<i64>(), -(1i64 << 54)..(1i64 << 54), -100_000i64..100_000],
            bucket in prop_oneof![32i64..100_000, 32i64..100_000_000_000_000_000],
            near in -2i64..=2,
        ) {
            let params = StrengthParams { frequency_half_life_ms: bucket as f64, ..StrengthParams::default() };
            let mass = MassConfig::new(&params);
            // Times on and beside a bucket boundary too.
            let edge = (t / mass.bucket_ms).saturating_mul(mass.bucket_ms).saturating_add(near);
            for t in [t, edge] {
                prop_assert_eq!(mass.bucket_of(t), t.div_euclid(mass.bucket_ms), "t {} bucket {}", t, mass.bucket_ms);
            }
        }

        #[test]
        fn diff_ms_is_as(a in any::<i64>(), b in any::<i64>()) {
            prop_assert_eq!(diff_ms(a, b).to_bits(), ((a as i128 - b as i128) as f64).to_bits());
        }

        #[test]
        fn min_f64_is_f64_min(
            x in prop_oneof![any::<f64>(), Just(f64::NAN), Just(0.0), Just(-0.0), Just(1.0)],
            y in prop_oneof![any::<f64>(), Just(f64::NAN), Just(0.0), Just(-0.0), Just(1.0)],
        ) {
            let (got, want) = (min_f64(x, y), x.min(y));
            // Equal values of either sign of zero are both a right answer.
            prop_assert!(got.to_bits() == want.to_bits() || (got == want && got == 0.0) || (got.is_nan() && want.is_nan()), "{} {}", x, y);
        }

        #[test]
        fn bucket_decay_table_is_the_formula(
            now in prop_oneof![any::<i64>(), 0i64..(1i64 << 45)],
            first in prop_oneof![any::<i64>(), -20i64..20],
            k in prop_oneof![any::<i64>(), -30i64..30],
            other_now in any::<i64>(),
            half_life in prop_oneof![Just(30.0 * 86_400_000.0), 1.0f64..1e12],
        ) {
            let params = StrengthParams { frequency_half_life_ms: half_life, ..StrengthParams::default() };
            let mass = MassConfig::new(&params);
            let table = BucketDecay::new(&mass, now, first);
            // In the table and beside it, at its time and at another.
            for k in [k, first, first.saturating_add(3), first.saturating_add(7), first.saturating_add(8), first.saturating_sub(1)] {
                for at in [now, other_now] {
                    prop_assert_eq!(table.get(&mass, at, k).to_bits(), mass.bucket_decay(at, k).to_bits());
                }
            }
        }
    }

    #[test]
    fn duration_table_is_the_formula() {
        let mut params = StrengthParams::default();
        for exponent in [params.duration_exponent, 1.0, 0.0, 2.5] {
            params.duration_exponent = exponent;
            let mass = MassConfig::new(&params);
            let mut minutes: Vec<f32> = (0..300).map(|m| m as f32).collect();
            minutes.extend([
                -0.0,
                0.5,
                239.99,
                240.0,
                240.5,
                241.0,
                1e9,
                -1.0,
                f32::NAN,
                f32::INFINITY,
            ]);
            for m in minutes.into_iter().map(Some).chain([None]) {
                let want = params.duration_multiplier(m);
                assert_eq!(
                    mass.duration_multiplier(m, &params).to_bits(),
                    want.to_bits(),
                    "{m:?}"
                );
            }
        }
    }

    #[test]
    fn conversions_at_the_edges() {
        let ms: [u128; 10] = [
            0,
            1,
            u64::MAX as u128,
            1 << 64,
            (1 << 64) + 1,
            (1 << 117) + (1 << 64) + 1,
            (1 << 117) + (1 << 63), // a tie below the rounding point: even
            (((1 << 53) - 1) << 75) | (1 << 74), // a tie: rounds up to 2^128
            u128::MAX - 1,
            u128::MAX,
        ];
        for m in ms {
            assert_eq!(u128_to_f64(m).to_bits(), (m as f64).to_bits(), "{m}");
        }
        let xs = [
            0.0,
            -1.0,
            1.0,
            18446744073709551615.0,
            18446744073709551616.0,
            3.4e38,
            1e40,
            f64::INFINITY,
            f64::NAN,
        ];
        for x in xs {
            assert_eq!(f64_to_u128(x), x as u128, "{x}");
        }
        assert_eq!(
            diff_ms(i64::MAX, i64::MIN),
            (i64::MAX as i128 - i64::MIN as i128) as f64
        );
    }
}
