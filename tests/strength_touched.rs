//! What a strength recompute writes when interactions come and go, and
//! what `only: "touched"` counts from: the `now` option only scores (the
//! records and the audit mark carry the write's time, never earlier than
//! an edge's previous `updatedAt`); deleted, erased and re-pointed
//! interactions touch the pairs they leave, across a reopen too; and an
//! edge whose pair has no interactions left is cleared, the same by a
//! touched and by a full recompute.

mod common;
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, load_values, Backend, Db, MemoryBackend, QueryOptions, RecomputeOptions, StoreKey,
    StoreName, WriteSet, MAX_SCORED_GROUP,
};

const DAY: i64 = 86_400_000;

fn at_now(ms: i64) -> RecomputeOptions {
    RecomputeOptions {
        now: Some(JsNumber(ms as f64)),
        ..Default::default()
    }
}

fn touched_at(ms: i64) -> RecomputeOptions {
    RecomputeOptions {
        only: Some("touched".into()),
        ..at_now(ms)
    }
}

fn meeting(id: &str, who: &[Uuid], day: i64) -> InteractionInput {
    InteractionInput {
        source_name: Some("cal".into()),
        source_id: Some(id.into()),
        timestamp: Some(TimeInput::Millis((T0 - day * DAY) as f64)),
        participants: who.iter().map(Uuid::to_string).collect(),
        channel: Some("meeting".into()),
        duration_minutes: Some(JsNumber(30.0)),
        ..Default::default()
    }
}

fn reopen(db: &Db<MemoryBackend>) -> Db<MemoryBackend> {
    block_on(Db::open(db.backend().clone())).unwrap()
}

/// A copy of the graph in a backend of its own, opened.
fn fork(db: &Db<MemoryBackend>) -> Db<MemoryBackend> {
    let backend = MemoryBackend::default();
    let set = WriteSet {
        puts: block_on(load_values(db.backend())).unwrap(),
        ..Default::default()
    };
    block_on(backend.write(set)).unwrap();
    block_on(Db::open(backend)).unwrap()
}

fn edge_of(db: &Db<MemoryBackend>, a: Uuid, b: Uuid) -> Option<Edge> {
    let id = *db.state().edge_by_pair().get(&pair_key(a, b))?;
    db.edge(id).cloned()
}

/// Brings a soft-deleted person back (an upsert of her id, names and
/// emails restores her).
fn restore(
    db: &mut Db<MemoryBackend>,
    id: Uuid,
    ctx: &wig_graph::store::WriteContext,
) -> wig_graph::error::Result<()> {
    let p = db.state().people.get(id).unwrap().clone();
    let input = PersonInput {
        id: Some(id.to_string()),
        names: p.names,
        emails: p.emails,
        ..Default::default()
    };
    block_on(db.upsert_person(input, ctx)).map(|_| ())
}

fn people(db: &mut Db<MemoryBackend>, n: usize) -> Vec<Uuid> {
    people_ids(
        db,
        (0..n)
            .map(|i| person(&format!("P{i}"), &format!("p{i}@x.example")))
            .collect(),
    )
}

/// Issue 1: a recompute scored at a future `now` leaves its audit mark at
/// the time of the write; an interaction written after it, then a reopen
/// (no session memory), is still picked up by a touched recompute, which
/// scores at the `now` it is given.
#[test]
fn the_touched_mark_is_the_write_time_not_the_scoring_now() {
    let mut db = open();
    let p = people(&mut db, 3);
    block_on(db.upsert_interaction(meeting("1", &[p[0], p[1]], 1), &ctx())).unwrap();
    let future = T0 + 30 * DAY;
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 1000), &at_now(future))).unwrap();
    assert_eq!(
        r.now,
        Timestamp::from_millis(future),
        "scored at the option's now"
    );
    assert_eq!(r.edges_created, 1);
    let mark = &db.audit(1, None)[0];
    assert_eq!(mark.action, "recompute_strengths");
    assert_eq!(mark.created_at, Timestamp::from_millis(T0 + 1000));
    let ab = edge_of(&db, p[0], p[1]).unwrap();
    assert_eq!(ab.created_at, Timestamp::from_millis(T0 + 1000));
    assert_eq!(ab.updated_at, Timestamp::from_millis(T0 + 1000));

    // Written after the recompute (by the clock), long before its `now`.
    block_on(db.upsert_interaction(meeting("2", &[p[0], p[2]], 0), &ctx_at(T0 + 2000))).unwrap();
    let mut db = reopen(&db);
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 3000), &touched_at(future))).unwrap();
    assert_eq!((r.edges_created, r.edges_updated), (1, 0));
    let ac = edge_of(&db, p[0], p[2]).unwrap();
    // What a full recompute at that `now` gives (scores at `now`, not at
    // the write's time).
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 4000), &at_now(future))).unwrap();
    assert_eq!(r.edges_created, 0);
    assert_eq!(edge_of(&db, p[0], p[2]).unwrap(), ac);
    // Scored at `now`: 30 days later the tie is weaker than at the write.
    let r =
        block_on(db.recompute_strengths(&ctx_at(T0 + 5000), &RecomputeOptions::default())).unwrap();
    assert_eq!(
        r.now,
        Timestamp::from_millis(T0 + 5000),
        "default: the write's time"
    );
    assert!(edge_of(&db, p[0], p[2]).unwrap().strength > ac.strength);
    // A bad `now` is refused.
    let bad = RecomputeOptions {
        now: Some(JsNumber(f64::NAN)),
        ..Default::default()
    };
    let e = db.prepare_recompute_strengths(&ctx(), &bad).err().unwrap();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (wig_graph::ErrorCode::InvalidTimestamp, Some("now"))
    );
}

