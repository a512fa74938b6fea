//! Property tests against the reference implementation, and edge cases.

use super::k_best_paths::{intro_paths_tuned, Tuning};
use super::reference::RefGraph;
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

const TOL: f64 = 1e-9;

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() <= TOL * x.abs().max(y.abs()).max(1e-300) || x == y
}

#[derive(Clone, Debug)]
enum Edit {
    Upsert(u32, u32, f32, u8),
    Remove(u32, u32),
    Active(u32, bool),
    AddNode,
    Compact,
}

#[derive(Clone, Debug)]
struct Query {
    a: u32,
    b: u32,
    k: usize,
    min_s: f32,
    mask: u8,
    avoid: Vec<u32>,
    max_hops: Option<u32>,
    radius: usize,
    depth: u32,
    extra_targets: Vec<u32>,
    best_hops: Option<u32>,
}

#[derive(Clone, Debug)]
struct Case {
    n: u32,
    edges: Vec<(u32, u32, f32, u8)>,
    inactive: Vec<u32>,
    compaction_min: usize,
    edits: Vec<Edit>,
    queries: Vec<Query>,
}

fn strength() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.0f32),
        Just(1.0f32),
        Just(0.5f32),
        0.0f32..=1.0f32,
        0.0f32..=1.0f32,
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0u32..64, 0u32..64, strength(), 0u8..6).prop_map(|(a, b, s, r)| Edit::Upsert(a, b, s, r)),
        3 => (0u32..64, 0u32..64).prop_map(|(a, b)| Edit::Remove(a, b)),
        2 => (0u32..64, any::<bool>()).prop_map(|(v, x)| Edit::Active(v, x)),
        1 => Just(Edit::AddNode),
        1 => Just(Edit::Compact),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    (
        (0u32..64, 0u32..64, 1usize..7),
        prop_oneof![3 => Just(0.0f32), 1 => Just(0.25f32), 1 => Just(0.5f32)],
        prop_oneof![3 => Just(ALL_REL_TYPES), 1 => 1u8..=255],
        vec(0u32..64, 0..3),
        prop_oneof![2 => Just(None), 3 => (1u32..=6).prop_map(Some)],
        1usize..=3,
        0u32..5,
        vec(0u32..64, 0..4),
        prop_oneof![Just(None), (1u32..=14).prop_map(Some)],
    )
        .prop_map(
            |((a, b, k), min_s, mask, avoid, max_hops, radius, depth, extra_targets, best_hops)| {
                Query {
                    a,
                    b,
                    k,
                    min_s,
                    mask: if mask & ALL_REL_TYPES == 0 {
                        mask | 1
                    } else {
                        mask
                    },
                    avoid,
                    max_hops,
                    radius,
                    depth,
                    extra_targets,
                    best_hops,
                }
            },
        )
}

fn case() -> impl Strategy<Value = Case> {
    (2u32..40).prop_flat_map(|n| {
        (
            Just(n),
            vec(
                (0..n, 0..n, strength(), 0u8..6),
                (n as usize)..(4 * n as usize),
            ),
            vec(0..n, 0..4),
            1usize..12,
            vec(edit(), 0..16),
            vec(query(), 1..4),
        )
            .prop_map(
                |(n, edges, inactive, compaction_min, edits, queries)| Case {
                    n,
                    edges,
                    inactive,
                    compaction_min,
                    edits,
                    queries,
                },
            )
    })
}

