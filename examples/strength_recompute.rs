//! Native twin of bench/strength/wasm.mjs: loads a batch JSON file into a
//! `Db` (memory backend) and times `recompute_strengths` (mapping people,
//! the engine, writing every edge, one commit), then each phase of it on
//! the same data: mapping participants to people, the engine alone
//! (ingest + score every pair), preparing the commit, writing + applying it.
//!
//! Usage: `cargo run --release --example strength_recompute -- DATA.json`

use std::time::Instant;
use wig_graph::model::{BatchInput, Timestamp};
use wig_graph::store::{block_on, Db, MemoryBackend, RecomputeOptions, WriteContext};
use wig_graph::strength::{score_interactions, StrengthParams};

/// This process's CPU seconds (user + system) on Linux, else 0: the machine
/// is shared, so wall time alone overstates what the code costs.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: strength_recompute DATA.json");
    let text = std::fs::read_to_string(&path).expect("read");
    let input: BatchInput = serde_json::from_str(&text).expect("batch json");
    drop(text);
    let mut db = block_on(Db::open(MemoryBackend::default())).unwrap();
    let t = Instant::now();
    let loaded = block_on(db.batch(
        input,
        &WriteContext::at(Timestamp::from_millis(1_767_225_600_000)),
    ))
    .unwrap();
    let load = t.elapsed().as_secs_f64();
    let now = Timestamp::from_millis(1_767_225_600_000);
    let ctx = WriteContext::at(now);

    // Phases, on the same data, before the real call (which writes edges).
    let (t, c) = (Instant::now(), cpu_seconds());
    let (people, inputs) = db.strength_inputs();
    let map_s = t.elapsed().as_secs_f64();
    let map_cpu = cpu_seconds() - c;
    let (mut engine_s, mut engine_cpu) = (f64::MAX, f64::MAX);
    let mut pairs = 0;
    for _ in 0..3 {
        let (t, c) = (Instant::now(), cpu_seconds());
        let scored = score_interactions(&inputs, now.millis(), &StrengthParams::default());
        engine_s = engine_s.min(t.elapsed().as_secs_f64());
        engine_cpu = engine_cpu.min(cpu_seconds() - c);
        pairs = scored.len();
    }
    drop((people, inputs));
    let (t, c) = (Instant::now(), cpu_seconds());
    let prepared = db
        .prepare_recompute_strengths(&ctx, &RecomputeOptions::default())
        .unwrap();
    let prepare_s = t.elapsed().as_secs_f64();
    let prepare_cpu = cpu_seconds() - c;
    drop(prepared);

    let (t, c) = (Instant::now(), cpu_seconds());
    let r = block_on(db.recompute_strengths(&ctx, &RecomputeOptions::default())).unwrap();
    let s = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c;
    // Again with nothing changed: mapping + engine + comparing, no edge written.
    let (t, c) = (Instant::now(), cpu_seconds());
    let again = block_on(db.recompute_strengths(&ctx, &RecomputeOptions::default())).unwrap();
    let s2 = t.elapsed().as_secs_f64();
    let cpu2 = cpu_seconds() - c;
    assert_eq!(again.edges_unchanged, r.edges_created + r.edges_updated);
    println!(
        "{{\"load_seconds\":{load:.3},\"recompute_seconds\":{s:.3},\"recompute_unchanged_seconds\":{s2:.3},\"map_people_seconds\":{map_s:.3},\"engine_seconds\":{engine_s:.3},\"prepare_seconds\":{prepare_s:.3},\"cpu\":{{\"recompute\":{cpu:.2},\"map_people\":{map_cpu:.2},\"engine\":{engine_cpu:.2},\"prepare\":{prepare_cpu:.2},\"recompute_unchanged\":{cpu2:.2}}},\"pairs\":{pairs},\"interactions\":{},\"edges_created\":{},\"edges_updated\":{},\"unknown\":{}}}",
        loaded.interactions, r.edges_created, r.edges_updated, r.unknown_participants.count
    );
}
