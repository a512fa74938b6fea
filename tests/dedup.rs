//! Duplicate suggestions over a stored graph: the normalisers and the linker
//! together, with explanations.

mod common;
use common::*;
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, DuplicateKind, DuplicateOptions, MemoryBackend};
use wig_graph::ErrorCode;

fn people() -> Vec<PersonInput> {
    let p = |names: &[&str], emails: &[&str], phones: &[&str]| PersonInput {
        names: names.iter().map(|s| s.to_string()).collect(),
        emails: emails.iter().map(|s| s.to_string()).collect(),
        phones: phones.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    vec![
        p(
            &["Robert Smith"],
            &["robert.smith@gmail.com"],
            &["+1 415 555 0100"],
        ),
        p(
            &["Bob Smith"],
            &["RobertSmith+crm@googlemail.com"],
            &["(415) 555-0100"],
        ),
        p(&["Elizabeth Taylor"], &["liz@taylor.example"], &[]),
        p(&["Liz Taylor"], &["liz@taylor.example"], &[]),
        p(
            &["José García"],
            &["jgarcia@acme.example"],
            &["+34 612 345 678"],
        ),
        p(
            &["Jose Garcia"],
            &["jose.garcia@other.example"],
            &["0034 612 345 678"],
        ),
        p(&["Ada Lovelace"], &["ada@analytical.example"], &[]),
        p(&["Grace Hopper"], &["grace@navy.example"], &[]),
        p(&["Alan Turing"], &["alan@bletchley.example"], &[]),
        p(&["Alan Turner"], &["aturner@elsewhere.example"], &[]),
    ]
}

/// Suggestions at `threshold`, everything else the defaults.
fn suggest_at(
    db: &Db<MemoryBackend>,
    threshold: f64,
) -> wig_graph::error::Result<wig_graph::store::DuplicateReport> {
    db.suggest_duplicates(
        &DuplicateOptions {
            threshold,
            ..Default::default()
        },
        &mut |_, _| true,
    )
}

fn name_of(db: &wig_graph::store::Db<wig_graph::store::MemoryBackend>, id: Uuid) -> String {
    db.person(id).unwrap().names[0].clone()
}

#[test]
fn suggests_nicknames_gmail_aliases_and_diacritics_with_explanations() {
    let mut db = open();
    block_on(db.upsert_people(people(), &ctx())).unwrap();
    let report = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap();
    let mut found: Vec<(String, String)> = report
        .suggestions
        .iter()
        .map(|s| {
            let (a, b) = (name_of(&db, s.a), name_of(&db, s.b));
            if a < b {
                (a, b)
            } else {
                (b, a)
            }
        })
        .collect();
    found.sort();
    assert!(
        found.contains(&("Bob Smith".into(), "Robert Smith".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("Elizabeth Taylor".into(), "Liz Taylor".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("Jose Garcia".into(), "José García".into())),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(a, b)| a.starts_with("Alan") && b.starts_with("Alan")),
        "different people are not suggested: {found:?}"
    );
    for s in &report.suggestions {
        assert!(s.probability >= 0.9);
        let total: f64 = s.prior_weight + s.fields.iter().map(|f| f.weight).sum::<f64>();
        assert!(
            (total - s.match_weight).abs() < 1e-9,
            "the waterfall adds up"
        );
        assert_eq!(s.fields.len(), 4, "every field explained");
    }
    assert!(!report.trained, "ten records: default weights, no EM");
}

/// A person holds several emails and phones (every merge adds some): one
/// shared value is an exact match, and the explanation names it.
#[test]
fn one_shared_email_or_phone_of_several_is_an_exact_match() {
    let mut db = open();
    let mut all = people();
    let p = |name: &str, emails: &[&str], phones: &[&str]| PersonInput {
        names: vec![name.to_string()],
        emails: emails.iter().map(|s| s.to_string()).collect(),
        phones: phones.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    all.extend([
        p("Ada Byron", &["zeta@acme.example", "ada.b@gmail.com"], &[]),
        p("Ada Byron", &["zeta@acme.example"], &[]),
        p(
            "Grace Brewster",
            &[],
            &["+1 212 555 0199", "+1 415 555 0177"],
        ),
        p("Grace Brewster", &[], &["(212) 555-0199"]),
    ]);
    let stored = block_on(db.upsert_people(all, &ctx())).unwrap();
    let report = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap();
    let find = |x: Uuid, y: Uuid| {
        report
            .suggestions
            .iter()
            .find(|s| (s.a, s.b) == (x, y) || (s.a, s.b) == (y, x))
            .unwrap_or_else(|| panic!("{:#?}", report.suggestions))
    };
    let n = stored.len();
    let ada = find(stored[n - 4].id, stored[n - 3].id);
    let email = ada.fields.iter().find(|f| f.field == "email").unwrap();
    assert_eq!(email.level, "exact");
    assert_eq!(email.value_a.as_deref(), Some("zeta@acme.example"));
    assert_eq!(email.value_b.as_deref(), Some("zeta@acme.example"));
    let grace = find(stored[n - 2].id, stored[n - 1].id);
    let phone = grace.fields.iter().find(|f| f.field == "phone").unwrap();
    assert_eq!(phone.level, "exact", "{grace:#?}");
    assert_eq!(phone.value_a, phone.value_b);
    assert_eq!(phone.value_a.as_deref(), Some("+12125550199"));
}

#[test]
fn deleted_people_are_not_suggested_and_cancel_is_typed() {
    let mut db = open();
    let stored = block_on(db.upsert_people(people(), &ctx())).unwrap();
    block_on(db.delete(EntityKind::Person, stored[1].id, &ctx())).unwrap();
    let report = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap();
    assert!(report
        .suggestions
        .iter()
        .all(|s| s.a != stored[1].id && s.b != stored[1].id));
    assert_eq!(report.records, 9);
    let e = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| false)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    let e = suggest_at(&db, 1.5).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("threshold"));
}

#[test]
fn organizations_by_name_and_domain() {
    let mut db = open();
    let orgs = block_on(db.upsert_organizations(
        vec![
            OrganizationInput {
                name: Some("Acme Inc.".into()),
                domain: Some("acme.com".into()),
                ..Default::default()
            },
            OrganizationInput {
                name: Some("ACME Incorporated".into()),
                domain: Some("https://www.acme.com".into()),
                ..Default::default()
            },
            OrganizationInput {
                name: Some("Globex GmbH".into()),
                domain: Some("globex.de".into()),
                ..Default::default()
            },
        ],
        &ctx(),
    ))
    .unwrap();
    let report = db
        .suggest_duplicates(
            &DuplicateOptions {
                kind: DuplicateKind::Organizations,
                ..Default::default()
            },
            &mut |_, _| true,
        )
        .unwrap();
    assert_eq!(report.suggestions.len(), 1, "{:?}", report.suggestions);
    let s = &report.suggestions[0];
    let pair = if s.a < s.b { (s.a, s.b) } else { (s.b, s.a) };
    let want = if orgs[0].id < orgs[1].id {
        (orgs[0].id, orgs[1].id)
    } else {
        (orgs[1].id, orgs[0].id)
    };
    assert_eq!(pair, want);
}

#[test]
fn incremental_matching_follows_writes() {
    let mut db = open();
    let stored = block_on(db.upsert_people(people(), &ctx())).unwrap();
    let probe = |name: &str, email: &str| Person {
        id: Uuid::new_v4(),
        names: vec![name.into()],
        emails: vec![email.into()],
        phones: vec![],
        social_handles: Default::default(),
        title: None,
        organization_id: None,
        addresses: vec![],
        birth_date: None,
        merge_explanation: None,
        previous_ids: vec![],
        merged_into: None,
        metadata: Default::default(),
        created_at: Timestamp::from_millis(T0),
        updated_at: Timestamp::from_millis(T0),
        deleted_at: None,
        sync_version: 0,
    };
    let found = db
        .match_person(
            &probe("Bobby Smith", "robert.smith@gmail.com"),
            5,
            "US",
            &mut |_, _| true,
        )
        .unwrap();
    let best = &found[0];
    assert!(
        best.is_match && [stored[0].id, stored[1].id].contains(&best.id),
        "{found:?}"
    );
    let total: f64 = best.prior_weight + best.fields.iter().map(|f| f.weight).sum::<f64>();
    assert!((total - best.match_weight).abs() < 1e-9);

    // A person added after the index was built is found; a deleted one is not.
    let ada2 = block_on(db.upsert_person(
        PersonInput {
            names: vec!["Ada King".into()],
            emails: vec!["countess@lovelace.example".into()],
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    let found = db
        .match_person(
            &probe("Ada King", "countess@lovelace.example"),
            5,
            "US",
            &mut |_, _| true,
        )
        .unwrap();
    assert_eq!(found.first().map(|c| c.id), Some(ada2.id));
    block_on(db.delete(EntityKind::Person, ada2.id, &ctx())).unwrap();
    let found = db
        .match_person(
            &probe("Ada King", "countess@lovelace.example"),
            5,
            "US",
            &mut |_, _| true,
        )
        .unwrap();
    assert!(found.iter().all(|c| c.id != ada2.id));
    // A stored person is not matched to itself.
    let me = db.person(stored[6].id).unwrap().clone();
    assert!(db
        .match_person(&me, 5, "US", &mut |_, _| true)
        .unwrap()
        .iter()
        .all(|c| c.id != me.id));
}

/// The incremental index holds the stored graph, not its history: forty
/// edits of one person leave her scores as they were (old versions used to
/// pile up in the term frequencies and blocks until she could not be found),
/// and another phone region is honoured.
#[test]
fn matching_depends_on_the_stored_graph_not_its_edits() {
    let mut db = open();
    let stored = block_on(db.upsert_people(people(), &ctx())).unwrap();
    let mut query = db.person(stored[6].id).unwrap().clone();
    query.id = Uuid::new_v4();
    query.emails.clear();
    query.phones = vec!["+44 20 7946 0958".into()];
    let probe = |db: &Db<MemoryBackend>, region: &str| {
        db.match_person(&query, 5, region, &mut |_, _| true)
            .unwrap()
            .into_iter()
            .find(|c| c.id == stored[6].id)
    };
    let before = probe(&db, "US").expect("found by name");
    let ada = |phones: &[&str], title: String| PersonInput {
        id: Some(stored[6].id.to_string()),
        names: vec!["Ada Lovelace".into()],
        emails: vec!["ada@analytical.example".into()],
        phones: phones.iter().map(|s| s.to_string()).collect(),
        title: Some(title),
        ..Default::default()
    };
    for i in 0..40 {
        block_on(db.upsert_person(ada(&[], format!("Title {i}")), &ctx())).unwrap();
    }
    let after = probe(&db, "US").expect("still found by name");
    assert_eq!(after.probability, before.probability);
    assert_eq!(after.match_weight, before.match_weight);

    // Her London number written without the country code: only a GB
    // index reads it as the query's number.
    block_on(db.upsert_person(ada(&["020 7946 0958"], "Title".into()), &ctx())).unwrap();
    let phone = |c: &wig_graph::store::MatchCandidate| {
        c.fields
            .iter()
            .find(|f| f.field == "phone")
            .unwrap()
            .level
            .clone()
    };
    assert_eq!(phone(&probe(&db, "US").unwrap()), "missing");
    assert_eq!(phone(&probe(&db, "GB").unwrap()), "exact");
    let e = db
        .match_person(&query, 5, "XX", &mut |_, _| true)
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidInput, Some("defaultRegion"))
    );
}

/// findDuplicates and matchPerson score a pair alike (one prior, one
/// threshold), and an exact name never weighs less than a near one, however
/// small the graph (its values' frequencies are then large).
#[test]
fn both_matchers_agree_and_exact_beats_near() {
    let mut db = open();
    block_on(db.upsert_people(people(), &ctx())).unwrap();
    let report = suggest_at(&db, 0.0).unwrap();
    for s in report.suggestions.iter().take(5) {
        let a = db.person(s.a).unwrap().clone();
        let found = db.match_person(&a, 10, "US", &mut |_, _| true).unwrap();
        let c = found.iter().find(|c| c.id == s.b).expect("found by both");
        assert!(
            (c.probability - s.probability).abs() < 1e-9,
            "{c:?} vs {s:?}"
        );
        assert_eq!(c.is_match, s.probability >= 0.9);
    }
    // Two people only: an exact name is still evidence for a match.
    let mut two = open();
    let p = |name: &str, email: &str| PersonInput {
        names: vec![name.into()],
        emails: vec![email.into()],
        ..Default::default()
    };
    block_on(two.upsert_people(
        vec![
            p("John Smith", "a@x.example"),
            p("Smith, John", "b@y.example"),
        ],
        &ctx(),
    ))
    .unwrap();
    let r = suggest_at(&two, 0.0).unwrap();
    let name = r.suggestions[0]
        .fields
        .iter()
        .find(|f| f.field == "name")
        .unwrap();
    assert!(name.weight > 0.0, "{name:?}");
}

#[test]
fn rejected_pairs_are_never_suggested_again() {
    let mut db = open();
    block_on(db.upsert_people(people(), &ctx())).unwrap();
    let before = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap();
    let first = before.suggestions[0].clone();
    block_on(db.reject_match(first.a, first.b, &ctx())).unwrap();
    let after = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap();
    assert_eq!(after.suggestions.len(), before.suggestions.len() - 1);
    assert!(after
        .suggestions
        .iter()
        .all(|s| !((s.a == first.a && s.b == first.b) || (s.a == first.b && s.b == first.a))));
    // Accepting a suggestion merges: the pair is gone from the next run.
    let next = after.suggestions[0].clone();
    block_on(db.merge_people(
        next.a,
        &[next.b],
        serde_json::json!({ "probability": next.probability }),
        &ctx(),
    ))
    .unwrap();
    let merged = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap();
    assert_eq!(merged.suggestions.len(), after.suggestions.len() - 1);
    assert!(
        db.match_person(db.person(next.a).unwrap(), 5, "US", &mut |_, _| true)
            .unwrap()
            .iter()
            .all(|c| c.id != next.b),
        "a merged-away person is not a candidate"
    );
}

/// The threshold is a probability in [0, 1], ends included: 0 suggests
/// every pair clustering keeps together, 1 only certain ones.
#[test]
fn thresholds_at_both_ends_of_the_unit_interval_are_answered() {
    let mut db = open();
    block_on(db.upsert_people(people(), &ctx())).unwrap();
    organizations(&mut db, &["Acme Inc", "ACME", "Globex"]);
    let default = db
        .suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true)
        .unwrap()
        .suggestions
        .len();
    for kind in [DuplicateKind::People, DuplicateKind::Organizations] {
        let at = |db: &Db<MemoryBackend>, threshold: f64| {
            db.suggest_duplicates(
                &DuplicateOptions {
                    threshold,
                    kind,
                    ..Default::default()
                },
                &mut |_, _| true,
            )
            .unwrap()
            .suggestions
        };
        let all = at(&db, 0.0);
        let certain = at(&db, 1.0);
        assert!(certain.iter().all(|s| s.probability >= 1.0));
        assert!(all.len() >= certain.len());
        if kind == DuplicateKind::People {
            assert!(all.len() >= default, "{} < {default}", all.len());
        }
    }
}

/// A pair weighs the same whichever record the linker takes first. A
/// name's frequency is that of the more common of the two records' values:
/// "Dev Patel" alone is held by three people, "Dev Patel, Carol Patel" by
/// one, and the pair of the two used to score by whichever came first (so
/// a suggestion could change after reopening the graph). matchPerson
/// scores the pairs alike.
#[test]
fn a_pair_weighs_the_same_whichever_record_comes_first() {
    let mut db = open();
    let id = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    let mut people: Vec<PersonInput> = [
        (vec!["Dev Patel", "Carol Patel"], "alpha@one.example"),
        (vec!["Dev Patel"], "bravo@two.example"),
        (vec!["Dev Patel"], "charlie@three.example"),
        (vec!["Dev Patel"], "delta@four.example"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (names, email))| PersonInput {
        id: Some(id(i as u32 + 1)),
        names: names.into_iter().map(str::to_string).collect(),
        emails: vec![email.to_string()],
        ..Default::default()
    })
    .collect();
    // Others, so that the name's frequency matters (in a tiny graph every
    // name is frequent and exact agreement sits at its floor).
    people.extend((0..60).map(|i| PersonInput {
        id: Some(id(100 + i)),
        names: vec![format!("Person{i} Filler{}", i * 7)],
        emails: vec![format!("f{i}@w{i}.example")],
        ..Default::default()
    }));
    block_on(db.upsert_people(people, &ctx())).unwrap();
    // Each of the four looked up: every pair both ways.
    let mut scored = Vec::new();
    for a in 1..=4u32 {
        let query = db.person(id(a).parse().unwrap()).unwrap().clone();
        for c in db.match_person(&query, 10, "US", &mut |_, _| true).unwrap() {
            if c.id.to_string() < id(5) {
                scored.push((a, c.id.to_string(), c.probability));
            }
        }
    }
    assert_eq!(scored.len(), 12, "{scored:?}");
    assert!(
        scored.iter().all(|(_, _, p)| *p == scored[0].2),
        "every pair agrees on the name alone, so each weighs the same both ways: {scored:?}"
    );
    // findDuplicates gives the pairs it suggests the same score.
    let report = suggest_at(&db, 0.001).unwrap();
    let patels: Vec<f64> = report
        .suggestions
        .iter()
        .filter(|s| s.a.to_string() < id(5) && s.b.to_string() < id(5))
        .map(|s| s.probability)
        .collect();
    assert!(!patels.is_empty());
    assert!(
        patels.iter().all(|p| *p == scored[0].2),
        "{patels:?} {scored:?}"
    );
}

/// With the default weights (a small graph), matchPerson's prior follows
/// the people stored now: an index built before twenty more people came
/// scores as one built after them (it kept the first count, so a score
/// changed when the graph was opened again).
#[test]
fn the_prior_follows_the_people_stored_since_the_index_was_built() {
    let more: Vec<PersonInput> = (0..20)
        .map(|i| PersonInput {
            id: Some(format!("00000000-0000-4000-8000-{:012}", 500 + i)),
            names: vec![format!("Later{i} Person")],
            emails: vec![format!("later{i}@x{i}.example")],
            ..Default::default()
        })
        .collect();
    let with_ids: Vec<PersonInput> = people()
        .into_iter()
        .enumerate()
        .map(|(i, p)| PersonInput {
            id: Some(format!("00000000-0000-4000-8000-{:012}", i + 1)),
            ..p
        })
        .collect();
    let probe = |db: &Db<MemoryBackend>| {
        let bob = db
            .person("00000000-0000-4000-8000-000000000002".parse().unwrap())
            .unwrap()
            .clone();
        db.match_person(&bob, 5, "US", &mut |_, _| true)
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.probability))
            .collect::<Vec<_>>()
    };
    let mut grown = open();
    block_on(grown.upsert_people(with_ids.clone(), &ctx())).unwrap();
    let early = probe(&grown);
    block_on(grown.upsert_people(more.clone(), &ctx())).unwrap();
    let mut fresh = open();
    block_on(fresh.upsert_people(with_ids.into_iter().chain(more).collect(), &ctx())).unwrap();
    assert_eq!(probe(&grown), probe(&fresh));
    assert!(
        probe(&grown)[0].1 < early[0].1,
        "more people, a lower prior: {early:?} {:?}",
        probe(&grown)
    );
}

