//! Embeddedness: how much of the pair's social circle is shared.
//!
//! ```text
//! E(a,b) = Σ_{c ∈ N(a) ∩ N(b)} min(t_ac, t_bc)  /  min(S_a − s_ab, S_b − s_ab)
//! ```
//! where `s` is the direct (base) strength, `S_v = Σ_x s_vx`, and
//! `t_xy = s_xy · g_xy` discounts a tie by its group-size factor (its most
//! intimate setting). This is a weighted overlap coefficient (cf. the
//! neighbourhood overlap of Onnela et al. 2007): 1 when the less-connected
//! person's whole circle is shared at full strength. The `g` discount in the
//! numerator keeps a single big meeting (everyone "shares" 38 mutual
//! contacts) from manufacturing embeddedness: co-attendance ties shared only
//! through large groups count at their group discount. `E ∈ [0, 1]`, and
//! it does not depend on `s_ab` itself, so new a–b interactions never change it.
//!
//! The numerator is summed in integer fixed point ([`tie_fx`]): an exact
//! sum in any order, so the full pass ([`shared_by_triangles`], which meets
//! each common neighbour as a triangle in whatever order it finds it) and
//! the incremental one (a row scan per pair) agree bit for bit.

use super::accumulate::min_f64;
use super::engine::PEOPLE_CHUNK;
use crate::chunked::{in_chunks, CHUNK};

/// Fixed-point scale of ties (2^24 − 1: steps of 6·10⁻⁸, a float's
/// precision). Small enough that the triangle pass keeps a pair's running
/// sum in 32 bits (4 bytes a pair where its scan reads 134 M entries on
/// the benchmark); the sum overflows only past 256 units of shared
/// strength, and those carries are kept apart. Other sums are `u64`.
pub(crate) const TIE_SCALE: f64 = 16_777_215.0;

/// A tie (`s · g`, in [0, 1]) in fixed point.
pub(crate) fn tie_fx(t: f64) -> u32 {
    if t > 0.0 {
        // Ties to even: one wasm instruction (`round` is a libm call).
        (min_f64(t, 1.0) * TIE_SCALE).round_ties_even() as u32
    } else {
        0
    }
}