/// A mark later than the write (the clock set back, or a mark an older
/// release stamped with a future `now`) cannot tell what was written since:
/// a touched recompute then takes every pair.
#[test]
fn a_mark_after_the_write_touches_every_pair() {
    let mut db = open();
    let p = people(&mut db, 3);
    block_on(db.upsert_interaction(meeting("1", &[p[0], p[1]], 1), &ctx())).unwrap();
    block_on(db.recompute_strengths(&ctx_at(T0 + 5000), &RecomputeOptions::default())).unwrap();
    // Written by a clock behind the mark.
    block_on(db.upsert_interaction(meeting("2", &[p[0], p[2]], 0), &ctx_at(T0 + 1000))).unwrap();
    let mut db = reopen(&db);
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 2000), &touched_at(T0))).unwrap();
    assert_eq!((r.edges_created, r.edges_updated), (1, 1));
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 2000), &at_now(T0))).unwrap();
    assert_eq!(
        (r.edges_created, r.edges_updated, r.edges_unchanged),
        (0, 0, 2)
    );
}

/// Issue 2: `updatedAt` of a rescored edge is the time of the write, never
/// the scoring `now` and never earlier than the edge's previous one.
#[test]
fn rescored_edges_are_stamped_with_the_write_and_never_go_back() {
    let mut db = open();
    let p = people(&mut db, 3);
    block_on(db.upsert_interactions(
        vec![
            meeting("1", &[p[0], p[1]], 3),
            meeting("2", &[p[1], p[2]], 2),
        ],
        &ctx(),
    ))
    .unwrap();
    block_on(db.recompute_strengths(&ctx_at(T0 + 1000), &RecomputeOptions::default())).unwrap();
    // Scored in the past, written now.
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 2000), &at_now(T0 - 10 * DAY))).unwrap();
    assert_eq!(r.edges_updated, 2);
    for e in db.state().edges.values() {
        assert_eq!(e.updated_at, Timestamp::from_millis(T0 + 2000));
        assert!(e.updated_at >= e.created_at);
    }
    // The clock went back: the stamp stays where it was.
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 1500), &at_now(T0 + 5 * DAY))).unwrap();
    assert_eq!(r.edges_updated, 2);
    for e in db.state().edges.values() {
        assert_eq!(e.updated_at, Timestamp::from_millis(T0 + 2000));
    }
    assert_eq!(
        db.audit(1, None)[0].created_at,
        Timestamp::from_millis(T0 + 1500)
    );
    // Stored as applied.
    let reopened = reopen(&db);
    for e in db.state().edges.values() {
        assert_eq!(reopened.edge(e.id), Some(e));
    }
}

