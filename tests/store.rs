//! The store over the in-memory backend: what is written comes back
//! identical after reopening, and a failed call leaves nothing behind.

mod common;
use common::*;
use proptest::prelude::*;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, codec, load_values, Backend, Db, ListOptions, MemoryBackend, StoreName,
};
use wig_graph::ErrorCode;

fn sample_batch() -> BatchInput {
    let org = Uuid::new_v4();
    let p: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
    BatchInput {
        organizations: vec![OrganizationInput {
            id: Some(org.to_string()),
            name: Some("Acme GmbH".into()),
            domain: Some("acme.de".into()),
            ..Default::default()
        }],
        people: p
            .iter()
            .enumerate()
            .map(|(i, id)| PersonInput {
                id: Some(id.to_string()),
                names: vec![format!("Person {i}"), format!("P. {i}")],
                emails: vec![format!("p{i}@acme.de")],
                phones: vec![format!("+49 30 1234 56{i}")],
                organization_id: Some(org.to_string()),
                metadata: Some(serde_json::json!({ "note": "ünïcødé ✓", "n": i })),
                ..Default::default()
            })
            .collect(),
        edges: (1..5)
            .map(|i| EdgeInput {
                channels: vec!["email".into(), "meeting".into()],
                sources: vec!["gmail".into()],
                ..edge(p[0], p[i])
            })
            .collect(),
        interactions: vec![interaction(
            "evt-1",
            &["p0@acme.de", &p[1].to_string(), "outsider@example.com"],
        )],
    }
}

/// The sample batch's first person (p0@acme.de, four edges).
fn sample_p0(db: &Db<MemoryBackend>) -> Uuid {
    let p0 = db
        .state()
        .people
        .values()
        .find(|p| p.emails[0] == "p0@acme.de");
    p0.unwrap().id
}

fn snapshot(db: &Db<MemoryBackend>) -> String {
    let all = ListOptions {
        limit: Some(10_000),
        include_deleted: true,
        ..Default::default()
    };
    serde_json::to_string(&(
        db.list_people(&all).unwrap().items,
        db.list_organizations(&all).unwrap().items,
        db.list_edges(&all).unwrap().items,
        db.list_interactions(&all).unwrap().items,
        db.audit(10_000, None),
        db.state().outbox.values().cloned().collect::<Vec<_>>(),
    ))
    .unwrap()
}

#[test]
fn reopening_reads_back_identical_data() {
    let backend = MemoryBackend::default();
    let mut db = block_on(Db::open(backend.clone())).unwrap();
    let counts = block_on(db.batch(sample_batch(), &ctx())).unwrap();
    assert_eq!(
        (
            counts.organizations,
            counts.people,
            counts.edges,
            counts.interactions
        ),
        (1, 5, 4, 1)
    );
    let before = snapshot(&db);
    drop(db);
    let reopened = block_on(Db::open(backend)).unwrap();
    assert_eq!(snapshot(&reopened), before);
    assert_eq!(reopened.stats().people, 5);
    assert_eq!(reopened.state().edge_by_pair().len(), 4);
}

#[test]
fn an_invalid_record_inside_a_batch_leaves_nothing_behind() {
    let backend = MemoryBackend::default();
    let mut db = block_on(Db::open(backend.clone())).unwrap();
    block_on(db.upsert_person(person("Existing", "e@example.org"), &ctx())).unwrap();
    let before = snapshot(&db);
    let bytes_before = backend.stored_bytes();
    let mut batch = sample_batch();
    batch.people[3].emails = vec!["broken@".into()];
    let e = block_on(db.batch(batch, &ctx())).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidEmail);
    assert_eq!(e.field.as_deref(), Some("people[3].emails[0]"));
    assert_eq!(snapshot(&db), before);
    assert_eq!(backend.stored_bytes(), bytes_before);
    assert_eq!(snapshot(&block_on(Db::open(backend)).unwrap()), before);
}

