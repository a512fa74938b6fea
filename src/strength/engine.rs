//! The incremental strength engine.

use super::accumulate::{pair_direction, prepare, MassConfig, PairStats};
use super::batch::BatchSlice;
use super::embeddedness::{ratio, shared_by_triangles, tie_fx};
use super::factors::{channel_richness, direct_factors, FactorRates, GROUP_SIZE, N_DIRECT};
use super::params::{ResolvedScales, StrengthParams};
use super::{EdgeStrength, Factor, InteractionBatch, InteractionInput, FACTOR_NAMES};
// Every pass over all interactions, pairs or people runs in chunks: in V8 a
// long pass inside one wasm call otherwise runs baseline code to its end.
use crate::chunked::{in_chunks, CHUNK};

/// People per call in passes over people: each person carries a whole row
/// (hundreds of pairs), so `CHUNK` people would be a third of a 10 k-person
/// pass in one call, run in the baseline tier. (The embeddedness pass too.)
pub(super) const PEOPLE_CHUNK: usize = 16;

/// Keeps [`PairStats`] per pair and the scores of the last scoring pass.
///
/// Memory is `O(max person index + pairs)`; person indices must be dense.
#[derive(Debug, Clone)]
pub struct StrengthEngine {
    params: StrengthParams,
    mass: MassConfig,
    richness: [f64; 5],
    weights: [f64; N_DIRECT],
    beta: f64,
    /// Per person `a`: `(b, pair id)` for every pair `(a, b)` with `b > a`,
    /// sorted by `b`.
    up: Vec<Vec<(u32, u32)>>,
    keys: Vec<(u32, u32)>,
    stats: Vec<PairStats>,
    values: Vec<[f64; N_DIRECT]>,
    base: Vec<f64>,
    /// `base · group-size factor` in fixed point (see [`tie_fx`]).
    tie: Vec<u32>,
    emb: Vec<f64>,
    strength: Vec<f64>,
    /// Symmetric adjacency (CSR, rows sorted by neighbour), rebuilt lazily.
    adj_off: Vec<usize>,
    adj_c: Vec<u32>,
    adj_p: Vec<u32>,
    adj_stale: bool,
    node_sum: Vec<f64>,
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    t_min: i64,
    t_max: i64,
    scored_scales: Option<ResolvedScales>,
    slot: Vec<u32>,
}

const NONE: u32 = u32::MAX;
/// A pair event's second half: its contribution's index (below 2^30: a
/// chunk has fewer interactions) and, in the top two bits, the direction
/// the interaction gives the pair. Absorbing then needs neither the
/// interaction's direction evidence nor the pair's people.
const EVENT_DIRECTION_SHIFT: u32 = 30;
const EVENT_CONTRIBUTION: u32 = (1 << EVENT_DIRECTION_SHIFT) - 1;
/// Marks a provisional pair id (an index into the person's new pairs)
/// while a person's events are resolved; pair ids stay below it.
const FRESH: u32 = 1 << 31;

impl StrengthEngine {
    pub fn new(params: StrengthParams) -> Self {
        let mass = MassConfig::new(&params);
        let richness = channel_richness(&params);
        let weights = params.weights.normalised();
        let b = params.embeddedness_weight;
        let beta = if b.is_finite() {
            b.clamp(0.0, 1.0)
        } else {
            0.0
        };
        StrengthEngine {
            params,
            mass,
            richness,
            weights,
            beta,
            up: Vec::new(),
            keys: Vec::new(),
            stats: Vec::new(),
            values: Vec::new(),
            base: Vec::new(),
            tie: Vec::new(),
            emb: Vec::new(),
            strength: Vec::new(),
            adj_off: vec![0],
            adj_c: Vec::new(),
            adj_p: Vec::new(),
            adj_stale: false,
            node_sum: Vec::new(),
            dirty: Vec::new(),
            dirty_list: Vec::new(),
            t_min: i64::MAX,
            t_max: i64::MIN,
            scored_scales: None,
            slot: Vec::new(),
        }
    }