/// Issue 3: deleting one of a pair's two interactions, or re-pointing one,
/// touches the pairs it leaves, in the session and after a reopen; and so
/// does erasing a person (the interactions they shared are rewritten).
#[test]
fn touched_rescores_the_pairs_interactions_left() {
    for reopened in [false, true] {
        let mut db = open();
        let p = people(&mut db, 5);
        let xs = block_on(db.upsert_interactions(
            vec![
                meeting("1", &[p[0], p[1]], 9),
                meeting("2", &[p[0], p[1]], 3),
                meeting("3", &[p[1], p[2]], 4),
                meeting("4", &[p[1], p[2]], 8),
                meeting("5", &[p[2], p[3], p[4]], 2),
            ],
            &ctx(),
        ))
        .unwrap();
        let now = T0 + DAY;
        block_on(db.recompute_strengths(&ctx(), &at_now(now))).unwrap();
        assert_eq!(edge_of(&db, p[0], p[1]).unwrap().interaction_count, 2);
        block_on(db.delete(EntityKind::Interaction, xs[0].id, &ctx_at(T0 + 1000))).unwrap();
        block_on(db.upsert_interaction(meeting("4", &[p[1], p[3]], 8), &ctx_at(T0 + 2000)))
            .unwrap();
        block_on(db.erase_person(p[4], &ctx_at(T0 + 3000))).unwrap();
        if reopened {
            db = reopen(&db);
        }
        let r = block_on(db.recompute_strengths(&ctx_at(T0 + 4000), &touched_at(now))).unwrap();
        let counts = |db: &Db<MemoryBackend>| {
            [(0, 1), (1, 2), (1, 3), (2, 3)]
                .map(|(a, b)| edge_of(db, p[a], p[b]).unwrap().interaction_count)
        };
        assert_eq!(counts(&db), [1, 1, 1, 1], "reopened: {reopened}");
        assert_eq!(
            (r.edges_created, r.edges_updated),
            (1, 3),
            "reopened: {reopened}"
        );
        // Exactly what a full recompute gives them.
        let touched: BTreeMap<Uuid, Edge> = db
            .state()
            .edges
            .values()
            .map(|e| (e.id, e.clone()))
            .collect();
        let r = block_on(db.recompute_strengths(&ctx_at(T0 + 4000), &at_now(now))).unwrap();
        assert_eq!(
            (r.edges_created, r.edges_updated, r.edges_cleared),
            (0, 0, 0)
        );
        for e in db.state().edges.values() {
            assert_eq!(Some(e), touched.get(&e.id));
        }
    }
}

/// The marks left by deletions name people by id only, and an erasure
/// takes its person out of them.
#[test]
fn an_erased_person_leaves_no_strength_mark() {
    let mut db = open();
    let p = people(&mut db, 4);
    let xs = block_on(db.upsert_interactions(
        vec![
            meeting("1", &[p[0], p[1], p[3]], 1),
            meeting("2", &[p[2], p[3]], 1),
        ],
        &ctx(),
    ))
    .unwrap();
    block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    block_on(db.delete(EntityKind::Interaction, xs[0].id, &ctx_at(T0 + 1))).unwrap();
    let marks = |db: &Db<MemoryBackend>| -> Vec<Vec<u8>> {
        block_on(wig_graph::store::load_values(db.backend()))
            .unwrap()
            .into_iter()
            .filter(|(s, k, _)| {
                *s == StoreName::Meta
                    && matches!(k, StoreKey::Text(t) if t.starts_with("strengthLost/"))
            })
            .map(|(_, _, v)| v)
            .collect()
    };
    let names = |v: &[u8], id: Uuid| v.windows(16).any(|w| w == id.as_bytes());
    assert_eq!(marks(&db).len(), 1);
    assert!(names(&marks(&db)[0], p[3]));
    block_on(db.erase_person(p[3], &ctx_at(T0 + 2))).unwrap();
    assert!(marks(&db).iter().all(|v| !names(v, p[3])));
    assert!(marks(&db).iter().any(|v| names(v, p[0])));
    // The recompute has seen them: gone.
    block_on(db.recompute_strengths(&ctx_at(T0 + 3), &touched_at(T0))).unwrap();
    assert!(marks(&db).is_empty());
}