/// Builds both graphs and applies the edits to both.
fn materialise(c: &Case) -> (CsrIndex, RefGraph) {
    let mut r = RefGraph::new(c.n);
    let mut input = Vec::new();
    for (i, &(a, b, s, rel)) in c.edges.iter().enumerate() {
        if a != b {
            input.push(EdgeInput {
                a,
                b,
                strength: s,
                rel_type: rel,
                edge_id: i as u32,
            });
            r.upsert(a, b, s, rel, i as u32);
        }
    }
    let mut idx = CsrIndex::build(c.n, &input).unwrap();
    idx.set_compaction_min(c.compaction_min);
    for &v in &c.inactive {
        idx.set_node_active(v, false).unwrap();
        r.active[v as usize] = false;
    }
    for (i, ed) in c.edits.iter().enumerate() {
        let n = idx.node_count();
        match *ed {
            Edit::Upsert(a, b, s, rel) => {
                let (a, b) = (a % n, b % n);
                if a != b {
                    let id = 1000 + i as u32;
                    let new = idx
                        .upsert_edge(EdgeInput {
                            a,
                            b,
                            strength: s,
                            rel_type: rel,
                            edge_id: id,
                        })
                        .unwrap();
                    assert_eq!(new, r.edge(a, b).is_none());
                    r.upsert(a, b, s, rel, id);
                }
            }
            Edit::Remove(a, b) => {
                let (a, b) = (a % n, b % n);
                let existed = idx.remove_edge(a, b).unwrap();
                assert_eq!(existed, a != b && r.edge(a, b).is_some());
                r.remove(a, b);
            }
            Edit::Active(v, x) => {
                let v = v % n;
                idx.set_node_active(v, x).unwrap();
                r.active[v as usize] = x;
            }
            Edit::AddNode => {
                assert_eq!(idx.add_node(), r.add_node());
            }
            Edit::Compact => idx.compact(),
        }
    }
    assert_eq!(idx.edge_count(), r.edges.len());
    (idx, r)
}

/// Checks that `p` is a valid simple path from `a` ending in a target,
/// using only usable nodes/edges, with consistent attributes.
fn check_path(r: &RefGraph, p: &Path, a: u32, f: &Filters, max_h: Option<u32>) {
    assert_eq!(p.nodes[0], a);
    assert_eq!(p.edge_ids.len() + 1, p.nodes.len());
    assert_eq!(p.hop_strengths.len(), p.edge_ids.len());
    if let Some(h) = max_h {
        assert!(p.hops() as u32 <= h, "too many hops: {p:?}");
    }
    let mut seen = std::collections::HashSet::new();
    for &v in &p.nodes {
        assert!(seen.insert(v), "not simple: {p:?}");
        assert!(r.node_ok(v, f), "unusable node {v} in {p:?}");
    }
    let mut score = 1.0f64;
    for (i, w) in p.nodes.windows(2).enumerate() {
        let (s, rel, id) = r.edge(w[0], w[1]).expect("hop is an edge");
        assert!(r.edge_ok(s, rel, f));
        assert_eq!(p.hop_strengths[i], s);
        assert_eq!(p.edge_ids[i], id);
        score *= f64::from(s);
    }
    assert_eq!(p.score, score);
    if !p.hop_strengths.is_empty() {
        let m = p
            .hop_strengths
            .iter()
            .cloned()
            .fold(f32::INFINITY, f32::min);
        assert_eq!(p.hop_strengths[p.weakest_hop], m);
        assert!(p.hop_strengths[..p.weakest_hop].iter().all(|&s| s > m));
    }
}

/// Checks a k-best answer against the reference enumeration.
fn check_kbest(r: &RefGraph, got: &[Path], a: u32, targets: &[u32], k: usize, h: u32, f: &Filters) {
    for p in got {
        check_path(r, p, a, f, Some(h));
        let last = *p.nodes.last().unwrap();
        assert!(targets.contains(&last));
        assert!(p.nodes[1..p.nodes.len() - 1]
            .iter()
            .all(|v| !targets.contains(v)));
    }
    for w in got.windows(2) {
        assert!(w[0].score >= w[1].score, "not sorted");
    }
    let mut uniq: Vec<_> = got.iter().map(|p| p.nodes.clone()).collect();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), got.len(), "duplicate paths");
    let mut all: Vec<f64> = r
        .simple_paths(a, targets, h, f)
        .into_iter()
        .map(|x| x.1)
        .collect();
    all.sort_by(|x, y| y.total_cmp(x));
    all.truncate(k);
    let scores: Vec<f64> = got.iter().map(|p| p.score).collect();
    assert_eq!(
        scores.len(),
        all.len(),
        "count: got {scores:?} want {all:?}"
    );
    for (x, y) in scores.iter().zip(&all) {
        assert!(close(*x, *y), "scores: got {scores:?} want {all:?}");
    }
}