    pub fn params(&self) -> &StrengthParams {
        &self.params
    }

    /// Number of pairs with at least one interaction.
    pub fn num_pairs(&self) -> usize {
        self.keys.len()
    }

    /// Observed data span (last − first timestamp of absorbed interactions).
    pub fn observed_span_ms(&self) -> f64 {
        if self.t_max < self.t_min {
            0.0
        } else {
            (self.t_max as i128 - self.t_min as i128) as f64
        }
    }

    /// Time scales a scoring pass would use now.
    pub fn resolved_scales(&self) -> ResolvedScales {
        self.params.resolve_scales(self.observed_span_ms())
    }

    fn pair_id(&self, a: u32, b: u32) -> Option<u32> {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        let list = self.up.get(a as usize)?;
        list.binary_search_by_key(&b, |e| e.0)
            .ok()
            .map(|i| list[i].1)
    }

    fn new_pair(&mut self, a: u32, b: u32) -> u32 {
        let pid = self.keys.len() as u32;
        assert!(pid < FRESH, "more than 2^31 pairs");
        self.keys.push((a, b));
        self.dirty.push(false);
        pid
    }

    /// Sizes the per-pair score arrays to the pairs: once per scoring pass,
    /// not per new pair (growing six arrays pair by pair moved them over
    /// and over).
    fn size_scores(&mut self) {
        let n = self.keys.len();
        self.values.resize(n, [0.0; N_DIRECT]);
        self.base.resize(n, 0.0);
        self.tie.resize(n, 0);
        self.emb.resize(n, 0.0);
        self.strength.resize(n, f64::NAN);
    }

    /// Absorb interactions; returns the pairs they touched (sorted, unique).
    /// Interactions with fewer than two distinct participants are ignored.
    /// Scores are not updated until [`Self::score_touched`] / [`Self::score_all`].
    ///
    /// Pair events are bucketed by their lower person (a counting sort), so
    /// each person's pairs are updated together: cost
    /// `O(pair events + persons touched × their degree)`.
    pub fn add_interactions(&mut self, batch: &[InteractionInput]) -> Vec<(u32, u32)> {
        // Pairs become dirty once between scorings: the new tail of the list.
        let before = self.dirty_list.len();
        self.add_batch(&InteractionBatch::from(batch));
        let mut out: Vec<(u32, u32)> = self.dirty_list[before..]
            .iter()
            .map(|&p| self.keys[p as usize])
            .collect();
        out.sort_unstable();
        out
    }

    /// [`Self::add_interactions`] for interactions already in flat form,
    /// without listing the touched pairs.
    pub fn add_batch(&mut self, batch: &InteractionBatch) {
        // Chunks bound the scratch memory (≈ 40 B per interaction + 8 B per
        // pair event); the O(persons) counting-sort overhead per chunk is
        // amortised by the chunk size.
        let chunk = (1usize << 20)
            .max(self.up.len() / 4)
            .min(EVENT_CONTRIBUTION as usize + 1);
        let mut start = 0;
        while start < batch.len() {
            let end = batch.len().min(start + chunk);
            self.add_chunk(batch.slice(start..end));
            start = end;
        }
    }

