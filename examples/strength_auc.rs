//! Evaluate tie strength on the SocioPatterns Primary School contacts.
//!
//! Usage: `cargo run --release --example strength_auc -- bench/data/primary_school.csv [--json out.jsonl]`
//!
//! Protocol: rows `t i j class_i class_j` (t in seconds, 20 s resolution).
//! The day split is the largest gap between consecutive timestamps (the
//! night). Training = every contact before it; `now` = the last training
//! timestamp. Candidates = pairs with any training contact; label = the pair
//! has a contact on the last day. ROC AUC is the Mann–Whitney statistic with
//! ties counted 0.5.
//!
//! Mapping to WIG interactions: consecutive 20 s rows of the same pair
//! (next row ≤ 20 s after the previous one) are merged into one contact
//! *episode*, emitted as a two-way `Meeting` of 2 participants, timestamped at
//! its start, lasting `rows × 20 s`. A 20 s row is a sampling tick of one
//! continuous face-to-face conversation, not a separate meeting: a CRM
//! records a 10-minute conversation as one meeting of 10 minutes, not 30
//! meetings. Any missed tick splits the episode (no gap tolerance beyond the
//! sampling interval). Baselines use the raw rows, as given.

use std::collections::{BTreeMap, HashMap, HashSet};
use wig_graph::strength::{
    Channel, InteractionInput, StrengthEngine, StrengthParams, TimeScale, FACTOR_NAMES,
};

type Pair = (u32, u32);