/// An erasure rewrites the earlier audit entries that named her, a
/// recompute's among them (she was one of its unknown participants): that
/// is no new recompute, and what the next touched one is to look at stays.
#[test]
fn an_erasure_that_rewrites_a_recompute_entry_keeps_the_touched_bookkeeping() {
    let mut db = open();
    let p = people(&mut db, 3);
    let xs = block_on(db.upsert_interactions(
        vec![
            meeting("1", &[p[0], p[1]], 2),
            meeting("2", &[p[0], p[2]], 1),
        ],
        &ctx(),
    ))
    .unwrap();
    // Deleted: her id is an unknown participant of the recompute.
    block_on(db.delete(EntityKind::Person, p[2], &ctx_at(T0 + 1))).unwrap();
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 2), &at_now(T0))).unwrap();
    assert!(
        r.unknown_participants.examples.contains(&p[2].to_string()),
        "{r:?}"
    );
    assert!(edge_of(&db, p[0], p[1]).unwrap().deleted_at.is_none());
    // Ada and Bob's only meeting goes; then she is erased.
    block_on(db.delete(EntityKind::Interaction, xs[0].id, &ctx_at(T0 + 3))).unwrap();
    block_on(db.erase_person(p[2], &ctx_at(T0 + 4))).unwrap();
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 5), &touched_at(T0))).unwrap();
    assert_eq!(r.edges_cleared, 1, "{r:?}");
    assert!(
        edge_of(&db, p[0], p[1]).unwrap().deleted_at.is_some(),
        "cleared, as a full recompute would"
    );
}

