//! Native twin of bench/strength/wasm.mjs: loads a batch JSON file into a
//! `Db` (memory backend) and times `recompute_strengths` (mapping people,
//! the engine, writing every edge, one commit).
//!
//! Usage: `cargo run --release --example strength_recompute -- DATA.json`

use std::time::Instant;
use wig_graph::model::{BatchInput, Timestamp};
use wig_graph::store::{block_on, Db, MemoryBackend, RecomputeOptions, WriteContext};

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
    let ctx = WriteContext::at(Timestamp::from_millis(1_767_225_600_000));
    let t = Instant::now();
    let r = block_on(db.recompute_strengths(&ctx, &RecomputeOptions::default())).unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{{\"load_seconds\":{load:.3},\"recompute_seconds\":{s:.3},\"interactions\":{},\"edges_created\":{},\"edges_updated\":{},\"unknown\":{}}}",
        loaded.interactions, r.edges_created, r.edges_updated, r.unknown_participants.count
    );
}
