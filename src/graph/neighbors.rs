//! Breadth-limited neighbourhood.

use super::bfs::bfs_levels;
use super::scratch::with_scratch;
use super::{CsrIndex, Filters, Result};

/// Nodes grouped by exact hop distance from the query node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Neighborhood {
    /// `by_depth[d]` = nodes at exactly `d` hops, ascending; `by_depth[0]`
    /// is `[a]`. Trailing empty levels are omitted, so an inactive `a`
    /// gives an empty vector.
    pub by_depth: Vec<Vec<u32>>,
    /// `counts[d] == by_depth[d].len()`.
    pub counts: Vec<usize>,
}

/// Everyone within `min(depth, filters.max_hops)` hops of `a`, by distance.
///
/// ```
/// use wig_search::{neighbors, CsrIndex, EdgeInput, Filters};
/// let e = |a, b| EdgeInput { a, b, strength: 0.5, rel_type: 0, edge_id: 0 };
/// let idx = CsrIndex::build(5, &[e(0, 2), e(0, 1), e(1, 3), e(3, 4)]).unwrap();
/// let n = neighbors(&idx, 0, 2, &Filters::default()).unwrap();
/// assert_eq!(n.by_depth, vec![vec![0], vec![1, 2], vec![3]]);
/// assert_eq!(n.counts, vec![1, 2, 1]);
/// ```
pub fn neighbors(idx: &CsrIndex, a: u32, depth: u32, filters: &Filters) -> Result<Neighborhood> {
    filters.check_query(idx, &[("a", a)], &[("a", a)])?;
    let mut out = Neighborhood::default();
    if !idx.is_active(a) {
        return Ok(out);
    }
    let max_d = depth.min(filters.max_hops.unwrap_or(u32::MAX));
    with_scratch(|s| {
        let (q, w) = s.begin(idx, filters);
        bfs_levels(q, a, max_d, &mut w.mark_f, &mut w.q1, &mut w.q2, |v, d| {
            if out.by_depth.len() <= d as usize {
                out.by_depth.push(Vec::new());
            }
            out.by_depth[d as usize].push(v);
        });
    });
    for level in &mut out.by_depth {
        level.sort_unstable();
    }
    out.counts = out.by_depth.iter().map(Vec::len).collect();
    Ok(out)
}
