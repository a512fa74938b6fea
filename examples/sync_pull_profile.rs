//! Where does an initial pull spend its client time? Native timings of
//! applying wig_pull pages shaped like `bench/sync/seed.sql` (N people, 5 N
//! edges, pages of 10,000), grouped into writes the way `pkg/sync.js` groups
//! them (up to the graph's size, at most 100,000 rows per write).
//! cargo run --release --example sync_pull_profile -- 100000
use std::time::{Duration, Instant};
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, MemoryBackend, WriteContext};

mod common;

fn uuid(kind: u128, n: u128) -> String {
    Uuid::from_u128((kind << 96) | n).to_string()
}

fn main() {
    let n = common::people_arg() as u128;
    let edges = 5 * n;
    let page_size = 10_000u128;
    let total = n + edges;
    let row = |v: u128| -> String {
        if v <= n {
            format!(
                r#"{{"kind":"person","id":"{id}","version":{v},"erased":false,"record":{{"id":"{id}","names":["Person {v}","P. {v}"],"emails":["person{v}@example.org"],"phones":["+14155550000"],"socialHandles":{{"linkedin":"person{v}"}},"title":null,"organizationId":null,"addresses":[],"birthDate":null,"mergeExplanation":null,"previousIds":[],"mergedInto":null,"metadata":null,"createdAt":"2025-01-01T00:00:01.000Z","updatedAt":"2025-01-01T00:00:01.000Z","deletedAt":null}}}}"#,
                id = uuid(1, v)
            )
        } else {
            let g = v - n - 1;
            let from = 1 + g % n;
            let to = 1 + (g % n + [1, 7, 31, 127, 1021][((g / n) % 5) as usize]) % n;
            format!(
                r#"{{"kind":"edge","id":"{id}","version":{v},"erased":false,"record":{{"id":"{id}","fromPersonId":"{a}","toPersonId":"{b}","relationshipType":"knows","strength":0.5,"strengthFactors":[],"sources":["gmail"],"channels":["email"],"firstSeenAt":null,"lastSeenAt":null,"interactionCount":3,"metadata":null,"createdAt":"2025-01-02T00:00:00.000Z","updatedAt":"2025-01-02T00:00:00.000Z","deletedAt":null}}}}"#,
                id = uuid(2, g),
                a = uuid(1, from),
                b = uuid(1, to)
            )
        }
    };
    let mut pages = Vec::new();
    let mut v = 1;
    while v <= total {
        let last = (v + page_size - 1).min(total);
        let rows: Vec<String> = (v..=last).map(row).collect();
        pages.push(format!(
            r#"{{"changes":[{}],"checkpoint":{last},"more":{}}}"#,
            rows.join(","),
            last < total
        ));
        v = last + 1;
    }
    let mut db = block_on(Db::open(MemoryBackend::default())).unwrap();
    let ctx = WriteContext::at(Timestamp::from_millis(1_700_000_000_000));
    let (mut prepare, mut run, mut bytes, mut writes) = (Duration::ZERO, Duration::ZERO, 0, 0);
    let mut at = 0;
    while at < pages.len() {
        let stats = db.stats();
        let stored = (stats.people + stats.edges) as u128;
        let cap: u128 = std::env::var("CAP")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000);
        let want = stored.max(page_size).min(cap);
        let mut group = Vec::new();
        let mut rows = 0;
        while at < pages.len() && (group.is_empty() || rows < want) {
            group.push(pages[at].as_str());
            rows += page_size;
            at += 1;
        }
        let t = Instant::now();
        let p = db.prepare_pull_pages(&group, &ctx).unwrap();
        prepare += t.elapsed();
        bytes += p.set.bytes();
        writes += 1;
        let t = Instant::now();
        block_on(db.run(p)).unwrap();
        run += t.elapsed();
    }
    println!(
        "{} rows in {writes} writes: prepare (parse + stage + encode) {prepare:?}, write + apply {run:?}, {bytes} bytes written",
        total
    );
}
