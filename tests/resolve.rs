//! Integration tests of the resolve module: EM on synthetic data, explanations,
//! progress/cancel, order independence, clustering guarantees, hostile input,
//! blocking and the incremental index.

#![allow(clippy::needless_range_loop)]

use proptest::prelude::*;
use wig_graph::resolve::*;

// ---------------------------------------------------------------- synthetic data

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1e6 < p
    }
}

const GIVEN: &[&str] = &[
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "oliver",
    "amelia",
    "jack",
    "isla",
    "harry",
    "ava",
];
const FAMILY: &[&str] = &[
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "wilson",
    "anderson", "taylor", "thomas", "moore", "jackson", "martin", "lee", "thompson", "white",
    "harris", "clark", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott",
    "green", "baker", "adams", "nelson", "hill", "campbell", "mitchell", "roberts",
];

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        return s.to_string();
    }
    let i = rng.below(c.len() - 1);
    match rng.below(3) {
        0 => c.swap(i, i + 1),
        1 => {
            c.remove(i);
        }
        _ => c[i] = (b'a' + rng.below(26) as u8) as char,
    }
    c.into_iter().collect()
}

fn person_schema() -> Schema {
    Schema::new(vec![
        FieldSpec::new("given", FieldType::GivenName).swappable_with("family"),
        FieldSpec::new("family", FieldType::FamilyName).swappable_with("given"),
        FieldSpec::new("dob", FieldType::Date),
        FieldSpec::new("id", FieldType::Identifier),
        FieldSpec::new("postcode", FieldType::Postcode),
    ])
}

fn person_config(schema: &Schema) -> LinkConfig {
    LinkConfig {
        blocking: vec![
            BlockingRule::exact(&["id"]),
            BlockingRule::exact(&["dob"]),
            BlockingRule::key(vec![
                KeyPart::Exact("family".into()),
                KeyPart::Prefix("given".into(), 1),
            ]),
            BlockingRule::sorted_neighbourhood(vec![KeyPart::Soundex("family".into())], 4),
        ],
        ..LinkConfig::for_schema(schema)
    }
}

/// `n` entities, each with 1 + (0..=2) records; returns records and entity per record.
fn synthetic(n: usize, seed: u64) -> (Vec<Record>, Vec<usize>) {
    let mut rng = Rng(seed);
    let mut recs = Vec::new();
    let mut ent = Vec::new();
    for e in 0..n {
        let g = GIVEN[rng.below(GIVEN.len())].to_string();
        let f = FAMILY[rng.below(FAMILY.len())].to_string();
        let dob = format!(
            "{}{:02}{:02}",
            1940 + rng.below(60),
            1 + rng.below(12),
            1 + rng.below(28)
        );
        let id = format!("{:07}", rng.below(10_000_000));
        let pc = format!("{}", 2000 + rng.below(900));
        let copies = 1 + rng.below(3);
        for k in 0..copies {
            let mut v = [g.clone(), f.clone(), dob.clone(), id.clone(), pc.clone()];
            if k > 0 {
                // one or two corruptions per duplicate
                for _ in 0..1 + rng.below(2) {
                    let fi = rng.below(5);
                    if rng.chance(0.2) {
                        v[fi] = String::new();
                    } else {
                        v[fi] = typo(&mut rng, &v[fi]);
                    }
                }
            }
            recs.push(
                v.iter()
                    .map(|s| (!s.is_empty()).then(|| FieldValue::from(s.as_str())))
                    .collect(),
            );
            ent.push(e);
        }
    }
    (recs, ent)
}

fn pair_f1(res: &Resolution, ent: &[usize]) -> (f64, f64) {
    let pred = res.linked_pairs();
    let tp = pred.iter().filter(|(a, b)| ent[*a] == ent[*b]).count() as f64;
    let mut truth = 0usize;
    for i in 0..ent.len() {
        for j in i + 1..ent.len() {
            truth += usize::from(ent[i] == ent[j]);
        }
    }
    (tp / pred.len().max(1) as f64, tp / truth.max(1) as f64)
}

// ---------------------------------------------------------------- EM

