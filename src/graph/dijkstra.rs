//! Strongest path: maximum product of strengths.

use super::bfs::direction_optimizing;
use super::indexed_heap::IndexedHeap;
use super::k_best_paths::best_within_hops;
use super::scratch::{with_scratch, ScoreNode, Work, Q};
use super::{CsrIndex, Filters, Path, Result};
use core::cmp::Ordering;
use std::collections::BinaryHeap;

/// Bounds up to this go straight to the k-best engine (k = 1).
const KBEST_DIRECT: u32 = 4;
/// Above this bound the k-best engine is not tried (its work can grow
/// exponentially with the bound); label-setting Dijkstra is used instead.
const KBEST_HOP_LIMIT: u32 = 6;

/// The path maximising the product of strengths (equivalently minimising
/// the sum of `-ln(strength)`) with at most `filters.max_hops` hops, or
/// `Ok(None)`. Exact.
///
/// * `max_hops == None`: bidirectional Dijkstra on products (binary heaps,
///   stop when `top_f * top_b <= best`).
/// * `max_hops <= 4`: the k-best search of [`super::intro_paths`] with k = 1.
/// * larger bounds: first the unbounded search; if its path has few enough
///   hops it is also optimal under the bound. Otherwise the k-best search
///   (bounds up to 6), or label-setting Dijkstra over `(node, hops)` labels
///   where a label is dropped if its node was already settled with fewer
///   hops (it is then dominated: higher-or-equal score and fewer hops) or
///   if a BFS from `b` shows it cannot reach `b` within the bound.
///
/// ```
/// use wig_search::{best_path, CsrIndex, EdgeInput, Filters};
/// let e = |a, b, strength| EdgeInput { a, b, strength, rel_type: 0, edge_id: 0 };
/// let idx = CsrIndex::build(4, &[e(0, 3, 0.2), e(0, 1, 0.9), e(1, 2, 0.9), e(2, 3, 0.9)]).unwrap();
/// let p = best_path(&idx, 0, 3, &Filters::default()).unwrap().unwrap();
/// assert_eq!(p.nodes, vec![0, 1, 2, 3]);
/// let f = Filters { max_hops: Some(2), ..Filters::default() };
/// assert_eq!(best_path(&idx, 0, 3, &f).unwrap().unwrap().nodes, vec![0, 3]);
/// ```
pub fn best_path(idx: &CsrIndex, a: u32, b: u32, filters: &Filters) -> Result<Option<Path>> {
    filters.check_query(idx, &[("a", a), ("b", b)], &[("a", a), ("b", b)])?;
    if !idx.is_active(a) || !idx.is_active(b) {
        return Ok(None);
    }
    if a == b {
        return Ok(Some(Path::trivial(a)));
    }
    let unbounded = match filters.max_hops {
        None => true,
        Some(h) => u64::from(h) + 1 >= u64::from(idx.node_count()),
    };
    with_scratch(|s| {
        let Some(h) = filters.max_hops.filter(|_| !unbounded) else {
            let (q, w) = s.begin(idx, filters);
            return Ok(bidir_dijkstra(q, w, a, b).map(|nodes| Path::from_nodes(idx, nodes)));
        };
        if h <= KBEST_DIRECT {
            let (q, w) = s.begin(idx, filters);
            return best_within_hops(q, w, a, b, h);
        }
        // Each search below needs a fresh generation of the stamp arrays.
        let nodes = {
            let (q, w) = s.begin(idx, filters);
            bidir_dijkstra(q, w, a, b)
        };
        let Some(nodes) = nodes else {
            return Ok(None);
        };
        if nodes.len() <= h as usize + 1 {
            return Ok(Some(Path::from_nodes(idx, nodes)));
        }
        let (q, w) = s.begin(idx, filters);
        if h <= KBEST_HOP_LIMIT {
            best_within_hops(q, w, a, b, h)
        } else {
            Ok(hop_bounded(q, w, a, b, h).map(|nodes| Path::from_nodes(idx, nodes)))
        }
    })
}

