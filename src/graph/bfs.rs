//! Single-source breadth-first search.

use super::scratch::{with_scratch, Q};
use super::{CsrIndex, Filters, Result};

/// Hop distance from `a` to every node (`u32::MAX` = unreachable, inactive,
/// avoided, or farther than `filters.max_hops`). `result[a] == 0` unless `a`
/// is inactive.
///
/// ```
/// use wig_search::{bfs_distances, CsrIndex, EdgeInput, Filters};
/// let e = |a, b| EdgeInput { a, b, strength: 1.0, rel_type: 0, edge_id: 0 };
/// let idx = CsrIndex::build(4, &[e(0, 1), e(1, 2)]).unwrap();
/// let d = bfs_distances(&idx, 0, &Filters::default()).unwrap();
/// assert_eq!(d, vec![0, 1, 2, u32::MAX]);
/// ```
pub fn bfs_distances(idx: &CsrIndex, a: u32, filters: &Filters) -> Result<Vec<u32>> {
    filters.check_query(idx, &[("a", a)], &[("a", a)])?;
    let mut dist = vec![u32::MAX; idx.node_count() as usize];
    if !idx.is_active(a) {
        return Ok(dist);
    }
    let max_h = filters.max_hops.unwrap_or(u32::MAX);
    with_scratch(|s| {
        let (q, w) = s.begin(idx, filters);
        direction_optimizing(q, a, max_h, &mut dist, [&mut w.q1, &mut w.q2, &mut w.q3]);
    });
    Ok(dist)
}

/// Switch to bottom-up when the frontier's edges exceed the unexplored
/// edges divided by this (Beamer et al.).
const ALPHA: usize = 14;
/// Switch back to top-down when the frontier has fewer than `V / BETA` nodes.
const BETA: usize = 24;

/// Direction-optimising BFS: top-down steps scan the frontier's rows;
/// bottom-up steps let every unvisited node look for a parent in the
/// frontier and stop at the first one, which skips most edges of the big
/// middle levels of small-world graphs. `dist` doubles as the visited set.
pub(crate) fn direction_optimizing(
    q: Q<'_>,
    a: u32,
    max_h: u32,
    dist: &mut [u32],
    [cur, next, unvisited]: [&mut Vec<u32>; 3],
) {
    let idx = q.idx;
    let n = dist.len();
    let deg_sum = |f: &[u32]| f.iter().map(|&u| idx.degree_upper(u)).sum::<usize>();
    let mut unexplored = idx.half_edges_upper() - idx.degree_upper(a);
    cur.clear();
    cur.push(a);
    dist[a as usize] = 0;
    let mut depth = 0u32;
    let mut bottom_up = false;
    // Bottom-up steps visit the usable nodes not reached yet, kept in a
    // list (built by the first such step, shrunk by each): the last levels
    // then skip the nodes reached before instead of testing all of them.
    let mut listed = false;
    while !cur.is_empty() && depth < max_h {
        depth += 1;
        let frontier_edges = deg_sum(cur);
        if !bottom_up && frontier_edges > unexplored / ALPHA {
            bottom_up = true;
        } else if bottom_up && cur.len() < n / BETA {
            bottom_up = false;
        }
        next.clear();
        if bottom_up {
            let parent_depth = depth - 1;
            let plain = q.plain_edges();
            if !listed {
                unvisited.clear();
                unvisited.extend(
                    (0..n as u32).filter(|&v| dist[v as usize] == u32::MAX && q.node_ok(v)),
                );
                listed = true;
            }
            let mut kept = 0;
            for i in 0..unvisited.len() {
                let v = unvisited[i];
                // The row by columns: without filters only the neighbour
                // column is read, in a loop that stops at the first parent.
                let (nb, st, rt, ov) = idx.row_parts(v);
                let found = if plain {
                    nb.iter().any(|&w| dist[w as usize] == parent_depth)
                } else {
                    nb.iter().zip(st).zip(rt).any(|((&w, &s), &r)| {
                        dist[w as usize] == parent_depth && q.edge_ok_parts(s, r)
                    })
                } || ov
                    .iter()
                    .any(|e| dist[e.node as usize] == parent_depth && q.edge_ok(e));
                if found {
                    dist[v as usize] = depth;
                    next.push(v);
                } else {
                    unvisited[kept] = v;
                    kept += 1;
                }
            }
            unvisited.truncate(kept);
        } else {
            listed = false;
            for &u in cur.iter() {
                for e in idx.adj(u) {
                    let v = e.node;
                    if dist[v as usize] != u32::MAX || !q.edge_ok(&e) || !q.node_ok(v) {
                        continue;
                    }
                    dist[v as usize] = depth;
                    next.push(v);
                }
            }
        }
        unexplored = unexplored.saturating_sub(deg_sum(next));
        core::mem::swap(cur, next);
    }
}

/// Level-synchronous BFS from `a` (which must be usable) up to `max_depth`
/// levels; `visit(v, depth)` is called once per reached node, `a` first.
/// `seen` is a generation-stamped visited array.
pub(crate) fn bfs_levels(
    q: Q<'_>,
    a: u32,
    max_depth: u32,
    seen: &mut [u32],
    cur: &mut Vec<u32>,
    next: &mut Vec<u32>,
    mut visit: impl FnMut(u32, u32),
) {
    let g = q.gen;
    cur.clear();
    next.clear();
    cur.push(a);
    seen[a as usize] = g;
    visit(a, 0);
    let mut depth = 0u32;
    while !cur.is_empty() && depth < max_depth {
        depth += 1;
        for &u in cur.iter() {
            for e in q.idx.adj(u) {
                let v = e.node;
                if seen[v as usize] == g || !q.edge_ok(&e) || !q.node_ok(v) {
                    continue;
                }
                seen[v as usize] = g;
                visit(v, depth);
                next.push(v);
            }
        }
        core::mem::swap(cur, next);
        next.clear();
    }
}
