//! Imports a generated 50 MB file (vCard, or with `ics` an iCalendar file)
//! natively and prints JSON figures: records, batches, seconds, peak
//! resident memory, and — parsing alone, nothing stored — how much memory
//! the parser needed. The file is generated chunk by chunk as it is fed,
//! so the input itself never sits in memory.
//!
//! `cargo run --release --example import_large -- [vcard|ics] [MB] [batch size]`
//! (bench/import/run.sh runs it and writes bench/results/import.json).

use std::time::Instant;

use wig_graph::model::Timestamp;
use wig_graph::store::{
    block_on, Db, ImportKind, ImportOptions, ImportSession, MemoryBackend, WriteContext,
};

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Entry `i` of the generated file.
fn entry(format: &str, i: usize) -> String {
    match format {
        "ics" => format!(
            "BEGIN:VEVENT\r\nUID:gen-{i}@bench.example\r\nDTSTART:2025{:02}{:02}T{:02}0000Z\r\nDURATION:PT30M\r\nSUMMARY:Generated meeting number {i} with a summary long enough to be realistic\r\nORGANIZER;CN=Person {a}:mailto:p{a}@bench.example\r\nATTENDEE;CN=Person {b};PARTSTAT=ACCEPTED:mailto:p{b}@bench.example\r\nATTENDEE;CN=Person {c};PARTSTAT=ACCEPTED:mailto:p{c}@bench.example\r\nEND:VEVENT\r\n",
            1 + i % 12,
            1 + i % 28,
            8 + i % 10,
            a = i % 5_000,
            b = (i * 7 + 1) % 5_000,
            c = (i * 13 + 2) % 5_000,
        ),
        _ => format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Generated Person {i}\r\nN:Person {i};Generated;;;\r\nEMAIL;TYPE=WORK:person{i}@company{}.example\r\nTEL;TYPE=CELL:+1 {} 555 {:04}\r\nORG:Company {}\r\nTITLE:Engineer\r\nUID:gen-{i}\r\nEND:VCARD\r\n",
            i % 2_000,
            200 + (i / 10_000) % 800,
            i % 10_000,
            i % 2_000
        ),
    }
}

/// Feeds `mb` megabytes of generated entries to `sink`, 1 MiB at a time.
fn generate(format: &str, mb: usize, mut sink: impl FnMut(&[u8])) -> usize {
    let target = mb << 20;
    let mut done = 0;
    let mut i = 0;
    let mut chunk = String::with_capacity(1 << 20 | 4096);
    if format == "ics" {
        chunk.push_str("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    }
    while done < target {
        while chunk.len() < 1 << 20 {
            chunk.push_str(&entry(format, i));
            i += 1;
        }
        done += chunk.len();
        sink(chunk.as_bytes());
        chunk.clear();
    }
    if format == "ics" {
        sink(b"END:VCALENDAR\r\n");
    }
    i
}

/// CPU seconds of this process so far (user + system; the machine is
/// shared, so wall time alone overstates).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let utime: f64 = after.get(11)?.parse().ok()?;
            let stime: f64 = after.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let format = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("vcard")
        .to_string();
    let mb: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let batch: Option<f64> = args.get(3).and_then(|s| s.parse().ok());
    let (kind, fmt) = match format.as_str() {
        "ics" => (ImportKind::Interactions, "ics"),
        _ => (ImportKind::Contacts, "vcard"),
    };
    let options = || ImportOptions {
        format: Some(fmt.into()),
        batch_size: batch.map(wig_graph::model::JsNumber),
        ..Default::default()
    };

    // 1. Parsing alone: records go nowhere, so memory is the parser's.
    let rss_before_parse = status_kb("VmRSS:");
    let mut session =
        ImportSession::new(kind, options(), Timestamp::from_millis(1_767_225_600_000)).unwrap();
    let mut max_buffered = 0usize;
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let entries = generate(&format, mb, |c| {
        session.feed(c).unwrap();
        max_buffered = max_buffered.max(session.parser_buffered_bytes());
        while session.take_batch().is_some() {}
    });
    session.end().unwrap();
    while session.take_batch().is_some() {}
    let parse_seconds = t.elapsed().as_secs_f64();
    let parse_cpu = cpu_seconds() - cpu0;
    let rss_after_parse = status_kb("VmRSS:");
    let parsed = session.report().records;

    // 2. The whole import into an in-memory graph (its durable copy is in
    //    memory too): batches of 2,000, then strengths and duplicates.
    let mut db = block_on(Db::open(MemoryBackend::default())).unwrap();
    let ctx = WriteContext::at(Timestamp::from_millis(1_767_225_600_000));
    let mut session = ImportSession::new(kind, options(), ctx.now).unwrap();
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    generate(&format, mb, |c| {
        session.feed(c).unwrap();
        while let Some(batch) = session.take_batch() {
            let prepared = db.prepare_import_batch(&session, &batch, &ctx).unwrap();
            let outcome = block_on(db.run(prepared)).unwrap();
            session.written(outcome);
        }
    });
    session.end().unwrap();
    while let Some(batch) = session.take_batch() {
        let prepared = db.prepare_import_batch(&session, &batch, &ctx).unwrap();
        let outcome = block_on(db.run(prepared)).unwrap();
        session.written(outcome);
    }
    let batches_seconds = t.elapsed().as_secs_f64();
    block_on(db.finish_import(&mut session, &ctx)).unwrap();
    let import_seconds = t.elapsed().as_secs_f64();
    let import_cpu = cpu_seconds() - cpu0;
    let report = session.report();
    let stats = db.stats();
    println!(
        "{}",
        serde_json::json!({
            "system": "wig-native",
            "dataset": format!("generated {fmt}, {mb} MB"),
            "batch_size": batch.unwrap_or(wig_graph::store::IMPORT_BATCH as f64),
            "bytes": report.bytes,
            "entries_generated": entries,
            "parse_only": {
                "records": parsed,
                "seconds": parse_seconds,
                "cpu_seconds": parse_cpu,
                "max_parser_buffered_bytes": max_buffered,
                "rss_growth_bytes": (rss_after_parse.saturating_sub(rss_before_parse)) * 1024,
            },
            "import": {
                "records": report.records,
                "people": report.people,
                "organizations": report.organizations,
                "interactions": report.interactions,
                "errors": report.errors.len() + report.errors_omitted,
                "batches": report.batches,
                "batches_seconds": batches_seconds,
                "seconds_with_followups": import_seconds,
                "cpu_seconds_with_followups": import_cpu,
                "strengths_updated": report.strengths_updated,
                "duplicate_suggestions": report.duplicate_suggestions,
                "graph_people": stats.people,
                "graph_interactions": stats.interactions,
            },
            "peak_rss_bytes": status_kb("VmHWM:") * 1024,
        })
    );
}
