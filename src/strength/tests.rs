//! Unit and property tests of the strength module.

use super::*;
use proptest::prelude::*;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_000 * DAY;

fn it(
    t: i64,
    p: &[u32],
    sender: Option<u32>,
    channel: Channel,
    two_way: Option<bool>,
    dur: Option<f32>,
) -> InteractionInput {
    InteractionInput {
        timestamp_ms: t,
        participants: p.to_vec(),
        sender,
        channel,
        two_way,
        duration_minutes: dur,
    }
}

fn meeting(t: i64, p: &[u32], dur: Option<f32>) -> InteractionInput {
    it(t, p, None, Channel::Meeting, None, dur)
}

fn email(t: i64, from: u32, to: &[u32]) -> InteractionInput {
    let mut p = vec![from];
    p.extend_from_slice(to);
    it(t, &p, Some(from), Channel::Email, None, None)
}

fn fixed_params() -> StrengthParams {
    StrengthParams {
        recency_half_life: TimeScale::Fixed {
            ms: 30.0 * DAY as f64,
        },
        longevity_scale: TimeScale::Fixed {
            ms: 365.0 * DAY as f64,
        },
        ..StrengthParams::default()
    }
}

fn engine(params: &StrengthParams, data: &[InteractionInput], now: i64) -> StrengthEngine {
    let mut e = StrengthEngine::new(params.clone());
    e.add_interactions(data);
    e.score_all(now);
    e
}

fn bits(e: &StrengthEngine) -> Vec<((u32, u32), u64)> {
    e.strengths()
        .into_iter()
        .map(|(k, s)| (k, s.to_bits()))
        .collect()
}

fn factor(e: &EdgeStrength, name: &str) -> f64 {
    e.factors.iter().find(|f| f.name == name).unwrap().value
}

fn check_edge(e: &EdgeStrength) {
    assert!((0.0..=1.0).contains(&e.strength), "strength {}", e.strength);
    assert_eq!(e.factors.len(), FACTOR_NAMES.len());
    let sum: f64 = e.factors.iter().map(|f| f.contribution).sum();
    assert!((sum - e.strength).abs() <= 1e-9, "{sum} vs {}", e.strength);
    for f in &e.factors {
        assert!((0.0..=1.0).contains(&f.value), "{} = {}", f.name, f.value);
        assert!(f.contribution >= 0.0);
    }
}

// ---------- edge cases ----------

#[test]
fn no_interactions() {
    let mut e = StrengthEngine::new(StrengthParams::default());
    assert!(e.add_interactions(&[]).is_empty());
    assert_eq!(e.score_all(NOW), 0);
    assert!(e.score_touched(NOW).is_empty());
    assert!(e.strengths().is_empty());
    assert!(e.edge(0, 1).is_none());
    assert!(score_interactions(&[], NOW, &StrengthParams::default()).is_empty());
}

#[test]
fn fewer_than_two_distinct_participants_are_ignored() {
    let data = [
        meeting(NOW, &[3], None),
        meeting(NOW, &[4, 4, 4], None),
        meeting(NOW, &[], None),
    ];
    let mut e = StrengthEngine::new(StrengthParams::default());
    assert!(e.add_interactions(&data).is_empty());
    assert_eq!(e.score_all(NOW), 0);
}

#[test]
fn single_one_way_email_is_weak() {
    let e = engine(&StrengthParams::default(), &[email(NOW, 0, &[1])], NOW);
    let edge = e.edge(1, 0).unwrap();
    check_edge(&edge);
    assert_eq!(edge.interaction_count, 1);
    assert!(!edge.two_way);
    assert_eq!(edge.channels, channel_bit(Channel::Email));
    assert_eq!(edge.first_seen_ms, NOW);
    assert_eq!(edge.last_seen_ms, NOW);
    assert_eq!(factor(&edge, "reciprocity"), 0.2);
    assert_eq!(factor(&edge, "duration"), 0.0);
    assert_eq!(factor(&edge, "embeddedness"), 0.0);
    assert!(edge.strength < 0.3, "{}", edge.strength);
    // A reply makes it two-way and stronger.
    let e2 = engine(
        &StrengthParams::default(),
        &[email(NOW, 0, &[1]), email(NOW, 1, &[0])],
        NOW,
    );
    let r = e2.edge(0, 1).unwrap();
    assert!(r.two_way);
    assert!(r.strength > edge.strength);
}

