//! Where does the search index build spend its time, natively? Loads the
//! storage benchmark's shape (N people, ~10 N edges) into a `Db`, then times
//! `GraphView::build` (the CSR index over the stored graph) and reports the
//! bytes it holds, and the per-call cost of the `Db` shortest-path queries.
//! cargo run --release --example graph_index_build -- 100000
//! (BUILDS=n builds n times: enough samples for `perf record -D <ms after the load>`.)
use std::time::Instant;
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, GraphView, MemoryBackend, QueryOptions, WriteContext};

mod common;

fn main() {
    let n = common::people_arg();
    let mut rand = common::splitmix64();
    let (uuids, batch) = common::storage_graph(n, false, &mut rand);
    let mut db = block_on(Db::open(MemoryBackend::default())).unwrap();
    let ctx = WriteContext::at(Timestamp::from_millis(1_700_000_000_000));
    let t = Instant::now();
    block_on(db.batch(batch, &ctx)).unwrap();
    println!("batch load: {:?}", t.elapsed());
    let builds: usize = std::env::var("BUILDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for _ in 0..builds {
        let t = Instant::now();
        let v = GraphView::build(db.state());
        println!(
            "GraphView::build: {:?}  ({} bytes, csr {} bytes)",
            t.elapsed(),
            v.memory_bytes(),
            v.csr().memory_bytes()
        );
    }
    let o = QueryOptions::default();
    let pairs: Vec<(Uuid, Uuid)> = (0..1000)
        .map(|_| (uuids[rand() as usize % n], uuids[rand() as usize % n]))
        .collect();
    let _ = db.graph_view();
    let t = Instant::now();
    for &(a, b) in &pairs {
        let _ = db.shortest_path(a, b, &o).unwrap();
    }
    println!(
        "Db::shortest_path: {:.4} ms/call",
        t.elapsed().as_secs_f64() * 1e3 / 1000.0
    );
    let t = Instant::now();
    for &(a, b) in &pairs {
        let _ = serde_json::to_string(&db.shortest_path(a, b, &o).unwrap()).unwrap();
    }
    println!(
        "  + JSON out: {:.4} ms/call",
        t.elapsed().as_secs_f64() * 1e3 / 1000.0
    );
}