fn run_case(c: &Case) {
    let (idx, r) = materialise(c);
    let n = idx.node_count();
    for qy in &c.queries {
        let (a, b) = (qy.a % n, qy.b % n);
        let avoid: Vec<u32> = qy
            .avoid
            .iter()
            .map(|v| v % n)
            .filter(|&v| v != a && v != b)
            .collect();
        let f = Filters {
            min_strength: qy.min_s,
            rel_types: qy.mask,
            avoid,
            max_hops: qy.max_hops,
        };
        let both_ok = r.node_ok(a, &f) && r.node_ok(b, &f);

        // Shortest path length.
        let sp = shortest_path(&idx, a, b, &f).unwrap();
        let want = if both_ok {
            r.shortest_len(a, b, &f)
        } else {
            None
        };
        assert_eq!(
            sp.as_ref().map(|p| p.hops() as u32),
            want,
            "shortest {a}->{b}"
        );
        if let Some(p) = &sp {
            check_path(&r, p, a, &f, f.max_hops);
            assert_eq!(*p.nodes.last().unwrap(), b);
        }

        // Single-source distances.
        assert_eq!(bfs_distances(&idx, a, &f).unwrap(), r.bfs(a, &f));

        // Best path (with the query's bound and with a wider random one).
        let fb = Filters {
            max_hops: qy.best_hops,
            ..f.clone()
        };
        for f in [&f, &fb] {
            let bp = best_path(&idx, a, b, f).unwrap();
            let want = r.best_score(a, b, f);
            match (&bp, want) {
                (None, None) => {}
                (Some(p), Some(s)) => {
                    check_path(&r, p, a, f, f.max_hops);
                    assert_eq!(*p.nodes.last().unwrap(), b);
                    assert!(close(p.score, s), "best {a}->{b}: got {} want {s}", p.score);
                }
                _ => panic!("best {a}->{b}: got {bp:?} want {want:?}"),
            }
        }

        // k best paths (default radius and a forced one).
        let h = f.max_hops.unwrap_or(DEFAULT_INTRO_MAX_HOPS);
        for got in [
            intro_paths(&idx, a, b, qy.k, &f).unwrap(),
            intro_paths_tuned(&idx, a, b, qy.k, &f, radius(qy.radius)).unwrap(),
            // The bound tightened by the best walks at once (what a search
            // grown past its first budget does).
            intro_paths_tuned(
                &idx,
                a,
                b,
                qy.k,
                &f,
                Tuning {
                    tighten_after: 0,
                    ..radius(qy.radius)
                },
            )
            .unwrap(),
        ] {
            if a == b {
                let want: Vec<Path> = if r.node_ok(a, &f) {
                    vec![Path::trivial(a)]
                } else {
                    vec![]
                };
                assert_eq!(got, want);
            } else {
                check_kbest(&r, &got, a, &[b], qy.k, h, &f);
            }
        }

        // k best paths to a target set.
        let mut targets: Vec<u32> = qy.extra_targets.iter().map(|v| v % n).collect();
        targets.push(b);
        let f_set = Filters {
            avoid: f.avoid.iter().copied().filter(|&v| v != a).collect(),
            ..f.clone()
        };
        let got = intro_paths_to_set(&idx, a, &targets, qy.k, &f_set).unwrap();
        check_kbest(&r, &got, a, &targets, qy.k, h, &f_set);

        // Mutual connections.
        let m: Vec<(u32, f32, f32)> = mutual_connections(&idx, a, b, &f)
            .unwrap()
            .into_iter()
            .map(|m| (m.node, m.strength_a, m.strength_b))
            .collect();
        assert_eq!(m, r.mutual(a, b, &f));

        // Neighbourhood.
        let nb = neighbors(&idx, a, qy.depth, &f).unwrap();
        assert_eq!(nb.by_depth, r.neighbors(a, qy.depth, &f));
        assert_eq!(
            nb.counts,
            nb.by_depth.iter().map(Vec::len).collect::<Vec<_>>()
        );
    }
    // Compaction must not change anything observable.
    let mut c2 = idx.clone();
    c2.compact();
    for u in 0..n {
        let x: Vec<_> = idx.neighbors_of(u).collect();
        let y: Vec<_> = c2.neighbors_of(u).collect();
        assert_eq!(x, y);
        assert_eq!(idx.degree(u), x.len());
        for e in &x {
            assert_eq!(r.edge(u, e.node), Some((e.strength, e.rel_type, e.edge_id)));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn matches_reference(c in case()) {
        run_case(&c);
    }
}

// ---------------------------------------------------------------- units

fn radius(max_r: usize) -> Tuning {
    Tuning {
        max_r,
        ..Tuning::DEFAULT
    }
}

/// `teams` teams of `size` people who all know each other, with strength
/// `s`, each sharing its last two people with the next team: node 0 and
/// the last node are `teams` hops apart, and between them run a great many
/// paths of near-equal score.
fn chained_teams(teams: u32, size: u32, s: f32) -> (CsrIndex, u32) {
    let mut edges = Vec::new();
    let mut members: Vec<u32> = Vec::new();
    let mut next = 0u32;
    for t in 0..teams {
        let mut team: Vec<u32> = if t == 0 {
            Vec::new()
        } else {
            members[members.len() - 2..].to_vec()
        };
        while team.len() < size as usize {
            team.push(next);
            next += 1;
        }
        for (i, &x) in team.iter().enumerate() {
            for &y in &team[i + 1..] {
                if !edges
                    .iter()
                    .any(|q: &EdgeInput| (q.a, q.b) == (x, y) || (q.a, q.b) == (y, x))
                {
                    edges.push(e(x, y, s));
                }
            }
        }
        members = team;
    }
    (CsrIndex::build(next, &edges).unwrap(), next - 1)
}

/// Found by an adversarial review: with a hop limit well past the table's
/// radius, the bound was loose enough that the search kept every partial
/// path of up to `maxHops - 2` hops (2 GB, then out of memory, on 226
/// people). The tightened bound finds the paths at once; a search that
/// still outgrows its budget is a typed error, not a crash.
#[test]
fn many_near_equal_paths_stay_within_budget() {
    let (idx, z) = chained_teams(8, 30, 0.5);
    let f = Filters {
        max_hops: Some(10),
        ..Filters::default()
    };
    let got = intro_paths(&idx, 0, z, 3, &f).unwrap();
    assert_eq!(got.len(), 3);
    for p in &got {
        assert_eq!(p.hops(), 8, "{:?}", p.nodes);
        assert!(close(p.score, 0.5f64.powi(8)));
    }
    let to_set = intro_paths_to_set(&idx, 0, &[z, z - 1], 3, &f).unwrap();
    assert_eq!(to_set.len(), 3);
    let best = best_path(&idx, 0, z, &f).unwrap().unwrap();
    assert_eq!(best.hops(), 8);
    // Layers of 30 each wholly tied to the next, the target 10 hops away:
    // with maxHops 9 there is no path (it said TOO_LARGE); with 10 the best
    // 100 of 30^9 equal paths come at once (a slack on some bounds and not
    // others had sent the search breadth-first through them).
    let (idx, z) = layered(10, 30);
    for (max_hops, found) in [(9, 0), (10, 100)] {
        let f = Filters {
            max_hops: Some(max_hops),
            ..Filters::default()
        };
        let got = intro_paths(&idx, 0, z, 100, &f).unwrap();
        assert_eq!(got.len(), found, "maxHops {max_hops}");
    }
    let (idx, z) = chained_teams(8, 30, 0.5);
    // A budget too small for the answer: the error names the hop limit.
    let tiny = Tuning {
        tighten_after: 10,
        max_labels: 100,
        ..Tuning::DEFAULT
    };
    assert_eq!(
        intro_paths_tuned(&idx, 0, z, 50, &f, tiny).unwrap_err(),
        GraphError::SearchTooLarge {
            field: "maxHops",
            labels: 100
        }
    );
}

/// Node 0, then `layers - 1` layers of `width` nodes, each tied to every
/// node of the next (strength 0.5), then the last node: `layers` hops from 0.
fn layered(layers: u32, width: u32) -> (CsrIndex, u32) {
    let mut edges = Vec::new();
    let mut prev = vec![0u32];
    let mut next = 1u32;
    for _ in 0..layers - 1 {
        let layer: Vec<u32> = (next..next + width).collect();
        next += width;
        for &a in &prev {
            for &b in &layer {
                edges.push(e(a, b, 0.5));
            }
        }
        prev = layer;
    }
    for &a in &prev {
        edges.push(e(a, next, 0.5));
    }
    (CsrIndex::build(next + 1, &edges).unwrap(), next)
}

fn e(a: u32, b: u32, s: f32) -> EdgeInput {
    EdgeInput {
        a,
        b,
        strength: s,
        rel_type: 0,
        edge_id: a * 100 + b,
    }
}

#[test]
fn unknown_nodes_are_errors() {
    let idx = CsrIndex::build(3, &[e(0, 1, 0.5)]).unwrap();
    let f = Filters::default();
    let un = |field, node| GraphError::UnknownNode { field, node };
    assert_eq!(shortest_path(&idx, 3, 0, &f).unwrap_err(), un("a", 3));
    assert_eq!(shortest_path(&idx, 0, 7, &f).unwrap_err(), un("b", 7));
    assert_eq!(best_path(&idx, 0, 9, &f).unwrap_err(), un("b", 9));
    assert_eq!(intro_paths(&idx, 9, 0, 3, &f).unwrap_err(), un("a", 9));
    assert_eq!(
        intro_paths_to_set(&idx, 0, &[1, 5], 3, &f).unwrap_err(),
        un("targets", 5)
    );
    assert_eq!(bfs_distances(&idx, 4, &f).unwrap_err(), un("a", 4));
    assert_eq!(mutual_connections(&idx, 0, 4, &f).unwrap_err(), un("b", 4));
    assert_eq!(neighbors(&idx, 4, 1, &f).unwrap_err(), un("a", 4));
    let fa = Filters {
        avoid: vec![8],
        ..Filters::default()
    };
    assert_eq!(shortest_path(&idx, 0, 1, &fa).unwrap_err(), un("avoid", 8));
    assert_eq!(un("a", 3).to_string(), "unknown node 3 in `a`");
}

#[test]
fn invalid_filters_are_errors() {
    let idx = CsrIndex::build(3, &[e(0, 1, 0.5)]).unwrap();
    let bad = [
        Filters {
            min_strength: f32::NAN,
            ..Filters::default()
        },
        Filters {
            rel_types: 0,
            ..Filters::default()
        },
        Filters {
            max_hops: Some(0),
            ..Filters::default()
        },
        Filters {
            avoid: vec![1],
            ..Filters::default()
        },
        Filters {
            avoid: vec![0],
            ..Filters::default()
        },
    ];
    for f in &bad {
        assert!(matches!(
            shortest_path(&idx, 0, 1, f),
            Err(GraphError::InvalidFilter { .. })
        ));
        assert!(matches!(
            best_path(&idx, 0, 1, f),
            Err(GraphError::InvalidFilter { .. })
        ));
        assert!(matches!(
            intro_paths(&idx, 0, 1, 2, f),
            Err(GraphError::InvalidFilter { .. })
        ));
        assert!(matches!(
            mutual_connections(&idx, 0, 1, f),
            Err(GraphError::InvalidFilter { .. })
        ));
    }
    let msg = best_path(&idx, 0, 1, &bad[3]).unwrap_err().to_string();
    assert_eq!(msg, "invalid filter `avoid`: contains the target node");
    // Avoiding a member of a target set is allowed (it is skipped).
    let p = intro_paths_to_set(&idx, 0, &[1, 2], 3, &bad[3]).unwrap();
    assert!(p.is_empty());
}

#[test]
fn same_node_queries() {
    let idx = CsrIndex::build(3, &[e(0, 1, 0.5)]).unwrap();
    let f = Filters::default();
    let t = shortest_path(&idx, 1, 1, &f).unwrap().unwrap();
    assert_eq!((t.nodes.clone(), t.score, t.weakest_hop), (vec![1], 1.0, 0));
    assert_eq!(best_path(&idx, 1, 1, &f).unwrap().unwrap(), t);
    assert_eq!(intro_paths(&idx, 1, 1, 3, &f).unwrap(), vec![t]);
    assert!(intro_paths(&idx, 1, 1, 0, &f).unwrap().is_empty());
    assert!(intro_paths_to_set(&idx, 1, &[1], 3, &f).unwrap().is_empty());
    let m = mutual_connections(&idx, 1, 1, &f).unwrap();
    assert_eq!(
        m,
        vec![Mutual {
            node: 0,
            strength_a: 0.5,
            strength_b: 0.5
        }]
    );
}

#[test]
fn isolated_and_inactive_nodes() {
    let mut idx = CsrIndex::build(4, &[e(0, 1, 0.5), e(1, 2, 0.5)]).unwrap();
    let f = Filters::default();
    assert!(shortest_path(&idx, 0, 3, &f).unwrap().is_none());
    assert!(best_path(&idx, 0, 3, &f).unwrap().is_none());
    assert!(intro_paths(&idx, 0, 3, 3, &f).unwrap().is_empty());
    assert_eq!(neighbors(&idx, 3, 5, &f).unwrap().by_depth, vec![vec![3]]);
    idx.set_node_active(1, false).unwrap();
    assert!(shortest_path(&idx, 0, 2, &f).unwrap().is_none());
    assert!(shortest_path(&idx, 1, 1, &f).unwrap().is_none());
    assert_eq!(bfs_distances(&idx, 1, &f).unwrap(), vec![u32::MAX; 4]);
    assert_eq!(neighbors(&idx, 1, 2, &f).unwrap(), Neighborhood::default());
    idx.set_node_active(1, true).unwrap();
    assert_eq!(
        shortest_path(&idx, 0, 2, &f).unwrap().unwrap().nodes,
        vec![0, 1, 2]
    );
}

#[test]
fn zero_strength_edges_are_paths_with_score_zero() {
    let idx =
        CsrIndex::build(4, &[e(0, 1, 0.0), e(1, 2, 1.0), e(0, 3, 0.0), e(3, 2, 0.0)]).unwrap();
    let f = Filters::default();
    let p = best_path(&idx, 0, 2, &f).unwrap().unwrap();
    assert_eq!(p.score, 0.0);
    let ps = intro_paths(&idx, 0, 2, 5, &f).unwrap();
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(|p| p.score == 0.0));
    let strict = Filters {
        min_strength: 0.1,
        ..Filters::default()
    };
    assert!(best_path(&idx, 0, 2, &strict).unwrap().is_none());
    assert_eq!(shortest_path(&idx, 0, 2, &f).unwrap().unwrap().hops(), 2);
    let bounded = Filters {
        max_hops: Some(7),
        ..Filters::default()
    };
    assert_eq!(best_path(&idx, 0, 2, &bounded).unwrap().unwrap().score, 0.0);
}

#[test]
fn filters_restrict_edges() {
    let mut edges = vec![e(0, 1, 0.9), e(1, 2, 0.9), e(0, 2, 0.2)];
    edges[2].rel_type = 3;
    let idx = CsrIndex::build(3, &edges).unwrap();
    let only3 = Filters {
        rel_types: 1 << 3,
        ..Filters::default()
    };
    assert_eq!(
        best_path(&idx, 0, 2, &only3).unwrap().unwrap().nodes,
        vec![0, 2]
    );
    let strong = Filters {
        min_strength: 0.5,
        ..Filters::default()
    };
    assert_eq!(intro_paths(&idx, 0, 2, 3, &strong).unwrap().len(), 1);
    let avoid = Filters {
        avoid: vec![1, 1],
        ..Filters::default()
    };
    assert_eq!(
        shortest_path(&idx, 0, 2, &avoid).unwrap().unwrap().nodes,
        vec![0, 2]
    );
    let one_hop = Filters {
        max_hops: Some(1),
        ..Filters::default()
    };
    assert!(mutual_connections(&idx, 0, 2, &one_hop).unwrap().is_empty());
}

#[test]
fn overlay_edits_are_visible_to_queries() {
    let mut idx = CsrIndex::build(5, &[e(0, 1, 0.5), e(1, 2, 0.5)]).unwrap();
    idx.set_compaction_min(1_000);
    let f = Filters::default();
    idx.upsert_edge(e(2, 3, 0.9)).unwrap();
    let n = idx.add_node();
    idx.upsert_edge(e(3, n, 0.9)).unwrap();
    assert_eq!(
        shortest_path(&idx, 0, n, &f).unwrap().unwrap().nodes,
        vec![0, 1, 2, 3, 5]
    );
    idx.remove_edge(1, 2).unwrap();
    assert!(shortest_path(&idx, 0, n, &f).unwrap().is_none());
    idx.upsert_edge(e(0, 3, 0.3)).unwrap();
    let p = intro_paths(&idx, 0, n, 3, &f).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].edge_ids, vec![3, 305]);
    assert!(idx.pending_delta() > 0);
    idx.compact();
    assert_eq!(idx.pending_delta(), 0);
    assert_eq!(intro_paths(&idx, 0, n, 3, &f).unwrap(), p);
}