#[test]
fn em_converges_on_synthetic_data() {
    let (recs, ent) = synthetic(600, 7);
    let schema = person_schema();
    let linker = Linker::new(schema.clone(), person_config(&schema)).unwrap();
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    let em = res.em.clone().unwrap();
    assert!(em.converged, "{em:?}");
    // true λ = duplicate pairs / all pairs
    let n = recs.len() as f64;
    let mut dup = 0.0;
    for i in 0..ent.len() {
        for j in i + 1..ent.len() {
            dup += f64::from(u8::from(ent[i] == ent[j]));
        }
    }
    let true_lambda = dup / (n * (n - 1.0) / 2.0);
    let ratio = res.model.lambda / true_lambda;
    assert!(
        (0.7..1.3).contains(&ratio),
        "λ {} vs {}",
        res.model.lambda,
        true_lambda
    );
    // exact agreement on the identifier is strong evidence, disagreement is against
    let id = &res.model.fields[3];
    assert!(id.m[0] > 0.75, "{id:?}");
    assert!(id.bayes_factor_log2(0) > 8.0, "{id:?}");
    assert!(id.bayes_factor_log2(id.m.len() - 1) < 0.0);
    let (p, r) = pair_f1(&res, &ent);
    assert!(p > 0.97 && r > 0.95, "precision {p} recall {r}");
}

#[test]
fn em_is_deterministic_and_recovers_planted_parameters() {
    // planted two-class mixture over 2 fields of 3 levels, u fixed at the truth
    let schema = Schema::new(vec![
        FieldSpec::new("a", FieldType::Postcode),
        FieldSpec::new("b", FieldType::Postcode),
    ]);
    let mut model = Model::defaults(&schema);
    for f in &mut model.fields {
        f.u = vec![0.01, 0.04, 0.05, 0.90];
    }
    let m_true = [0.85, 0.08, 0.04, 0.03];
    let (matches, non) = (2000.0, 200_000.0);
    let mut rows = Vec::new();
    // expected counts of each pattern
    let mut levels = Vec::new();
    let mut counts = Vec::new();
    for x in 0..4u8 {
        for y in 0..4u8 {
            let cm = matches * m_true[x as usize] * m_true[y as usize];
            let cu = non * model.fields[0].u[x as usize] * model.fields[1].u[y as usize];
            levels.extend([x, y]);
            counts.push((cm + cu).round() as u64);
            rows.push((x, y));
        }
    }
    let pats = Patterns {
        fields: 2,
        levels,
        counts,
    };
    // blocking is assumed to keep (nearly) all pairs of these patterns: the whole
    // planted population is the candidate set
    let total = (matches + non) as u64;
    let mut m1 = model.clone();
    let r1 = em::train(&pats, &mut m1, total, None, 5000, 1e-7, &mut |_, _| true).unwrap();
    let mut m2 = model.clone();
    em::train(&pats, &mut m2, total, None, 5000, 1e-7, &mut |_, _| true).unwrap();
    assert_eq!(m1, m2);
    assert!(r1.converged);
    for f in &m1.fields {
        for (l, &m) in f.m.iter().enumerate() {
            assert!(
                (m - m_true[l]).abs() < 0.03,
                "level {l}: {m} vs {}",
                m_true[l]
            );
        }
    }
    assert!(
        (r1.expected_matches - matches).abs() / matches < 0.1,
        "{r1:?}"
    );
}

// ---------------------------------------------------------------- explanations

#[test]
fn explanation_parts_sum_to_the_match_weight() {
    let (recs, _) = synthetic(200, 11);
    let schema = person_schema();
    let linker = Linker::new(schema.clone(), person_config(&schema)).unwrap();
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    assert!(!res.pairs.is_empty());
    for (i, p) in res.pairs.iter().enumerate() {
        let e = res.explain(i).unwrap();
        assert_eq!((e.a, e.b), (p.a, p.b));
        let total = e
            .fields
            .iter()
            .fold(e.prior_weight, |w, f| w + f.bayes_factor_log2);
        assert_eq!(total, p.match_weight, "pair {i}");
        assert_eq!(e.match_weight(), p.match_weight);
        assert!((e.probability - p.probability).abs() < 1e-12);
        assert_eq!(e.fields.len(), schema.len());
        for f in &e.fields {
            if f.value_a.is_none() || f.value_b.is_none() {
                assert_eq!(f.level_label, "missing");
                assert_eq!(f.bayes_factor_log2, 0.0);
            }
        }
    }
    assert!(res.explain(res.pairs.len()).is_none());
    let text = res.explain(0).unwrap().to_text();
    assert!(text.contains("prior") && text.contains("probability"));
}

