//! Where does a big batch spend its time? Native timings of each phase of
//! `batch` and `open` on the storage benchmark's shape (N people, ~10 N edges).
//! cargo run --release --example storage_profile -- 100000
use std::time::Instant;
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, GraphState, MemoryBackend, WriteContext};

mod common;

fn main() {
    let n = common::people_arg();
    let mut rand = common::splitmix64();
    let (_, batch) = common::storage_graph(n, true, &mut rand);
    let backend = MemoryBackend::default();
    let mut db = block_on(Db::open(backend.clone())).unwrap();
    let ctx = WriteContext::at(Timestamp::from_millis(1_700_000_000_000));
    let t = Instant::now();
    let prepared = db.prepare_batch(batch, &ctx).unwrap();
    println!(
        "prepare (validate + stage + write set): {:?}  ({} values, {} bytes)",
        t.elapsed(),
        prepared.set.puts.len(),
        prepared.set.bytes()
    );
    let t = Instant::now();
    block_on(db.run(prepared)).unwrap();
    println!("write + apply: {:?}", t.elapsed());
    let items = block_on(wig_graph::store::load_values(&backend)).unwrap();
    phases(&items);
    let t = Instant::now();
    let (state, _) = GraphState::load(items).unwrap();
    println!(
        "load (decode + index): {:?}  people {} edges {}",
        t.elapsed(),
        state.people.len(),
        state.edges.len()
    );
}

fn phases(
    items: &[(
        wig_graph::store::StoreName,
        wig_graph::store::StoreKey,
        Vec<u8>,
    )],
) {
    use wig_graph::store::{codec, StoreName};
    let t = Instant::now();
    let mut edges: Vec<Edge> = Vec::new();
    let mut people: Vec<Person> = Vec::new();
    for (s, _, b) in items {
        match s {
            StoreName::Edges => edges.extend(codec::decode::<Vec<Edge>>(b, "e").unwrap()),
            StoreName::People => people.extend(codec::decode::<Vec<Person>>(b, "p").unwrap()),
            _ => {}
        }
    }
    println!(
        "  decode only: {:?} (size_of Edge {} Person {})",
        t.elapsed(),
        std::mem::size_of::<Edge>(),
        std::mem::size_of::<Person>()
    );
    let t = Instant::now();
    let pairs: rustc_hash::FxHashMap<(Uuid, Uuid), Uuid> =
        edges.iter().map(|e| (e.pair(), e.id)).collect();
    println!("  edge_by_pair: {:?} ({})", t.elapsed(), pairs.len());
    let t = Instant::now();
    let map: rustc_hash::FxHashMap<Uuid, Edge> = edges.into_iter().map(|e| (e.id, e)).collect();
    println!("  edge map: {:?} ({})", t.elapsed(), map.len());
}