#[test]
fn hub_probe_path_matches_scan() {
    // A hub with many leaves; the target's 1-ball is small, so the search
    // probes candidates with binary searches instead of scanning the hub.
    let mut edges = Vec::new();
    for v in 2..200 {
        edges.push(e(1, v, 0.5));
    }
    edges.push(e(0, 1, 0.9));
    edges.push(e(150, 200, 0.8));
    edges.push(e(1, 201, 0.7));
    edges.push(e(201, 200, 0.6));
    let idx = CsrIndex::build(202, &edges).unwrap();
    let p = intro_paths(&idx, 0, 200, 5, &Filters::default()).unwrap();
    let nodes: Vec<_> = p.iter().map(|p| p.nodes.clone()).collect();
    assert_eq!(nodes, vec![vec![0, 1, 201, 200], vec![0, 1, 150, 200]]);
    let m = mutual_connections(&idx, 1, 200, &Filters::default()).unwrap();
    assert_eq!(m.iter().map(|m| m.node).collect::<Vec<_>>(), vec![201, 150]);
}

#[test]
fn synth_is_deterministic() {
    let a = synth::barabasi_albert(500, 3, 7);
    let b = synth::barabasi_albert(500, 3, 7);
    assert_eq!(a, b);
    assert!(a
        .iter()
        .all(|e| e.strength > 0.0 && e.strength <= 1.0 && e.rel_type <= 5));
    let idx = CsrIndex::build(500, &a).unwrap();
    assert_eq!(idx.edge_count(), a.len());
    let d = bfs_distances(&idx, 0, &Filters::default()).unwrap();
    assert!(d.iter().all(|&x| x != u32::MAX), "BA graph is connected");
}