#[test]
fn link_explanations_use_table_local_indices() {
    let (recs, _) = synthetic(150, 5);
    let (l, r) = recs.split_at(recs.len() / 2);
    let schema = person_schema();
    let linker = Linker::new(schema.clone(), person_config(&schema)).unwrap();
    let res = linker.link(l, r, &mut |_, _| true).unwrap();
    for (i, p) in res.pairs.iter().enumerate() {
        assert!(p.a < l.len() && p.b < r.len());
        let e = res.explain(i).unwrap();
        assert_eq!(e.match_weight(), p.match_weight);
        assert_eq!(
            e.fields[0].value_a.as_deref(),
            l[p.a][0].as_ref().map(|v| match v {
                FieldValue::Text(s) => s.as_str(),
                FieldValue::Many(_) => "",
            })
        );
    }
    for (a, b) in res.linked_pairs() {
        assert!(a < l.len() && b < r.len());
    }
}

// ---------------------------------------------------------------- progress / cancel

#[test]
fn progress_is_monotone_and_complete() {
    let (recs, _) = synthetic(300, 3);
    let schema = person_schema();
    let linker = Linker::new(schema.clone(), person_config(&schema)).unwrap();
    let mut seen = Vec::new();
    linker
        .dedupe(&recs, &mut |d, t| {
            seen.push((d, t));
            true
        })
        .unwrap();
    assert!(seen.len() > 5);
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(seen.iter().all(|&(d, t)| t == PROGRESS_TOTAL && d <= t));
    assert_eq!(seen.last().unwrap().0, PROGRESS_TOTAL);
}

#[test]
fn cancel_returns_cancelled_at_any_point() {
    let (recs, _) = synthetic(300, 3);
    let schema = person_schema();
    let linker = Linker::new(schema.clone(), person_config(&schema)).unwrap();
    let mut calls = 0usize;
    linker
        .dedupe(&recs, &mut |_, _| {
            calls += 1;
            true
        })
        .unwrap();
    for stop_at in [1, 2, calls / 2, calls - 1, calls] {
        let mut k = 0usize;
        let r = linker.dedupe(&recs, &mut |_, _| {
            k += 1;
            k < stop_at
        });
        assert_eq!(r.err(), Some(ResolveError::Cancelled), "stop at {stop_at}");
    }
    let (l, r) = recs.split_at(100);
    let res = linker.link(l, r, &mut |_, _| false);
    assert_eq!(res.err(), Some(ResolveError::Cancelled));
    let res = MatchIndex::build(
        &schema,
        &person_config(&schema),
        Model::defaults(&schema),
        &recs,
        &mut |_, _| false,
    );
    assert!(matches!(res, Err(ResolveError::Cancelled)));
}

// ---------------------------------------------------------------- blocking

#[test]
fn blocking_stats_and_link_pairs_cross_tables() {
    let (recs, _) = synthetic(300, 9);
    let schema = person_schema();
    let linker = Linker::new(schema.clone(), person_config(&schema)).unwrap();
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    let n = recs.len() as u64;
    let st = &res.blocking;
    assert_eq!(st.total_pairs, n * (n - 1) / 2);
    assert_eq!(st.candidate_pairs as usize, res.pairs.len());
    assert!(st.reduction_ratio > 0.9 && st.reduction_ratio < 1.0);
    assert_eq!(st.per_rule.len(), 4);
    let generated: u64 = st.per_rule.iter().map(|r| r.pairs).sum();
    assert!(generated >= st.candidate_pairs, "union is de-duplicated");
    let mut ps: Vec<(usize, usize)> = res.pairs.iter().map(|p| (p.a, p.b)).collect();
    let before = ps.len();
    ps.dedup();
    assert_eq!(ps.len(), before);
    assert!(ps.iter().all(|(a, b)| a < b));

    let (l, r) = recs.split_at(150);
    let res = linker.link(l, r, &mut |_, _| true).unwrap();
    assert_eq!(res.blocking.total_pairs, 150 * (n - 150));
}