#[test]
fn a_failed_write_changes_neither_memory_nor_storage() {
    let backend = MemoryBackend::default();
    let mut db = block_on(Db::open(backend.clone())).unwrap();
    block_on(db.batch(sample_batch(), &ctx())).unwrap();
    let before = snapshot(&db);
    backend.set_fail_writes(true);
    let e = block_on(db.upsert_person(person("New", "new@example.org"), &ctx())).unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
    assert_eq!(
        snapshot(&db),
        before,
        "memory untouched after a failed write"
    );
    backend.set_fail_writes(false);
    assert_eq!(snapshot(&block_on(Db::open(backend)).unwrap()), before);
}

#[test]
fn upsert_updates_in_place_and_keeps_system_fields() {
    let mut db = open();
    let p = block_on(db.upsert_person(person("Ada", "ada@example.org"), &ctx())).unwrap();
    let mut edit: PersonInput = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
    edit.title = Some("Countess".into());
    let q = block_on(db.upsert_person(edit, &ctx_at(T0 + 5_000))).unwrap();
    assert_eq!(q.id, p.id);
    assert_eq!(q.created_at, p.created_at);
    assert_eq!(q.updated_at.millis(), T0 + 5_000);
    assert_eq!(db.stats().people, 1);
    assert_eq!(db.state().audit.len(), 2);
    assert_eq!(db.stats().outbox_changes, 2);
}

