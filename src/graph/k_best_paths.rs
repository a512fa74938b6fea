//! Exact k best simple paths by product of strengths, hop-bounded.
//!
//! # Algorithm
//!
//! 1. **Backward bound table.** From the target(s), synchronous
//!    Bellman-Ford rounds compute `hb[r][v]` = best product of a walk from
//!    `v` to a target with at most `r` hops (intermediates neither targets
//!    nor the source), for `r <= R` where `R = min(max_hops - 1, 3)`. Round
//!    `r` relaxes only the nodes whose value changed in round `r - 1`; round
//!    2 is always computed, round 3 only if it costs at most
//!    `LEVEL3_BUDGET` half-edge scans (on hub-heavy graphs the 2-hop ball is
//!    the affordable "middle"). If a round changes nothing the table is exact
//!    for every hop count.
//! 2. **Forward best-first search** (A* over partial simple paths) from the
//!    source. A partial path ending in `v` with `r` hops left has the
//!    admissible bound `g * h(v, r)`, where `h(v, r) = hb[r][v]` for
//!    `r <= R`, and for `r > R` `max(hb[R][v], maxs(v) * G)` (`maxs(v)` = the
//!    strongest edge at `v`, `G` = the strongest edge into the targets;
//!    a longer path ends with one of those edges). Nodes outside the ball
//!    with `r <= R` hops left cannot reach a target and are pruned.
//! 3. Complete paths are popped in non-increasing score, so the first `k`
//!    pops are the answer. Partial paths whose bound cannot beat the k-th
//!    best complete path already generated are never pushed.
//!
//! When the remaining hop budget is 1 (or 0), children must lie in the
//! target's 1-ball; for a hub, that candidate list is probed with binary
//! searches instead of scanning the hub's whole row. For a single target the
//! search runs from the endpoint whose 2-hop ball is larger, so the full
//! table is built around the cheaper one.
//!
//! The bound ignores simplicity, so it stays admissible; the work is
//! exponential in `max_hops` in the worst case, but tiny for the usual 4.
//! Past the hop radius of the table the bound is loose (`maxs(v) * G`):
//! on a graph of many near-equal paths (teams that all know each other,
//! chained by a few people) with a high `max_hops`, the search would keep
//! every partial path of up to `max_hops - 2` hops. So it is budgeted:
//! after [`TIGHTEN_AFTER`] partial paths it tightens the bound with the
//! best walk to a target at any length (a Dijkstra from the targets, `O(E
//! log V)` once) and prunes nodes whose nearest target is more hops away
//! than they have left (a BFS from the targets), and starts again; past
//! [`MAX_LABELS`] it gives up with [`GraphError::SearchTooLarge`] instead
//! of growing memory without end.

use super::filters::DEFAULT_INTRO_MAX_HOPS;
use super::scratch::{with_scratch, Work, Q};
use super::{CsrIndex, Filters, GraphError, Path, Result};
use core::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Largest table radius.
const MAXR: usize = 3;
/// Max half-edge scans allowed for table round 3.
const LEVEL3_BUDGET: usize = 4_096;
const NONE: u32 = u32::MAX;
/// Partial paths kept before the bound is tightened (typical queries keep
/// hundreds).
const TIGHTEN_AFTER: usize = 1 << 18;
/// Partial paths kept before the search gives up (~48 B each with the heap
/// entry: ~100 MB).
const MAX_LABELS: usize = 1 << 21;

/// The search's knobs, which tests force: the table's radius, and after
/// how many partial paths kept it tightens its bound and gives up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    pub max_r: usize,
    pub tighten_after: usize,
    pub max_labels: usize,
}

impl Tuning {
    pub(crate) const DEFAULT: Tuning = Tuning {
        max_r: MAXR,
        tighten_after: TIGHTEN_AFTER,
        max_labels: MAX_LABELS,
    };
}

#[derive(Clone, Copy)]
struct Label {
    node: u32,
    parent: u32,
    hops: u32,
    edge_id: u32,
    strength: f32,
    g: f64,
}

#[derive(Clone, Copy, PartialEq)]
struct Item {
    f: f64,
    hops: u32,
    idx: u32,
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        self.f
            .total_cmp(&other.f)
            .then_with(|| self.hops.cmp(&other.hops))
            .then_with(|| other.idx.cmp(&self.idx))
    }
}

#[derive(Clone, Copy, PartialEq)]
struct TotalF64(f64);
impl Eq for TotalF64 {}
impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Clone, Copy)]
struct Ball {
    /// `vals[r]` = best walk score to a target within `r` hops, -1 = none.
    vals: [f64; MAXR + 1],
    /// Last round in which this node improved.
    chg: u8,
}