/// One side of the bidirectional search: its heap and per-node stamps,
/// as slices (through `&mut Vec`s the loop reloaded every pointer and
/// length after each write).
struct Side<'a> {
    heap: &'a mut IndexedHeap,
    mark: &'a mut [u32],
    done: &'a mut [u32],
    par: &'a mut [u32],
    val: &'a mut [f64],
}

impl Side<'_> {
    /// Settles the side's best node and relaxes its edges; returns the
    /// meeting edge `(this side's node, other side's node)` if it improved
    /// `best`.
    fn expand(&mut self, q: &Q<'_>, other: &Side<'_>, best: &mut f64) -> Option<(u32, u32)> {
        let other_top = other.heap.peek()?.score;
        let ScoreNode { score, node: u } = self.heap.pop()?;
        self.done[u as usize] = q.gen;
        let mut meet = None;
        // The CSR row by columns (the loop reads two of four; the type
        // only if a filter applies), then the overlay.
        let (nb, st, rt, ov) = q.idx.row_parts(u);
        for (i, (&v, &s)) in nb.iter().zip(st).enumerate() {
            if q.plain_edges() || q.edge_ok_parts(s, rt[i]) {
                self.relax(q, other, (u, score), (v, s), (other_top, best), &mut meet);
            }
        }
        for e in ov {
            if q.edge_ok(e) {
                self.relax(
                    q,
                    other,
                    (u, score),
                    (e.node, e.strength),
                    (other_top, best),
                    &mut meet,
                );
            }
        }
        meet
    }

    /// Relaxes edge `u - v` of strength `s`, `u` settled with `score`.
    #[inline(always)]
    fn relax(
        &mut self,
        q: &Q<'_>,
        other: &Side<'_>,
        (u, score): (u32, f64),
        (v, s): (u32, f32),
        (other_top, best): (f64, &mut f64),
        meet: &mut Option<(u32, u32)>,
    ) {
        let g = q.gen;
        let vi = v as usize;
        // Settled here: `ns` is at most its label, and the pair of its
        // labels was weighed when the later of the two was set.
        if self.done[vi] == g || !q.node_ok(v) {
            return;
        }
        let ns = score * f64::from(s);
        if other.mark[vi] == g {
            let cand = ns * other.val[vi];
            if cand > *best {
                *best = cand;
                *meet = Some((u, v));
            }
        }
        // Any path on through `v` reaches a node the other side has
        // labelled (weighed above or when labelled) or scores at most
        // `ns * other_top`: no better than `best`, so `v` stays as is.
        if ns * other_top <= *best {
            return;
        }
        if self.mark[vi] != g || ns > self.val[vi] {
            self.mark[vi] = g;
            self.val[vi] = ns;
            self.par[vi] = u;
            self.heap.push_or_raise(v, ns);
        }
    }
}

pub(crate) fn bidir_dijkstra(q: Q<'_>, w: &mut Work, a: u32, b: u32) -> Option<Vec<u32>> {
    let g = q.gen;
    let n = q.idx.node_count() as usize;
    let Work {
        mark_f,
        mark_b,
        done_f,
        done_b,
        par_f,
        par_b,
        val_f,
        val_b,
        heap_f,
        heap_b,
        ..
    } = w;
    let mut f = Side {
        heap: heap_f,
        mark: &mut mark_f[..n],
        done: &mut done_f[..n],
        par: &mut par_f[..n],
        val: &mut val_f[..n],
    };
    let mut r = Side {
        heap: heap_b,
        mark: &mut mark_b[..n],
        done: &mut done_b[..n],
        par: &mut par_b[..n],
        val: &mut val_b[..n],
    };
    for (s, side) in [(a, &mut f), (b, &mut r)] {
        side.heap.reset(n);
        side.mark[s as usize] = g;
        side.par[s as usize] = s;
        side.val[s as usize] = 1.0;
        side.heap.push_or_raise(s, 1.0);
    }
    let mut best = -1.0f64;
    // (node on a's side, node on b's side)
    let mut meet: Option<(u32, u32)> = None;
    while let (Some(tf), Some(tb)) = (f.heap.peek(), r.heap.peek()) {
        if best >= 0.0 && tf.score * tb.score <= best {
            break;
        }
        if f.heap.len() <= r.heap.len() {
            if let Some(m) = f.expand(&q, &r, &mut best) {
                meet = Some(m);
            }
        } else if let Some((v, u)) = r.expand(&q, &f, &mut best) {
            meet = Some((u, v));
        }
    }
    let (x, y) = meet?;
    let mut nodes = Vec::new();
    let mut v = x;
    loop {
        nodes.push(v);
        if v == a {
            break;
        }
        v = f.par[v as usize];
    }
    nodes.reverse();
    let mut v = y;
    loop {
        nodes.push(v);
        if v == b {
            break;
        }
        v = r.par[v as usize];
    }
    Some(nodes)
}