#[test]
fn max_block_size_skips_huge_blocks() {
    let schema = Schema::new(vec![FieldSpec::new("city", FieldType::FreeText)]);
    let recs: Vec<Record> = (0..50).map(|_| record(&[Some("springfield")])).collect();
    let cfg = LinkConfig {
        blocking: vec![BlockingRule::exact(&["city"])],
        max_block_size: 10,
        ..LinkConfig::default()
    };
    let res = Linker::new(schema, cfg)
        .unwrap()
        .dedupe(&recs, &mut |_, _| true)
        .unwrap();
    assert_eq!(res.pairs.len(), 0);
    assert_eq!(res.blocking.per_rule[0].skipped_blocks, 1);
    assert_eq!(res.blocking.per_rule[0].skipped_records, 50);
}

#[test]
fn key_transforms_block_variants_together() {
    let schema = Schema::new(vec![
        FieldSpec::new("given", FieldType::GivenName),
        FieldSpec::new("family", FieldType::FamilyName),
        FieldSpec::new("dob", FieldType::Date),
    ]);
    let recs = vec![
        record(&[Some("Robert"), Some("Smith"), Some("1980-02-01")]),
        record(&[Some("Rupert"), Some("Smyth"), Some("01/02/1980")]),
        record(&[Some("Smith"), Some("Robert"), Some("1975-01-01")]),
    ];
    let try_rule = |rule: BlockingRule| -> Vec<(usize, usize)> {
        let cfg = LinkConfig {
            blocking: vec![rule],
            ..LinkConfig::default()
        };
        let res = Linker::new(schema.clone(), cfg)
            .unwrap()
            .dedupe(&recs, &mut |_, _| true)
            .unwrap();
        res.pairs.iter().map(|p| (p.a, p.b)).collect()
    };
    assert_eq!(
        try_rule(BlockingRule::key(vec![KeyPart::Soundex("given".into())])),
        vec![(0, 1)]
    );
    assert_eq!(
        try_rule(BlockingRule::key(vec![KeyPart::Year("dob".into())])),
        vec![(0, 1)]
    );
    assert_eq!(try_rule(BlockingRule::exact(&["dob"])), vec![(0, 1)]);
    assert_eq!(
        try_rule(BlockingRule::key(vec![KeyPart::Unordered(vec![
            "given".into(),
            "family".into()
        ])])),
        vec![(0, 2)]
    );
    assert_eq!(
        try_rule(BlockingRule::key(vec![KeyPart::Prefix("family".into(), 2)])),
        vec![(0, 1)]
    );
    assert_eq!(
        try_rule(BlockingRule::key(vec![KeyPart::Reversed(
            "family".into(),
            2
        )])),
        vec![(0, 1)]
    );
    assert_eq!(
        try_rule(BlockingRule::sorted_neighbourhood(
            vec![KeyPart::Exact("given".into())],
            2
        ))
        .len(),
        2
    );
    let err = Linker::new(
        schema.clone(),
        LinkConfig {
            blocking: vec![BlockingRule::exact(&["nope"])],
            ..LinkConfig::default()
        },
    );
    assert_eq!(err.err(), Some(ResolveError::UnknownField("nope".into())));
}

// ---------------------------------------------------------------- incremental