/// Buffers of the k-best search (part of the thread scratch).
#[derive(Default)]
pub(crate) struct KbWork {
    arena: Vec<Label>,
    heap: BinaryHeap<Item>,
    ball: Vec<Ball>,
    l1: Vec<u32>,
    tlist: Vec<u32>,
    prev: Vec<u32>,
    cur: Vec<u32>,
    topk: BinaryHeap<Reverse<TotalF64>>,
    /// Best walk product to a target at any length, per node (-1: none);
    /// filled only when the search tightens its bound.
    any_len: Vec<f64>,
    reach: BinaryHeap<(TotalF64, Reverse<u32>)>,
    /// Fewest hops to a target, per node (`NONE`: none); filled with `any_len`.
    hops_to: Vec<u32>,
    frontier: Vec<u32>,
}

/// The `k` strongest simple paths from `a` to `b` with at most
/// `filters.max_hops` hops (default [`DEFAULT_INTRO_MAX_HOPS`] = 4), best
/// first (non-increasing `score`, ties in unspecified order). Exact: no
/// simple path with a higher score than the last returned one is missed.
/// Fewer than `k` paths are returned when fewer exist; `a == b` gives the
/// zero-hop path.
///
/// ```
/// use wig_search::{intro_paths, CsrIndex, EdgeInput, Filters};
/// let e = |a, b, strength| EdgeInput { a, b, strength, rel_type: 0, edge_id: 0 };
/// // 0 - 1 - 3 and 0 - 2 - 3, plus a direct weak tie 0 - 3.
/// let idx = CsrIndex::build(4, &[e(0, 1, 0.9), e(1, 3, 0.9), e(0, 2, 0.8),
///                                e(2, 3, 0.5), e(0, 3, 0.1)]).unwrap();
/// let p = intro_paths(&idx, 0, 3, 3, &Filters::default()).unwrap();
/// let nodes: Vec<_> = p.iter().map(|p| p.nodes.clone()).collect();
/// assert_eq!(nodes, vec![vec![0, 1, 3], vec![0, 2, 3], vec![0, 3]]);
/// assert_eq!(p[1].weakest_hop, 1);
/// ```
pub fn intro_paths(
    idx: &CsrIndex,
    a: u32,
    b: u32,
    k: usize,
    filters: &Filters,
) -> Result<Vec<Path>> {
    intro_paths_tuned(idx, a, b, k, filters, Tuning::DEFAULT)
}

pub(crate) fn intro_paths_tuned(
    idx: &CsrIndex,
    a: u32,
    b: u32,
    k: usize,
    filters: &Filters,
    tuning: Tuning,
) -> Result<Vec<Path>> {
    filters.check_query(idx, &[("a", a), ("b", b)], &[("a", a), ("b", b)])?;
    if k == 0 || !idx.is_active(a) || !idx.is_active(b) {
        return Ok(Vec::new());
    }
    if a == b {
        return Ok(vec![Path::trivial(a)]);
    }
    let h = filters.max_hops.unwrap_or(DEFAULT_INTRO_MAX_HOPS);
    with_scratch(|s| {
        let (q, w) = s.begin(idx, filters);
        single_target(q, w, a, b, k, h, tuning)
    })
}

/// The `k` strongest simple paths from `a` to any node of `targets`
/// (e.g. everyone at an organisation), searched once with all targets as a
/// virtual super-sink. A path ends at the first target it reaches (no
/// intermediate node is a target). Targets equal to `a`, inactive or in
/// `filters.avoid` are ignored; duplicates are fine. Unknown target ids are
/// [`super::GraphError::UnknownNode`] with field `targets`.
///
/// ```
/// use wig_search::{intro_paths_to_set, CsrIndex, EdgeInput, Filters};
/// let e = |a, b, strength| EdgeInput { a, b, strength, rel_type: 0, edge_id: 0 };
/// let idx = CsrIndex::build(5, &[e(0, 1, 0.9), e(1, 2, 0.8), e(0, 3, 0.3), e(3, 4, 0.9)]).unwrap();
/// let p = intro_paths_to_set(&idx, 0, &[2, 4], 5, &Filters::default()).unwrap();
/// assert_eq!(p.len(), 2);
/// assert_eq!(p[0].nodes, vec![0, 1, 2]);
/// assert_eq!(p[1].nodes, vec![0, 3, 4]);
/// ```
pub fn intro_paths_to_set(
    idx: &CsrIndex,
    a: u32,
    targets: &[u32],
    k: usize,
    filters: &Filters,
) -> Result<Vec<Path>> {
    filters.check_query(idx, &[("a", a)], &[("a", a)])?;
    for &t in targets {
        idx.check_node("targets", t)?;
    }
    if k == 0 || !idx.is_active(a) {
        return Ok(Vec::new());
    }
    let h = filters.max_hops.unwrap_or(DEFAULT_INTRO_MAX_HOPS);
    with_scratch(|s| {
        let (q, w) = s.begin(idx, filters);
        let mut out = search(q, w, a, targets, k, h, Tuning::DEFAULT)?;
        sort_paths(&mut out);
        Ok(out)
    })
}

