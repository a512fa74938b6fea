//! A merge rescores the edges it combines from the pooled interactions, in
//! the same transaction: the result equals a full recompute afterwards, and
//! unmerge restores the old scores exactly.

mod common;
use common::*;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, load_values, Backend, Db, MemoryBackend, RecomputeOptions, WriteSet,
};
use wig_graph::ErrorCode;

fn meeting(id: &str, a: &str, b: &str, day: i64) -> InteractionInput {
    InteractionInput {
        source_name: Some("calendar".into()),
        source_id: Some(id.into()),
        timestamp: Some(TimeInput::Millis((T0 - day * 86_400_000) as f64)),
        participants: vec![a.into(), b.into()],
        channel: Some("meeting".into()),
        direction: Some("two_way".into()),
        duration_minutes: Some(JsNumber(30.0)),
        ..Default::default()
    }
}

#[test]
fn merge_rescores_combined_edges_and_unmerge_restores_them() {
    merge_then_unmerge_scored_with(RecomputeOptions::default());
}

/// The merge rescores with the last recompute's options, not the defaults:
/// the full recompute after it still changes nothing.
#[test]
fn a_merge_rescores_with_the_last_recomputes_options() {
    merge_then_unmerge_scored_with(RecomputeOptions {
        half_life_days: Some(JsNumber(3.0)),
        embeddedness_weight: Some(JsNumber(0.0)),
        ..Default::default()
    });
}

fn merge_then_unmerge_scored_with(opts: RecomputeOptions) {
    let mut db = open();
    let people = block_on(db.upsert_people(
        vec![
            person("Ada Lovelace", "ada@x.example"),
            person("A. Lovelace", "ada.l@y.example"),
            person("Carol", "carol@z.example"),
        ],
        &ctx(),
    ))
    .unwrap();
    let (ada, ada2, carol) = (people[0].id, people[1].id, people[2].id);
    let mut interactions: Vec<InteractionInput> = (0..5)
        .map(|i| {
            meeting(
                &format!("m{i}"),
                "ada@x.example",
                "carol@z.example",
                10 + i * 7,
            )
        })
        .collect();
    interactions.extend((0..3).map(|i| {
        meeting(
            &format!("n{i}"),
            "ada.l@y.example",
            "carol@z.example",
            3 + i * 5,
        )
    }));
    block_on(db.upsert_interactions(interactions, &ctx())).unwrap();
    block_on(db.recompute_strengths(&ctx(), &opts)).unwrap();
    let edge_of = |db: &wig_graph::store::Db<wig_graph::store::MemoryBackend>, a: Uuid, b: Uuid| {
        db.state()
            .edges
            .values()
            .find(|e| e.pair() == pair_key(a, b) && e.deleted_at.is_none())
            .cloned()
    };
    let (e1, e2) = (
        edge_of(&db, ada, carol).unwrap(),
        edge_of(&db, ada2, carol).unwrap(),
    );
    assert_eq!((e1.interaction_count, e2.interaction_count), (5, 3));

    let record = block_on(db.merge_people(ada, &[ada2], serde_json::json!({}), &ctx())).unwrap();
    let combined = edge_of(&db, ada, carol).unwrap();
    assert_eq!(
        combined.interaction_count, 8,
        "scored from the pooled interactions"
    );
    let sum: f64 = combined
        .strength_factors
        .iter()
        .map(|f| f.contribution)
        .sum();
    assert!(
        (sum - combined.strength).abs() < 1e-9,
        "the factors still explain the score"
    );
    assert!(combined.strength > e1.strength.min(e2.strength));
    // The merge's rescoring is what a full recompute now says: it changes nothing.
    let report = block_on(db.recompute_strengths(&ctx(), &opts)).unwrap();
    assert_eq!(
        (report.edges_updated, report.edges_created),
        (0, 0),
        "{report:?}"
    );

    // So the merge can be undone, and the two edges get their own scores back.
    block_on(db.unmerge(record.id, &ctx())).unwrap();
    assert_eq!(edge_of(&db, ada, carol).unwrap(), e1);
    assert_eq!(edge_of(&db, ada2, carol).unwrap(), e2);
}

/// Ada, her duplicate and Carol (ada@x.example, ada.l@y.example, carol@z.example).
fn two_adas_and_carol() -> (Db<MemoryBackend>, Uuid, Uuid, Uuid) {
    let mut db = open();
    let p = people_ids(
        &mut db,
        vec![
            person("Ada Lovelace", "ada@x.example"),
            person("A. Lovelace", "ada.l@y.example"),
            person("Carol", "carol@z.example"),
        ],
    );
    (db, p[0], p[1], p[2])
}