    fn add_chunk(&mut self, batch: BatchSlice<'_>) {
        assert!(batch.len() <= EVENT_CONTRIBUTION as usize + 1);
        // 1. Prepare every interaction with two or more participants.
        let mut contribs = Vec::with_capacity(batch.len());
        // The interaction (in `batch`) and the direction evidence of each
        // contribution.
        let mut source: Vec<u32> = Vec::with_capacity(batch.len());
        let mut dirs: Vec<u32> = Vec::with_capacity(batch.len());
        let mut max_person = 0u32;
        let (mut t_min, mut t_max) = (self.t_min, self.t_max);
        let (params, mass) = (&self.params, &self.mass);
        in_chunks(batch.len(), CHUNK, |r| {
            for i in r {
                let p = batch.participants(i);
                let Some((c, dir)) = prepare(batch.head(i), p, params, mass) else {
                    continue;
                };
                t_min = t_min.min(c.t);
                t_max = t_max.max(c.t);
                max_person = max_person.max(p[p.len() - 1]);
                contribs.push(c);
                source.push(i as u32);
                dirs.push(dir);
            }
        });
        (self.t_min, self.t_max) = (t_min, t_max);
        if contribs.is_empty() {
            return;
        }
        let parts_of = |ci: usize| batch.participants(source[ci] as usize);
        let n_people = (max_person as usize + 1).max(self.up.len());
        if self.up.len() < n_people {
            self.up.resize_with(n_people, Vec::new);
            self.node_sum.resize(n_people, 0.0);
            self.slot.resize(n_people, NONE);
            self.adj_stale = true;
        }
        // 2. Counting sort of pair events by lower person a: (b, the
        // contribution and the pair's direction, see `EVENT_CONTRIBUTION`).
        let mut off = vec![0usize; n_people + 1];
        in_chunks(contribs.len(), CHUNK, |r| {
            // Slices, not the captured vectors, in the loops of these
            // passes: through a captured vector, each write made the loop
            // reload its pointer and length.
            let off = &mut off[..];
            for ci in r {
                let p = parts_of(ci);
                for (i, &a) in p.iter().enumerate() {
                    off[a as usize + 1] += p.len() - 1 - i;
                }
            }
        });
        for a in 0..n_people {
            off[a + 1] += off[a];
        }
        let mut fill = off.clone();
        let mut ev: Vec<(u32, u32)> = vec![(0, 0); off[n_people]];
        in_chunks(contribs.len(), CHUNK, |r| {
            let (ev, fill, dirs) = (&mut ev[..], &mut fill[..], &dirs[..]);
            for ci in r {
                let p = parts_of(ci);
                for (i, &a) in p.iter().enumerate() {
                    for &b in &p[i + 1..] {
                        let direction = pair_direction(dirs[ci], a, b);
                        ev[fill[a as usize]] = (b, ci as u32 | direction << EVENT_DIRECTION_SHIFT);
                        fill[a as usize] += 1;
                    }
                }
            }
        });
        // 3. Per person a: resolve each event's pair id through a dense slot
        // map, in place of its `b`. New pairs are numbered in `b` order once
        // the person's events are seen, so a full recompute numbers every
        // pair in pair order: later passes in pair order (explaining,
        // writing edges) then read the per-pair arrays front to back (in
        // first-seen order, explaining 1.41 M pairs stalled on `stats`).
        let mut fresh: Vec<(u32, u32)> = Vec::new();
        // The fresh `b`s of the person at hand as bits, listed in order by a
        // scan over their range instead of a sort (~140 new pairs per person
        // on a full recompute: this pass took 0.066 s in Node with the
        // sort, 0.055 s with the scan).
        let mut fresh_bits = vec![0u64; n_people.div_ceil(64)];
        let mut renumber: Vec<u32> = Vec::new();
        let mut slot = std::mem::take(&mut self.slot);
        in_chunks(n_people, PEOPLE_CHUNK, |r| {
            let (slot, ev, off) = (&mut slot[..], &mut ev[..], &off[..]);
            for a in r {
                let evs = &mut ev[off[a]..off[a + 1]];
                if evs.is_empty() {
                    continue;
                }
                for e in evs.iter_mut() {
                    let b = e.0;
                    let mut pid = slot[b as usize];
                    if pid == NONE {
                        pid = match self.up[a].binary_search_by_key(&b, |e| e.0) {
                            Ok(i) => {
                                let p = self.up[a][i].1;
                                self.mark_dirty(p);
                                p
                            }
                            Err(_) => {
                                fresh.push((b, fresh.len() as u32));
                                fresh_bits[b as usize / 64] |= 1 << (b % 64);
                                FRESH | (fresh.len() as u32 - 1)
                            }
                        };
                        slot[b as usize] = pid;
                    }
                    e.0 = pid;
                }
                if !fresh.is_empty() {
                    in_b_order(&mut fresh, &mut fresh_bits, slot);
                    renumber.resize(fresh.len(), 0);
                    for (b, k) in fresh.iter_mut() {
                        let p = self.new_pair(a as u32, *b);
                        self.mark_dirty(p);
                        renumber[*k as usize] = p;
                        *k = p;
                    }
                    let renumber = &renumber[..];
                    for e in evs.iter_mut() {
                        if e.0 & FRESH != 0 {
                            e.0 = renumber[(e.0 & !FRESH) as usize];
                        }
                    }
                    let old = std::mem::take(&mut self.up[a]);
                    let mut merged = Vec::with_capacity(old.len() + fresh.len());
                    let (mut i, mut j) = (0, 0);
                    while i < old.len() || j < fresh.len() {
                        if j == fresh.len() || (i < old.len() && old[i].0 < fresh[j].0) {
                            merged.push(old[i]);
                            i += 1;
                        } else {
                            merged.push(fresh[j]);
                            j += 1;
                        }
                    }
                    self.up[a] = merged;
                    fresh.clear();
                    self.adj_stale = true;
                }
                for &(pid, _) in evs.iter() {
                    slot[self.keys[pid as usize].1 as usize] = NONE;
                }
            }
        });
        self.slot = slot;
        // 4. Every event absorbed, person by person: a person's pairs sit
        // together. Statistics of a person's new pairs (the newest ids) are
        // created just before its events are absorbed, so they are still in
        // cache (sized up front, 158 MB of defaults had left the cache by
        // the time each person's pairs were reached); reserved once (grown
        // pair by pair, the records were moved over and over).
        self.stats.reserve(self.keys.len() - self.stats.len());
        let mut local = Vec::new();
        in_chunks(n_people, PEOPLE_CHUNK, |r| {
            for a in r {
                let evs = &ev[off[a]..off[a + 1]];
                let Some(last) = evs.iter().map(|&(pid, _)| pid).max() else {
                    continue;
                };
                if self.stats.len() <= last as usize {
                    self.stats.resize(last as usize + 1, PairStats::default());
                }
                // Gather this person's contributions first: a tight loop of
                // independent loads lets the cache misses overlap.
                local.clear();
                local.extend(
                    evs.iter()
                        .map(|&(_, e)| contribs[(e & EVENT_CONTRIBUTION) as usize]),
                );
                let (stats, mass) = (&mut self.stats[..], &self.mass);
                for (&(pid, e), c) in evs.iter().zip(&local) {
                    let direction = e >> EVENT_DIRECTION_SHIFT;
                    stats[pid as usize].absorb(c, direction, mass);
                }
            }
        });
        debug_assert_eq!(self.stats.len(), self.keys.len());
    }