#[test]
fn synth_graph_agrees_with_reference_on_bigger_graph() {
    let edges = synth::barabasi_albert(300, 3, 11);
    let idx = CsrIndex::build(300, &edges).unwrap();
    let mut r = RefGraph::new(300);
    for x in &edges {
        r.upsert(x.a, x.b, x.strength, x.rel_type, x.edge_id);
    }
    let f = Filters {
        max_hops: Some(3),
        ..Filters::default()
    };
    for (a, b) in [(0u32, 299u32), (5, 250), (120, 121), (7, 8)] {
        let got = intro_paths(&idx, a, b, 4, &f).unwrap();
        check_kbest(&r, &got, a, &[b], 4, 3, &f);
        let bp = best_path(&idx, a, b, &Filters::default()).unwrap().unwrap();
        assert!(close(
            bp.score,
            r.best_score(a, b, &Filters::default()).unwrap()
        ));
    }
}

#[test]
fn bfs_matches_reference_on_larger_shapes() {
    let line: Vec<EdgeInput> = (0..199).map(|v| e(v, v + 1, 0.5)).collect();
    let star: Vec<EdgeInput> = (1..200).map(|v| e(0, v, 0.5)).collect();
    let ba = synth::barabasi_albert(200, 3, 5);
    for edges in [line, star, ba] {
        let idx = CsrIndex::build(200, &edges).unwrap();
        let mut r = RefGraph::new(200);
        for x in &edges {
            r.upsert(x.a, x.b, x.strength, x.rel_type, x.edge_id);
        }
        let filters = [
            Filters::default(),
            Filters {
                max_hops: Some(2),
                avoid: vec![3, 17],
                ..Filters::default()
            },
            Filters {
                min_strength: 0.3,
                rel_types: 0b101,
                ..Filters::default()
            },
        ];
        for f in &filters {
            for a in [0u32, 1, 50, 199] {
                if f.avoid.contains(&a) {
                    continue;
                }
                assert_eq!(bfs_distances(&idx, a, f).unwrap(), r.bfs(a, f));
                let depth = 3;
                assert_eq!(
                    neighbors(&idx, a, depth, f).unwrap().by_depth,
                    r.neighbors(a, depth, f)
                );
            }
        }
    }
}