#[test]
fn incremental_index_matches_one_record() {
    let (recs, ent) = synthetic(400, 21);
    let schema = person_schema();
    let cfg = person_config(&schema);
    let linker = Linker::new(schema.clone(), cfg.clone()).unwrap();
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    let idx = MatchIndex::build(&schema, &cfg, res.model.clone(), &recs, &mut |_, _| true).unwrap();
    assert_eq!(idx.len(), recs.len());
    // a stored record finds itself first, with an explanation that adds up
    for q in [0usize, 17, 123] {
        let c = idx.match_one(&recs[q]);
        assert_eq!(c[0].index, q);
        assert!(c[0].is_match && c[0].probability > 0.99);
        assert_eq!(c[0].explanation.match_weight(), c[0].match_weight);
        // every returned candidate of the same entity outranks other entities' records
        // only when it is a match; at least the entity's clustered records are found
        for other in res.clusters.iter().find(|cl| cl.contains(&q)).unwrap() {
            assert!(c.iter().any(|x| x.index == *other), "{q} misses {other}");
        }
        assert!(c
            .iter()
            .filter(|x| x.is_match)
            .all(|x| ent[x.index] == ent[q] || x.probability < 1.0));
    }
    // with exact-key rules, the batch candidate set of a record equals what the index
    // proposes
    let mut cfg = cfg.clone();
    cfg.blocking.pop(); // drop the sorted-neighbourhood rule
    let linker = Linker::new(schema.clone(), cfg.clone()).unwrap();
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    let mut idx =
        MatchIndex::build(&schema, &cfg, res.model.clone(), &recs, &mut |_, _| true).unwrap();
    let q = 42;
    let batch: std::collections::BTreeSet<usize> = res
        .pairs
        .iter()
        .filter_map(|p| {
            if p.a == q {
                Some(p.b)
            } else if p.b == q {
                Some(p.a)
            } else {
                None
            }
        })
        .collect();
    let inc: std::collections::BTreeSet<usize> = idx
        .match_one(&recs[q])
        .into_iter()
        .map(|c| c.index)
        .filter(|&i| i != q)
        .collect();
    assert_eq!(batch, inc);
    // inserting makes a new record findable
    let new = record(&[
        Some("zebedee"),
        Some("quaxley"),
        Some("19991231"),
        Some("0000001"),
        Some("9999"),
    ]);
    assert!(idx.match_one(&new).is_empty());
    let at = idx.insert(&new);
    assert_eq!(idx.match_one(&new)[0].index, at);
}

#[test]
fn incremental_index_caps_huge_blocks_as_stop_keys() {
    let schema = Schema::new(vec![
        FieldSpec::new("city", FieldType::FreeText),
        FieldSpec::new("id", FieldType::Identifier),
    ]);
    let cfg = LinkConfig {
        blocking: vec![BlockingRule::exact(&["city"]), BlockingRule::exact(&["id"])],
        max_block_size: 20,
        ..LinkConfig::default()
    };
    let recs: Vec<Record> = (0..100)
        .map(|i| record(&[Some("springfield"), Some(&format!("id{i}"))]))
        .collect();
    let idx = MatchIndex::build(
        &schema,
        &cfg,
        Model::defaults(&schema),
        &recs,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(idx.stop_keys(), 1);
    let c = idx.match_one(&record(&[Some("springfield"), Some("id7")]));
    assert_eq!(c.len(), 1, "only the id block is used");
    assert_eq!(c[0].index, 7);
}

// ---------------------------------------------------------------- hostile input

fn hostile_values() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "x".repeat(10_000),
        "😀🎉👨‍👩‍👧".into(),
        "\u{0}\u{1}\u{7}\u{1b}[31m\r\n\t".into(),
        "é".repeat(5000),
        "@@@".into(),
        "++--//".into(),
        "99999999999999999999999".into(),
        "2020-13-45".into(),
        "00000000".into(),
        "a;b|c,,;".into(),
        "\u{202e}reversed\u{202c}".into(),
        "ǅǈǋ ﬁ ﬂ Ⅻ".into(),
    ]
}