/// Found by an adversarial review: 30 copies of one contact gave 435
/// suggestions, 31 none (every block over 30 records was skipped, the
/// exact email and phone too). The same email or phone with the same full
/// name keeps blocks of up to 1,000; an email shared by many different
/// names (`info@`) is still no block, and the report counts what it
/// skipped.
#[test]
fn many_copies_of_one_contact_are_all_found() {
    for copies in [30usize, 31, 120] {
        let mut db = open();
        let stored = people_ids(
            &mut db,
            (0..copies)
                .map(|_| PersonInput {
                    phones: vec!["+44 20 7946 0000".into()],
                    ..person("Ada Lovelace", "ada@lovelace.example")
                })
                .collect(),
        );
        let r = db
            .suggest_duplicates(
                &DuplicateOptions {
                    limit: 10_000,
                    ..Default::default()
                },
                &mut |_, _| true,
            )
            .unwrap();
        assert_eq!(r.suggestions.len(), copies * (copies - 1) / 2, "{copies}");
        // Email, phone, full name and each of its two tokens.
        assert_eq!(r.skipped_blocks, u64::from(copies > 30) * 5, "{copies}");
        let probe = Person {
            id: Uuid::new_v4(),
            ..db.person(stored[0]).unwrap().clone()
        };
        let found = db
            .match_person(&probe, 200, "US", &mut |_, _| true)
            .unwrap();
        assert_eq!(found.len(), copies, "{copies}: matchPerson");
    }
    // 40 different people behind one front-desk address: not one person.
    let mut db = open();
    people_ids(
        &mut db,
        (0..40)
            .map(|i| person(&format!("Given{i} Family{i}"), "info@acme.example"))
            .collect(),
    );
    let r = suggest_at(&db, 0.5).unwrap();
    assert_eq!(r.candidate_pairs, 0, "{r:?}");
}