/// Best path with at most `h` hops (k = 1); used by `best_path`.
pub(crate) fn best_within_hops(
    q: Q<'_>,
    w: &mut Work,
    a: u32,
    b: u32,
    h: u32,
) -> Result<Option<Path>> {
    Ok(single_target(q, w, a, b, 1, h, Tuning::DEFAULT)?
        .into_iter()
        .next())
}

/// Sum of the degrees of `v`'s neighbours: the cost of a radius-2 table.
fn two_hop_cost(idx: &CsrIndex, v: u32) -> usize {
    idx.adj(v).map(|e| idx.degree_upper(e.node)).sum()
}

fn sort_paths(paths: &mut [Path]) {
    paths.sort_by(|x, y| y.score.total_cmp(&x.score));
}

fn single_target(
    q: Q<'_>,
    w: &mut Work,
    a: u32,
    b: u32,
    k: usize,
    h: u32,
    tuning: Tuning,
) -> Result<Vec<Path>> {
    let swap = two_hop_cost(q.idx, a) < two_hop_cost(q.idx, b);
    let mut out = if swap {
        search(q, w, b, &[a], k, h, tuning)?
            .into_iter()
            .map(Path::reversed)
            .collect()
    } else {
        search(q, w, a, &[b], k, h, tuning)?
    };
    sort_paths(&mut out);
    Ok(out)
}

fn emit(arena: &[Label], mut i: u32) -> Path {
    let mut nodes = Vec::new();
    let mut edge_ids = Vec::new();
    let mut hop_strengths = Vec::new();
    loop {
        let l = &arena[i as usize];
        nodes.push(l.node);
        if l.parent == NONE {
            break;
        }
        edge_ids.push(l.edge_id);
        hop_strengths.push(l.strength);
        i = l.parent;
    }
    nodes.reverse();
    edge_ids.reverse();
    hop_strengths.reverse();
    Path::from_parts(nodes, edge_ids, hop_strengths)
}

fn on_path(arena: &[Label], mut i: u32, v: u32) -> bool {
    while i != NONE {
        let l = &arena[i as usize];
        if l.node == v {
            return true;
        }
        i = l.parent;
    }
    false
}