/// Embeddedness from the fixed-point numerator `shared` and the pair's node sums.
pub(crate) fn ratio(shared: u64, sum_a: f64, sum_b: f64, s_ab: f64) -> f64 {
    let denom = min_f64(sum_a - s_ab, sum_b - s_ab);
    if denom > 1e-12 && shared > 0 {
        (shared as f64 / TIE_SCALE / denom).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// An out-neighbour `w` of a row and its tie: what the scan reads, in 8
/// bytes. The pair's running sum is apart (`acc`, written on hits only):
/// beside them, as a 12-byte entry, the engine phase took 13–14 % longer in
/// wasm (A/B in one Node process, 1.41 M pairs: 1.09 / 1.26 s against
/// 0.94 / 1.10 s), the scan reading half as much again for the few hits.
#[derive(Clone, Copy)]
struct Entry {
    w: u32,
    t: u32,
}

/// Entries whose 32-bit sum overflowed, once per 2^32 carried (rare:
/// past 256 units of shared strength).
#[derive(Default)]
struct Carries(Vec<u32>);

impl Carries {
    /// `acc[k] += x` for a term `x` below 2^32.
    #[inline(always)]
    fn add(&mut self, acc: &mut [u32], k: usize, x: u32) {
        let (sum, overflow) = acc[k].overflowing_add(x);
        acc[k] = sum;
        if overflow {
            self.carry(k, 1);
        }
    }

    /// `acc[k] += x` for any `x`.
    fn add_wide(&mut self, acc: &mut [u32], k: usize, x: u64) {
        let (sum, overflow) = acc[k].overflowing_add(x as u32);
        acc[k] = sum;
        let carried = (x >> 32) as u32 + u32::from(overflow);
        if carried > 0 {
            self.carry(k, carried);
        }
    }

    #[cold]
    #[inline(never)]
    fn carry(&mut self, k: usize, times: u32) {
        for _ in 0..times {
            self.0.push(k as u32);
        }
    }
}

/// Additions to the sums of the row being scanned, held back and applied
/// block by block. Applied at once, each was a cache miss: those sums are
/// an array of their own (kept out of the entries the scan reads, see
/// [`Entry`]), at a random place. A bucket per block of `2^15` sums (128 KB)
/// gathers its additions until it holds `2^14` of them, about eight per
/// cache line of the block, which it then applies while the block stays in
/// cache. Memory: at most 4 bytes per sum. Scoring every pair of the
/// 1.41 M-pair benchmark (`score_all`), before → after: natively 0.65–0.84
/// → 0.45–0.53 s (three runs, the two builds alternating); in wasm under
/// Node, medians of three A/B runs in one process 0.97 / 1.18 / 1.14 →
/// 0.88 / 0.92 / 0.77 s.
struct Deferred {
    buckets: Vec<Vec<(u32, u32)>>,
    /// Additions a bucket holds: fewer than `2^14` on a small graph, whose
    /// sums all fit in cache anyway.
    cap: usize,
}

const DEFER_BLOCK_SHIFT: u32 = 15;
const DEFER_BUCKET: usize = 1 << 14;

impl Deferred {
    fn new(m: usize) -> Self {
        Deferred {
            buckets: vec![Vec::new(); (m >> DEFER_BLOCK_SHIFT) + 1],
            cap: DEFER_BUCKET.min(m / 8 + 1),
        }
    }

    /// `acc[k] += x`, now or later (before [`Self::finish`] returns).
    #[inline(always)]
    fn add(&mut self, acc: &mut [u32], carries: &mut Carries, k: usize, x: u32) {
        let bucket = &mut self.buckets[k >> DEFER_BLOCK_SHIFT];
        if bucket.len() == bucket.capacity() {
            Self::apply(bucket, acc, carries);
            bucket.reserve_exact(self.cap);
        }
        bucket.push((k as u32, x));
    }

    #[inline(never)]
    fn apply(bucket: &mut Vec<(u32, u32)>, acc: &mut [u32], carries: &mut Carries) {
        for &(k, x) in bucket.iter() {
            carries.add(acc, k as usize, x);
        }
        bucket.clear();
    }

    fn finish(mut self, acc: &mut [u32], carries: &mut Carries) {
        for bucket in &mut self.buckets {
            Self::apply(bucket, acc, carries);
        }
    }
}

/// Σ_{c common} min(t_ac, t_bc) for every pair, by triangle listing.
///
/// The symmetric adjacency is `off`/`adj_c`/`adj_p` (neighbour, pair id);
/// `tie` is by pair id; the result is by pair id. Each edge is oriented
/// towards its endpoint of larger `(degree, index)`, which leaves every
/// person at most `√(2m)` out-neighbours; each triangle `u ≺ v ≺ w` (in
/// that order) is then found once, from `u` through `v`, and feeds its
/// three pairs. Cost `O(Σ_{(u,v)} out(v))`: on the 1.41 M-pair benchmark
/// 134 M probes, against 380 M for a scan of the smaller endpoint's row per
/// pair (0.25 s vs 0.71 s natively, with the tie kept in the entry the scan
/// reads).
pub(crate) fn shared_by_triangles(
    off: &[usize],
    adj_c: &[u32],
    adj_p: &[u32],
    tie: &[u32],
) -> Vec<u64> {
    let n = off.len() - 1;
    let deg = |v: usize| off[v + 1] - off[v];
    let higher = |v: usize, w: usize| (deg(w), w) > (deg(v), v);
    // Out-neighbours (towards higher rank) along the rows, each with its
    // tie beside it: a hit reads the tie from the line the scan just
    // loaded (in a parallel array it was a cache miss per hit, 43 % of the
    // pass); the pair ids are only needed at the end.
    let mut out_off = vec![0usize; n + 1];
    in_chunks(n, PEOPLE_CHUNK, |r| {
        for v in r {
            let k = adj_c[off[v]..off[v + 1]]
                .iter()
                .filter(|&&w| higher(v, w as usize))
                .count();
            out_off[v + 1] = out_off[v] + k;
        }
    });
    let m = out_off[n];
    let (mut out, mut out_p): (Vec<Entry>, Vec<u32>) =
        (Vec::with_capacity(m), Vec::with_capacity(m));
    in_chunks(n, PEOPLE_CHUNK, |r| {
        for v in r {
            let (lo, hi) = (off[v], off[v + 1]);
            for (&w, &p) in adj_c[lo..hi].iter().zip(&adj_p[lo..hi]) {
                if higher(v, w as usize) {
                    debug_assert!(f64::from(tie[p as usize]) <= TIE_SCALE);
                    out.push(Entry {
                        w,
                        t: tie[p as usize],
                    });
                    out_p.push(p);
                }
            }
        }
    });
    // While u's out-neighbours are marked, mark[w] = 1 + the offset of
    // (u, w) in u's out-list (0: not marked). An out-list is shorter than
    // 2^16: its people each have at least as many pairs as it has entries,
    // so it holds at most √(2m) < 2^16 of them (the engine keeps m < 2^31).
    // Two bytes a person: the array the scan probes 134 M times stays half
    // as large in cache (the pass took 7 % less in wasm than with 4-byte
    // entries holding the global offset, alternating runs in one process).
    let mut mark = vec![0u16; n];
    let mut carries = Carries::default();
    let mut acc = vec![0u32; m];
    let mut deferred = Deferred::new(m);
    in_chunks(n, PEOPLE_CHUNK, |r| {
        // Slices held here, not the captured vectors: through those the
        // loop reloaded each vector's pointer and length after every write.
        let (out, acc, mark, out_off) = (&out[..], &mut acc[..], &mut mark[..], &out_off[..]);
        for u in r {
            let (ulo, uhi) = (out_off[u], out_off[u + 1]);
            debug_assert!(uhi - ulo < 1 << 16);
            for k in ulo..uhi {
                mark[out[k].w as usize] = (k - ulo + 1) as u16;
            }
            for k_uv in ulo..uhi {
                let Entry { w: v, t: t_uv } = out[k_uv];
                let (vlo, vhi) = (out_off[v as usize], out_off[v as usize + 1]);
                let mut s_uv = 0u64;
                for (i, &Entry { w, t: t_vw }) in (vlo..).zip(&out[vlo..vhi]) {
                    let m = mark[w as usize];
                    if m == 0 {
                        continue;
                    }
                    let k_uw = ulo + usize::from(m) - 1;
                    let t_uw = out[k_uw].t;
                    s_uv += u64::from(t_uw.min(t_vw));
                    carries.add(acc, k_uw, t_uv.min(t_vw));
                    deferred.add(acc, &mut carries, i, t_uv.min(t_uw));
                }
                carries.add_wide(acc, k_uv, s_uv);
            }
            for k in ulo..uhi {
                mark[out[k].w as usize] = 0;
            }
        }
    });
    deferred.finish(&mut acc, &mut carries);
    let mut shared = vec![0u64; tie.len()];
    in_chunks(m, CHUNK, |r| {
        for k in r {
            shared[out_p[k] as usize] = u64::from(acc[k]);
        }
    });
    for k in carries.0 {
        shared[out_p[k as usize] as usize] += 1 << 32;
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Symmetric CSR (rows sorted) of `edges` (pair id = position).
    fn csr(n: usize, edges: &[(u32, u32)]) -> (Vec<usize>, Vec<u32>, Vec<u32>) {
        let mut rows: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        for (p, &(a, b)) in edges.iter().enumerate() {
            rows[a as usize].push((b, p as u32));
            rows[b as usize].push((a, p as u32));
        }
        let mut off = vec![0];
        let (mut c, mut ps) = (Vec::new(), Vec::new());
        for mut row in rows {
            row.sort_unstable();
            for (w, p) in row {
                c.push(w);
                ps.push(p);
            }
            off.push(c.len());
        }
        (off, c, ps)
    }

    /// Σ over common neighbours of the smaller tie, pair by pair.
    fn by_pairs(n: usize, edges: &[(u32, u32)], tie: &[u32]) -> Vec<u64> {
        let mut t = vec![vec![None; n]; n];
        for (p, &(a, b)) in edges.iter().enumerate() {
            t[a as usize][b as usize] = Some(tie[p]);
            t[b as usize][a as usize] = Some(tie[p]);
        }
        edges
            .iter()
            .map(|&(a, b)| {
                (0..n)
                    .filter_map(|c| Some(u64::from(t[a as usize][c]?.min(t[b as usize][c]?))))
                    .sum()
            })
            .collect()
    }

    fn check(n: usize, edges: &[(u32, u32)], tie: &[u32]) {
        let (off, c, p) = csr(n, edges);
        assert_eq!(
            shared_by_triangles(&off, &c, &p, tie),
            by_pairs(n, edges, tie)
        );
    }

    #[test]
    fn sums_past_32_bits_carry() {
        // 300 people, all tied at full strength: every pair shares 298
        // units, past the 256 that fit an entry's 32-bit sum.
        let n = 300u32;
        let edges: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .collect();
        let tie = vec![tie_fx(1.0); edges.len()];
        check(n as usize, &edges, &tie);
        let (off, c, p) = csr(n as usize, &edges);
        let shared = shared_by_triangles(&off, &c, &p, &tie);
        assert!(shared.iter().all(|&s| s == 298 * u64::from(tie_fx(1.0))));
    }

    proptest! {
        #[test]
        fn triangles_equal_pair_scans(
            n in 2usize..40,
            density in 0.05f64..0.9,
            seed in any::<u64>(),
        ) {
            // A seeded random graph with random ties (some zero, some full).
            let mut state = seed | 1;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let mut edges = Vec::new();
            for a in 0..n as u32 {
                for b in a + 1..n as u32 {
                    if (next() % 1000) as f64 / 1000.0 < density {
                        edges.push((a, b));
                    }
                }
            }
            let tie: Vec<u32> = edges
                .iter()
                .map(|_| match next() % 10 {
                    0 => 0,
                    1 => tie_fx(1.0),
                    _ => tie_fx((next() % 1_000_000) as f64 / 1e6),
                })
                .collect();
            check(n, &edges, &tie);
        }
    }
}