/// A nickname is spelled out with the full names it most likely stands
/// for: Bob Smith reads as Robert Smith (the alphabetical first two of its
/// group, Bert and Bobby, had cut Robert, so the pair matched only as a
/// fuzzy name), Dick as Richard, Tony as Anthony.
#[test]
fn nicknames_read_as_their_likely_full_names() {
    let mut db = open();
    let stored = block_on(
        db.upsert_people(
            [
                "Robert Smith",
                "Richard Roe",
                "Anthony Hopkins",
                "Katherine Hale",
                "Christopher Wren",
                "Frederick Douglass",
            ]
            .iter()
            .map(|n| PersonInput {
                names: vec![n.to_string()],
                ..Default::default()
            })
            .collect(),
            &ctx(),
        ),
    )
    .unwrap();
    for (query, full) in [
        ("Bob Smith", 0),
        ("Dick Roe", 1),
        ("Tony Hopkins", 2),
        ("Kate Hale", 3),
        ("Chris Wren", 4),
        ("Fred Douglass", 5),
    ] {
        let person = Person {
            names: vec![query.into()],
            ..db.person(stored[full].id).unwrap().clone()
        };
        let person = Person {
            id: Uuid::new_v4(),
            ..person
        };
        let found = db.match_person(&person, 5, "US", &mut |_, _| true).unwrap();
        let top = found.first().unwrap_or_else(|| panic!("{query}: nothing"));
        assert_eq!(top.id, stored[full].id, "{query}");
        let name = top.fields.iter().find(|f| f.field == "name").unwrap();
        assert_eq!(name.level, "exact", "{query}: {name:?}");
    }
}