    /// Rebuild the symmetric CSR adjacency from the upper lists. Rows come
    /// out sorted: lower neighbours are appended in ascending order, then the
    /// (sorted) upper list.
    fn ensure_adjacency(&mut self) {
        if !self.adj_stale {
            return;
        }
        let n = self.up.len();
        let up = &self.up;
        let mut deg = vec![0usize; n];
        in_chunks(n, PEOPLE_CHUNK, |r| {
            for a in r {
                deg[a] += up[a].len();
                for &(b, _) in &up[a] {
                    deg[b as usize] += 1;
                }
            }
        });
        let mut off = vec![0usize; n + 1];
        for v in 0..n {
            off[v + 1] = off[v] + deg[v];
        }
        let total = off[n];
        let mut c = vec![0u32; total];
        let mut p = vec![0u32; total];
        let mut fill = off.clone();
        in_chunks(n, PEOPLE_CHUNK, |r| {
            for a in r {
                for &(b, pid) in &up[a] {
                    let k = fill[b as usize];
                    c[k] = a as u32;
                    p[k] = pid;
                    fill[b as usize] += 1;
                }
            }
        });
        in_chunks(n, PEOPLE_CHUNK, |r| {
            for a in r {
                for &(b, pid) in &up[a] {
                    let k = fill[a];
                    c[k] = b;
                    p[k] = pid;
                    fill[a] += 1;
                }
            }
        });
        self.adj_off = off;
        self.adj_c = c;
        self.adj_p = p;
        self.adj_stale = false;
    }