#[test]
fn two_way_beats_one_way() {
    let t = NOW - DAY;
    let data = [
        email(t, 0, &[1]),
        email(t, 1, &[0]), // reciprocated
        email(t, 2, &[3]),
        email(t, 2, &[3]), // same volume, one-way
    ];
    let e = engine(&StrengthParams::default(), &data, NOW);
    let (two, one) = (e.edge(0, 1).unwrap(), e.edge(2, 3).unwrap());
    assert!(two.two_way && !one.two_way);
    assert!(factor(&two, "reciprocity") > factor(&one, "reciprocity"));
    assert!(two.strength > one.strength);
    // Without a sender, `two_way` decides.
    let data = [
        it(t, &[4, 5], None, Channel::Message, Some(true), None),
        it(t, &[6, 7], None, Channel::Message, Some(false), None),
    ];
    let e = engine(&StrengthParams::default(), &data, NOW);
    assert!(e.edge(4, 5).unwrap().strength > e.edge(6, 7).unwrap().strength);
    assert!(!e.edge(6, 7).unwrap().two_way);
}

#[test]
fn channel_order_for_single_interactions() {
    let t = NOW - DAY;
    let data = [
        it(t, &[0, 1], Some(0), Channel::Meeting, Some(true), None),
        it(t, &[2, 3], Some(2), Channel::Call, Some(true), None),
        it(t, &[4, 5], Some(4), Channel::Message, Some(true), None),
        it(t, &[6, 7], Some(6), Channel::Email, Some(true), None),
    ];
    let e = engine(&StrengthParams::default(), &data, NOW);
    let s: Vec<f64> = [(0, 1), (2, 3), (4, 5), (6, 7)]
        .iter()
        .map(|&(a, b)| e.strength(a, b).unwrap())
        .collect();
    assert!(s[0] > s[1] && s[1] > s[2] && s[2] > s[3], "{s:?}");
}

#[test]
fn forty_person_meeting_is_weaker_than_one_to_one() {
    let t = NOW - DAY;
    let big: Vec<u32> = (0..40).collect();
    let data = [
        meeting(t, &big, Some(60.0)),
        meeting(t, &[100, 101], Some(60.0)),
    ];
    let e = engine(&StrengthParams::default(), &data, NOW);
    let g = e.edge(3, 17).unwrap();
    let o = e.edge(100, 101).unwrap();
    check_edge(&g);
    check_edge(&o);
    assert!(factor(&g, "group_size") < 0.2);
    assert_eq!(factor(&o, "group_size"), 1.0);
    assert!(
        o.strength > g.strength,
        "1:1 {} vs 40 {}",
        o.strength,
        g.strength
    );
    // Even though the 40 share 38 mutual contacts, the group discount keeps
    // embeddedness low.
    assert!(factor(&g, "embeddedness") < 0.2);
}

#[test]
fn duration_none_uses_channel_default() {
    let t = NOW - DAY;
    let data = [
        meeting(t, &[0, 1], None),
        meeting(t, &[2, 3], Some(30.0)),
        meeting(t, &[4, 5], Some(1.0)),
    ];
    let e = engine(&StrengthParams::default(), &data, NOW);
    let (n, d30, d1) = (
        e.edge(0, 1).unwrap(),
        e.edge(2, 3).unwrap(),
        e.edge(4, 5).unwrap(),
    );
    // Unknown duration = the 30-minute default; neutral mass multiplier.
    assert_eq!(n.strength, d30.strength);
    assert!(d1.strength < d30.strength);
    assert!(factor(&d1, "duration") < factor(&d30, "duration"));
    // Emails have no default duration.
    let e = engine(&StrengthParams::default(), &[email(t, 0, &[1])], NOW);
    assert_eq!(factor(&e.edge(0, 1).unwrap(), "duration"), 0.0);
    // Garbage durations count as unknown.
    let e = engine(
        &StrengthParams::default(),
        &[
            meeting(t, &[0, 1], Some(f32::NAN)),
            meeting(t, &[2, 3], Some(-5.0)),
        ],
        NOW,
    );
    assert_eq!(e.strength(0, 1), Some(n.strength));
    assert_eq!(e.strength(2, 3), Some(n.strength));
}

