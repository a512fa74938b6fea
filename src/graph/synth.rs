//! Deterministic synthetic graphs for tests and benchmarks.

use super::EdgeInput;

/// SplitMix64: a tiny, fast, seedable PRNG (not cryptographic).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Barabási–Albert-like preferential-attachment graph: a clique on
/// `m + 1` nodes, then each new node links to `m` distinct earlier nodes
/// chosen proportionally to degree. About `n * m` edges.
///
/// Strengths are `(1 - u)^2` for uniform `u` (a Beta(1/2, 1) skew toward weak
/// ties, mean 1/3) clamped to `[1e-6, 1]`; `rel_type` is uniform in `0..=5`;
/// `edge_id` is the edge's index. Fully determined by `seed`.
///
/// ```
/// use wig_search::synth::barabasi_albert;
/// let edges = barabasi_albert(1_000, 4, 1);
/// assert_eq!(edges.len(), 10 + (1_000 - 5) * 4);
/// assert_eq!(edges, barabasi_albert(1_000, 4, 1));
/// ```
pub fn barabasi_albert(n: u32, m: u32, seed: u64) -> Vec<EdgeInput> {
    let m = m.max(1);
    let mut rng = SplitMix64::new(seed);
    let core = m.saturating_add(1).min(n);
    let mut edges = Vec::with_capacity((n as usize) * (m as usize));
    // Every edge endpoint, so a uniform pick is degree-proportional.
    let mut ends: Vec<u32> = Vec::with_capacity(2 * (n as usize) * (m as usize));
    let push =
        |edges: &mut Vec<EdgeInput>, ends: &mut Vec<u32>, rng: &mut SplitMix64, a: u32, b: u32| {
            let x = 1.0 - rng.next_f64();
            let strength = ((x * x) as f32).clamp(1e-6, 1.0);
            let rel_type = rng.below(6) as u8;
            edges.push(EdgeInput {
                a,
                b,
                strength,
                rel_type,
                edge_id: edges.len() as u32,
            });
            ends.push(a);
            ends.push(b);
        };
    for a in 0..core {
        for b in a + 1..core {
            push(&mut edges, &mut ends, &mut rng, a, b);
        }
    }
    let mut chosen: Vec<u32> = Vec::with_capacity(m as usize);
    for v in core..n {
        chosen.clear();
        while chosen.len() < m as usize {
            let t = ends[rng.below(ends.len() as u64) as usize];
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        for &t in &chosen {
            push(&mut edges, &mut ends, &mut rng, v, t);
        }
    }
    edges
}