#[test]
fn bounded_best_path_uses_every_strategy() {
    // A strong 10-hop chain 0..=10 and a weak direct tie 0 - 10, plus a
    // medium 4-hop detour 0 - 11 - 12 - 13 - 10.
    let mut edges: Vec<EdgeInput> = (0..10).map(|v| e(v, v + 1, 0.99)).collect();
    edges.push(e(0, 10, 0.01));
    edges.extend([
        e(0, 11, 0.6),
        e(11, 12, 0.6),
        e(12, 13, 0.6),
        e(13, 10, 0.6),
    ]);
    let idx = CsrIndex::build(14, &edges).unwrap();
    let hops_of = |h: Option<u32>| {
        let f = Filters {
            max_hops: h,
            ..Filters::default()
        };
        best_path(&idx, 0, 10, &f).unwrap().unwrap().hops()
    };
    assert_eq!(hops_of(None), 10);
    assert_eq!(hops_of(Some(13)), 10); // unbounded result fits
    assert_eq!(hops_of(Some(10)), 10);
    assert_eq!(hops_of(Some(9)), 4); // label-setting
    assert_eq!(hops_of(Some(6)), 4); // k-best engine after a too-long Dijkstra
    assert_eq!(hops_of(Some(7)), 4);
    assert_eq!(hops_of(Some(4)), 4); // k-best engine directly
    assert_eq!(hops_of(Some(3)), 1);
}