/// A common full name is not spelled out as a rarer name the nickname data
/// lists it under (William as a nickname of Wilma, John of Ivan, Mary of
/// Marilyn), nor are two given names of today the data ties by an old or
/// rare usage (Peter as a nickname of Patrick, Bill of Robert, Annie of
/// Stephanie): such pairs are different people, not an exact name match.
#[test]
fn common_full_names_are_not_read_as_other_names() {
    for (stored, query) in [
        ("Wilma Smith", "William Smith"),
        ("Ivan Park", "John Park"),
        ("Marilyn Jones", "Mary Jones"),
        ("Alexandra Diaz", "Sandra Diaz"),
        ("Patrick Byrne", "Peter Byrne"),
        ("Floyd Mayer", "Lloyd Mayer"),
        ("Jonathan Reyes", "Nathan Reyes"),
        ("Robert Klein", "Bill Klein"),
        ("Stephanie Moss", "Annie Moss"),
    ] {
        let mut db = open();
        let kept = block_on(db.upsert_people(
            vec![PersonInput {
                names: vec![stored.into()],
                ..Default::default()
            }],
            &ctx(),
        ))
        .unwrap();
        let person = Person {
            id: Uuid::new_v4(),
            names: vec![query.into()],
            ..db.person(kept[0].id).unwrap().clone()
        };
        let found = db.match_person(&person, 5, "US", &mut |_, _| true).unwrap();
        for candidate in &found {
            let name = candidate.fields.iter().find(|f| f.field == "name").unwrap();
            assert_ne!(name.level, "exact", "{query} read as {stored}: {name:?}");
        }
    }
}