#[test]
fn future_timestamps_are_scored_as_of_their_own_time() {
    let p = fixed_params();
    let future = NOW + 10 * DAY;
    let data = [
        meeting(NOW - 5 * DAY, &[0, 1], None),
        meeting(future, &[0, 1], None),
    ];
    let at_now = engine(&p, &data, NOW);
    let at_future = engine(&p, &data, future);
    let e = at_now.edge(0, 1).unwrap();
    check_edge(&e);
    assert_eq!(factor(&e, "recency"), 1.0);
    assert_eq!(e.strength, at_future.strength(0, 1).unwrap());
    // Never inflated beyond what it scores once `now` reaches it.
    assert!(factor(&e, "frequency") <= factor(&at_future.edge(0, 1).unwrap(), "frequency"));
}

#[test]
fn duplicated_participants_are_deduplicated() {
    let t = NOW - DAY;
    let a = engine(
        &StrengthParams::default(),
        &[meeting(t, &[1, 2, 1, 2, 1], None)],
        NOW,
    );
    let b = engine(
        &StrengthParams::default(),
        &[meeting(t, &[2, 1], None)],
        NOW,
    );
    assert_eq!(a.num_pairs(), 1);
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(factor(&a.edge(1, 2).unwrap(), "group_size"), 1.0);
}

#[test]
fn sender_outside_participants_is_ignored() {
    let t = NOW - DAY;
    let a = engine(
        &StrengthParams::default(),
        &[it(t, &[1, 2], Some(9), Channel::Email, None, None)],
        NOW,
    );
    let b = engine(
        &StrengthParams::default(),
        &[it(t, &[1, 2], None, Channel::Email, None, None)],
        NOW,
    );
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn embeddedness_rewards_shared_circles() {
    let t = NOW - DAY;
    // 0-1 share contacts 2,3,4 (1:1 ties); 5-6 share nobody.
    let mut data = vec![meeting(t, &[0, 1], None), meeting(t, &[5, 6], None)];
    for c in 2..5 {
        data.push(meeting(t, &[0, c], None));
        data.push(meeting(t, &[1, c], None));
    }
    let e = engine(&StrengthParams::default(), &data, NOW);
    let (emb, lone) = (e.edge(0, 1).unwrap(), e.edge(5, 6).unwrap());
    // The numerator is fixed point (a step of 1 / TIE_SCALE per tie): 1 to within 1e-9.
    assert!((factor(&emb, "embeddedness") - 1.0).abs() < 1e-9);
    assert_eq!(factor(&lone, "embeddedness"), 0.0);
    assert!(emb.strength > lone.strength);
}

#[test]
fn score_touched_rescores_neighbourhood_only() {
    let p = fixed_params();
    let t = NOW - DAY;
    let data = [
        meeting(t, &[0, 1], None),
        meeting(t, &[1, 2], None),
        meeting(t, &[5, 6], None),
    ];
    let mut e = engine(&p, &data, NOW);
    let touched = e.add_interactions(&[meeting(t, &[0, 1], None)]);
    assert_eq!(touched, vec![(0, 1)]);
    let rescored = e.score_touched(NOW);
    assert_eq!(rescored, vec![(0, 1), (1, 2)]);
}

#[test]
fn custom_weights_still_decompose_exactly() {
    let p = StrengthParams {
        weights: FactorWeights {
            recency: 3.0,
            frequency: 0.0,
            reciprocity: 7.0,
            channel_mix: -1.0,
            group_size: f64::NAN,
            duration: 1.0,
            longevity: 2.0,
        },
        embeddedness_weight: 0.9,
        ..StrengthParams::default()
    };
    let t = NOW - DAY;
    let data = [
        meeting(t, &[0, 1, 2], None),
        email(t, 0, &[1]),
        email(t - DAY, 2, &[0]),
    ];
    for (_, edge) in score_interactions(&data, NOW, &p) {
        check_edge(&edge);
    }
}

// ---------- property tests ----------

fn arb_channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        Just(Channel::Email),
        Just(Channel::Message),
        Just(Channel::Meeting),
        Just(Channel::Call),
        Just(Channel::Other),
    ]
}

prop_compose! {
    fn arb_interaction(people: u32, max_t: i64)(
        t in 0..max_t,
        participants in prop::collection::vec(0..people, 1..6),
        sender_pick in prop::option::of(0usize..6),
        channel in arb_channel(),
        two_way in prop::option::of(any::<bool>()),
        dur in prop::option::of(0.0f32..240.0),
    ) -> InteractionInput {
        let sender = sender_pick.map(|i| participants[i % participants.len()]);
        InteractionInput { timestamp_ms: t, participants, sender, channel, two_way, duration_minutes: dur }
    }
}