#[test]
fn hostile_input_does_not_panic() {
    let types = [
        FieldType::Name,
        FieldType::GivenName,
        FieldType::FamilyName,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Date,
        FieldType::Address,
        FieldType::Postcode,
        FieldType::Identifier,
        FieldType::FreeText,
        FieldType::Set,
    ];
    let schema = Schema::new(
        types
            .iter()
            .enumerate()
            .map(|(i, &t)| FieldSpec::new(&format!("f{i}"), t).with_tf())
            .collect(),
    )
    .field(FieldSpec::new("g", FieldType::GivenName).swappable_with("f2"));
    let vals = hostile_values();
    let mut recs: Vec<Record> = Vec::new();
    for (i, v) in vals.iter().enumerate() {
        for shift in 0..3 {
            recs.push(
                (0..schema.len())
                    .map(|f| {
                        let s = &vals[(i + f * shift) % vals.len()];
                        if f == 10 && shift == 2 {
                            Some(FieldValue::Many(vec![s.clone(), v.clone(), String::new()]))
                        } else {
                            Some(FieldValue::Text(s.clone()))
                        }
                    })
                    .collect(),
            );
        }
    }
    recs.push(Vec::new()); // a record with no values at all
    recs.push(vec![None; 40]); // more values than fields
    let mut blocking = BlockingRule::defaults_for(&schema);
    blocking.push(BlockingRule::key(
        schema
            .fields
            .iter()
            .take(3)
            .map(|f| KeyPart::Reversed(f.name.clone(), 3))
            .collect(),
    ));
    blocking.push(BlockingRule::sorted_neighbourhood(
        vec![KeyPart::SortedTokens("f6".into())],
        3,
    ));
    blocking.push(BlockingRule::key(vec![
        KeyPart::PostcodeArea("f7".into()),
        KeyPart::Year("f5".into()),
    ]));
    let cfg = LinkConfig {
        blocking,
        ..LinkConfig::default()
    };
    let linker = Linker::new(schema.clone(), cfg.clone()).unwrap();
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    for i in 0..res.pairs.len() {
        let e = res.explain(i).unwrap();
        assert!(e.match_weight().is_finite());
        let _ = e.to_text();
    }
    let (l, r) = recs.split_at(recs.len() / 2);
    linker.link(l, r, &mut |_, _| true).unwrap();
    linker.link(&[], r, &mut |_, _| true).unwrap();
    linker.dedupe(&[], &mut |_, _| true).unwrap();
    let idx = MatchIndex::build(&schema, &cfg, res.model.clone(), &recs, &mut |_, _| true).unwrap();
    for q in &recs {
        let _ = idx.match_one(q);
    }
    for &t in &types {
        for a in &vals {
            for b in &vals {
                let _ = compare_values(t, &CompareOptions::default(), a, b);
            }
        }
    }
}

// ---------------------------------------------------------------- properties

fn small_records() -> impl Strategy<Value = Vec<[String; 3]>> {
    let name = proptest::sample::select(vec![
        "ann", "anne", "anna", "bob", "rob", "robert", "carl", "karl", "dana", "diana",
    ]);
    let fam = proptest::sample::select(vec!["lee", "leigh", "smith", "smyth", "jones", "stone"]);
    let dob = proptest::sample::select(vec![
        "19800101", "19800110", "19810101", "19700505", "19700550", "",
    ]);
    proptest::collection::vec(
        (name, fam, dob).prop_map(|(a, b, c)| [a.to_string(), b.to_string(), c.to_string()]),
        2..24,
    )
    .prop_map(|mut v| {
        // distinct records (exact duplicates are interchangeable, see module docs)
        v.sort();
        v.dedup();
        v
    })
}

fn small_schema() -> (Schema, LinkConfig) {
    let schema = Schema::new(vec![
        FieldSpec::new("given", FieldType::GivenName),
        FieldSpec::new("family", FieldType::FamilyName).with_tf(),
        FieldSpec::new("dob", FieldType::Date),
    ]);
    let cfg = LinkConfig {
        blocking: vec![
            BlockingRule::key(vec![KeyPart::Soundex("family".into())]),
            BlockingRule::exact(&["dob"]),
            BlockingRule::sorted_neighbourhood(vec![KeyPart::Exact("given".into())], 3),
        ],
        u_sample_pairs: 300,
        match_probability: 0.3,
        cannot_link_probability: 0.01,
        ..LinkConfig::default()
    };
    (schema, cfg)
}

fn to_records(v: &[[String; 3]]) -> Vec<Record> {
    v.iter()
        .map(|r| {
            r.iter()
                .map(|s| (!s.is_empty()).then(|| FieldValue::from(s.as_str())))
                .collect()
        })
        .collect()
}

