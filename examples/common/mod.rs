//! The storage benchmark's graph shape (N people, ~10 N edges), built the
//! same way by every example that profiles it.

// Each example includes this module and uses part of it.
#![allow(dead_code)]
use wig_graph::model::*;

/// N, the number of people: the first argument, 100,000 by default.
pub fn people_arg() -> usize {
    std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

/// splitmix64 from a fixed seed: the same graph on every run.
pub fn splitmix64() -> impl FnMut() -> u64 {
    let mut seed = 7u64;
    move || {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `n` people ("Person i", with an email when `emails`) and edges from each
/// to up to 10 random earlier people, in one batch; also the people's ids.
pub fn storage_graph(
    n: usize,
    emails: bool,
    rand: &mut impl FnMut() -> u64,
) -> (Vec<Uuid>, BatchInput) {
    let uuids: Vec<Uuid> = (0..n)
        .map(|_| Uuid::from_u64_pair(rand(), rand()))
        .collect();
    let ids: Vec<String> = uuids.iter().map(|u| u.to_string()).collect();
    let people: Vec<PersonInput> = (0..n)
        .map(|i| PersonInput {
            id: Some(ids[i].clone()),
            names: vec![format!("Person {i}")],
            emails: if emails {
                vec![format!("person{i}@example{}.com", i % 997)]
            } else {
                Vec::new()
            },
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
    (uuids, batch)
}