/// A recompute after a merge (a day later: every score decays, every edge
/// the merge wrote is rewritten) is no edit of the user's: the merge can
/// still be undone, its edges come back exactly as before it, and the next
/// touched recompute gives them what a full one does. An edit of the edge
/// after it, its strength included, still blocks the undo.
#[test]
fn a_recompute_after_a_merge_does_not_block_its_undo() {
    const DAY: f64 = 86_400_000.0;
    let at = |days: f64| RecomputeOptions {
        now: Some(JsNumber(T0 as f64 + days * DAY)),
        ..Default::default()
    };
    let touched = |days: f64| RecomputeOptions {
        only: Some("touched".into()),
        ..at(days)
    };
    for edit in ["none", "relationship type", "strength"] {
        let edit_too = edit != "none";
        let (mut db, ada, ada2, carol) = two_adas_and_carol();
        let list = vec![
            meeting("m0", "ada@x.example", "carol@z.example", 10),
            meeting("m1", "ada.l@y.example", "carol@z.example", 3),
        ];
        block_on(db.upsert_interactions(list, &ctx())).unwrap();
        block_on(db.recompute_strengths(&ctx_at(T0 + 1), &at(0.0))).unwrap();
        let before: Vec<Edge> = [ada, ada2]
            .iter()
            .map(|x| {
                db.edge(db.state().edge_for_pair(pair_key(*x, carol)).unwrap().id)
                    .unwrap()
                    .clone()
            })
            .collect();
        let record =
            block_on(db.merge_people(ada, &[ada2], serde_json::json!({}), &ctx_at(T0 + 2)))
                .unwrap();
        let report = block_on(db.recompute_strengths(&ctx_at(T0 + 3), &at(1.0))).unwrap();
        assert!(report.edges_updated > 0, "{report:?}");
        if edit_too {
            let e = db
                .state()
                .edge_for_pair(pair_key(ada, carol))
                .unwrap()
                .clone();
            // Either field: a strength the user sets is hers, not a score.
            let input = if edit == "strength" {
                EdgeInput {
                    id: Some(e.id.to_string()),
                    strength: Some(JsNumber(0.95)),
                    ..edge(ada, carol)
                }
            } else {
                EdgeInput {
                    id: Some(e.id.to_string()),
                    relationship_type: Some("advised".into()),
                    ..edge(ada, carol)
                }
            };
            block_on(db.upsert_edge(input, &ctx_at(T0 + 4))).unwrap();
            let err = block_on(db.unmerge(record.id, &ctx_at(T0 + 5))).unwrap_err();
            assert_eq!(err.code, ErrorCode::UnmergeConflict, "{edit}: {err}");
            continue;
        }
        block_on(db.unmerge(record.id, &ctx_at(T0 + 5))).unwrap();
        for (x, old) in [ada, ada2].iter().zip(&before) {
            let now = db.state().edge_for_pair(pair_key(*x, carol)).unwrap();
            assert_eq!(now, old, "back as before the merge");
        }
        // A copy of the graph in a backend of its own.
        let copy = MemoryBackend::default();
        let puts = block_on(load_values(db.backend())).unwrap();
        block_on(copy.write(WriteSet {
            puts,
            ..Default::default()
        }))
        .unwrap();
        let mut full = block_on(Db::open(copy)).unwrap();
        block_on(db.recompute_strengths(&ctx_at(T0 + 6), &touched(1.0))).unwrap();
        block_on(full.recompute_strengths(&ctx_at(T0 + 6), &at(1.0))).unwrap();
        for x in [ada, ada2] {
            let (t, f) = (
                db.state().edge_for_pair(pair_key(x, carol)).unwrap(),
                full.state().edge_for_pair(pair_key(x, carol)).unwrap(),
            );
            assert_eq!(t.strength.to_bits(), f.strength.to_bits());
            assert_eq!(t.interaction_count, 1);
        }
    }
}

/// A recompute that clears an edge the merge wrote (its interactions were
/// deleted since) does not block the undo either.
#[test]
fn an_edge_a_recompute_cleared_after_a_merge_does_not_block_its_undo() {
    let (mut db, ada, ada2, carol) = two_adas_and_carol();
    let xs = block_on(db.upsert_interactions(
        vec![meeting("m1", "ada.l@y.example", "carol@z.example", 3)],
        &ctx(),
    ))
    .unwrap();
    block_on(db.recompute_strengths(&ctx_at(T0 + 1), &RecomputeOptions::default())).unwrap();
    let record =
        block_on(db.merge_people(ada, &[ada2], serde_json::json!({}), &ctx_at(T0 + 2))).unwrap();
    let moved = db
        .state()
        .edge_for_pair(pair_key(ada, carol))
        .unwrap()
        .clone();
    assert!(
        record.edges_after.iter().any(|e| e.id == moved.id),
        "the merge wrote it"
    );
    block_on(db.delete(EntityKind::Interaction, xs[0].id, &ctx_at(T0 + 3))).unwrap();
    let r =
        block_on(db.recompute_strengths(&ctx_at(T0 + 4), &RecomputeOptions::default())).unwrap();
    assert_eq!(r.edges_cleared, 1, "{r:?}");
    block_on(db.unmerge(record.id, &ctx_at(T0 + 5))).unwrap();
    let back = db.state().edge_for_pair(pair_key(ada2, carol)).unwrap();
    assert!(back.deleted_at.is_none(), "back as before the merge");
}
