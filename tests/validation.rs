//! Every validation rule of the model: each bad input is refused with the
//! right code and the field it concerns.

mod common;
use common::*;
use wig_graph::model::*;
use wig_graph::store::block_on;
use wig_graph::{Error, ErrorCode};

fn refuse_person(input: PersonInput) -> Error {
    let mut db = open();
    block_on(db.upsert_person(input, &ctx())).expect_err("should be refused")
}

fn assert_err(e: &Error, code: ErrorCode, field: &str) {
    assert_eq!(e.code, code, "{e}");
    assert_eq!(e.field.as_deref(), Some(field), "{e}");
    assert!(!e.reason.is_empty());
}

#[test]
fn malformed_emails_are_refused_with_their_index() {
    for bad in [
        "plainaddress",
        "@example.org",
        "ada@",
        "ada@example",
        "ada@@example.org",
        "ada @example.org",
        "a..b@example.org",
        ".a@example.org",
        "ada@-example.org",
        "ada@example.123",
        "ada@exa_mple.org",
    ] {
        let e = refuse_person(PersonInput {
            emails: vec!["ok@example.org".into(), bad.into()],
            ..Default::default()
        });
        assert_err(&e, ErrorCode::InvalidEmail, "emails[1]");
    }
    let long = format!("{}@example.org", "a".repeat(300));
    assert_err(
        &refuse_person(PersonInput {
            emails: vec![long],
            ..Default::default()
        }),
        ErrorCode::TooLarge,
        "emails[0]",
    );
}

#[test]
fn good_emails_are_stored_lower_case_and_deduplicated() {
    let mut db = open();
    let p = block_on(db.upsert_person(
        PersonInput {
            emails: vec![
                " Ada@Example.ORG ".into(),
                "ada@example.org".into(),
                "jörg@bücher.de".into(),
                "o'brien+x@sub.example.co.uk".into(),
            ],
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    assert_eq!(
        p.emails,
        vec![
            "ada@example.org",
            "jörg@bücher.de",
            "o'brien+x@sub.example.co.uk"
        ]
    );
}

#[test]
fn ids_must_be_uuids() {
    for bad in [
        "",
        "123",
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "g1234567-89ab-cdef-0123-456789abcdef",
    ] {
        let e = refuse_person(PersonInput {
            id: Some(bad.into()),
            names: vec!["Ada".into()],
            ..Default::default()
        });
        assert_err(&e, ErrorCode::InvalidId, "id");
    }
    let mut db = open();
    let id = "6f1c1a52-3b0e-4a5e-9c59-3f0c7f3f2a10";
    let p = block_on(db.upsert_person(
        PersonInput {
            id: Some(id.to_uppercase()),
            names: vec!["Ada".into()],
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    assert_eq!(p.id.to_string(), id);
}

#[test]
fn a_person_needs_a_name_email_or_phone() {
    assert_err(
        &refuse_person(PersonInput::default()),
        ErrorCode::Required,
        "names",
    );
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["   ".into()],
            ..Default::default()
        }),
        ErrorCode::Required,
        "names",
    );
    // A name that shows nothing is no name either: zero-width spaces, bare
    // accents, a bidi override (they made invisible people in a list).
    for invisible in [
        "\u{200B}",
        "\u{0301}\u{0302}",
        "\u{202E}",
        " \u{FEFF}\u{200D} ",
        "\u{2800}",
    ] {
        assert_err(
            &refuse_person(PersonInput {
                names: vec![invisible.into()],
                ..Default::default()
            }),
            ErrorCode::Required,
            "names",
        );
    }
    // Beside a real name it is dropped; an emoji or a CJK name shows.
    let mut db = open();
    let p = block_on(db.upsert_person(
        PersonInput {
            names: vec!["\u{200B}".into(), "Ada".into(), "😀".into(), "李".into()],
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    assert_eq!(p.names, ["Ada", "😀", "李"]);
    let e = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("\u{200B}\u{200C}".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .expect_err("an organization needs a name that shows");
    assert_err(&e, ErrorCode::Required, "name");
}

#[test]
fn oversized_strings_and_arrays_are_refused() {
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["x".repeat(501)],
            ..Default::default()
        }),
        ErrorCode::TooLarge,
        "names[0]",
    );
    assert_err(
        &refuse_person(PersonInput {
            names: (0..51).map(|i| format!("n{i}")).collect(),
            ..Default::default()
        }),
        ErrorCode::TooLarge,
        "names",
    );
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["A".into()],
            title: Some("t".repeat(10_000)),
            ..Default::default()
        }),
        ErrorCode::TooLarge,
        "title",
    );
    let big = serde_json::json!({ "blob": "x".repeat(70_000) });
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["A".into()],
            metadata: Some(big),
            ..Default::default()
        }),
        ErrorCode::TooLarge,
        "metadata",
    );
    let mut handles = std::collections::BTreeMap::new();
    for i in 0..21 {
        handles.insert(format!("net{i}"), "h".to_string());
    }
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["A".into()],
            social_handles: handles,
            ..Default::default()
        }),
        ErrorCode::TooLarge,
        "socialHandles",
    );
}

