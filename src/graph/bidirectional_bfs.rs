//! Fewest-hops path by bidirectional breadth-first search.

use super::scratch::{with_scratch, Work, Q};
use super::{CsrIndex, Filters, Path, Result};

/// A path with the fewest hops from `a` to `b` (respecting `filters`,
/// including `max_hops`), or `Ok(None)`.
///
/// Bidirectional, level-synchronous BFS that always expands the side whose
/// frontier has the smaller total degree; visited bits and parents live in
/// reusable buffers (no O(V) clearing per query). Among several shortest paths an
/// arbitrary one is returned.
///
/// ```
/// use wig_search::{shortest_path, CsrIndex, EdgeInput, Filters};
/// let e = |a, b| EdgeInput { a, b, strength: 0.5, rel_type: 0, edge_id: a * 10 + b };
/// let idx = CsrIndex::build(4, &[e(0, 1), e(1, 2), e(2, 3)]).unwrap();
/// let p = shortest_path(&idx, 0, 3, &Filters::default()).unwrap().unwrap();
/// assert_eq!(p.nodes, vec![0, 1, 2, 3]);
/// assert_eq!(p.edge_ids, vec![1, 12, 23]);
/// let f = Filters { max_hops: Some(2), ..Filters::default() };
/// assert!(shortest_path(&idx, 0, 3, &f).unwrap().is_none());
/// ```
pub fn shortest_path(idx: &CsrIndex, a: u32, b: u32, filters: &Filters) -> Result<Option<Path>> {
    filters.check_query(idx, &[("a", a), ("b", b)], &[("a", a), ("b", b)])?;
    if !idx.is_active(a) || !idx.is_active(b) {
        return Ok(None);
    }
    if a == b {
        return Ok(Some(Path::trivial(a)));
    }
    let max_h = u64::from(filters.max_hops.unwrap_or(u32::MAX));
    Ok(with_scratch(|s| {
        let (q, w) = s.begin(idx, filters);
        one_or_two_hops(&q, a, b, max_h)
            .or_else(|| bidir_bfs(q, w, a, b, max_h))
            .map(|nodes| Path::from_nodes(idx, nodes))
    }))
}

/// Two rows at most this long together are read directly for a path of
/// one or two hops before any search (longer ones go straight to it).
const SHORT_ROWS: usize = 512;

/// A path of one or two hops read off the rows of `a` and `b` (sorted, so
/// an edge is a binary search and a common neighbour a merge that stops at
/// the first): on small dense graphs most pairs are that close, and the
/// search would first mark a whole row. Only without edge filters and with
/// both rows wholly in the CSR arrays; `None` means "search" (no such
/// path, or not applicable). A 1-hop answer is checked first, so a 2-hop
/// one is shortest.
fn one_or_two_hops(q: &Q<'_>, a: u32, b: u32, max_h: u64) -> Option<Vec<u32>> {
    let idx = q.idx;
    if !q.plain_edges() || !q.node_ok(b) || !idx.overlay(a).is_empty() || !idx.overlay(b).is_empty()
    {
        return None;
    }
    let (ra, rb) = (idx.row(a), idx.row(b));
    if max_h == 0 || ra.len() + rb.len() > SHORT_ROWS {
        return None;
    }
    if ra.binary_search(&b).is_ok() {
        return Some(vec![a, b]);
    }
    if max_h < 2 {
        return None;
    }
    let (mut i, mut j) = (0, 0);
    while i < ra.len() && j < rb.len() {
        match ra[i].cmp(&rb[j]) {
            core::cmp::Ordering::Less => i += 1,
            core::cmp::Ordering::Greater => j += 1,
            core::cmp::Ordering::Equal => {
                if q.node_ok(ra[i]) {
                    return Some(vec![a, ra[i], b]);
                }
                i += 1;
                j += 1;
            }
        }
    }
    None
}

