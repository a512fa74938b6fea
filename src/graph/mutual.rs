//! Mutual connections by merging two sorted adjacency rows.

use super::scratch::{with_scratch, Q};
use super::{CsrIndex, Filters, Result};

/// A common neighbour of `a` and `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mutual {
    /// The shared contact.
    pub node: u32,
    /// Strength of the edge `a - node`.
    pub strength_a: f32,
    /// Strength of the edge `node - b`.
    pub strength_b: f32,
}

/// Common neighbours `m` of `a` and `b` (both edges usable, `m` usable,
/// `m != a, b`), sorted by `min(strength_a, strength_b)` descending, then by
/// node id. Empty when `filters.max_hops == Some(1)` (a mutual is 2 hops).
///
/// ```
/// use wig_search::{mutual_connections, CsrIndex, EdgeInput, Filters};
/// let e = |a, b, strength| EdgeInput { a, b, strength, rel_type: 0, edge_id: 0 };
/// let idx = CsrIndex::build(4, &[e(0, 2, 0.9), e(2, 1, 0.4), e(0, 3, 0.6), e(3, 1, 0.6)]).unwrap();
/// let m = mutual_connections(&idx, 0, 1, &Filters::default()).unwrap();
/// assert_eq!(m.iter().map(|m| m.node).collect::<Vec<_>>(), vec![3, 2]);
/// ```
pub fn mutual_connections(
    idx: &CsrIndex,
    a: u32,
    b: u32,
    filters: &Filters,
) -> Result<Vec<Mutual>> {
    filters.check_query(idx, &[("a", a), ("b", b)], &[("a", a), ("b", b)])?;
    if !idx.is_active(a) || !idx.is_active(b) || filters.max_hops == Some(1) {
        return Ok(Vec::new());
    }
    let mut out = with_scratch(|s| {
        let (q, _) = s.begin(idx, filters);
        merge(q, a, b)
    });
    out.sort_by(|x, y| {
        let (mx, my) = (
            x.strength_a.min(x.strength_b),
            y.strength_a.min(y.strength_b),
        );
        my.total_cmp(&mx).then(x.node.cmp(&y.node))
    });
    Ok(out)
}

fn merge(q: Q<'_>, a: u32, b: u32) -> Vec<Mutual> {
    let (da, db) = (q.idx.degree_upper(a), q.idx.degree_upper(b));
    if da.min(db) * 16 < da.max(db) {
        return probe(q, a, b, da <= db);
    }
    let usable =
        |e: &super::EdgeRef| q.edge_ok(e) && e.node != a && e.node != b && q.node_ok(e.node);
    let mut ia = q.idx.neighbors_of(a).filter(usable).peekable();
    let mut ib = q.idx.neighbors_of(b).filter(usable).peekable();
    let mut out = Vec::new();
    while let (Some(x), Some(y)) = (ia.peek(), ib.peek()) {
        match x.node.cmp(&y.node) {
            core::cmp::Ordering::Less => {
                ia.next();
            }
            core::cmp::Ordering::Greater => {
                ib.next();
            }
            core::cmp::Ordering::Equal => {
                out.push(Mutual {
                    node: x.node,
                    strength_a: x.strength,
                    strength_b: y.strength,
                });
                ia.next();
                ib.next();
            }
        }
    }
    out
}

/// Very unequal degrees: probe the big row once per entry of the small one.
fn probe(q: Q<'_>, a: u32, b: u32, a_small: bool) -> Vec<Mutual> {
    let (small, big) = if a_small { (a, b) } else { (b, a) };
    let mut out = Vec::new();
    for x in q.idx.neighbors_of(small) {
        let m = x.node;
        if m == a || m == b || !q.edge_ok(&x) || !q.node_ok(m) {
            continue;
        }
        let Some(y) = q.idx.edge(big, m) else {
            continue;
        };
        if !q.edge_ok(&y) {
            continue;
        }
        let (strength_a, strength_b) = if a_small {
            (x.strength, y.strength)
        } else {
            (y.strength, x.strength)
        };
        out.push(Mutual {
            node: m,
            strength_a,
            strength_b,
        });
    }
    out
}