    fn rescore_direct(&mut self, pid: usize, now_ms: i64, rates: &FactorRates) {
        let v = direct_factors(
            &self.stats[pid],
            now_ms,
            rates,
            &self.mass,
            &self.richness,
            &self.params,
        );
        let mut s = 0.0;
        for (w, x) in self.weights.iter().zip(&v) {
            s += w * x;
        }
        self.values[pid] = v;
        self.base[pid] = s;
        self.tie[pid] = tie_fx(s * v[GROUP_SIZE]);
    }

    /// `S_v = Σ base` over v's row, ascending neighbour.
    fn node_sum_of(&self, v: usize) -> f64 {
        let mut s = 0.0;
        for &p in &self.adj_p[self.adj_off[v]..self.adj_off[v + 1]] {
            s += self.base[p as usize];
        }
        s
    }

    /// Shared strength of `(v, u)` (fixed point) with `dense` holding v's
    /// ties: scans u's row; non-neighbours of v read 0 and add nothing.
    fn shared_with(&self, dense: &[u32], u: usize) -> u64 {
        let (lo, hi) = (self.adj_off[u], self.adj_off[u + 1]);
        let mut s = 0;
        for (&c, &p) in self.adj_c[lo..hi].iter().zip(&self.adj_p[lo..hi]) {
            s += u64::from(dense[c as usize].min(self.tie[p as usize]));
        }
        s
    }

    fn scatter(&self, dense: &mut [u32], v: usize, on: bool) {
        let (lo, hi) = (self.adj_off[v], self.adj_off[v + 1]);
        for (&c, &p) in self.adj_c[lo..hi].iter().zip(&self.adj_p[lo..hi]) {
            dense[c as usize] = if on { self.tie[p as usize] } else { 0 };
        }
    }

    /// Contributions in [`FACTOR_NAMES`] order; their in-order sum is the strength.
    // Always inlined (with `explain`): at opt-level "s" the calls and the
    // array built through iterator adapters stayed out of line; explaining
    // 1.41 M pairs took 0.22 s in wasm, 0.14 s inlined.
    #[inline(always)]
    fn contributions(&self, pid: usize) -> [f64; 8] {
        let mut c = [0.0; 8];
        let v = &self.values[pid];
        for k in 0..N_DIRECT {
            c[k] = (1.0 - self.beta) * self.weights[k] * v[k];
        }
        c[7] = self.beta * self.emb[pid];
        c
    }

    fn finish(&mut self, pid: usize, shared: u64) {
        let (a, b) = self.keys[pid];
        self.emb[pid] = ratio(
            shared,
            self.node_sum[a as usize],
            self.node_sum[b as usize],
            self.base[pid],
        );
        let c = self.contributions(pid);
        let mut s = 0.0;
        for x in c {
            s += x;
        }
        self.strength[pid] = s.clamp(0.0, 1.0);
    }

    fn mark_dirty(&mut self, pid: u32) {
        if !self.dirty[pid as usize] {
            self.dirty[pid as usize] = true;
            self.dirty_list.push(pid);
        }
    }

    fn clear_dirty(&mut self) {
        for &p in &self.dirty_list {
            self.dirty[p as usize] = false;
        }
        self.dirty_list.clear();
    }