#[test]
fn list_pages_cover_everything_once() {
    let mut db = open();
    let inputs: Vec<PersonInput> = (0..257)
        .map(|i| person(&format!("P{i}"), &format!("p{i}@example.org")))
        .collect();
    block_on(db.upsert_people(inputs, &ctx())).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut cursor = None;
    loop {
        let page = db
            .list_people(&ListOptions {
                limit: Some(50),
                cursor: cursor.clone(),
                include_deleted: false,
            })
            .unwrap();
        assert!(page.items.len() <= 50);
        for p in &page.items {
            assert!(seen.insert(p.id));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 257);
    let e = db
        .list_people(&ListOptions {
            limit: Some(0),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidInput, Some("limit"))
    );
    let e = db
        .list_people(&ListOptions {
            cursor: Some("garbage".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("cursor"));
}

#[test]
fn soft_delete_hides_without_losing() {
    let (mut db, a, b) = seeded();
    block_on(db.delete(EntityKind::Person, a, &ctx())).unwrap();
    assert!(db.person(a).unwrap().deleted_at.is_some());
    assert_eq!(db.stats().people, 1);
    assert_eq!(
        db.list_people(&ListOptions::default()).unwrap().items.len(),
        1
    );
    assert_eq!(
        db.list_people(&ListOptions {
            include_deleted: true,
            ..Default::default()
        })
        .unwrap()
        .items
        .len(),
        2
    );
    // Deleting again is a no-op; a new edge to a deleted person is refused.
    block_on(db.delete(EntityKind::Person, a, &ctx())).unwrap();
    let c = block_on(db.upsert_person(person("Carol", "c@example.org"), &ctx()))
        .unwrap()
        .id;
    assert_eq!(
        block_on(db.upsert_edge(edge(a, c), &ctx()))
            .unwrap_err()
            .code,
        ErrorCode::MissingReference
    );
    let e = block_on(db.delete(EntityKind::Edge, Uuid::new_v4(), &ctx())).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let _ = b;
}

#[test]
fn export_and_erase_a_person() {
    let mut db = open();
    block_on(db.batch(sample_batch(), &ctx())).unwrap();
    let p0 = sample_p0(&db);
    let export = db.export_person(p0).unwrap();
    assert_eq!(export.edges.len(), 4);
    assert_eq!(export.interactions.len(), 1);
    assert_eq!(export.organization.as_ref().unwrap().name, "Acme GmbH");

    let report = block_on(db.erase_person(p0, &ctx())).unwrap();
    assert_eq!(report["edges"], 4);
    assert!(db.person(p0).is_none());
    assert_eq!(db.state().edges.len(), 0);
    // The interaction keeps its other two participants, without p0's email.
    let i = db.state().interactions.values().next().unwrap();
    assert!(!i.participants.iter().any(|x| x == "p0@acme.de"));
    // No trace but the erase entry: no audit entry names p0 except it, and no
    // pending change would push p0 again.
    let about: Vec<_> = db
        .state()
        .audit
        .values()
        .filter(|a| a.entity_id == Some(p0))
        .collect();
    assert_eq!(about.len(), 1);
    assert_eq!(about[0].action, "erase");
    assert!(!snapshot(&db).contains("p0@acme.de"));
    let pending: Vec<_> = db
        .state()
        .outbox
        .values()
        .flat_map(|o| o.changes.iter())
        .filter(|c| c.id == p0)
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(db.export_person(p0).unwrap_err().code, ErrorCode::NotFound);
}

/// Every commit stores the tables' record counts; opening makes that much
/// room and an eighth more at once (no record array grown by doubling).
/// Records added, updated, soft-deleted and erased (whole buckets
/// rewritten with fewer).
#[test]
fn opening_makes_room_for_exactly_the_stored_records() {
    let backend = MemoryBackend::default();
    let mut db = block_on(Db::open(backend.clone())).unwrap();
    block_on(db.batch(sample_batch(), &ctx())).unwrap();
    let people: Vec<PersonInput> = (0..300)
        .map(|i| person(&format!("P{i}"), &format!("p{i}@example.org")))
        .collect();
    block_on(db.upsert_people(people, &ctx())).unwrap();
    let p0 = sample_p0(&db);
    let other = db.state().people.values().find(|p| p.id != p0).unwrap().id;
    block_on(db.delete(EntityKind::Person, other, &ctx())).unwrap();
    block_on(db.erase_person(p0, &ctx())).unwrap();
    let reopened = block_on(Db::open(backend)).unwrap();
    let (mine, theirs) = (db.state(), reopened.state());
    assert_eq!(theirs.people.len(), mine.people.len());
    assert_eq!(theirs.edges.len(), 0, "p0's four edges are erased");
    for (len, capacity) in [
        (theirs.people.len(), theirs.people.capacity()),
        (theirs.organizations.len(), theirs.organizations.capacity()),
        (theirs.edges.len(), theirs.edges.capacity()),
        (theirs.interactions.len(), theirs.interactions.capacity()),
    ] {
        assert_eq!(capacity, len + len / 8);
    }
}

#[test]
fn closed_graphs_refuse_calls() {
    let mut db = open();
    db.close();
    let e = block_on(db.upsert_person(person("A", "a@example.org"), &ctx())).unwrap_err();
    assert_eq!(e.code, ErrorCode::Closed);
}

#[test]
fn big_batches_spread_over_buckets() {
    let backend = MemoryBackend::default();
    let mut db = block_on(Db::open(backend.clone())).unwrap();
    let people: Vec<PersonInput> = (0..5_000)
        .map(|i| person(&format!("P{i}"), &format!("p{i}@example.org")))
        .collect();
    block_on(db.upsert_people(people, &ctx())).unwrap();
    // 10 bucket bits: ~1,024 values for 5,000 people, not 5,000.
    let values = backend.stored_values(StoreName::People);
    assert!(values > 900 && values <= 1024, "{values}");
    // A one-record edit rewrites one bucket.
    let id = db.state().people.values().next().unwrap().id;
    let before = backend.stored_bytes();
    let mut edit: PersonInput =
        serde_json::from_value(serde_json::to_value(db.person(id).unwrap()).unwrap()).unwrap();
    edit.title = Some("CTO".into());
    block_on(db.upsert_person(edit, &ctx())).unwrap();
    assert!(backend.stored_bytes() - before < 2_000);
}

#[test]
fn records_round_trip_through_json_and_the_stored_format() {
    let mut db = open();
    block_on(db.batch(sample_batch(), &ctx())).unwrap();
    let people: Vec<Person> = db.state().people.values().cloned().collect();
    let edges: Vec<Edge> = db.state().edges.values().cloned().collect();
    let interactions: Vec<Interaction> = db.state().interactions.values().cloned().collect();
    let json = serde_json::to_string(&(&people, &edges, &interactions)).unwrap();
    assert!(
        json.contains("\"fromPersonId\"")
            && json.contains("\"createdAt\":\"2023-11-14T22:13:20.000Z\"")
    );
    let back: (Vec<Person>, Vec<Edge>, Vec<Interaction>) = serde_json::from_str(&json).unwrap();
    assert_eq!(back, (people.clone(), edges.clone(), interactions.clone()));
    let bin = codec::encode(&people);
    assert_eq!(
        codec::decode::<Vec<Person>>(&bin, "people").unwrap(),
        people
    );
    let mut newer = bin.clone();
    newer[0] = 99;
    assert_eq!(
        codec::decode::<Vec<Person>>(&newer, "people")
            .unwrap_err()
            .code,
        ErrorCode::SchemaTooNew
    );
}

/// Stored, the engine's factor names are one-character codes (format 2);
/// in JSON they are whole; values written with whole names (format 1) read
/// the same, and a caller's own names are kept as they are.
#[test]
fn engine_factor_names_are_stored_as_codes_and_old_values_still_read() {
    use std::borrow::Cow;
    use wig_graph::strength::FACTOR_NAMES;
    let factor = |name: Cow<'static, str>, i: usize| StrengthFactor {
        name,
        value: i as f64 / 10.0,
        contribution: i as f64 / 100.0,
    };
    let mut factors: Vec<StrengthFactor> = FACTOR_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| factor(Cow::Borrowed(*n), i))
        .collect();
    // A caller's own name, and one equal to an engine name but owned.
    factors.push(factor(Cow::Owned("warmth".into()), 8));
    factors.push(factor(Cow::Owned("recency".into()), 9));
    // postcard writes a struct as its fields in order: the same bytes as a
    // tuple, so the tuples below are the two formats' exact bodies.
    let body = |names: &dyn Fn(usize, &StrengthFactor) -> String| {
        let t: Vec<(String, f64, f64)> = factors
            .iter()
            .enumerate()
            .map(|(i, f)| (names(i, f), f.value, f.contribution))
            .collect();
        postcard::to_allocvec(&t).unwrap()
    };
    let coded = body(&|i, f| match i {
        0..=7 => factor_name_code(i).to_string(),
        9 => factor_name_code(0).to_string(),
        _ => f.name.to_string(),
    });
    let whole = body(&|_, f| f.name.to_string());
    let stored = codec::encode(&factors);
    assert_eq!(stored[0], codec::FORMAT);
    assert_eq!(&stored[1..], &coded[..]);
    // Nine names of 7-12 bytes, each now 1.
    assert_eq!(whole.len() - coded.len(), 75);

    let read = |format: u8, body: &[u8]| {
        let mut bytes = vec![format];
        bytes.extend_from_slice(body);
        codec::decode::<Vec<StrengthFactor>>(&bytes, "edges").unwrap()
    };
    let expect_names = |read: &[StrengthFactor]| {
        assert_eq!(read, &factors[..]);
        for (i, f) in read.iter().enumerate() {
            // Engine names come back shared, not as a string each.
            assert_eq!(
                matches!(f.name, Cow::Borrowed(_)),
                i != 8,
                "{i}: {:?}",
                f.name
            );
        }
    };
    expect_names(&read(codec::FORMAT, &coded));
    expect_names(&read(1, &whole));

    // JSON: whole names, and a code in JSON is not a name.
    let json = serde_json::to_string(&factors).unwrap();
    assert!(
        json.contains("\"recency\"") && !json.contains("\\u0001"),
        "{json}"
    );
    let from_json: Vec<StrengthFactor> = serde_json::from_str(&json).unwrap();
    assert_eq!(from_json, factors);
    let code_in_json: StrengthFactor =
        serde_json::from_str(r#"{"name":"\u0001","value":0.5,"contribution":0.1}"#).unwrap();
    assert_eq!(code_in_json.name, "\u{1}");
}

proptest! {
    #[test]
    fn arbitrary_people_round_trip_or_are_refused_cleanly(
        names in proptest::collection::vec(".{0,40}", 0..4),
        emails in proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.(com|org|de)", 0..3),
        title in proptest::option::of(".{0,60}"),
    ) {
        let backend = MemoryBackend::default();
        let mut db = block_on(Db::open(backend.clone())).unwrap();
        let input = PersonInput { names, emails, title, metadata: Some(serde_json::json!({"k": "v"})), ..Default::default() };
        match block_on(db.upsert_person(input, &ctx())) {
            Ok(p) => {
                let reopened = block_on(Db::open(backend)).unwrap();
                prop_assert_eq!(reopened.person(p.id).unwrap(), &p);
                let json = serde_json::to_string(&p).unwrap();
                prop_assert_eq!(serde_json::from_str::<Person>(&json).unwrap(), p);
            }
            Err(e) => {
                prop_assert!(e.field.is_some());
                prop_assert_eq!(backend.stored_values(StoreName::People), 0);
            }
        }
    }
}

/// Two copies of one stored graph (two tabs, a page and a worker): a write
/// made against a copy another one has written past is refused whole as
/// STALE, nothing of it stored; read again, the same write goes through.
/// Before, the stale copy wrote its view over the other's: an import run
/// in both tabs stored every interaction and organization twice.
#[test]
fn a_write_from_a_stale_copy_is_refused_whole() {
    let mut a = open();
    block_on(a.upsert_person(person("Ada", "ada@example.org"), &ctx())).unwrap();
    let mut b = block_on(Db::open(a.backend().clone())).unwrap();
    block_on(a.upsert_interaction(
        interaction("m1", &["ada@example.org", "bob@example.org"]),
        &ctx(),
    ))
    .unwrap();
    let stored = block_on(load_values(a.backend())).unwrap();
    let e = block_on(b.upsert_interaction(
        interaction("m1", &["ada@example.org", "cy@example.org"]),
        &ctx(),
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Stale, "{e}");
    assert_eq!(
        block_on(load_values(a.backend())).unwrap(),
        stored,
        "nothing written"
    );
    assert_eq!(
        block_on(a.backend().generation()).unwrap(),
        a.state().generation
    );
    assert_ne!(
        b.state().generation,
        a.state().generation,
        "what tells b it is stale"
    );
    assert_eq!(b.state().interactions.len(), 0, "nor applied");
    let mut b = block_on(Db::open(a.backend().clone())).unwrap();
    let i = block_on(b.upsert_interaction(
        interaction("m1", &["ada@example.org", "cy@example.org"]),
        &ctx(),
    ))
    .unwrap();
    let reopened = block_on(Db::open(a.backend().clone())).unwrap();
    assert_eq!(
        reopened.state().interactions.len(),
        1,
        "one interaction per source id"
    );
    assert_eq!(
        reopened.interaction(i.id).unwrap().participants[1],
        "cy@example.org"
    );
    // And now the first copy is the stale one.
    let e = block_on(a.upsert_person(person("Bo", "bo@example.org"), &ctx())).unwrap_err();
    assert_eq!(e.code, ErrorCode::Stale);
}

/// What a copy of the graph holds, in a form two copies can be compared by
/// (records sorted by id, then everything kept beside them).
fn everything(db: &Db<MemoryBackend>) -> String {
    fn sorted<T: Clone + std::fmt::Debug>(
        v: impl Iterator<Item = T>,
        id: impl Fn(&T) -> Uuid,
    ) -> Vec<T> {
        let mut v: Vec<T> = v.collect();
        v.sort_by_key(|x| id(x));
        v
    }
    let s = db.state();
    // Whether the search index was built yet is the copy's own business.
    let stats = wig_graph::store::Stats {
        graph_index_bytes: None,
        ..db.stats()
    };
    format!(
        "{:?}",
        (
            sorted(s.people.values().cloned(), |p| p.id),
            sorted(s.organizations.values().cloned(), |o| o.id),
            sorted(s.edges.values().cloned(), |e| e.id),
            sorted(s.interactions.values().cloned(), |i| i.id),
            (&s.merges, &s.rejections, &s.audit, &s.outbox),
            (
                s.next_audit_seq,
                s.next_outbox_seq,
                s.generation,
                &s.sync,
                stats
            ),
        )
    )
}

/// Another copy of a stored graph (a second tab) follows the first's writes
/// by applying the commits it shares, without reading the graph again, and
/// ends where reading it again would: records, audit, outbox, merges,
/// rejections, counters, the search index and matching. A copy a commit
/// does not fit (behind, or past it) says so, and reads the graph again.
#[test]
fn a_second_copy_follows_by_the_commits_the_first_shares() {
    let mut a = open();
    let mut b = block_on(Db::open(a.backend().clone())).unwrap();
    a.share_commits(true);
    // b's search index and matching index exist, so they are patched too.
    let _ = b.graph_view();
    let follow = |a: &mut Db<MemoryBackend>, b: &mut Db<MemoryBackend>, what: &str| {
        let frames = a
            .take_shared()
            .unwrap_or_else(|| panic!("{what}: nothing shared"));
        assert!(b.apply_shared(&frames).unwrap(), "{what}");
        let reread = block_on(Db::open(a.backend().clone())).unwrap();
        assert_eq!(everything(b), everything(&reread), "{what}");
        assert_eq!(everything(b), everything(a), "{what}");
        for p in reread.state().people.values().filter(|p| p.is_live()) {
            let o = wig_graph::store::QueryOptions::default();
            // In node order, which is each copy's own: compared as sets.
            let around = |db: &Db<MemoryBackend>| -> Vec<(usize, Vec<Uuid>)> {
                let n = db.neighbors(p.id, &o).unwrap();
                n.degrees
                    .iter()
                    .map(|d| {
                        let mut ids = d.person_ids.clone();
                        ids.sort();
                        (d.degree, ids)
                    })
                    .collect()
            };
            assert_eq!(around(b), around(&reread), "{what}");
        }
    };
    let people = block_on(a.upsert_people(
        vec![
            person("Ada Lovelace", "ada@example.org"),
            person("Ada Lovelace", "ada.l@example.org"),
            person("Bob Smith", "bob@example.org"),
            person("Cy Young", "cy@example.org"),
        ],
        &ctx(),
    ))
    .unwrap();
    let p: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    follow(&mut a, &mut b, "people");
    // b's matching index exists too, so it is patched by what b applies.
    b.match_person(&people[0], 5, "US", &mut |_, _| true)
        .unwrap();
    block_on(a.upsert_edge(edge(p[0], p[2]), &ctx())).unwrap();
    block_on(a.upsert_edge(edge(p[1], p[3]), &ctx())).unwrap();
    for (i, who) in [
        ["ada@example.org", "bob@example.org"],
        ["ada.l@example.org", "cy@example.org"],
    ]
    .iter()
    .enumerate()
    {
        block_on(a.upsert_interaction(interaction(&format!("m{i}"), who), &ctx())).unwrap();
    }
    follow(&mut a, &mut b, "edges and interactions (two commits each)");
    block_on(a.recompute_strengths(&ctx(), &wig_graph::store::RecomputeOptions::default()))
        .unwrap();
    follow(&mut a, &mut b, "a recompute: edges rescored in place");
    let m = block_on(a.merge_people(p[0], &[p[1]], serde_json::json!(null), &ctx())).unwrap();
    follow(&mut a, &mut b, "merge");
    block_on(a.unmerge(m.id, &ctx())).unwrap();
    follow(&mut a, &mut b, "unmerge");
    block_on(a.reject_match(p[0], p[1], &ctx())).unwrap();
    let gone = a.state().edges.values().next().unwrap().id;
    block_on(a.delete(EntityKind::Edge, gone, &ctx())).unwrap();
    follow(&mut a, &mut b, "rejection and delete");
    block_on(a.erase_person(p[3], &ctx())).unwrap();
    follow(&mut a, &mut b, "erase");
    let reread = block_on(Db::open(a.backend().clone())).unwrap();
    let ada = b.person(p[0]).unwrap().clone();
    assert_eq!(
        format!(
            "{:?}",
            b.match_person(&ada, 5, "US", &mut |_, _| true).unwrap()
        ),
        format!(
            "{:?}",
            reread
                .match_person(&ada, 5, "US", &mut |_, _| true)
                .unwrap()
        )
    );
    // Already applied: skipped. A copy behind by a commit it never got
    // cannot apply the next one: false, and it is left as it was.
    block_on(a.upsert_person(person("Dee", "dee@example.org"), &ctx())).unwrap();
    a.share_commits(true); // a third tab said hello: what is not taken yet stays
    let first = a.take_shared().unwrap();
    block_on(a.upsert_person(person("Eve", "eve@example.org"), &ctx())).unwrap();
    let second = a.take_shared().unwrap();
    let before = everything(&b);
    assert!(!b.apply_shared(&second).unwrap(), "a gap");
    assert_eq!(everything(&b), before);
    assert!(b.apply_shared(&[first.clone(), second].concat()).unwrap());
    assert!(b.apply_shared(&first).unwrap(), "already applied");
    assert_eq!(everything(&b), everything(&a));
    assert!(!b.apply_shared(b"\x05\0\0\0junk").unwrap(), "not a commit");
    // A write too large to share: nothing to hand over (others read again).
    let many: Vec<PersonInput> = (0..20_001)
        .map(|i| person(&format!("P{i}"), &format!("p{i}@example.org")))
        .collect();
    block_on(a.upsert_people(many, &ctx())).unwrap();
    assert_eq!(a.take_shared(), None);
    // b's own writes are not shared unless it asks.
    assert_eq!(b.take_shared(), None);
}

/// One write of the random sequences below, by index into what exists.
#[derive(Debug, Clone)]
enum Op {
    People(u8),
    Edge(u8, u8),
    Meeting(u8, u8, u8),
    DeletePerson(u8),
    DeleteEdge(u8),
    Merge(u8, u8),
    Unmerge(u8),
    Reject(u8, u8),
    Recompute(bool),
    Erase(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1u8..4).prop_map(Op::People),
        3 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Edge(a, b)),
        3 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| Op::Meeting(a, b, c)),
        1 => any::<u8>().prop_map(Op::DeletePerson),
        1 => any::<u8>().prop_map(Op::DeleteEdge),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Merge(a, b)),
        1 => any::<u8>().prop_map(Op::Unmerge),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Reject(a, b)),
        1 => any::<bool>().prop_map(Op::Recompute),
        1 => any::<u8>().prop_map(Op::Erase),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// Whatever the writes (refused ones included), a second copy that
    /// applies the first's shared commits after each holds what reading the
    /// stored graph again gives.
    #[test]
    fn a_second_copy_follows_any_sequence_of_writes(ops in proptest::collection::vec(op(), 1..30)) {
        let mut a = open();
        a.share_commits(true);
        // Six people to start from; b opens after them and builds its search index.
        let mut n = 6;
        let seed: Vec<PersonInput> = (1..=n).map(|i| person(&format!("P{i}"), &format!("p{i}@example.org"))).collect();
        block_on(a.upsert_people(seed, &ctx())).unwrap();
        a.take_shared();
        let mut b = block_on(Db::open(a.backend().clone())).unwrap();
        let _ = b.graph_view();
        for (step, op) in ops.iter().enumerate() {
            let live: Vec<Uuid> = {
                let mut v: Vec<Uuid> = a.state().people.values().filter(|p| p.is_live()).map(|p| p.id).collect();
                v.sort();
                v
            };
            let pick = |i: u8| (!live.is_empty()).then(|| live[i as usize % live.len()]);
            let at = ctx_at(T0 + step as i64 * 86_400_000);
            // Refusals (a self edge, merging someone into themselves…) are fine: nothing is shared then.
            let _ = match op.clone() {
                Op::People(k) => {
                    let inputs: Vec<PersonInput> = (0..k).map(|_| { n += 1; person(&format!("P{n}"), &format!("p{n}@example.org")) }).collect();
                    block_on(a.upsert_people(inputs, &at)).map(|_| ())
                }
                Op::Edge(x, y) => match (pick(x), pick(y)) {
                    (Some(x), Some(y)) => block_on(a.upsert_edge(edge(x, y), &at)).map(|_| ()),
                    _ => Ok(()),
                },
                Op::Meeting(x, y, z) => {
                    let email = |i: u8| pick(i).and_then(|id| a.person(id).map(|p| p.emails.first().cloned().unwrap_or_default()));
                    let who: Vec<String> = [email(x), email(y), email(z)].into_iter().flatten().filter(|e| !e.is_empty()).collect();
                    let who: Vec<&str> = who.iter().map(String::as_str).collect();
                    block_on(a.upsert_interaction(interaction(&format!("m{step}"), &who), &at)).map(|_| ())
                }
                Op::DeletePerson(x) => match pick(x) {
                    Some(x) => block_on(a.delete(EntityKind::Person, x, &at)),
                    None => Ok(()),
                },
                Op::DeleteEdge(x) => {
                    let mut edges: Vec<Uuid> = a.state().edges.values().map(|e| e.id).collect();
                    edges.sort();
                    match edges.get(x as usize % edges.len().max(1)) {
                        Some(&e) => block_on(a.delete(EntityKind::Edge, e, &at)),
                        None => Ok(()),
                    }
                }
                Op::Merge(x, y) => match (pick(x), pick(y)) {
                    (Some(x), Some(y)) => block_on(a.merge_people(x, &[y], serde_json::json!(null), &at)).map(|_| ()),
                    _ => Ok(()),
                },
                Op::Unmerge(x) => {
                    let mut merges: Vec<Uuid> = a.state().merges.keys().copied().collect();
                    merges.sort();
                    match merges.get(x as usize % merges.len().max(1)) {
                        Some(&m) => block_on(a.unmerge(m, &at)),
                        None => Ok(()),
                    }
                }
                Op::Reject(x, y) => match (pick(x), pick(y)) {
                    (Some(x), Some(y)) => block_on(a.reject_match(x, y, &at)).map(|_| ()),
                    _ => Ok(()),
                },
                Op::Recompute(touched) => {
                    let o = wig_graph::store::RecomputeOptions {
                        only: touched.then(|| "touched".to_string()),
                        ..Default::default()
                    };
                    block_on(a.recompute_strengths(&at, &o)).map(|_| ())
                }
                Op::Erase(x) => match pick(x) {
                    Some(x) => block_on(a.erase_person(x, &at)).map(|_| ()),
                    None => Ok(()),
                },
            };
            if let Some(frames) = a.take_shared() {
                prop_assert!(b.apply_shared(&frames).unwrap(), "step {}: {:?}", step, op);
            }
            prop_assert_eq!(b.state().generation, a.state().generation, "step {}: {:?}", step, op);
        }
        let reread = block_on(Db::open(a.backend().clone())).unwrap();
        prop_assert_eq!(everything(&b), everything(&reread));
        for p in reread.state().people.values().filter(|p| p.is_live()) {
            let o = wig_graph::store::QueryOptions::default();
            let around = |db: &Db<MemoryBackend>| -> Vec<(usize, Vec<Uuid>)> {
                db.neighbors(p.id, &o).unwrap().degrees.iter().map(|d| {
                    let mut ids = d.person_ids.clone();
                    ids.sort();
                    (d.degree, ids)
                }).collect()
            };
            prop_assert_eq!(around(&b), around(&reread));
        }
    }
}
