//! Clustering without chaining strangers.
//!
//! Rule ("strong links, no strangers" — constrained single linkage):
//! 1. Only *links* — pairs with match weight ≥ `link_weight` — can join records.
//! 2. Links are taken strongest first (ties broken by a content key, not input order).
//! 3. A link merges the two clusters of its records only if **every** pair across
//!    them (candidate pair or not: it is scored on demand) has match weight ≥
//!    `cannot_link_weight`, the merged cluster has at most `max_cluster_size`
//!    records, and — when `one_per_side` is set (linking two de-duplicated tables) —
//!    no side would contribute two records.
//!
//! Guarantees (tested by property tests):
//! * (G1) every cluster is connected by links each of weight ≥ `link_weight`: records
//!   are never joined through a link below the threshold;
//! * (G2) any two records of a cluster have pair weight ≥ `cannot_link_weight`: a pair
//!   scoring below it is never joined, whatever chain of links connects them;
//! * (G3) every cluster has at most `max_cluster_size` records.
//!
//! With `cannot_link_weight == link_weight` every pair inside a cluster is itself a
//! link (complete linkage at the threshold).

/// Clustering thresholds (log2-odds match weights).
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterParams {
    pub link_weight: f64,
    pub cannot_link_weight: f64,
    pub max_cluster_size: usize,
    /// `Some(n_left)`: rows `< n_left` are one side, the others the other side, and a
    /// cluster holds at most one record per side.
    pub one_per_side: Option<usize>,
}

/// Cluster `n` records. `edges` are scored pairs `(a, b, weight)` (only those with
/// weight ≥ `link_weight` are used), `tie_key[row]` orders equal-weight links, and
/// `score(a, b)` returns the match weight of any pair. Returns a cluster label per
/// record (a label is the row of one member), or `None` when `progress` cancels.
pub(crate) fn cluster_labels(
    n: usize,
    edges: &[(u32, u32, f64)],
    tie_key: &[u64],
    params: &ClusterParams,
    score: &mut dyn FnMut(u32, u32) -> f64,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Vec<u32>> {
    let mut links: Vec<(f64, u64, u64, u32, u32)> = edges
        .iter()
        .filter(|e| e.2 >= params.link_weight && e.0 != e.1)
        .map(|&(a, b, w)| {
            let (ka, kb) = (tie_key[a as usize], tie_key[b as usize]);
            let (lo, hi) = if (ka, a) <= (kb, b) {
                (ka, kb)
            } else {
                (kb, ka)
            };
            (w, lo, hi, a, b)
        })
        .collect();
    links.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
            .then((x.3.min(x.4), x.3.max(x.4)).cmp(&(y.3.min(y.4), y.3.max(y.4))))
    });
    let mut label: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    let side = |r: u32| params.one_per_side.map(|nl| usize::from(r as usize >= nl));
    for (k, &(_, _, _, a, b)) in links.iter().enumerate() {
        if k % 1024 == 0 && !progress(k, links.len()) {
            return None;
        }
        let (la, lb) = (label[a as usize], label[b as usize]);
        if la == lb {
            continue;
        }
        let (ma, mb) = (&members[la as usize], &members[lb as usize]);
        if ma.len() + mb.len() > params.max_cluster_size {
            continue;
        }
        if params.one_per_side.is_some()
            && ma.iter().any(|&x| mb.iter().any(|&y| side(x) == side(y)))
        {
            continue;
        }
        let ok = ma
            .iter()
            .all(|&x| mb.iter().all(|&y| score(x, y) >= params.cannot_link_weight));
        if !ok {
            continue;
        }
        // merge the smaller into the larger
        let (keep, gone) = if ma.len() >= mb.len() {
            (la, lb)
        } else {
            (lb, la)
        };
        let moved = std::mem::take(&mut members[gone as usize]);
        for &x in &moved {
            label[x as usize] = keep;
        }
        members[keep as usize].extend(moved);
    }
    Some(label)
}