fn arb_data(n: usize) -> impl Strategy<Value = Vec<InteractionInput>> {
    prop::collection::vec(arb_interaction(8, NOW), 0..n)
}

fn arb_params() -> impl Strategy<Value = StrengthParams> {
    prop_oneof![Just(StrengthParams::default()), Just(fixed_params())]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Contributions sum to the strength; strength and values in [0, 1].
    #[test]
    fn prop_contributions_sum_and_bounds(data in arb_data(40), params in arb_params(), dt in -100i64..100) {
        let now = NOW + dt * DAY; // includes data in the future of `now`
        for (_, edge) in score_interactions(&data, now, &params) {
            check_edge(&edge);
        }
    }

    /// Same interactions in any order (and any batching) give bit-identical
    /// strengths.
    #[test]
    fn prop_deterministic_under_permutation(
        data in arb_data(40),
        params in arb_params(),
        seed in any::<u64>(),
        cut in 0usize..40,
    ) {
        let mut shuffled = data.clone();
        // Fisher–Yates with a splitmix sequence.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let z = (s ^ (s >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            shuffled.swap(i, (z % (i as u64 + 1)) as usize);
        }
        let a = engine(&params, &data, NOW);
        let mut b = StrengthEngine::new(params.clone());
        let cut = cut.min(shuffled.len());
        b.add_interactions(&shuffled[..cut]);
        b.add_interactions(&shuffled[cut..]);
        b.score_all(NOW);
        prop_assert_eq!(bits(&a), bits(&b));
    }

    /// Embeddedness (found by triangle listing) equals its definition,
    /// computed here pair by pair in floating point from the reported
    /// factors: `Σ_common min(t_ac, t_bc) / min(S_a − s_ab, S_b − s_ab)`.
    #[test]
    fn prop_embeddedness_matches_definition(
        data in prop::collection::vec(arb_interaction(12, NOW), 0..60),
        params in arb_params(),
    ) {
        let edges = score_interactions(&data, NOW, &params);
        let w = params.weights.normalised();
        let base = |e: &EdgeStrength| -> f64 { (0..7).map(|k| w[k] * e.factors[k].value).sum() };
        let tie = |e: &EdgeStrength| base(e) * factor(e, "group_size");
        let mut sum = [0.0f64; 12];
        let mut ties = std::collections::HashMap::new();
        for ((a, b), e) in &edges {
            sum[*a as usize] += base(e);
            sum[*b as usize] += base(e);
            ties.insert((*a, *b), tie(e));
        }
        let t = |x: u32, y: u32| ties.get(&(x.min(y), x.max(y))).copied();
        for ((a, b), e) in &edges {
            let common: Vec<f64> = (0..12u32)
                .filter_map(|c| Some(t(*a, c)?.min(t(*b, c)?)))
                .collect();
            let shared: f64 = common.iter().sum();
            let denom = (sum[*a as usize] - base(e)).min(sum[*b as usize] - base(e));
            let want = if denom > 1e-12 && shared > 0.0 { (shared / denom).clamp(0.0, 1.0) } else { 0.0 };
            let got = factor(e, "embeddedness");
            // Ties are summed in fixed point: half a step (1 / TIE_SCALE) each.
            let tolerance = 1e-12 + common.len() as f64 * 0.5 / embeddedness::TIE_SCALE / denom.max(1e-12);
            prop_assert!((got - want).abs() <= tolerance, "pair ({}, {}): {} vs {}", a, b, got, want);
        }
    }

    /// Incremental scoring equals a full recompute at the same `now`.
    #[test]
    fn prop_incremental_equals_full(
        first in arb_data(30),
        second in prop::collection::vec(arb_data(6), 1..4),
        params in arb_params(),
    ) {
        let mut inc = engine(&params, &first, NOW);
        let mut all = first.clone();
        for batch in &second {
            inc.add_interactions(batch);
            inc.score_touched(NOW);
            all.extend(batch.iter().cloned());
        }
        let full = engine(&params, &all, NOW);
        prop_assert_eq!(bits(&inc), bits(&full));
        for ((k, e1), (_, e2)) in inc.edges().iter().zip(full.edges().iter()) {
            prop_assert_eq!(e1, e2, "pair {:?}", k);
        }
    }

    /// Monotone in evidence: one more 1:1 interaction between a and b, dated
    /// at or before `now`, never lowers strength(a, b) (fixed time scales; or
    /// default span-relative scales with the new timestamp inside the
    /// already-observed span, so the scales do not move).
    #[test]
    fn prop_one_more_interaction_never_lowers(
        data in arb_data(30),
        extra in arb_interaction(8, NOW),
        a in 0u32..8, b in 0u32..8,
        adaptive in any::<bool>(),
    ) {
        prop_assume!(a != b);
        let mut data = data;
        // Anchor the span and make sure (a, b) exists.
        data.push(meeting(0, &[20, 21], None));
        data.push(meeting(NOW, &[20, 21], None));
        data.push(email(NOW / 2, a, &[b]));
        let params = if adaptive { StrengthParams::default() } else { fixed_params() };
        let before = engine(&params, &data, NOW).strength(a, b).unwrap();
        let mut more = data.clone();
        more.push(InteractionInput { participants: vec![a, b, a], ..extra });
        let after = engine(&params, &more, NOW).strength(a, b).unwrap();
        prop_assert!(after >= before - 1e-12, "{} -> {}", before, after);
    }

    /// Monotone in recency: moving the pair's last (1:1) interaction later,
    /// up to `now`, never lowers strength(a, b).
    #[test]
    fn prop_more_recent_last_interaction_never_lowers(
        data in arb_data(30),
        last in arb_interaction(8, NOW),
        a in 0u32..8, b in 0u32..8,
        t1 in 0i64..NOW, t2 in 0i64..NOW,
        adaptive in any::<bool>(),
    ) {
        prop_assume!(a != b);
        let (t1, t2) = (t1.min(t2), t1.max(t2));
        // Other a–b interactions happen no later than t1.
        let mut data: Vec<InteractionInput> = data
            .into_iter()
            .map(|mut x| {
                if x.participants.contains(&a) && x.participants.contains(&b) {
                    x.timestamp_ms = x.timestamp_ms.min(t1);
                }
                x
            })
            .collect();
        data.push(meeting(0, &[20, 21], None));
        data.push(meeting(NOW, &[20, 21], None));
        let params = if adaptive { StrengthParams::default() } else { fixed_params() };
        let mk = |t: i64| InteractionInput { timestamp_ms: t, participants: vec![a, b], ..last.clone() };
        let mut early = data.clone();
        early.push(mk(t1));
        let mut late = data;
        late.push(mk(t2));
        let s1 = engine(&params, &early, NOW).strength(a, b).unwrap();
        let s2 = engine(&params, &late, NOW).strength(a, b).unwrap();
        prop_assert!(s2 >= s1 - 1e-12, "{} -> {}", s1, s2);
    }
}