/// Core search: `k` best simple paths from `src` to the target set with at
/// most `h >= 1` hops, in pop order (non-increasing up to rounding).
fn search(
    q: Q<'_>,
    w: &mut Work,
    src: u32,
    targets: &[u32],
    k: usize,
    h: u32,
    tuning: Tuning,
) -> Result<Vec<Path>> {
    let g = q.gen;
    let idx = q.idx;
    let Work {
        mark_b,
        mark_t,
        par_b,
        kb,
        ..
    } = w;
    let KbWork {
        arena,
        heap,
        ball,
        l1,
        tlist,
        prev,
        cur,
        topk,
        any_len,
        reach,
        hops_to,
        frontier,
    } = kb;

    tlist.clear();
    for &t in targets {
        if t != src && mark_t[t as usize] != g && q.node_ok(t) {
            mark_t[t as usize] = g;
            tlist.push(t);
        }
    }
    if tlist.is_empty() {
        return Ok(Vec::new());
    }

    // ---- 1. backward table -------------------------------------------
    ball.clear();
    l1.clear();
    prev.clear();
    for &t in tlist.iter() {
        mark_b[t as usize] = g;
        par_b[t as usize] = ball.len() as u32;
        ball.push(Ball {
            vals: [1.0; MAXR + 1],
            chg: 0,
        });
        prev.push(t);
    }
    let max_r = tuning.max_r.min(MAXR).min(h as usize - 1);
    let mut big_g = -1.0f64; // strongest usable edge into a target
    let mut r_eff = 0usize;
    let mut complete = false;
    for r in 1..=max_r {
        if r >= 3 && prev.iter().map(|&u| idx.degree_upper(u)).sum::<usize>() > LEVEL3_BUDGET {
            break;
        }
        cur.clear();
        for &u in prev.iter() {
            let cu = ball[par_b[u as usize] as usize].vals[r - 1];
            for e in idx.adj(u) {
                if !toward_targets(q, src, mark_t, &e) {
                    continue;
                }
                let v = e.node;
                let ns = cu * f64::from(e.strength);
                let slot = if mark_b[v as usize] == g {
                    par_b[v as usize] as usize
                } else {
                    mark_b[v as usize] = g;
                    par_b[v as usize] = ball.len() as u32;
                    ball.push(Ball {
                        vals: [-1.0; MAXR + 1],
                        chg: 0,
                    });
                    ball.len() - 1
                };
                let bv = &mut ball[slot];
                if ns > bv.vals[r] {
                    for x in &mut bv.vals[r..] {
                        if ns > *x {
                            *x = ns;
                        }
                    }
                    if bv.chg != r as u8 {
                        bv.chg = r as u8;
                        cur.push(v);
                    }
                    if r == 1 && ns > big_g {
                        big_g = ns;
                    }
                }
            }
        }
        core::mem::swap(prev, cur);
        r_eff = r;
        if r == 1 {
            l1.extend_from_slice(prev);
        }
        if prev.is_empty() {
            complete = true;
            break;
        }
    }
    let table_bound = |v: u32, r: u32| -> f64 {
        let slot = (mark_b[v as usize] == g).then(|| par_b[v as usize] as usize);
        let r = r as usize;
        if complete || r <= r_eff {
            slot.map_or(-1.0, |s| ball[s].vals[r.min(MAXR)])
        } else {
            let base = slot.map_or(-1.0, |s| ball[s].vals[r_eff]);
            if big_g < 0.0 {
                base
            } else {
                base.max(f64::from(idx.max_strength(v)) * big_g)
            }
        }
    };

    // ---- 2. forward best-first search --------------------------------
    let mut tight = false;
    loop {
        let last = tight || complete;
        let limit = if last {
            tuning.max_labels
        } else {
            tuning.tighten_after
        };
        let searched = forward(
            q,
            src,
            k,
            h,
            limit,
            &|v, r| {
                let b = table_bound(v, r);
                if !tight {
                    return b;
                }
                // A target too many hops away, or none: pruned. (No slack
                // on the product: a factor on some bounds and not others
                // broke the ties between equal paths, and the search went
                // breadth-first through them.)
                match any_len[v as usize] {
                    x if x < 0.0 || hops_to[v as usize] > r => -1.0,
                    x => b.min(x),
                }
            },
            SearchBufs {
                arena,
                heap,
                topk,
                tlist,
                l1,
                mark_t,
            },
        );
        if let Some(out) = searched {
            return Ok(out);
        }
        if last {
            return Err(GraphError::SearchTooLarge {
                field: "maxHops",
                labels: tuning.max_labels,
            });
        }
        best_walks_to_targets(q, src, tlist, mark_t, any_len, reach);
        hops_to_targets(q, src, tlist, mark_t, hops_to, frontier);
        tight = true;
    }
}

/// The buffers [`forward`] works in.
struct SearchBufs<'a> {
    arena: &'a mut Vec<Label>,
    heap: &'a mut BinaryHeap<Item>,
    topk: &'a mut BinaryHeap<Reverse<TotalF64>>,
    tlist: &'a [u32],
    l1: &'a [u32],
    mark_t: &'a [u32],
}

/// Whether the backward passes (the bound table, the best walks, the hop
/// distances) may step over `e` to its node: a usable edge to a usable
/// node that is neither the source nor a target (a path ends at its first
/// target and never comes back to its source).
#[inline(always)]
fn toward_targets(q: Q<'_>, src: u32, mark_t: &[u32], e: &super::EdgeRef) -> bool {
    let v = e.node;
    q.edge_ok(e) && v != src && mark_t[v as usize] != q.gen && q.node_ok(v)
}

/// `any_len[v]`: the best product of a walk from `v` to a target at any
/// length (intermediates neither targets nor `src`), -1 when none: a
/// max-product Dijkstra from the targets.
fn best_walks_to_targets(
    q: Q<'_>,
    src: u32,
    tlist: &[u32],
    mark_t: &[u32],
    any_len: &mut Vec<f64>,
    reach: &mut BinaryHeap<(TotalF64, Reverse<u32>)>,
) {
    let idx = q.idx;
    any_len.clear();
    any_len.resize(idx.node_count() as usize, -1.0);
    reach.clear();
    for &t in tlist {
        any_len[t as usize] = 1.0;
        reach.push((TotalF64(1.0), Reverse(t)));
    }
    while let Some((TotalF64(d), Reverse(u))) = reach.pop() {
        if d < any_len[u as usize] {
            continue;
        }
        for e in idx.adj(u) {
            if !toward_targets(q, src, mark_t, &e) {
                continue;
            }
            let v = e.node;
            let nd = d * f64::from(e.strength);
            if nd > any_len[v as usize] {
                any_len[v as usize] = nd;
                reach.push((TotalF64(nd), Reverse(v)));
            }
        }
    }
}

