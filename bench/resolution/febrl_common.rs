//! Shared by the Febrl examples (native `febrl` and `febrl_wasm`): CSV parsing, the
//! caller-built Febrl schema and blocking rules, scoring against the truth.
#![allow(dead_code)]

use std::collections::HashSet;
use wig_graph::resolve::*;

/// Minimal RFC-4180 CSV reader (quotes, doubled quotes, embedded commas/newlines).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

pub const FIELDS: [&str; 10] = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
];

pub fn febrl_schema() -> Schema {
    Schema::new(vec![
        FieldSpec::new("given_name", FieldType::GivenName).swappable_with("surname"),
        FieldSpec::new("surname", FieldType::FamilyName).swappable_with("given_name"),
        FieldSpec::new("street_number", FieldType::Identifier),
        FieldSpec::new("address_1", FieldType::Address),
        FieldSpec::new("address_2", FieldType::Address),
        FieldSpec::new("suburb", FieldType::Address),
        FieldSpec::new("postcode", FieldType::Postcode),
        FieldSpec::new("state", FieldType::FreeText),
        FieldSpec::new("date_of_birth", FieldType::Date),
        FieldSpec::new("soc_sec_id", FieldType::Identifier),
    ])
}

pub fn febrl_config(schema: &Schema, match_probability: f64) -> LinkConfig {
    let ex = |f: &str| KeyPart::Exact(f.to_string());
    LinkConfig {
        blocking: vec![
            BlockingRule::key(vec![ex("soc_sec_id")]),
            BlockingRule::key(vec![ex("given_name"), KeyPart::Prefix("surname".into(), 1)]),
            BlockingRule::key(vec![ex("surname"), KeyPart::Prefix("given_name".into(), 1)]),
            BlockingRule::key(vec![ex("date_of_birth")]),
            BlockingRule::key(vec![ex("postcode"), KeyPart::Prefix("address_1".into(), 1)]),
            BlockingRule::key(vec![ex("street_number"), ex("address_1")]),
            BlockingRule::key(vec![ex("street_number"), ex("surname")]),
            BlockingRule::key(vec![KeyPart::Unordered(vec![
                "given_name".into(),
                "surname".into(),
            ])]),
        ],
        match_probability,
        ..LinkConfig::for_schema(schema)
    }
}

pub struct Loaded {
    pub ids: Vec<String>,
    pub records: Vec<Record>,
}

/// Records from the text of a Febrl CSV (`rec_id` + the 10 fields).
pub fn records_from_csv(text: &str) -> Loaded {
    let rows = parse_csv(text);
    let header = &rows[0];
    let col: Vec<usize> = FIELDS
        .iter()
        .map(|f| header.iter().position(|h| h == f).expect("febrl column"))
        .collect();
    let mut ids = Vec::with_capacity(rows.len());
    let mut records = Vec::with_capacity(rows.len());
    for r in &rows[1..] {
        ids.push(r[0].clone());
        records.push(
            col.iter()
                .map(|&c| {
                    let v = r.get(c).map(|s| s.trim()).unwrap_or("");
                    (!v.is_empty()).then(|| FieldValue::Text(v.to_string()))
                })
                .collect(),
        );
    }
    Loaded { ids, records }
}

/// True pairs from the text of a `*_truth.csv`.
pub fn truth_from_csv(text: &str) -> HashSet<(String, String)> {
    parse_csv(text)[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

pub struct Score {
    pub pairs: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

pub fn score(pred: &HashSet<(String, String)>, truth: &HashSet<(String, String)>) -> Score {
    let tp = pred.intersection(truth).count() as f64;
    let p = if pred.is_empty() {
        0.0
    } else {
        tp / pred.len() as f64
    };
    let r = tp / truth.len().max(1) as f64;
    Score {
        pairs: pred.len(),
        precision: p,
        recall: r,
        f1: if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
    }
}

pub fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}
