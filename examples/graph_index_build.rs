//! Where does the search index build spend its time, natively? Loads the
//! storage benchmark's shape (N people, ~10 N edges) into a `Db`, then times
//! `GraphView::build` (the CSR index over the stored graph) and reports the
//! bytes it holds, and the per-call cost of the `Db` shortest-path queries.
//! cargo run --release --example graph_index_build -- 100000
use std::time::Instant;
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, GraphView, MemoryBackend, QueryOptions, WriteContext};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut seed = 7u64;
    let mut rand = move || {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let uuids: Vec<Uuid> = (0..n)
        .map(|_| Uuid::from_u64_pair(rand(), rand()))
        .collect();
    let ids: Vec<String> = uuids.iter().map(|u| u.to_string()).collect();
    let people: Vec<PersonInput> = (0..n)
        .map(|i| PersonInput {
            id: Some(ids[i].clone()),
            names: vec![format!("Person {i}")],
            ..Default::default()
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut edges = Vec::new();
    for v in 1..n {
        for _ in 0..10.min(v) {
            let u = (rand() % v as u64) as usize;
            if seen.insert((u.min(v), u.max(v))) {
                edges.push(EdgeInput {
                    from_person_id: Some(ids[v].clone()),
                    to_person_id: Some(ids[u].clone()),
                    strength: Some(JsNumber(0.5)),
                    ..Default::default()
                });
            }
        }
    }
    let batch = BatchInput {
        people,
        edges,
        ..Default::default()
    };
    let mut db = block_on(Db::open(MemoryBackend::default())).unwrap();
    let ctx = WriteContext::at(Timestamp::from_millis(1_700_000_000_000));
    let t = Instant::now();
    block_on(db.batch(batch, &ctx)).unwrap();
    println!("batch load: {:?}", t.elapsed());
    for _ in 0..3 {
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
