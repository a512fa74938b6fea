//! Native benchmark on a 100k-node / ~1M-edge Barabási–Albert graph.
//!
//! `cargo run --release --example graph_bench [-- NODES M PAIRS]`
//!
//! Per-query numbers are reported twice: a single timed pass over the pairs
//! (what the brief asks for), and the per-pair minimum over 5 passes, which
//! filters out scheduler noise on a shared machine (but runs with warmer
//! caches).

use std::time::Instant;
use wig_graph::graph::synth::{barabasi_albert, SplitMix64};
use wig_graph::graph::{
    best_path, bfs_distances, intro_paths, intro_paths_to_set, mutual_connections, shortest_path,
    CsrIndex, EdgeInput, Filters,
};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Times `run` on every pair: returns (single pass, per-pair min of `reps`).
fn time_pairs(
    pairs: &[(u32, u32)],
    reps: usize,
    mut run: impl FnMut(u32, u32),
) -> (Vec<f64>, Vec<f64>) {
    let mut first = Vec::with_capacity(pairs.len());
    let mut best = vec![f64::MAX; pairs.len()];
    for rep in 0..reps {
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let t = Instant::now();
            run(a, b);
            let x = ms(t);
            if rep == 0 {
                first.push(x);
            }
            best[i] = best[i].min(x);
        }
    }
    (first, best)
}

fn report(name: &str, (first, best): (Vec<f64>, Vec<f64>)) {
    println!(
        "{name:<30} single pass p50 {:>7.4} p95 {:>7.4} ms | min-of-5 p50 {:>7.4} p95 {:>7.4} p99 {:>7.4} max {:>7.4} ms",
        pct(&first, 0.5),
        pct(&first, 0.95),
        pct(&best, 0.5),
        pct(&best, 0.95),
        pct(&best, 0.99),
        pct(&best, 1.0),
    );
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100_000) as u32;
    let m = args.get(1).copied().unwrap_or(10) as u32;
    let npairs = args.get(2).copied().unwrap_or(1_000) as usize;

    let t = Instant::now();
    let edges = barabasi_albert(n, m, 42);
    println!(
        "generate: {} nodes, {} edges in {:.1} ms",
        n,
        edges.len(),
        ms(t)
    );

    let mut builds = Vec::new();
    let mut idx = None;
    for _ in 0..5 {
        let t = Instant::now();
        let i = CsrIndex::build(n, &edges).expect("valid edges");
        builds.push(ms(t));
        idx = Some(i);
    }
    let idx = idx.expect("built");
    println!(
        "build: median {:.1} ms, min {:.1} ms (5 runs); memory_bytes = {} ({:.1} MB)",
        pct(&builds, 0.5),
        pct(&builds, 0.0),
        idx.memory_bytes(),
        idx.memory_bytes() as f64 / 1e6
    );

    let mut rng = SplitMix64::new(7);
    let pairs: Vec<(u32, u32)> = (0..npairs)
        .map(|_| (rng.below(n as u64) as u32, rng.below(n as u64) as u32))
        .collect();
    let f = Filters::default();
    let f4 = Filters {
        max_hops: Some(4),
        ..Filters::default()
    };
    for &(a, b) in pairs.iter().take(10) {
        // Warm-up: scratch buffers grow once.
        let _ = best_path(&idx, a, b, &f).unwrap();
    }

    println!("\n{npairs} random pairs (seed 7):");
    let mut hops = 0usize;
    report(
        "shortest_path (bidir BFS)",
        time_pairs(&pairs, 5, |a, b| {
            hops += shortest_path(&idx, a, b, &f)
                .unwrap()
                .map_or(0, |p| p.hops());
        }),
    );
    let mut best_hops = 0usize;
    report(
        "best_path (bidir Dijkstra)",
        time_pairs(&pairs, 5, |a, b| {
            best_hops += best_path(&idx, a, b, &f).unwrap().map_or(0, |p| p.hops());
        }),
    );
    let (mut found, mut ihops) = (0usize, 0usize);
    report(
        "intro_paths k=3 max_hops=4",
        time_pairs(&pairs, 5, |a, b| {
            let p = intro_paths(&idx, a, b, 3, &f4).unwrap();
            found += p.len();
            ihops += p.iter().map(|p| p.hops()).sum::<usize>();
        }),
    );
    report(
        "mutual_connections",
        time_pairs(&pairs, 5, |a, b| {
            std::hint::black_box(mutual_connections(&idx, a, b, &f).unwrap());
        }),
    );
    let orgs: Vec<Vec<u32>> = (0..200)
        .map(|_| (0..50).map(|_| rng.below(n as u64) as u32).collect())
        .collect();
    let org_pairs: Vec<(u32, u32)> = pairs
        .iter()
        .take(200)
        .enumerate()
        .map(|(i, p)| (p.0, i as u32))
        .collect();
    report(
        "intro_paths_to_set |T|=50 (200)",
        time_pairs(&org_pairs, 5, |a, i| {
            std::hint::black_box(intro_paths_to_set(&idx, a, &orgs[i as usize], 3, &f4).unwrap());
        }),
    );
    let reps = 5.0 * npairs as f64;
    println!(
        "  avg hops: shortest {:.2}, strongest {:.2}; intro paths found {:.2}/3 with {:.2} hops avg",
        hops as f64 / reps,
        best_hops as f64 / reps,
        found as f64 / reps,
        ihops as f64 / found.max(1) as f64
    );

    let mut bfs = Vec::new();
    for &(a, _) in pairs.iter().take(7) {
        let t = Instant::now();
        std::hint::black_box(bfs_distances(&idx, a, &f).unwrap());
        bfs.push(ms(t));
    }
    println!(
        "single-source BFS (direction-optimising): median {:.2} ms, min {:.2} ms (7 sources)",
        pct(&bfs, 0.5),
        pct(&bfs, 0.0)
    );

    // Edits through the overlay.
    let mut idx2 = idx.clone();
    let mut rng = SplitMix64::new(99);
    let edits = 20_000u32;
    let t = Instant::now();
    for i in 0..edits {
        let a = rng.below(n as u64) as u32;
        let b = rng.below(n as u64) as u32;
        if a != b {
            idx2.upsert_edge(EdgeInput {
                a,
                b,
                strength: 0.5,
                rel_type: 0,
                edge_id: 10_000_000 + i,
            })
            .unwrap();
        }
        if i % 4 == 0 {
            let e = &edges[rng.below(edges.len() as u64) as usize];
            idx2.remove_edge(e.a, e.b).unwrap();
        }
    }
    let up = ms(t);
    println!(
        "\n{edits} upserts + {} removals: {:.1} ms ({:.2} us/edit); delta {} half-edges, {} compactions",
        edits / 4,
        up,
        up * 1e3 / (edits + edits / 4) as f64,
        idx2.pending_delta(),
        idx2.compactions()
    );
    report(
        "intro_paths with live delta",
        time_pairs(&pairs, 5, |a, b| {
            std::hint::black_box(intro_paths(&idx2, a, b, 3, &f4).unwrap());
        }),
    );
    let t = Instant::now();
    idx2.compact();
    println!("compact(): {:.1} ms", ms(t));
}