#[test]
fn group_discount_table_matches_params() {
    // The engine reads group discounts from a table: it must give exactly
    // the formula's bits, inside the table and past it.
    let mut p = StrengthParams::default();
    for e in [p.group_exponent, 0.5, 1.7] {
        p.group_exponent = e;
        let mass = super::accumulate::MassConfig::new(&p);
        for n in 0..300 {
            assert_eq!(
                mass.group_discount(n, &p).to_bits(),
                p.group_discount(n).to_bits(),
                "n = {n}, exponent {e}"
            );
        }
    }
}

#[test]
fn new_pairs_are_found_whether_listed_by_bits_or_by_sorting() {
    // Person 0's new partners far apart (listed by sorting), then close
    // together (by a scan of bits), over two batches: every pair is found
    // and scores as in one batch.
    let far = [
        meeting(NOW - DAY, &[0, 5_000], None),
        email(NOW - 2 * DAY, 0, &[1]),
    ];
    let near = [email(NOW - 3 * DAY, 0, &[3_000]), email(NOW, 2, &[0, 4])];
    let params = fixed_params();
    let mut e = StrengthEngine::new(params.clone());
    e.add_interactions(&far);
    e.score_all(NOW);
    e.add_interactions(&near);
    e.score_touched(NOW);
    let all: Vec<InteractionInput> = far.iter().chain(&near).cloned().collect();
    let one = engine(&params, &all, NOW);
    for (a, b) in [(0, 1), (0, 2), (0, 4), (2, 4), (0, 3_000), (0, 5_000)] {
        assert!(e.strength(a, b).is_some(), "({a}, {b})");
    }
    assert_eq!(bits(&e), bits(&one));
    let pairs: Vec<(u32, u32)> = e.strengths().into_iter().map(|(k, _)| k).collect();
    assert!(pairs.windows(2).all(|w| w[0] < w[1]), "{pairs:?}");
}
