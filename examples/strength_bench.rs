//! Full-recompute benchmark on a seeded synthetic CRM-like workload.
//!
//! Usage: `cargo run --release --example strength_bench [-- PEOPLE INTERACTIONS SEED]`
//! (defaults 10000 1000000 42).
//!
//! People are split into teams of 50 and each also has 30 fixed outside
//! contacts (a personal circle, as in real address books). Group
//! interactions (≥ 3 people) draw co-participants from the initiator's team;
//! 1:1 interactions pick a team mate (70%) or an outside contact (30%).
//! With a 4th argument `diffuse`, 15% of all co-participants are drawn from
//! everyone instead (many one-off pairs, average degree ≈ 370: stress case). Channels: email 50%, message 25%,
//! meeting 15%, call 8%, other 2%; group sizes from 2 (most) to 40 (rare
//! all-hands); two years of timestamps; durations mostly known for
//! meetings/calls.

use std::time::Instant;
use wig_graph::strength::{Channel, InteractionInput, StrengthEngine, StrengthParams};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const DAY_MS: i64 = 86_400_000;

/// On-CPU time of this process in ms (Linux `/proc/self/schedstat`), so the
/// numbers mean something on a shared, loaded machine; NaN elsewhere.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}
const T0: i64 = 1_700_000_000_000;

fn generate(people: u32, n: usize, seed: u64, diffuse: bool) -> Vec<InteractionInput> {
    let team = 50u32;
    let mut rng = Rng(seed);
    let outside: Vec<Vec<u32>> = (0..people)
        .map(|_| (0..30).map(|_| rng.below(people as u64) as u32).collect())
        .collect();
    // Person ids are a random permutation of team order: in real data the
    // dense indices follow first appearance, not community structure.
    let mut perm: Vec<u32> = (0..people).collect();
    for i in (1..perm.len()).rev() {
        perm.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let p = rng.unit();
        let channel = if p < 0.50 {
            Channel::Email
        } else if p < 0.75 {
            Channel::Message
        } else if p < 0.90 {
            Channel::Meeting
        } else if p < 0.98 {
            Channel::Call
        } else {
            Channel::Other
        };
        let q = rng.unit();
        let size = match channel {
            Channel::Email => {
                let mut k = 2;
                while k < 10 && rng.unit() < 0.35 {
                    k += 1;
                }
                k
            }
            Channel::Message => {
                if q < 0.85 {
                    2
                } else {
                    3 + rng.below(4) as usize
                }
            }
            Channel::Meeting => {
                if q < 0.4 {
                    2
                } else if q < 0.9 {
                    3 + rng.below(6) as usize
                } else {
                    9 + rng.below(32) as usize
                }
            }
            Channel::Call => {
                if q < 0.9 {
                    2
                } else {
                    3 + rng.below(2) as usize
                }
            }
            Channel::Other => 2,
        };
        let init = rng.below(people as u64) as u32;
        let base = init / team * team;
        let mut parts = vec![init];
        while parts.len() < size {
            let team_mate = (base + rng.below(team as u64) as u32).min(people - 1);
            let c = if diffuse {
                if rng.unit() < 0.85 {
                    team_mate
                } else {
                    rng.below(people as u64) as u32
                }
            } else if size > 2 || rng.unit() < 0.7 {
                team_mate
            } else {
                outside[init as usize][rng.below(30) as usize]
            };
            parts.push(c); // duplicates possible: the engine dedups
        }
        let ts = T0 + rng.below(730 * DAY_MS as u64) as i64;
        let (sender, two_way, duration) = match channel {
            Channel::Email | Channel::Message => (
                Some(init),
                if rng.unit() < 0.1 { Some(true) } else { None },
                None,
            ),
            Channel::Meeting => (
                Some(init),
                None,
                if rng.unit() < 0.9 {
                    Some(15.0 + rng.below(76) as f32)
                } else {
                    None
                },
            ),
            Channel::Call => (
                Some(init),
                None,
                if rng.unit() < 0.9 {
                    Some(1.0 + rng.below(40) as f32)
                } else {
                    None
                },
            ),
            Channel::Other => (None, None, None),
        };
        let parts: Vec<u32> = parts.iter().map(|&p| perm[p as usize]).collect();
        let sender = sender.map(|p| perm[p as usize]);
        out.push(InteractionInput {
            timestamp_ms: ts,
            participants: parts,
            sender,
            channel,
            two_way,
            duration_minutes: duration,
        });
    }
    out
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let people: u32 = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let n: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(42);
    let diffuse = a.get(4).is_some_and(|s| s == "diffuse");
    let data = generate(people, n, seed, diffuse);
    let pair_events: usize = data
        .iter()
        .map(|i| {
            let mut p = i.participants.clone();
            p.sort_unstable();
            p.dedup();
            p.len() * (p.len() - 1) / 2
        })
        .sum();
    let now = T0 + 730 * DAY_MS;
    let (split, tail) = data.split_at(n - n / 1000);
    for round in 0..3 {
        let (t0, c0) = (Instant::now(), cpu_ms());
        let mut e = StrengthEngine::new(StrengthParams::default());
        e.add_interactions(split);
        e.add_interactions(tail);
        let (t1, c1) = (Instant::now(), cpu_ms());
        e.score_all(now);
        let (t2, c2) = (Instant::now(), cpu_ms());
        println!(
            "round {round}: {n} interactions, {pair_events} pair-events, {} pairs (avg degree {:.0}): ingest {:.0} ms + score_all {:.0} ms = full recompute {:.0} ms wall, {:.0} ms on-CPU ({:.0} + {:.0})",
            e.num_pairs(),
            2.0 * e.num_pairs() as f64 / people as f64,
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3,
            (t2 - t0).as_secs_f64() * 1e3,
            c2 - c0,
            c1 - c0,
            c2 - c1
        );
        if round == 2 {
            // Incremental: all but the last 0.1%, scored, then the tail.
            let mut e = StrengthEngine::new(StrengthParams::default());
            e.add_interactions(split);
            e.score_all(now);
            let (t3, c3) = (Instant::now(), cpu_ms());
            let touched = e.add_interactions(tail);
            let rescored = e.score_touched(now);
            let (t4, c4) = (Instant::now(), cpu_ms());
            println!(
                "incremental: +{} interactions touched {} pairs, rescored {} pairs in {:.1} ms wall, {:.1} ms on-CPU",
                tail.len(),
                touched.len(),
                rescored.len(),
                (t4 - t3).as_secs_f64() * 1e3,
                c4 - c3
            );
            let mut s: Vec<f64> = e.strengths().iter().map(|x| x.1).collect();
            s.sort_by(f64::total_cmp);
            let q = |f: f64| s[((s.len() - 1) as f64 * f) as usize];
            println!(
                "strength quantiles: p10 {:.3} p50 {:.3} p90 {:.3} p99 {:.3} max {:.3}",
                q(0.1),
                q(0.5),
                q(0.9),
                q(0.99),
                q(1.0)
            );
        }
    }
}