fn canonical(clusters: &[Vec<usize>], map: impl Fn(usize) -> usize) -> Vec<Vec<usize>> {
    let mut c: Vec<Vec<usize>> = clusters
        .iter()
        .map(|c| {
            let mut m: Vec<usize> = c.iter().map(|&i| map(i)).collect();
            m.sort_unstable();
            m
        })
        .collect();
    c.sort();
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Dedupe is independent of input order: same clusters up to relabelling.
    #[test]
    fn dedupe_is_independent_of_input_order(
        recs in small_records(),
        perm_seed in any::<u64>(),
    ) {
        let (schema, cfg) = small_schema();
        let linker = Linker::new(schema, cfg).unwrap();
        let records = to_records(&recs);
        let res1 = linker.dedupe(&records, &mut |_, _| true).unwrap();
        // Fisher-Yates with a seeded generator
        let mut order: Vec<usize> = (0..records.len()).collect();
        let mut rng = Rng(perm_seed);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let shuffled: Vec<Record> = order.iter().map(|&i| records[i].clone()).collect();
        let res2 = linker.dedupe(&shuffled, &mut |_, _| true).unwrap();
        prop_assert_eq!(canonical(&res1.clusters, |i| i), canonical(&res2.clusters, |i| order[i]));
        prop_assert_eq!(&res1.model, &res2.model);
    }

    /// Full-pipeline clustering guarantees: (G1) every cluster is connected by links
    /// with probability ≥ the match threshold; (G2) every pair inside a cluster has
    /// probability ≥ cannot_link_probability, so a pair below it is never joined through
    /// any chain, let alone through one weak link.
    #[test]
    fn dedupe_never_joins_a_weak_pair(recs in small_records()) {
        let (schema, cfg) = small_schema();
        let linker = Linker::new(schema, cfg.clone()).unwrap();
        let res = linker.dedupe(&to_records(&recs), &mut |_, _| true).unwrap();
        let low = log2_odds(cfg.cannot_link_probability);
        let link = log2_odds(cfg.match_probability);
        for c in &res.clusters {
            for (i, &x) in c.iter().enumerate() {
                for &y in &c[i + 1..] {
                    let w = res.explain_records(x, y).unwrap().match_weight();
                    prop_assert!(w >= low, "{} {} {}", x, y, w);
                }
            }
            let mut reach = vec![c[0]];
            let mut grew = true;
            while grew {
                grew = false;
                for p in res.pairs.iter().filter(|p| p.match_weight >= link) {
                    if !c.contains(&p.a) || !c.contains(&p.b) { continue; }
                    let (ia, ib) = (reach.contains(&p.a), reach.contains(&p.b));
                    if ia != ib { reach.push(if ia { p.b } else { p.a }); grew = true; }
                }
            }
            prop_assert_eq!(reach.len(), c.len());
        }
    }
}

#[test]
fn presets_work_with_default_blocking() {
    let schema = Schema::person();
    let cfg = LinkConfig {
        train: false,
        ..LinkConfig::for_schema(&schema)
    };
    let linker = Linker::new(schema, cfg).unwrap();
    let recs = vec![
        record(&[
            Some("Dr. Anna María López"),
            Some("anna.lopez@acme.com"),
            Some("+34 600 123 456"),
            Some("ACME"),
        ]),
        record(&[
            Some("Anna Maria Lopez"),
            Some("ANNA.LOPEZ@acme.com"),
            None,
            Some("Acme S.A."),
        ]),
        record(&[Some("Lopez, Anna"), None, Some("600123456"), None]),
        record(&[
            Some("Bob Stone"),
            Some("bob@stone.io"),
            Some("+1 555 0100"),
            Some("Stone LLC"),
        ]),
    ];
    let res = linker.dedupe(&recs, &mut |_, _| true).unwrap();
    let c0 = res.clusters.iter().find(|c| c.contains(&0)).unwrap();
    assert!(c0.contains(&1) && c0.contains(&2), "{:?}", res.clusters);
    assert!(!c0.contains(&3));

    let schema = Schema::organization();
    let cfg = LinkConfig {
        train: false,
        ..LinkConfig::for_schema(&schema)
    };
    let linker = Linker::new(schema, cfg).unwrap();
    let orgs = vec![
        record(&[Some("Ørsted A/S"), Some("orsted.com")]),
        record(&[Some("Orsted AS"), Some("orsted.com")]),
        record(&[Some("Vestas Wind Systems"), Some("vestas.com")]),
    ];
    let res = linker.dedupe(&orgs, &mut |_, _| true).unwrap();
    assert_eq!(res.clusters, vec![vec![0, 1], vec![2]]);
}