/// `hops_to[v]`: the fewest hops from `v` to a target (intermediates
/// neither targets nor `src`), `NONE` when none: a BFS from the targets.
fn hops_to_targets(
    q: Q<'_>,
    src: u32,
    tlist: &[u32],
    mark_t: &[u32],
    hops_to: &mut Vec<u32>,
    frontier: &mut Vec<u32>,
) {
    let idx = q.idx;
    hops_to.clear();
    hops_to.resize(idx.node_count() as usize, NONE);
    frontier.clear();
    for &t in tlist {
        hops_to[t as usize] = 0;
        frontier.push(t);
    }
    let mut at = 0;
    while at < frontier.len() {
        let u = frontier[at];
        at += 1;
        for e in idx.adj(u) {
            let v = e.node;
            if hops_to[v as usize] != NONE || !toward_targets(q, src, mark_t, &e) {
                continue;
            }
            hops_to[v as usize] = hops_to[u as usize] + 1;
            frontier.push(v);
        }
    }
}

/// The best-first search proper, with `bound(v, r)` the admissible bound of
/// a partial path at `v` with `r` hops left (< 0: no target reachable).
/// `None` when it keeps more than `budget` partial paths.
fn forward(
    q: Q<'_>,
    src: u32,
    k: usize,
    h: u32,
    budget: usize,
    bound: &impl Fn(u32, u32) -> f64,
    bufs: SearchBufs<'_>,
) -> Option<Vec<Path>> {
    let (idx, g) = (q.idx, q.gen);
    let SearchBufs {
        arena,
        heap,
        topk,
        tlist,
        l1,
        mark_t,
    } = bufs;
    arena.clear();
    heap.clear();
    topk.clear();
    arena.push(Label {
        node: src,
        parent: NONE,
        hops: 0,
        edge_id: 0,
        strength: 1.0,
        g: 1.0,
    });
    heap.push(Item {
        f: 1.0,
        hops: 0,
        idx: 0,
    });
    let mut out = Vec::new();
    while let Some(it) = heap.pop() {
        let lab = arena[it.idx as usize];
        let u = lab.node;
        if lab.hops > 0 && mark_t[u as usize] == g {
            out.push(emit(arena, it.idx));
            if out.len() == k {
                break;
            }
            continue;
        }
        if topk.len() == k && it.f <= topk.peek().map_or(-1.0, |x| x.0 .0) {
            continue;
        }
        let child_rem = h - lab.hops - 1;
        let mut visit = |e: super::EdgeRef| {
            if !q.edge_ok(&e) {
                return;
            }
            let v = e.node;
            let ng = lab.g * f64::from(e.strength);
            let theta = if topk.len() == k {
                topk.peek().map_or(-1.0, |x| x.0 .0)
            } else {
                -1.0
            };
            let f = if mark_t[v as usize] == g {
                if topk.len() == k {
                    if ng <= theta {
                        return;
                    }
                    topk.pop();
                }
                topk.push(Reverse(TotalF64(ng)));
                ng
            } else {
                if child_rem == 0 || v == src || !q.node_ok(v) {
                    return;
                }
                let hv = bound(v, child_rem);
                if hv < 0.0 {
                    return;
                }
                let f = ng * hv;
                if (topk.len() == k && f <= theta) || on_path(arena, it.idx, v) {
                    return;
                }
                f
            };
            let ci = u32::try_from(arena.len()).expect("path arena overflow");
            arena.push(Label {
                node: v,
                parent: it.idx,
                hops: lab.hops + 1,
                edge_id: e.edge_id,
                strength: e.strength,
                g: ng,
            });
            heap.push(Item {
                f,
                hops: lab.hops + 1,
                idx: ci,
            });
        };
        let cands = tlist.len() + if child_rem == 1 { l1.len() } else { 0 };
        if child_rem <= 1 && cands * 8 < idx.degree_upper(u) {
            // Probe the (small) candidate lists instead of scanning a hub.
            let extra: &[u32] = if child_rem == 1 { l1 } else { &[] };
            for &v in tlist.iter().chain(extra) {
                if let Some(e) = idx.edge(u, v) {
                    visit(e);
                }
            }
        } else {
            for e in idx.adj(u) {
                visit(e);
            }
        }
        if arena.len() > budget {
            return None;
        }
    }
    Some(out)
}