#[test]
fn control_characters_metadata_shape_phones_and_dates() {
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["Ada\u{0}".into()],
            ..Default::default()
        }),
        ErrorCode::InvalidInput,
        "names[0]",
    );
    assert_err(
        &refuse_person(PersonInput {
            names: vec!["A".into()],
            metadata: Some(serde_json::json!([1, 2])),
            ..Default::default()
        }),
        ErrorCode::InvalidJson,
        "metadata",
    );
    for bad in ["12", "call me", "+1 (555) 12+34", "555-CALL-NOW"] {
        assert_err(
            &refuse_person(PersonInput {
                phones: vec![bad.into()],
                ..Default::default()
            }),
            ErrorCode::InvalidPhone,
            "phones[0]",
        );
    }
    for bad in ["1990-02-30", "1990/01/01", "tomorrow"] {
        assert_err(
            &refuse_person(PersonInput {
                names: vec!["A".into()],
                birth_date: Some(bad.into()),
                ..Default::default()
            }),
            ErrorCode::InvalidDate,
            "birthDate",
        );
    }
    let mut handles = std::collections::BTreeMap::new();
    handles.insert("linked in".to_string(), "ada".to_string());
    assert_eq!(
        refuse_person(PersonInput {
            names: vec!["A".into()],
            social_handles: handles,
            ..Default::default()
        })
        .code,
        ErrorCode::InvalidInput
    );
    let mut db = open();
    let p = block_on(db.upsert_person(
        PersonInput {
            phones: vec!["+1 (415) 555-0100 ext. 12".into(), "020 7946 0018".into()],
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    assert_eq!(p.phones.len(), 2);
}

#[test]
fn organization_reference_and_domain() {
    let mut db = open();
    let missing = Uuid::new_v4();
    let e = block_on(db.upsert_person(
        PersonInput {
            names: vec!["A".into()],
            organization_id: Some(missing.to_string()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::MissingReference, "organizationId");
    let e = block_on(db.upsert_organization(
        OrganizationInput {
            name: None,
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::Required, "name");
    let e = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Acme".into()),
            domain: Some("not a domain".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidInput, "domain");
    let o = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Acme".into()),
            domain: Some("https://www.Acme.com/about".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    assert_eq!(o.domain.as_deref(), Some("acme.com"));
}

#[test]
fn strength_must_be_a_number_in_unit_interval() {
    let (mut db, a, b) = seeded();
    for bad in [f64::NAN, f64::INFINITY, -0.01, 1.01, 1e308, -1e-300] {
        let e = block_on(db.upsert_edge(
            EdgeInput {
                strength: Some(JsNumber(bad)),
                ..edge(a, b)
            },
            &ctx(),
        ))
        .unwrap_err();
        assert_err(&e, ErrorCode::InvalidStrength, "strength");
        // Numbers are written as JS writes them, not as 300 digits.
        assert!(e.reason.len() < 80, "{}", e.reason);
    }
    assert_eq!(JsNumber(1e308).to_string(), "1e+308");
    assert_eq!(JsNumber(-1e-300).to_string(), "-1e-300");
    assert_eq!(JsNumber(1.5e-7).to_string(), "1.5e-7");
    assert_eq!(JsNumber(0.25).to_string(), "0.25");
    assert_eq!(JsNumber(4294967297.0).to_string(), "4294967297");
    let e = block_on(db.upsert_edge(
        EdgeInput {
            strength_factors: vec![StrengthFactorInput {
                name: "recency".into(),
                value: JsNumber(f64::NAN),
                contribution: JsNumber(0.1),
            }],
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidStrength, "strengthFactors[0]");
}

/// A factor's name cannot be a control character: the stored form uses
/// U+0001..U+0008 as the codes of the engine's names
/// (`model::factor_name_code`), so a caller's name must never be one.
#[test]
fn a_factor_name_cannot_be_a_stored_name_code() {
    let (mut db, a, b) = seeded();
    for code in 0..8 {
        let e = block_on(db.upsert_edge(
            EdgeInput {
                strength_factors: vec![StrengthFactorInput {
                    name: factor_name_code(code).into(),
                    value: JsNumber(0.5),
                    contribution: JsNumber(0.1),
                }],
                ..edge(a, b)
            },
            &ctx(),
        ))
        .unwrap_err();
        assert_err(&e, ErrorCode::InvalidInput, "strengthFactors[0].name");
    }
}

#[test]
fn unknown_enum_values_are_refused() {
    let (mut db, a, b) = seeded();
    let e = block_on(db.upsert_edge(
        EdgeInput {
            relationship_type: Some("frenemy".into()),
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidEnum, "relationshipType");
    assert!(e.reason.contains("knows"), "lists the allowed values: {e}");
    let e = block_on(db.upsert_edge(
        EdgeInput {
            channels: vec!["email".into(), "pigeon".into()],
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidEnum, "channels[1]");
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            channel: Some("fax".into()),
            ..interaction("m1", &["ada@example.org", "bob@example.org"])
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidEnum, "channel");
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            direction: Some("sideways".into()),
            ..interaction("m1", &["ada@example.org", "bob@example.org"])
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidEnum, "direction");
}

#[test]
fn edges_must_name_existing_distinct_people() {
    let (mut db, a, _b) = seeded();
    let ghost = Uuid::new_v4();
    assert_err(
        &block_on(db.upsert_edge(edge(a, ghost), &ctx())).unwrap_err(),
        ErrorCode::MissingReference,
        "toPersonId",
    );
    assert_err(
        &block_on(db.upsert_edge(edge(ghost, a), &ctx())).unwrap_err(),
        ErrorCode::MissingReference,
        "fromPersonId",
    );
    assert_err(
        &block_on(db.upsert_edge(edge(a, a), &ctx())).unwrap_err(),
        ErrorCode::SelfEdge,
        "toPersonId",
    );
    let e = block_on(db.upsert_edge(
        EdgeInput {
            to_person_id: None,
            ..edge(a, a)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::Required, "toPersonId");
}

#[test]
fn one_edge_per_pair() {
    let (mut db, a, b) = seeded();
    // Without an id, the pair's edge is updated (in either direction).
    let e = block_on(db.upsert_edge(
        EdgeInput {
            strength: Some(JsNumber(0.9)),
            ..edge(b, a)
        },
        &ctx(),
    ))
    .unwrap();
    assert_eq!(db.state().edges.len(), 1);
    assert_eq!(e.strength, 0.9);
    // A different id for the same pair is a duplicate.
    let dup = block_on(db.upsert_edge(
        EdgeInput {
            id: Some(Uuid::new_v4().to_string()),
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&dup, ErrorCode::DuplicateEdge, "toPersonId");
    // The same pair twice in one call is a duplicate too.
    let dup = block_on(db.upsert_edges(vec![edge(a, b), edge(b, a)], &ctx())).unwrap_err();
    assert_eq!(dup.code, ErrorCode::DuplicateEdge);
}

#[test]
fn edge_timestamps_and_counts() {
    let (mut db, a, b) = seeded();
    let e = block_on(db.upsert_edge(
        EdgeInput {
            first_seen_at: Some(TimeInput::Text("2024-02-01T00:00:00Z".into())),
            last_seen_at: Some(TimeInput::Text("2024-01-01T00:00:00Z".into())),
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidTimestamp, "lastSeenAt");
    let e = block_on(db.upsert_edge(
        EdgeInput {
            first_seen_at: Some(TimeInput::Text("last tuesday".into())),
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidTimestamp, "firstSeenAt");
    let e = block_on(db.upsert_edge(
        EdgeInput {
            interaction_count: Some(JsNumber(1.5)),
            ..edge(a, b)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidInput, "interactionCount");
}

#[test]
fn interaction_rules() {
    let (mut db, a, _b) = seeded();
    let ok = ["ada@example.org", "carol@example.org"];
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            source_name: None,
            ..interaction("m1", &ok)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::Required, "sourceName");
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            timestamp: None,
            ..interaction("m1", &ok)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::Required, "timestamp");
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            timestamp: Some(TimeInput::Millis(f64::NAN)),
            ..interaction("m1", &ok)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidTimestamp, "timestamp");
    // Well-formed but out of range: the reason says which.
    for (text, says) in [
        ("0001-01-01T00:00:00Z", "between years 1000 and 9999"),
        ("yesterday", "not an RFC 3339 timestamp"),
        ("0001-xx", "not an RFC 3339 timestamp"),
    ] {
        let e = block_on(db.upsert_interaction(
            InteractionInput {
                timestamp: Some(TimeInput::Text(text.into())),
                ..interaction("m1", &ok)
            },
            &ctx(),
        ))
        .unwrap_err();
        assert_err(&e, ErrorCode::InvalidTimestamp, "timestamp");
        assert!(e.reason.contains(says), "{}", e.reason);
    }
    let e = block_on(db.upsert_interaction(interaction("m1", &["ada@example.org"]), &ctx()))
        .unwrap_err();
    assert_err(&e, ErrorCode::Required, "participants");
    let ghost = Uuid::new_v4().to_string();
    let e =
        block_on(db.upsert_interaction(interaction("m1", &["ada@example.org", &ghost]), &ctx()))
            .unwrap_err();
    assert_err(&e, ErrorCode::MissingReference, "participants[1]");
    let e =
        block_on(db.upsert_interaction(interaction("m1", &["ada@example.org", "nobody"]), &ctx()))
            .unwrap_err();
    assert_err(&e, ErrorCode::InvalidInput, "participants[1]");
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            sender: Some("zed@example.org".into()),
            ..interaction("m1", &ok)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidInput, "sender");
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            duration_minutes: Some(JsNumber(-5.0)),
            ..interaction("m1", &ok)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidInput, "durationMinutes");
    let many: Vec<String> = (0..1001).map(|i| format!("p{i}@example.org")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let e = block_on(db.upsert_interaction(interaction("m1", &refs), &ctx())).unwrap_err();
    assert_err(&e, ErrorCode::TooLarge, "participants");
    // A person id is a valid participant.
    let i = block_on(db.upsert_interaction(
        interaction("m1", &[&a.to_string(), "carol@example.org"]),
        &ctx(),
    ))
    .unwrap();
    assert_eq!(i.participants[0], a.to_string());
}

#[test]
fn duplicate_source_ids_are_refused_or_idempotent() {
    let (mut db, _a, _b) = seeded();
    let ok = ["ada@example.org", "bob@example.org"];
    let first = block_on(db.upsert_interaction(interaction("m1", &ok), &ctx())).unwrap();
    // Re-sending the same source record is idempotent: same id, nothing new written.
    let audit_before = db.state().audit.len();
    let again =
        block_on(db.upsert_interaction(interaction("m1", &ok), &ctx_at(T0 + 1000))).unwrap();
    assert_eq!(again, first);
    assert_eq!(
        db.state().audit.len(),
        audit_before,
        "an unchanged re-import writes nothing"
    );
    // Another id for the same (sourceName, sourceId) is a duplicate.
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            id: Some(Uuid::new_v4().to_string()),
            ..interaction("m1", &ok)
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::DuplicateInteraction, "sourceId");
    // And so is the same key twice in one call.
    let e = block_on(
        db.upsert_interactions(vec![interaction("m2", &ok), interaction("m2", &ok)], &ctx()),
    )
    .unwrap_err();
    assert_err(&e, ErrorCode::DuplicateInteraction, "[1].sourceId");
}

#[test]
fn the_same_id_twice_in_one_call_is_refused() {
    let mut db = open();
    let id = Uuid::new_v4().to_string();
    let e = block_on(db.upsert_people(
        vec![
            PersonInput {
                id: Some(id.clone()),
                ..person("A", "a@example.org")
            },
            PersonInput {
                id: Some(id),
                ..person("B", "b@example.org")
            },
        ],
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::DuplicateId, "[1].id");
}

#[test]
fn unknown_fields_are_refused_by_the_input_types() {
    let e =
        serde_json::from_str::<PersonInput>(r#"{"names":["Ada"],"emial":["x@y.z"]}"#).unwrap_err();
    assert!(e.to_string().contains("emial"), "{e}");
    // Records read back can be written back: system fields are accepted.
    let (db, a, _) = seeded();
    let json = serde_json::to_string(db.person(a).unwrap()).unwrap();
    let input: PersonInput = serde_json::from_str(&json).unwrap();
    assert_eq!(input.names, vec!["Ada Lovelace"]);
}

#[test]
fn every_error_code_has_a_distinct_stable_string() {
    let strings: std::collections::HashSet<&str> =
        ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(strings.len(), ErrorCode::ALL.len());
    assert!(strings
        .iter()
        .all(|s| s.chars().all(|c| c.is_ascii_uppercase() || c == '_')));
}

/// A record read back (through JSON, as the JS API hands it out) as input.
fn written_back<T: serde::Serialize, I: serde::de::DeserializeOwned>(record: &T) -> I {
    serde_json::from_value(serde_json::to_value(record).unwrap()).unwrap()
}

/// A record read from the graph can always be written back, even after a
/// record it refers to was soft-deleted; a new reference to a deleted
/// record is still refused.
#[test]
fn references_a_record_already_holds_survive_their_targets_soft_delete() {
    let (mut db, a, b) = seeded();
    let org = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Acme".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    let member = block_on(db.upsert_person(
        PersonInput {
            names: vec!["M".into()],
            organization_id: Some(org.id.to_string()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    let c = block_on(db.upsert_person(person("C", "c@example.org"), &ctx()))
        .unwrap()
        .id;
    let e = block_on(db.upsert_edge(edge(a, b), &ctx())).unwrap();
    let i = block_on(
        db.upsert_interaction(interaction("m1", &[&a.to_string(), &b.to_string()]), &ctx()),
    )
    .unwrap();
    block_on(db.delete(EntityKind::Organization, org.id, &ctx())).unwrap();
    block_on(db.delete(EntityKind::Person, b, &ctx())).unwrap();

    // Written back unchanged, and with another field changed.
    let mut p: PersonInput = written_back(db.person(member.id).unwrap());
    block_on(db.upsert_person(p.clone(), &ctx())).unwrap();
    p.title = Some("CTO".into());
    let p = block_on(db.upsert_person(p, &ctx())).unwrap();
    assert_eq!(
        (p.title.as_deref(), p.organization_id),
        (Some("CTO"), Some(org.id))
    );
    let mut ei: EdgeInput = written_back(db.edge(e.id).unwrap());
    ei.strength = Some(JsNumber(0.9));
    assert_eq!(block_on(db.upsert_edge(ei, &ctx())).unwrap().strength, 0.9);
    let mut ii: InteractionInput = written_back(db.interaction(i.id).unwrap());
    ii.duration_minutes = Some(JsNumber(15.0));
    block_on(db.upsert_interaction(ii, &ctx())).unwrap();

    // New references to the deleted records are refused.
    let e2 = block_on(db.upsert_person(
        PersonInput {
            names: vec!["N".into()],
            organization_id: Some(org.id.to_string()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e2, ErrorCode::MissingReference, "organizationId");
    let e2 = block_on(db.upsert_edge(edge(c, b), &ctx())).unwrap_err();
    assert_err(&e2, ErrorCode::MissingReference, "toPersonId");
    let mut moved: EdgeInput = written_back(db.edge(e.id).unwrap());
    moved.to_person_id = Some(c.to_string());
    moved.from_person_id = Some(b.to_string());
    let e2 = block_on(db.upsert_edge(moved, &ctx())).unwrap_err();
    assert_err(&e2, ErrorCode::MissingReference, "fromPersonId");
    let e2 = block_on(
        db.upsert_interaction(interaction("m2", &[&a.to_string(), &b.to_string()]), &ctx()),
    )
    .unwrap_err();
    assert_err(&e2, ErrorCode::MissingReference, "participants[1]");
    let mut added: InteractionInput = written_back(db.interaction(i.id).unwrap());
    added.participants = vec![a.to_string(), c.to_string()];
    block_on(db.upsert_interaction(added.clone(), &ctx())).unwrap();
    added.participants = vec![a.to_string(), c.to_string(), b.to_string()];
    let e2 = block_on(db.upsert_interaction(added, &ctx())).unwrap_err();
    assert_err(&e2, ErrorCode::MissingReference, "participants[2]");
}

/// NaN and Infinity arrive from the JS wrapper as a marker string (JSON has
/// no such numbers): in free-form JSON and timestamps they are refused by
/// path, never stored as text or echoed as the marker.
#[test]
fn non_finite_numbers_in_metadata_and_timestamps_are_refused_by_path() {
    let marker = |n: &str| format!("{}{n}", NON_FINITE_PREFIX);
    let e = refuse_person(PersonInput {
        names: vec!["A".into()],
        metadata: Some(serde_json::json!({ "ok": 1, "scores": [0.5, { "x": marker("NaN") }] })),
        ..Default::default()
    });
    assert_err(&e, ErrorCode::InvalidJson, "metadata.scores[1].x");
    assert!(e.reason.starts_with("NaN "), "{e}");
    // What PostgreSQL's jsonb cannot hold is refused here, or the record
    // would be stored and then block every push.
    let e = refuse_person(PersonInput {
        names: vec!["A".into()],
        metadata: Some(serde_json::json!({ "note": "a\u{0}b" })),
        ..Default::default()
    });
    assert_err(&e, ErrorCode::InvalidJson, "metadata.note");
    let e = refuse_person(PersonInput {
        names: vec!["A".into()],
        metadata: Some(serde_json::json!({ "in": { "k\u{0}": 1 } })),
        ..Default::default()
    });
    assert_err(&e, ErrorCode::InvalidJson, "metadata.in");
    let e = refuse_person(PersonInput {
        names: vec!["A".into()],
        metadata: Some(serde_json::json!({ "xs": vec![0; 10_001] })),
        ..Default::default()
    });
    assert_err(&e, ErrorCode::TooLarge, "metadata.xs");
    let (mut db, a, b) = seeded();
    let e = block_on(db.upsert_interaction(
        InteractionInput {
            timestamp: Some(TimeInput::Text(marker("Infinity"))),
            ..interaction("m1", &[&a.to_string(), &b.to_string()])
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_err(&e, ErrorCode::InvalidTimestamp, "timestamp");
    assert!(!e.reason.contains('\u{0}'), "{e}");
    // Echoed as JavaScript writes them, not as Rust does ("inf").
    for (v, shown) in [
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (f64::NAN, "NaN"),
    ] {
        let e = block_on(db.upsert_edge(
            EdgeInput {
                strength: Some(JsNumber(v)),
                ..edge(a, b)
            },
            &ctx(),
        ))
        .unwrap_err();
        assert!(e.reason.starts_with(&format!("{shown} ")), "{e}");
    }
}

/// A batch (`batchJson`'s text) reads each record from an object only: an
/// array where a record belongs was read field by field, by position.
#[test]
fn a_batch_reads_records_from_objects_only() {
    let ok: Object<BatchInput> = serde_json::from_str(
        r#"{"people":[{"names":["Ada"]}],"edges":[{"strengthFactors":[
            {"name":"recency","value":1,"contribution":0.5}]}]}"#,
    )
    .unwrap();
    assert_eq!(ok.0.people[0].names, vec!["Ada".to_string()]);
    assert_eq!(ok.0.edges[0].strength_factors[0].name, "recency");
    for bad in [
        r#"[[], [["Ada"]]]"#,
        r#"{"people":[{"names":["Ada"]}, ["Bob"]]}"#,
        r#"{"organizations":[["Acme"]]}"#,
        r#"{"interactions":[[null, "src", "id"]]}"#,
        r#"{"edges":[{"strengthFactors":[["recency", 1, 0.5]]}]}"#,
    ] {
        let e = serde_json::from_str::<Object<BatchInput>>(bad).expect_err(bad);
        assert!(
            e.to_string().contains("an object (a record), not an array"),
            "{bad}: {e}"
        );
    }
}
