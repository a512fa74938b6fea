//! Febrl benchmark: unsupervised dedupe (Febrl3) and link (Febrl4) with wig's resolver.
//!
//! Data: run `python3 bench/resolution/export_febrl.py` first (writes bench/data/*.csv).
//! Usage: cargo run --release --example febrl -- [febrl3|febrl4|all] [--json PATH]
//!        [--data DIR] [--repeat N] [--explain K]
//!
//! The Febrl schema below is an ordinary caller-built schema; the linker knows nothing
//! about Febrl. No labels are used: u from random pairs, m and λ from EM.

#[path = "../bench/resolution/febrl_common.rs"]
mod common;

use common::*;
use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;
use wig_graph::resolve::*;

/// With STAGES set: time of each progress stage boundary.
#[derive(Default)]
struct Stages {
    start: Option<Instant>,
    marks: Vec<(usize, f64)>,
}

impl Stages {
    fn mark(&mut self, d: usize) -> bool {
        if std::env::var_os("STAGES").is_some() {
            let t0 = *self.start.get_or_insert_with(Instant::now);
            self.marks.push((d, t0.elapsed().as_secs_f64()));
        }
        true
    }
    fn print(&self) {
        let names = [
            (300, "prepare"),
            (1300, "blocking"),
            (2800, "u"),
            (7800, "compare"),
            (8300, "em"),
            (10000, "score+cluster"),
        ];
        let mut last = 0.0;
        for (end, name) in names {
            if let Some(&(_, t)) = self.marks.iter().rev().find(|m| m.0 <= end) {
                eprintln!("  {name:<14} {:.4}s", t - last);
                last = t;
            }
        }
    }
}

fn load(path: &str) -> Loaded {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run bench/resolution/export_febrl.py)"));
    records_from_csv(&text)
}

fn load_truth(path: &str) -> HashSet<(String, String)> {
    truth_from_csv(&std::fs::read_to_string(path).expect("truth file"))
}

/// CPU time of this thread in seconds (Linux schedstat), to show the cost without
/// contention from other processes; `None` elsewhere.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn match_p() -> f64 {
    std::env::var("MATCH_P")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.5)
}

struct Run {
    dataset: &'static str,
    seconds: f64,
    cpu: f64,
    clustered: Score,
    pairwise: Score,
    blocking_recall: f64,
    res: Resolution,
}

fn run_febrl3(dir: &str, truth: &HashSet<(String, String)>) -> Run {
    let t0 = Instant::now();
    let c0 = thread_cpu().unwrap_or(0.0);
    let data = load(&format!("{dir}/febrl3.csv"));
    let schema = febrl_schema();
    let linker = Linker::new(schema.clone(), febrl_config(&schema, match_p())).expect("config");
    let mut st = Stages::default();
    let res = linker
        .dedupe(&data.records, &mut |d, _| st.mark(d))
        .expect("dedupe");
    st.print();
    let pred: HashSet<(String, String)> = res
        .linked_pairs()
        .into_iter()
        .map(|(a, b)| ordered(&data.ids[a], &data.ids[b]))
        .collect();
    let seconds = t0.elapsed().as_secs_f64();
    let cpu = thread_cpu().unwrap_or(0.0) - c0;
    let truth: HashSet<(String, String)> = truth.iter().map(|(a, b)| ordered(a, b)).collect();
    let pairwise: HashSet<(String, String)> = res
        .matches()
        .map(|p| ordered(&data.ids[p.a], &data.ids[p.b]))
        .collect();
    let cands: HashSet<(String, String)> = res
        .pairs
        .iter()
        .map(|p| ordered(&data.ids[p.a], &data.ids[p.b]))
        .collect();
    Run {
        dataset: "febrl3",
        seconds,
        cpu,
        clustered: score(&pred, &truth),
        pairwise: score(&pairwise, &truth),
        blocking_recall: truth.iter().filter(|t| cands.contains(*t)).count() as f64
            / truth.len() as f64,
        res,
    }
}