fn auc(scores: &[(f64, bool)]) -> f64 {
    let mut v: Vec<(f64, bool)> = scores.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_pos = v.iter().filter(|x| x.1).count() as f64;
    let n_neg = v.len() as f64 - n_pos;
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        let avg_rank = (i + 1 + j) as f64 / 2.0; // mean of ranks i+1..=j
        rank_sum += avg_rank * v[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

fn wig_scores(
    inter: &[InteractionInput],
    now_ms: i64,
    params: StrengthParams,
    pairs: &[Pair],
    factor: Option<usize>,
) -> Vec<f64> {
    let mut e = StrengthEngine::new(params);
    e.add_interactions(inter);
    e.score_all(now_ms);
    pairs
        .iter()
        .map(|&(a, b)| match factor {
            None => e.strength(a, b).unwrap(),
            Some(k) => e.edge(a, b).unwrap().factors[k].value,
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut path = None;
    let mut json = None;
    let mut i = 1;
    while i < args.len() {
        if args[i] == "--json" {
            json = args.get(i + 1).cloned();
            i += 2;
        } else {
            path = Some(args[i].clone());
            i += 1;
        }
    }
    let path = path.unwrap_or_else(|| {
        eprintln!("usage: strength_auc CSV [--json PATH]");
        std::process::exit(2)
    });
    let text = std::fs::read_to_string(&path).expect("read csv");
    let mut raw: Vec<(i64, u64, u64)> = Vec::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (Some(t), Some(i), Some(j)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let (Ok(t), Ok(i), Ok(j)) = (t.parse(), i.parse(), j.parse()) else {
            continue;
        };
        if i != j {
            raw.push((t, i, j));
        }
    }
    // Dense person ids.
    let mut ids: Vec<u64> = raw.iter().flat_map(|r| [r.1, r.2]).collect();
    ids.sort_unstable();
    ids.dedup();
    let idx: HashMap<u64, u32> = ids
        .iter()
        .enumerate()
        .map(|(k, &v)| (v, k as u32))
        .collect();
    let rows: Vec<(i64, Pair)> = raw
        .iter()
        .map(|&(t, i, j)| {
            let (a, b) = (idx[&i], idx[&j]);
            (t, (a.min(b), a.max(b)))
        })
        .collect();
    // Day split at the largest gap.
    let mut ts: Vec<i64> = rows.iter().map(|r| r.0).collect();
    ts.sort_unstable();
    ts.dedup();
    let (gap, split) = ts.windows(2).map(|w| (w[1] - w[0], w[0])).max().unwrap();
    let train: Vec<(i64, Pair)> = rows.iter().copied().filter(|r| r.0 <= split).collect();
    let test: HashSet<Pair> = rows.iter().filter(|r| r.0 > split).map(|r| r.1).collect();
    let now_s = train.iter().map(|r| r.0).max().unwrap();
    let now_ms = now_s * 1000;

    // Raw per-pair times.
    let mut times: BTreeMap<Pair, Vec<i64>> = BTreeMap::new();
    for &(t, p) in &train {
        times.entry(p).or_default().push(t);
    }
    let pairs: Vec<Pair> = times.keys().copied().collect();
    let labels: Vec<bool> = pairs.iter().map(|p| test.contains(p)).collect();

    // Episodes -> interactions.
    let mut episodes: Vec<InteractionInput> = Vec::new();
    let mut ticks: Vec<InteractionInput> = Vec::new();
    for (&(a, b), v) in times.iter_mut() {
        v.sort_unstable();
        v.dedup();
        let mut start = v[0];
        let mut last = v[0];
        let emit = |s: i64, l: i64, out: &mut Vec<InteractionInput>| {
            out.push(InteractionInput {
                timestamp_ms: s * 1000,
                participants: vec![a, b],
                sender: None,
                channel: Channel::Meeting,
                two_way: Some(true),
                duration_minutes: Some(((l - s + 20) as f32) / 60.0),
            })
        };
        for &t in &v[1..] {
            if t - last <= 20 {
                last = t;
            } else {
                emit(start, last, &mut episodes);
                start = t;
                last = t;
            }
        }
        emit(start, last, &mut episodes);
        for &t in v.iter() {
            emit(t, t, &mut ticks);
        }
    }

    // Baselines on raw rows.
    let count: Vec<f64> = pairs.iter().map(|p| times[p].len() as f64).collect();
    let recency: Vec<f64> = pairs
        .iter()
        .map(|p| *times[p].last().unwrap() as f64)
        .collect();
    let decayed = |h: f64| -> Vec<f64> {
        pairs
            .iter()
            .map(|p| {
                times[p]
                    .iter()
                    .map(|&t| (-((now_s - t) as f64) / h).exp2())
                    .sum()
            })
            .collect()
    };
    let mut adj: HashMap<u32, HashMap<u32, f64>> = HashMap::new();
    for (k, &(a, b)) in pairs.iter().enumerate() {
        adj.entry(a).or_default().insert(b, count[k]);
        adj.entry(b).or_default().insert(a, count[k]);
    }
    let cn: Vec<f64> = pairs
        .iter()
        .map(|&(a, b)| {
            let (na, nb) = (&adj[&a], &adj[&b]);
            na.iter()
                .filter_map(|(c, &w)| nb.get(c).map(|&w2| w.min(w2)))
                .sum()
        })
        .collect();

    let def = StrengthParams::default;
    let direct_only = StrengthParams {
        embeddedness_weight: 0.0,
        ..def()
    };
    let crm_fixed = StrengthParams {
        recency_half_life: TimeScale::Fixed {
            ms: 30.0 * 86_400_000.0,
        },
        longevity_scale: TimeScale::Fixed {
            ms: 365.0 * 86_400_000.0,
        },
        ..def()
    };
    let mut results: Vec<(String, &str, f64)> = Vec::new();
    let mut add = |name: &'static str, note: &'static str, s: Vec<f64>| {
        let v: Vec<(f64, bool)> = s.into_iter().zip(labels.iter().copied()).collect();
        results.push((name.to_string(), note, auc(&v)));
    };
    add(
        "wig",
        "default parameters",
        wig_scores(&episodes, now_ms, def(), &pairs, None),
    );
    add("count", "raw 20 s contact rows", count.clone());
    add("recency", "time of last contact", recency);
    add(
        "decayed-count-6h",
        "sum 2^(-age/6h) over rows",
        decayed(6.0 * 3600.0),
    );
    add(
        "decayed-count-24h",
        "sum 2^(-age/24h) over rows",
        decayed(24.0 * 3600.0),
    );
    add("common-neighbour", "sum_c min(count_ac, count_bc)", cn);
    add(
        "wig-direct-only",
        "embeddedness weight 0",
        wig_scores(&episodes, now_ms, direct_only, &pairs, None),
    );
    add(
        "wig-embeddedness",
        "embeddedness factor alone",
        wig_scores(&episodes, now_ms, def(), &pairs, Some(7)),
    );
    add(
        "wig-fixed-crm-scales",
        "recency 30 d, longevity 365 d fixed",
        wig_scores(&episodes, now_ms, crm_fixed, &pairs, None),
    );
    add(
        "wig-unmerged-rows",
        "each 20 s row = one interaction",
        wig_scores(&ticks, now_ms, def(), &pairs, None),
    );
    for (k, name) in FACTOR_NAMES.iter().enumerate().take(7) {
        let s = wig_scores(&episodes, now_ms, def(), &pairs, Some(k));
        let v: Vec<(f64, bool)> = s.into_iter().zip(labels.iter().copied()).collect();
        results.push((format!("wig-factor-{name}"), "wig factor alone", auc(&v)));
    }

    let n_pos = labels.iter().filter(|&&l| l).count();
    println!(
        "SocioPatterns primary school: {} rows, {} people, split gap {} s; train {} rows -> {} episodes; {} candidate pairs, {} positive",
        rows.len(),
        ids.len(),
        gap,
        train.len(),
        episodes.len(),
        pairs.len(),
        n_pos
    );
    println!("{:<22} {:>7}  note", "system", "AUC");
    for (name, note, a) in &results {
        println!("{:<22} {:>7.4}  {}", name, a, note);
    }
    if let Some(p) = json {
        let mut out = String::new();
        for (name, _, a) in &results {
            out.push_str(&format!(
                "{{\"system\":\"{}\",\"dataset\":\"sociopatterns-primary-school\",\"auc\":{:.6}}}\n",
                name, a
            ));
        }
        std::fs::write(&p, out).expect("write json");
        println!("wrote {}", p);
    }
}