    /// Rescore every pair at `now_ms`. Returns the number of pairs scored.
    pub fn score_all(&mut self, now_ms: i64) -> usize {
        self.ensure_adjacency();
        self.size_scores();
        let scales = self.resolved_scales();
        let rates = FactorRates::new(&self.params, &scales, &self.mass, now_ms, self.t_min);
        let n_pairs = self.keys.len();
        in_chunks(n_pairs, CHUNK, |r| {
            for pid in r {
                self.rescore_direct(pid, now_ms, &rates);
            }
        });
        let n = self.up.len();
        let mut node_sum = std::mem::take(&mut self.node_sum);
        in_chunks(n, PEOPLE_CHUNK, |r| {
            for v in r {
                node_sum[v] = self.node_sum_of(v);
            }
        });
        self.node_sum = node_sum;
        let shared = shared_by_triangles(&self.adj_off, &self.adj_c, &self.adj_p, &self.tie);
        in_chunks(n_pairs, CHUNK, |r| {
            for pid in r {
                self.finish(pid, shared[pid]);
            }
        });
        self.clear_dirty();
        self.scored_scales = Some(scales);
        n_pairs
    }

    /// Rescore the pairs touched since the last scoring and, for
    /// embeddedness, every pair sharing a person with them. Returns the
    /// rescored pairs (sorted). Untouched pairs outside that neighbourhood
    /// keep the scores of their last scoring (and its `now`). If the resolved
    /// time scales changed since the last scoring (the observed span moved
    /// while a span-relative scale is not at its clamp), every pair is
    /// rescored, since all of them depend on those scales.
    pub fn score_touched(&mut self, now_ms: i64) -> Vec<(u32, u32)> {
        let scales = self.resolved_scales();
        if self.scored_scales != Some(scales) {
            self.score_all(now_ms);
            let mut all = self.keys.clone();
            all.sort_unstable();
            return all;
        }
        self.ensure_adjacency();
        self.size_scores();
        let rates = FactorRates::new(&self.params, &scales, &self.mass, now_ms, self.t_min);
        let dirty = std::mem::take(&mut self.dirty_list);
        for &p in &dirty {
            self.rescore_direct(p as usize, now_ms, &rates);
        }
        let mut nodes: Vec<u32> = dirty
            .iter()
            .flat_map(|&p| {
                let (a, b) = self.keys[p as usize];
                [a, b]
            })
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        for &v in &nodes {
            self.node_sum[v as usize] = self.node_sum_of(v as usize);
        }
        self.dirty_list = dirty;
        self.clear_dirty();
        // Every pair incident to a touched person; `dirty` marks "done".
        let mut dense = vec![0u32; self.up.len()];
        let mut rescored: Vec<u32> = Vec::new();
        for &v in &nodes {
            let v = v as usize;
            self.scatter(&mut dense, v, true);
            for k in self.adj_off[v]..self.adj_off[v + 1] {
                let pid = self.adj_p[k] as usize;
                if self.dirty[pid] {
                    continue;
                }
                self.dirty[pid] = true;
                rescored.push(pid as u32);
                let s = self.shared_with(&dense, self.adj_c[k] as usize);
                self.finish(pid, s);
            }
            self.scatter(&mut dense, v, false);
        }
        for &p in &rescored {
            self.dirty[p as usize] = false;
        }
        let mut out: Vec<(u32, u32)> = rescored.iter().map(|&p| self.keys[p as usize]).collect();
        out.sort_unstable();
        out
    }

    /// Last computed strength of a pair (either order), if scored.
    pub fn strength(&self, a: u32, b: u32) -> Option<f64> {
        let p = self.pair_id(a, b)? as usize;
        self.is_scored(p).then(|| self.strength[p])
    }

    /// Statistics of a pair (either order).
    pub fn pair_stats(&self, a: u32, b: u32) -> Option<&PairStats> {
        let p = self.pair_id(a, b)? as usize;
        Some(&self.stats[p])
    }

    /// Explained strength of a pair (either order), if scored.
    pub fn edge(&self, a: u32, b: u32) -> Option<EdgeStrength> {
        let p = self.pair_id(a, b)? as usize;
        self.is_scored(p).then(|| self.explain(p))
    }