/// Issue 4: a pair with no interactions left loses what they gave it, by a
/// full and by a touched recompute alike: the edge the recompute created is
/// soft-deleted (and leaves the search), a declared edge stays with its
/// scored fields reset and the strength of a declared edge; interactions
/// coming back revive the cleared edge. A caller's deletion and a caller's
/// own `interactionCount` are left alone.
#[test]
fn edges_whose_interactions_are_gone_are_cleared() {
    let mut db = open();
    let p = people(&mut db, 4);
    let declared = block_on(db.upsert_edge(
        EdgeInput {
            relationship_type: Some("knows".into()),
            strength: Some(JsNumber(0.8)),
            ..edge(p[0], p[2])
        },
        &ctx(),
    ))
    .unwrap();
    let counted = block_on(db.upsert_edge(
        EdgeInput {
            interaction_count: Some(JsNumber(5.0)),
            ..edge(p[0], p[3])
        },
        &ctx(),
    ))
    .unwrap();
    let xs = block_on(db.upsert_interactions(
        vec![
            meeting("1", &[p[0], p[1]], 2),
            meeting("2", &[p[0], p[2]], 3),
            meeting("3", &[p[2], p[3]], 1),
        ],
        &ctx(),
    ))
    .unwrap();
    block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    let created = edge_of(&db, p[0], p[1]).unwrap();
    assert_eq!(created.relationship_type, RelationshipType::InteractedWith);
    // A caller deletes the c–d edge the recompute made.
    let cd = edge_of(&db, p[2], p[3]).unwrap();
    block_on(db.delete(EntityKind::Edge, cd.id, &ctx_at(T0 + 500))).unwrap();
    let cd = db.edge(cd.id).unwrap().clone();
    let q = QueryOptions {
        max_hops: Some(JsNumber(1.0)),
        ..Default::default()
    };
    assert_eq!(db.intro_paths(p[0], p[1], &q).unwrap().len(), 1);

    // a–b's only interaction deleted, a–c's re-pointed to b–c, c–d's gone.
    block_on(db.delete(EntityKind::Interaction, xs[0].id, &ctx_at(T0 + 1000))).unwrap();
    block_on(db.upsert_interaction(meeting("2", &[p[1], p[2]], 3), &ctx_at(T0 + 1000))).unwrap();
    block_on(db.delete(EntityKind::Interaction, xs[2].id, &ctx_at(T0 + 1000))).unwrap();
    // Touched on a reopened twin, full here: the same outcome.
    let mut twin = fork(&db);
    let later = ctx_at(T0 + 2000);
    let full = block_on(db.recompute_strengths(&later, &RecomputeOptions::default())).unwrap();
    let touched = block_on(twin.recompute_strengths(
        &later,
        &RecomputeOptions {
            only: Some("touched".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!((full.edges_cleared, full.edges_created), (2, 1));
    assert_eq!((touched.edges_cleared, touched.edges_created), (2, 1));
    for db in [&db, &twin] {
        let ab = db.edge(created.id).unwrap();
        assert_eq!(ab.deleted_at, Some(later.now));
        assert_eq!(ab.updated_at, later.now);
        assert_eq!(
            (
                ab.interaction_count,
                ab.strength,
                ab.strength_factors.len(),
                ab.channels.len()
            ),
            (0, 0.0, 0, 0)
        );
        assert_eq!((ab.first_seen_at, ab.last_seen_at), (None, None));
        let ac = db.edge(declared.id).unwrap();
        assert_eq!(ac.deleted_at, None);
        assert_eq!(ac.relationship_type, RelationshipType::Knows);
        assert_eq!(ac.strength, validate::DECLARED_STRENGTH);
        assert_eq!(
            (
                ac.interaction_count,
                ac.strength_factors.len(),
                ac.channels.len()
            ),
            (0, 0, 0)
        );
        assert_eq!((ac.first_seen_at, ac.last_seen_at), (None, None));
        assert_eq!(
            db.edge(counted.id),
            Some(&counted),
            "a caller's count is theirs"
        );
        assert_eq!(db.edge(cd.id), Some(&cd), "a caller's deletion stays");
        assert_eq!(edge_of(db, p[1], p[2]).unwrap().interaction_count, 1);
        assert!(db.intro_paths(p[0], p[1], &q).unwrap().is_empty());
    }
    // Cleared is final: nothing to do the next time.
    let again = block_on(db.recompute_strengths(&later, &RecomputeOptions::default())).unwrap();
    assert_eq!(
        (
            again.edges_cleared,
            again.edges_created,
            again.edges_updated
        ),
        (0, 0, 0)
    );

    // a–b meet again: the same edge comes back, as a new one would be.
    let back = ctx_at(T0 + 3000);
    for db in [&mut db, &mut twin] {
        block_on(db.upsert_interaction(meeting("9", &[p[0], p[1]], 0), &back)).unwrap();
    }
    let mut twin = fork(&twin);
    let r = block_on(db.recompute_strengths(&back, &RecomputeOptions::default())).unwrap();
    let rt = block_on(twin.recompute_strengths(
        &back,
        &RecomputeOptions {
            only: Some("touched".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!((r.edges_created, rt.edges_created), (1, 1));
    for db in [&db, &twin] {
        let ab = db.edge(created.id).unwrap();
        assert_eq!(ab.deleted_at, None);
        assert_eq!(ab.interaction_count, 1);
        assert_eq!(ab.created_at, created.created_at);
        assert_eq!(db.intro_paths(p[0], p[1], &q).unwrap().len(), 1);
    }
    assert_eq!(db.edge(created.id), twin.edge(created.id));
}

/// One write of the property test below.
/// A person leaving or joining a group interaction changes its size for
/// everyone in it: the other pairs of the meeting are rescored by a
/// touched recompute as a full one scores them (deleted, restored, an
/// email of hers changed, a new person holding the email it names).
#[test]
fn touched_rescores_the_other_pairs_of_a_remapped_persons_meetings() {
    for variant in ["delete", "restore", "email", "new person"] {
        let mut db = open();
        let p = people(&mut db, 3);
        let (a, b, c) = (p[0], p[1], p[2]);
        let mut m = meeting("m1", &[a, b], 10);
        m.participants.push(if variant == "new person" {
            "dee@x.example".into()
        } else {
            "p2@x.example".into()
        });
        block_on(db.upsert_interaction(m, &ctx_at(T0))).unwrap();
        if variant == "restore" {
            block_on(db.delete(EntityKind::Person, c, &ctx_at(T0))).unwrap();
        }
        let now = T0 + DAY;
        block_on(db.recompute_strengths(&ctx_at(T0 + 1000), &at_now(now))).unwrap();
        let before = edge_of(&db, a, b).unwrap();
        let c2 = ctx_at(T0 + 2000);
        match variant {
            "delete" => block_on(db.delete(EntityKind::Person, c, &c2)).map(|_| ()),
            "restore" => restore(&mut db, c, &c2),
            "email" => block_on(db.upsert_person(
                PersonInput {
                    id: Some(c.to_string()),
                    names: vec!["P2".into()],
                    emails: vec!["cy@elsewhere.example".into()],
                    ..Default::default()
                },
                &c2,
            ))
            .map(|_| ()),
            _ => block_on(db.upsert_person(person("Dee", "dee@x.example"), &c2)).map(|_| ()),
        }
        .unwrap();
        let c3 = ctx_at(T0 + 3000);
        let mut full = fork(&db);
        block_on(db.recompute_strengths(&c3, &touched_at(now))).unwrap();
        block_on(full.recompute_strengths(&c3, &at_now(now))).unwrap();
        let (touched, full) = (edge_of(&db, a, b).unwrap(), edge_of(&full, a, b).unwrap());
        assert_ne!(
            full.strength, before.strength,
            "{variant}: the meeting's size changed"
        );
        assert_eq!(
            touched.strength.to_bits(),
            full.strength.to_bits(),
            "{variant}"
        );
        assert_eq!(touched.strength_factors, full.strength_factors, "{variant}");
    }
}

/// A meeting of more than `MAX_SCORED_GROUP` people makes no pairs (no
/// edge per pair of an all-hands), and is counted; when people leave it
/// and it comes down to the limit, a touched recompute scores its pairs as
/// a full one does, and clears them again when it grows past the limit.
#[test]
fn a_meeting_over_the_group_limit_makes_no_pairs() {
    let mut db = open();
    let p = people(&mut db, MAX_SCORED_GROUP + 1);
    block_on(db.upsert_interactions(
        vec![meeting("all-hands", &p, 10), meeting("1:1", &p[..2], 5)],
        &ctx_at(T0),
    ))
    .unwrap();
    let now = T0 + DAY;
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 1000), &at_now(now))).unwrap();
    assert_eq!(
        (
            r.interactions_too_large,
            r.interactions_used,
            r.pairs_scored
        ),
        (1, 1, 1),
        "{r:?}"
    );
    let live = |db: &Db<MemoryBackend>| {
        by_pair(db)
            .into_iter()
            .filter(|(_, e)| e.deleted_at.is_none())
            .map(|(pair, e)| (pair, e.strength.to_bits(), e.interaction_count))
            .collect::<Vec<_>>()
    };
    assert_eq!(live(&db).len(), 1, "only the 1:1");
    let last = p[MAX_SCORED_GROUP];
    for (step, write_at) in [("leaves", T0 + 2000), ("comes back", T0 + 4000)] {
        let c = ctx_at(write_at);
        if step == "leaves" {
            block_on(db.delete(EntityKind::Person, last, &c)).unwrap();
        } else {
            restore(&mut db, last, &c).unwrap();
        }
        let mut full = fork(&db);
        let c2 = ctx_at(write_at + 1000);
        let t = block_on(db.recompute_strengths(&c2, &touched_at(now))).unwrap();
        let f = block_on(full.recompute_strengths(&c2, &at_now(now))).unwrap();
        assert_eq!(live(&db), live(&full), "{step}");
        let pairs = if step == "leaves" {
            MAX_SCORED_GROUP * (MAX_SCORED_GROUP - 1) / 2
        } else {
            1
        };
        assert_eq!(live(&db).len(), pairs, "{step}: {t:?} {f:?}");
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A new interaction among people (by index), dated `day`s before T0.
    Add(Vec<usize>, i64),
    /// Soft-deletes the `n`th interaction (modulo their number).
    Delete(usize),
    /// Gives the `n`th interaction (deleted or not) new participants.
    Repoint(usize, Vec<usize>),
    /// Moves the `n`th interaction in time.
    Retime(usize, i64),
    /// Erases a person.
    Erase(usize),
    /// Gives a person her own email back (0), another one (1), or the
    /// next person's (2: a shared email, which maps to the first live
    /// holder in table order): interactions that name it now map to
    /// someone else, or to nobody.
    Email(usize, u8),
    /// Merges the second person into the first.
    Merge(usize, usize),
    /// Undoes the last merge.
    Unmerge,
    /// Soft-deletes a person, or restores her when she is deleted: every
    /// meeting she is in changes size.
    DeleteOrRestore(usize),
    /// A touched recompute in between.
    Touched,
    /// Closes and reopens the graph (session memory gone).
    Reopen,
}

fn arb_people() -> impl Strategy<Value = Vec<usize>> {
    prop::sample::subsequence((0..6).collect::<Vec<usize>>(), 2..4)
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (arb_people(), 0i64..60).prop_map(|(p, d)| Op::Add(p, d)),
        2 => any::<usize>().prop_map(Op::Delete),
        2 => (any::<usize>(), arb_people()).prop_map(|(n, p)| Op::Repoint(n, p)),
        1 => (any::<usize>(), 0i64..60).prop_map(|(n, d)| Op::Retime(n, d)),
        1 => (0usize..6).prop_map(Op::Erase),
        1 => (0usize..6, 0u8..3).prop_map(|(i, which)| Op::Email(i, which)),
        1 => (0usize..6, 0usize..6).prop_map(|(i, j)| Op::Merge(i, j)),
        1 => Just(Op::Unmerge),
        1 => (0usize..6).prop_map(Op::DeleteOrRestore),
        2 => Just(Op::Touched),
        1 => Just(Op::Reopen),
    ]
}

/// The fields a scoring writes, and whether the edge is live.
type Shape = (
    bool,
    RelationshipType,
    u32,
    Option<Timestamp>,
    Option<Timestamp>,
    Vec<Channel>,
);

fn shape(e: &Edge) -> Shape {
    (
        e.deleted_at.is_none(),
        e.relationship_type,
        e.interaction_count,
        e.first_seen_at,
        e.last_seen_at,
        e.channels.clone(),
    )
}

fn by_pair(db: &Db<MemoryBackend>) -> BTreeMap<(Uuid, Uuid), Edge> {
    db.state()
        .edges
        .values()
        .map(|e| (e.pair(), e.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// After any writes (new, deleted, re-pointed, re-timed interactions,
    /// an erasure, touched recomputes in between, reopens), a touched
    /// recompute leaves every edge with what a full recompute gives it: the
    /// same pairs, live or cleared, with the same counts, first/last seen
    /// and channels, and every edge it wrote scored exactly as the full one.
    #[test]
    fn touched_after_any_writes_agrees_with_full(
        first in prop::collection::vec((arb_people(), 0i64..60), 1..8),
        ops in prop::collection::vec(arb_op(), 1..14),
        by_email in any::<bool>(),
    ) {
        let mut db = open();
        let p = people(&mut db, 6);
        // Participants by id or by email (resolved through live people).
        let who = |ix: &[usize]| -> Vec<String> {
            ix.iter()
                .map(|&i| if by_email && i % 2 == 0 { format!("p{i}@x.example") } else { p[i].to_string() })
                .collect()
        };
        let input = |id: usize, ix: &[usize], day: i64| InteractionInput {
            participants: who(ix),
            timestamp: Some(TimeInput::Millis((T0 - day * DAY) as f64)),
            channel: Some(["meeting", "email", "call"][id % 3].into()),
            ..interaction(&format!("i{id}"), &[])
        };
        // Declared edges: one that interactions will score, one they never do.
        block_on(db.upsert_edges(
            vec![
                EdgeInput { relationship_type: Some("advised".into()), ..edge(p[0], p[1]) },
                EdgeInput { relationship_type: Some("knows".into()), ..edge(p[4], p[5]) },
            ],
            &ctx(),
        )).unwrap();
        let mut xs: Vec<(usize, Vec<usize>, i64)> = Vec::new();
        let list: Vec<InteractionInput> = first
            .iter()
            .enumerate()
            .map(|(k, (ix, day))| {
                xs.push((k, ix.clone(), *day));
                input(k, ix, *day)
            })
            .collect();
        block_on(db.upsert_interactions(list, &ctx())).unwrap();
        let now = T0 + DAY;
        block_on(db.recompute_strengths(&ctx(), &at_now(now))).unwrap();
        let mut clock = T0;
        let mut erased: Vec<usize> = Vec::new();
        // Whether people were remapped (emails, merges): the check of the
        // counts against the interactions below assumes they were not.
        let mut remapped = false;
        for op in &ops {
            clock += 1000;
            let c = ctx_at(clock);
            let id_of = |db: &Db<MemoryBackend>, k: usize| {
                db.state().interactions.values().find(|i| i.source_id == format!("i{k}")).map(|i| i.id)
            };
            // Writes may be refused (an erased participant id): that is fine.
            match op {
                Op::Add(ix, day) => {
                    let k = xs.len();
                    if block_on(db.upsert_interaction(input(k, ix, *day), &c)).is_ok() {
                        xs.push((k, ix.clone(), *day));
                    }
                }
                Op::Delete(n) if !xs.is_empty() => {
                    if let Some(id) = id_of(&db, xs[n % xs.len()].0) {
                        let _ = block_on(db.delete(EntityKind::Interaction, id, &c));
                    }
                }
                Op::Repoint(n, ix) if !xs.is_empty() => {
                    let (k, _, day) = xs[n % xs.len()].clone();
                    let _ = block_on(db.upsert_interaction(input(k, ix, day), &c));
                }
                Op::Retime(n, day) if !xs.is_empty() => {
                    let (k, ix, _) = xs[n % xs.len()].clone();
                    let _ = block_on(db.upsert_interaction(input(k, &ix, *day), &c));
                }
                Op::Erase(i) if !erased.contains(i) => {
                    // Refused for a person merged away (erase her survivor).
                    let done = block_on(db.erase_person(p[*i], &c)).is_ok();
                    erased.extend(done.then_some(*i));
                }
                Op::Email(i, which) if !erased.contains(i) => {
                    let email = match which {
                        0 => format!("p{i}@x.example"),
                        1 => format!("z{i}@x.example"),
                        _ => format!("p{}@x.example", (i + 1) % 6),
                    };
                    let input = PersonInput {
                        id: Some(p[*i].to_string()),
                        names: vec![format!("P{i}")],
                        emails: vec![email],
                        ..Default::default()
                    };
                    remapped |= block_on(db.upsert_person(input, &c)).is_ok();
                }
                Op::Merge(i, j) => {
                    remapped |= block_on(db.merge_people(p[*i], &[p[*j]], serde_json::json!(null), &c)).is_ok();
                }
                Op::Unmerge => {
                    if let Some(m) = db.merges().into_iter().rev().find(|m| m.undone_at.is_none()) {
                        remapped |= block_on(db.unmerge(m.id, &c)).is_ok();
                    }
                }
                Op::DeleteOrRestore(i) if !erased.contains(i) => {
                    let done = match db.state().people.get(p[*i]).cloned() {
                        Some(q) if q.deleted_at.is_none() => {
                            block_on(db.delete(EntityKind::Person, p[*i], &c)).is_ok()
                        }
                        Some(_) => restore(&mut db, p[*i], &c).is_ok(),
                        None => false,
                    };
                    remapped |= done;
                }
                Op::Touched => {
                    block_on(db.recompute_strengths(&c, &touched_at(now))).unwrap();
                }
                Op::Reopen => db = reopen(&db),
                _ => {}
            }
        }
        clock += 1000;
        let c = ctx_at(clock);
        let mut full = fork(&db);
        let before = by_pair(&db);
        block_on(db.recompute_strengths(&c, &touched_at(now))).unwrap();
        block_on(full.recompute_strengths(&c, &at_now(now))).unwrap();
        let (touched, full) = (by_pair(&db), by_pair(&full));
        // The pairs by person index, and whether live: readable when it fails.
        let ix = |u: Uuid| p.iter().position(|x| *x == u);
        let pairs = |m: &BTreeMap<(Uuid, Uuid), Edge>| {
            let mut v: Vec<_> = m
                .iter()
                .map(|(k, e)| {
                    let (a, b) = (ix(k.0), ix(k.1));
                    (a.min(b), a.max(b), e.deleted_at.is_none())
                })
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(pairs(&touched), pairs(&full));
        prop_assert_eq!(
            touched.keys().collect::<Vec<_>>(),
            full.keys().collect::<Vec<_>>()
        );
        for (pair, t) in &touched {
            let f = &full[pair];
            prop_assert_eq!(shape(t), shape(f), "pair {:?} {:?} {:?}", pair, ix(pair.0), ix(pair.1));
            if before.get(pair) != Some(t) {
                prop_assert_eq!(t.strength.to_bits(), f.strength.to_bits(), "pair {:?} {:?} {:?}", pair, ix(pair.0), ix(pair.1));
                prop_assert_eq!(&t.strength_factors, &f.strength_factors, "pair {:?}", pair);
            }
        }
        if remapped {
            return Ok(());
        }
        // Every pair of live people who share a live interaction has a live
        // edge that counts it; a live edge counts only such interactions.
        let person_of = |text: &str| {
            (0..p.len()).find(|&i| {
                !erased.contains(&i) && (text == p[i].to_string() || text == format!("p{i}@x.example"))
            })
        };
        let mut shared: BTreeMap<(Uuid, Uuid), u32> = BTreeMap::new();
        for i in db.state().interactions.values().filter(|i| i.deleted_at.is_none()) {
            let mut ix: Vec<usize> = i.participants.iter().filter_map(|t| person_of(t)).collect();
            ix.sort_unstable();
            ix.dedup();
            for x in 0..ix.len() {
                for y in x + 1..ix.len() {
                    *shared.entry(pair_key(p[ix[x]], p[ix[y]])).or_default() += 1;
                }
            }
        }
        for (pair, e) in &touched {
            if e.deleted_at.is_none() && !e.strength_factors.is_empty() {
                prop_assert_eq!(shared.get(pair), Some(&e.interaction_count), "pair {:?}", pair);
            }
        }
        for (pair, n) in &shared {
            let e = &touched[pair];
            prop_assert!(e.deleted_at.is_none(), "pair {:?}", pair);
            prop_assert_eq!(e.interaction_count, *n, "pair {:?}", pair);
        }
    }
}