#[derive(Clone, Copy)]
pub(crate) struct HopLabel {
    node: u32,
    parent: u32,
    hops: u32,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) struct HopItem {
    score: f64,
    hops: u32,
    idx: u32,
}
impl Eq for HopItem {}
impl PartialOrd for HopItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for HopItem {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.hops.cmp(&self.hops))
            .then_with(|| other.idx.cmp(&self.idx))
    }
}

/// Buffers of the hop-bounded label-setting search.
#[derive(Default)]
pub(crate) struct LabelWork {
    arena: Vec<HopLabel>,
    heap: BinaryHeap<HopItem>,
}

/// Label-setting Dijkstra on `(node, hops)`; `par_f[v]` holds the fewest hops
/// with which `v` was settled (valid where `mark_f[v] == gen`). A
/// (direction-optimising) BFS from `b` first gives `par_b[v]` = hops to `b`,
/// so labels that cannot reach `b` within the bound are never created.
fn hop_bounded(q: Q<'_>, w: &mut Work, a: u32, b: u32, h: u32) -> Option<Vec<u32>> {
    let g = q.gen;
    let Work {
        mark_f,
        par_f,
        par_b,
        q1,
        q2,
        q3,
        lw,
        ..
    } = w;
    let n = q.idx.node_count() as usize;
    let to_b = &mut par_b[..n];
    to_b.fill(u32::MAX);
    direction_optimizing(q, b, h, to_b, [q1, q2, q3]);
    if to_b[a as usize] == u32::MAX {
        return None;
    }
    let LabelWork { arena, heap } = lw;
    arena.clear();
    heap.clear();
    arena.push(HopLabel {
        node: a,
        parent: u32::MAX,
        hops: 0,
    });
    heap.push(HopItem {
        score: 1.0,
        hops: 0,
        idx: 0,
    });
    while let Some(it) = heap.pop() {
        let lab = arena[it.idx as usize];
        let v = lab.node;
        if mark_f[v as usize] == g && par_f[v as usize] <= lab.hops {
            continue;
        }
        mark_f[v as usize] = g;
        par_f[v as usize] = lab.hops;
        if v == b {
            let mut nodes = Vec::with_capacity(lab.hops as usize + 1);
            let mut i = it.idx;
            while i != u32::MAX {
                nodes.push(arena[i as usize].node);
                i = arena[i as usize].parent;
            }
            nodes.reverse();
            return Some(nodes);
        }
        if lab.hops == h {
            continue;
        }
        for e in q.idx.adj(v) {
            if !q.edge_ok(&e) {
                continue;
            }
            let u = e.node;
            let hops = lab.hops + 1;
            // `to_b` is MAX for unusable or too-distant nodes.
            if u64::from(hops) + u64::from(to_b[u as usize]) > u64::from(h)
                || (mark_f[u as usize] == g && par_f[u as usize] <= hops)
            {
                continue;
            }
            let idx = u32::try_from(arena.len()).expect("label arena overflow");
            arena.push(HopLabel {
                node: u,
                parent: it.idx,
                hops: lab.hops + 1,
            });
            heap.push(HopItem {
                score: it.score * f64::from(e.strength),
                hops: lab.hops + 1,
                idx,
            });
        }
    }
    None
}