/// Returns the node sequence of a shortest path.
fn bidir_bfs(q: Q<'_>, w: &mut Work, a: u32, b: u32, max_h: u64) -> Option<Vec<u32>> {
    w.seen_dirty = true;
    w.seen_list.clear();
    let meet = search(q, w, a, b, max_h);
    let Work {
        seen_f,
        seen_b,
        seen_list,
        par_f,
        par_b,
        ..
    } = w;
    // Whole words: every bit set belongs to a node in the list.
    for &v in seen_list.iter() {
        seen_f[(v >> 6) as usize] = 0;
        seen_b[(v >> 6) as usize] = 0;
    }
    w.seen_dirty = false;
    let meet = meet?;
    let mut nodes = Vec::new();
    let mut v = meet;
    while v != a {
        nodes.push(v);
        v = par_f[v as usize];
    }
    nodes.push(a);
    nodes.reverse();
    let mut v = meet;
    while v != b {
        v = par_b[v as usize];
        nodes.push(v);
    }
    Some(nodes)
}

/// The side of the search being expanded.
struct Side<'a> {
    mine: &'a mut [u64],
    other: &'a [u64],
    par: &'a mut [u32],
    next: &'a mut Vec<u32>,
    seen_list: &'a mut Vec<u32>,
    cost: &'a mut usize,
}

impl Side<'_> {
    /// Marks `v` reached from `u`; true when the two searches meet there.
    /// Always inlined: it runs for every edge scanned, and the wasm build
    /// (optimised for size) otherwise kept it a call.
    #[inline(always)]
    fn visit(&mut self, q: &Q<'_>, v: u32, u: u32) -> bool {
        let (word, mask) = bit(v);
        if self.mine[word] & mask != 0 || !q.node_ok(v) {
            return false;
        }
        self.mine[word] |= mask;
        self.seen_list.push(v);
        self.par[v as usize] = u;
        if self.other[word] & mask != 0 {
            return true;
        }
        self.next.push(v);
        *self.cost += q.idx.degree_upper(v);
        false
    }
}

#[inline(always)]
fn bit(v: u32) -> (usize, u64) {
    ((v >> 6) as usize, 1u64 << (v & 63))
}

/// The node where the two searches meet, if they do within `max_h` hops.
fn search(q: Q<'_>, w: &mut Work, a: u32, b: u32, max_h: u64) -> Option<u32> {
    let Work {
        seen_f,
        seen_b,
        seen_list,
        par_f,
        par_b,
        q1,
        q2,
        q3,
        q4,
        ..
    } = w;
    let (cur_f, next_f, cur_b, next_b) = (q1, q2, q3, q4);
    cur_f.clear();
    cur_b.clear();
    let (wa, ba) = bit(a);
    let (wb, bb) = bit(b);
    seen_f[wa] |= ba;
    seen_b[wb] |= bb;
    seen_list.push(a);
    seen_list.push(b);
    par_f[a as usize] = a;
    par_b[b as usize] = b;
    cur_f.push(a);
    cur_b.push(b);
    let (mut df, mut db) = (0u64, 0u64);
    let (mut cost_f, mut cost_b) = (q.idx.degree_upper(a), q.idx.degree_upper(b));
    loop {
        if cur_f.is_empty() || cur_b.is_empty() || df + db + 1 > max_h {
            return None;
        }
        let forward = cost_f <= cost_b;
        let (cur, next, mine, mine_par, other) = if forward {
            (
                &mut *cur_f,
                &mut *next_f,
                &mut *seen_f,
                &mut *par_f,
                &*seen_b,
            )
        } else {
            (
                &mut *cur_b,
                &mut *next_b,
                &mut *seen_b,
                &mut *par_b,
                &*seen_f,
            )
        };
        next.clear();
        let mut cost = 0usize;
        let mut side = Side {
            mine,
            other,
            par: mine_par,
            next,
            seen_list,
            cost: &mut cost,
        };
        if q.plain_edges() {
            // No edge filter and no tombstones: read only the neighbour
            // column (one memory stream instead of four).
            for &u in cur.iter() {
                for &v in q.idx.row(u) {
                    if side.visit(&q, v, u) {
                        return Some(v);
                    }
                }
                for e in q.idx.overlay(u) {
                    if side.visit(&q, e.node, u) {
                        return Some(e.node);
                    }
                }
            }
        } else {
            for &u in cur.iter() {
                for e in q.idx.adj(u) {
                    if q.edge_ok(&e) && side.visit(&q, e.node, u) {
                        return Some(e.node);
                    }
                }
            }
        }
        core::mem::swap(cur, next);
        if forward {
            df += 1;
            cost_f = cost;
        } else {
            db += 1;
            cost_b = cost;
        }
    }
}