/// Group labels into clusters: each sorted, clusters ordered by their first record.
pub(crate) fn groups(labels: &[u32]) -> Vec<Vec<usize>> {
    let mut by: Vec<Vec<usize>> = vec![Vec::new(); labels.len()];
    for (i, &l) in labels.iter().enumerate() {
        by[l as usize].push(i);
    }
    let mut out: Vec<Vec<usize>> = by.into_iter().filter(|g| !g.is_empty()).collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

/// Public entry point for arbitrary scored graphs: cluster `n` items given a pair
/// score function (`score(a, b)` must be symmetric) and the candidate `edges`. Ties
/// are broken by item index. See the module docs for the guarantees.
pub fn cluster_scored(
    n: usize,
    edges: &[(usize, usize, f64)],
    params: &ClusterParams,
    score: &mut dyn FnMut(usize, usize) -> f64,
) -> Vec<Vec<usize>> {
    let e: Vec<(u32, u32, f64)> = edges
        .iter()
        .filter(|e| e.0 < n && e.1 < n)
        .map(|&(a, b, w)| (a as u32, b as u32, w))
        .collect();
    let key: Vec<u64> = (0..n as u64).collect();
    let labels = cluster_labels(
        n,
        &e,
        &key,
        params,
        &mut |a, b| score(a as usize, b as usize),
        &mut |_, _| true,
    )
    .unwrap_or_default();
    groups(&labels)
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn params(t: f64, low: f64) -> ClusterParams {
        ClusterParams {
            link_weight: t,
            cannot_link_weight: low,
            max_cluster_size: 1000,
            one_per_side: None,
        }
    }

    #[test]
    fn weak_link_does_not_chain() {
        // 0-1 strong, 1-2 strong, 0-2 strongly negative: 2 must not join 0's cluster
        let w = |a: usize, b: usize| match (a.min(b), a.max(b)) {
            (0, 1) => 20.0,
            (1, 2) => 10.0,
            (0, 2) => -30.0,
            _ => -40.0,
        };
        let edges = vec![(0, 1, 20.0), (1, 2, 10.0), (0, 2, -30.0)];
        let c = cluster_scored(3, &edges, &params(0.0, -10.0), &mut |a, b| w(a, b));
        assert_eq!(c, vec![vec![0, 1], vec![2]]);
        // without the cannot-link constraint single linkage would chain them
        let c = cluster_scored(3, &edges, &params(0.0, f64::NEG_INFINITY), &mut |a, b| {
            w(a, b)
        });
        assert_eq!(c, vec![vec![0, 1, 2]]);
    }

    #[test]
    fn one_per_side() {
        let edges = vec![(0, 2, 10.0), (1, 2, 9.0)];
        let mut p = params(0.0, f64::NEG_INFINITY);
        p.one_per_side = Some(2);
        let c = cluster_scored(3, &edges, &p, &mut |_, _| 0.0);
        assert_eq!(c, vec![vec![0, 2], vec![1]]);
    }

    fn matrix(n: usize, vals: &[i32]) -> Vec<Vec<f64>> {
        let mut m = vec![vec![0.0; n]; n];
        let mut k = 0;
        for i in 0..n {
            for j in i + 1..n {
                m[i][j] = vals[k % vals.len()] as f64;
                m[j][i] = m[i][j];
                k += 1;
            }
        }
        m
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// G1 + G2 + G3 on random score graphs.
        #[test]
        fn clustering_guarantees(
            n in 1usize..12,
            vals in proptest::collection::vec(-20i32..20, 1..70),
            mask in proptest::collection::vec(any::<bool>(), 70),
            t in -5i32..10,
            gap in 0i32..15,
            max in 2usize..6,
        ) {
            let m = matrix(n, &vals);
            let (t, low) = (t as f64, (t - gap) as f64);
            let mut edges = Vec::new();
            let mut k = 0;
            for i in 0..n { for j in i+1..n {
                if mask[k % mask.len()] { edges.push((i, j, m[i][j])); }
                k += 1;
            }}
            let p = ClusterParams { link_weight: t, cannot_link_weight: low,
                                    max_cluster_size: max, one_per_side: None };
            let clusters = cluster_scored(n, &edges, &p, &mut |a, b| m[a][b]);
            let mut seen = vec![false; n];
            for c in &clusters {
                prop_assert!(c.len() <= max);                       // G3
                for &x in c { prop_assert!(!seen[x]); seen[x] = true; }
                for (i, &x) in c.iter().enumerate() {               // G2
                    for &y in &c[i+1..] { prop_assert!(m[x][y] >= low, "{} {} {}", x, y, m[x][y]); }
                }
                // G1: connected through candidate links >= t inside the cluster
                let mut reach = vec![c[0]];
                let mut changed = true;
                while changed {
                    changed = false;
                    for &(a, b, w) in &edges {
                        if w < t || !c.contains(&a) || !c.contains(&b) { continue; }
                        let (ia, ib) = (reach.contains(&a), reach.contains(&b));
                        if ia != ib { reach.push(if ia { b } else { a }); changed = true; }
                    }
                }
                prop_assert_eq!(reach.len(), c.len());
            }
            prop_assert!(seen.iter().all(|&s| s));
        }
    }
}