    #[inline(always)]
    fn explain(&self, p: usize) -> EdgeStrength {
        let c = self.contributions(p);
        let v = &self.values[p];
        let mut factors = [Factor {
            name: FACTOR_NAMES[7],
            value: self.emb[p],
            contribution: c[7],
        }; 8];
        for k in 0..N_DIRECT {
            factors[k] = Factor {
                name: FACTOR_NAMES[k],
                value: v[k],
                contribution: c[k],
            };
        }
        let st = &self.stats[p];
        EdgeStrength {
            strength: self.strength[p],
            factors,
            interaction_count: st.count,
            first_seen_ms: st.first_ms,
            last_seen_ms: st.last_ms,
            channels: st.channels,
            two_way: st.is_two_way(),
        }
    }

    fn is_scored(&self, p: usize) -> bool {
        self.strength.get(p).is_some_and(|s| !s.is_nan())
    }

    /// Scored pair ids in pair order: the upper lists are sorted, so no sort.
    fn each_scored(&self, mut f: impl FnMut((u32, u32), usize)) {
        let up = &self.up;
        in_chunks(up.len(), PEOPLE_CHUNK, |r| {
            for a in r {
                for &(b, p) in &up[a] {
                    if self.is_scored(p as usize) {
                        f((a as u32, b), p as usize);
                    }
                }
            }
        });
    }

    /// All scored pairs with their strength, sorted by pair.
    pub fn strengths(&self) -> Vec<((u32, u32), f64)> {
        let mut out = Vec::with_capacity(self.keys.len());
        self.each_scored(|k, p| out.push((k, self.strength[p])));
        out
    }

    /// Every scored pair explained, in pair order, one at a time: a caller
    /// that turns them into records needs no vector of a million
    /// explanations (~300 bytes each) in between.
    pub fn for_each_edge(&self, mut f: impl FnMut((u32, u32), EdgeStrength)) {
        self.each_scored(|k, p| f(k, self.explain(p)));
    }

    /// All scored pairs explained, sorted by pair.
    pub fn edges(&self) -> Vec<((u32, u32), EdgeStrength)> {
        let mut out = Vec::with_capacity(self.keys.len());
        self.for_each_edge(|k, e| out.push((k, e)));
        out
    }
}

/// Sorts `fresh` (distinct `b`s, each with its provisional id, also held
/// in `slot[b]`) by `b`, clearing their bits in `bits`: by a scan of the
/// bits over the range of the `b`s where they are dense in it (a full
/// recompute), else by sorting.
fn in_b_order(fresh: &mut Vec<(u32, u32)>, bits: &mut [u64], slot: &[u32]) {
    let (lo, hi) = fresh
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), &(b, _)| (lo.min(b), hi.max(b)));
    let (first, last) = (lo as usize / 64, hi as usize / 64);
    if last - first < 8 * fresh.len() {
        fresh.clear();
        for (w, word) in bits[first..=last].iter_mut().enumerate() {
            let mut x = std::mem::take(word);
            while x != 0 {
                let b = ((first + w) * 64) as u32 + x.trailing_zeros();
                x &= x - 1;
                fresh.push((b, slot[b as usize] & !FRESH));
            }
        }
    } else {
        for &(b, _) in fresh.iter() {
            bits[b as usize / 64] = 0;
        }
        fresh.sort_unstable();
    }
}

/// One-shot: absorb `interactions`, score at `now_ms`, return every pair
/// explained (sorted by pair).
pub fn score_interactions(
    interactions: &[InteractionInput],
    now_ms: i64,
    params: &StrengthParams,
) -> Vec<((u32, u32), EdgeStrength)> {
    score_batch(&InteractionBatch::from(interactions), now_ms, params)
}

/// [`score_interactions`] for interactions already in flat form.
pub fn score_batch(
    batch: &InteractionBatch,
    now_ms: i64,
    params: &StrengthParams,
) -> Vec<((u32, u32), EdgeStrength)> {
    let mut e = StrengthEngine::new(params.clone());
    e.add_batch(batch);
    e.score_all(now_ms);
    e.edges()
}