fn run_febrl4(dir: &str, truth: &HashSet<(String, String)>) -> Run {
    let t0 = Instant::now();
    let c0 = thread_cpu().unwrap_or(0.0);
    let a = load(&format!("{dir}/febrl4a.csv"));
    let b = load(&format!("{dir}/febrl4b.csv"));
    let schema = febrl_schema();
    let linker = Linker::new(schema.clone(), febrl_config(&schema, match_p())).expect("config");
    let mut st = Stages::default();
    let res = linker
        .link(&a.records, &b.records, &mut |d, _| st.mark(d))
        .expect("link");
    st.print();
    let pred: HashSet<(String, String)> = res
        .linked_pairs()
        .into_iter()
        .map(|(x, y)| (a.ids[x].clone(), b.ids[y].clone()))
        .collect();
    let seconds = t0.elapsed().as_secs_f64();
    let cpu = thread_cpu().unwrap_or(0.0) - c0;
    let pairwise: HashSet<(String, String)> = res
        .matches()
        .map(|p| (a.ids[p.a].clone(), b.ids[p.b].clone()))
        .collect();
    let cands: HashSet<(String, String)> = res
        .pairs
        .iter()
        .map(|p| (a.ids[p.a].clone(), b.ids[p.b].clone()))
        .collect();
    Run {
        dataset: "febrl4",
        seconds,
        cpu,
        clustered: score(&pred, truth),
        pairwise: score(&pairwise, truth),
        blocking_recall: truth.iter().filter(|t| cands.contains(*t)).count() as f64
            / truth.len() as f64,
        res,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut which = "all".to_string();
    let mut json: Option<String> = None;
    let mut dir = format!("{}/bench/data", env!("CARGO_MANIFEST_DIR"));
    let mut repeat = 5usize;
    let mut explain = 0usize;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--json" => {
                json = args.get(i + 1).cloned();
                i += 1;
            }
            "--data" => {
                dir = args.get(i + 1).cloned().unwrap_or(dir);
                i += 1;
            }
            "--repeat" => {
                repeat = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(1);
                i += 1;
            }
            "--explain" => {
                explain = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(3);
                i += 1;
            }
            other => which = other.to_string(),
        }
        i += 1;
    }
    let mut rows = Vec::new();
    println!(
        "{:<11} {:<7} {:>6} {:>7} {:>7} {:>7} {:>8} {:>8}   (pairwise: {:>6} {:>7})  cand  block-recall  λ  EM-iters",
        "system", "dataset", "pairs", "prec", "recall", "f1", "seconds", "cpu-s", "pairs", "f1"
    );
    for ds in ["febrl3", "febrl4"] {
        if which != "all" && which != ds {
            continue;
        }
        let truth = load_truth(&format!("{dir}/{ds}_truth.csv"));
        // best of `repeat` timed runs (the first warms the page cache)
        let mut best: Option<Run> = None;
        for _ in 0..repeat.max(1) {
            let r = if ds == "febrl3" {
                run_febrl3(&dir, &truth)
            } else {
                run_febrl4(&dir, &truth)
            };
            if best.as_ref().is_none_or(|b| r.seconds < b.seconds) {
                best = Some(r);
            }
        }
        let r = best.expect("one run");
        println!(
            "{:<11} {:<7} {:>6} {:>7.4} {:>7.4} {:>7.4} {:>8.4} {:>8.4}   (pairwise: {:>6} {:>7.4})  {}  {:.4}  {:.3e}  {}",
            "wig-native",
            r.dataset,
            r.clustered.pairs,
            r.clustered.precision,
            r.clustered.recall,
            r.clustered.f1,
            r.seconds,
            r.cpu,
            r.pairwise.pairs,
            r.pairwise.f1,
            r.res.blocking.candidate_pairs,
            r.blocking_recall,
            r.res.model.lambda,
            r.res.em.as_ref().map_or(0, |e| e.iterations),
        );
        if std::env::var_os("STAGES").is_some() {
            for (i, st) in r.res.blocking.per_rule.iter().enumerate() {
                eprintln!("  rule {i}: {st:?}");
            }
        }
        if explain > 0 {
            for p in &r.res.model.fields {
                let bfs: Vec<String> = (0..p.m.len())
                    .map(|l| format!("{}={:+.1}", p.labels[l], p.bayes_factor_log2(l)))
                    .collect();
                println!("  {:<14} {}", p.field, bfs.join("  "));
            }
            let mut shown = 0;
            for (k, p) in r.res.pairs.iter().enumerate() {
                if shown < explain && (p.probability - 0.5).abs() < 0.45 {
                    println!("{}", r.res.explain(k).expect("pair").to_text());
                    shown += 1;
                }
            }
        }
        rows.push(format!(
            "{{\"system\":\"wig-native\",\"dataset\":\"{}\",\"precision\":{:.6},\"recall\":{:.6},\"f1\":{:.6},\"seconds\":{:.4},\"cpu_seconds\":{:.4}}}",
            r.dataset, r.clustered.precision, r.clustered.recall, r.clustered.f1, r.seconds, r.cpu
        ));
    }
    if let Some(path) = json {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("json output");
        for row in rows {
            writeln!(f, "{row}").expect("write json");
        }
    }
}
