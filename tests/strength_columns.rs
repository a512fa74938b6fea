//! The strength recompute reads interactions through columns that commits
//! keep current once built (participant texts interned). After updates,
//! deletions, new interactions, a merge and a new person who makes an
//! unknown email known, a recompute on the long-lived store must equal one
//! on a store freshly opened from the same data (columns built from
//! scratch): same report, same scores on every pair.

mod common;
use common::*;
use std::collections::BTreeMap;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, load_values, Backend, Db, MemoryBackend, RecomputeOptions, WriteSet,
};

/// A store opened from a copy of `db`'s stored values: both can write (one
/// opened on the same backend would be a second tab, refused as STALE after
/// the first one's write).
fn copy_of(db: &Db<MemoryBackend>) -> Db<MemoryBackend> {
    let copy = MemoryBackend::default();
    block_on(copy.write(WriteSet {
        puts: block_on(load_values(db.backend())).unwrap(),
        ..Default::default()
    }))
    .unwrap();
    block_on(Db::open(copy)).unwrap()
}

fn scores(db: &Db<MemoryBackend>) -> BTreeMap<(Uuid, Uuid), (u64, u32, Vec<u64>)> {
    db.state()
        .edges
        .values()
        .filter(|e| e.deleted_at.is_none())
        .map(|e| {
            let factors = e
                .strength_factors
                .iter()
                .map(|f| f.value.to_bits())
                .collect();
            (
                e.pair(),
                (e.strength.to_bits(), e.interaction_count, factors),
            )
        })
        .collect()
}

fn at(mut i: InteractionInput, day: i64) -> InteractionInput {
    i.timestamp = Some(TimeInput::Millis((T0 - day * 86_400_000) as f64));
    i
}

/// A meeting of p0–p3 (undated).
fn meeting_of_four() -> InteractionInput {
    interaction(
        "group",
        &[
            "p0@x.example",
            "p1@x.example",
            "p2@x.example",
            "p3@x.example",
        ],
    )
}

fn upsert_and_recompute(
    db: &mut Db<MemoryBackend>,
    list: Vec<InteractionInput>,
    opts: &RecomputeOptions,
) {
    block_on(db.upsert_interactions(list, &ctx())).unwrap();
    block_on(db.recompute_strengths(&ctx(), opts)).unwrap();
}

#[test]
fn recompute_after_writes_equals_recompute_on_a_fresh_open() {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        (0..6)
            .map(|i| person(&format!("P{i}"), &format!("p{i}@x.example")))
            .collect(),
    );
    let by_id = |k: usize| ids[k].to_string();
    let mut first: Vec<InteractionInput> = (0..30)
        .map(|k| {
            let (a, b) = (k % 6, (k * 5 + 1) % 6);
            let pa = format!("p{a}@x.example");
            at(
                interaction(&format!("i{k}"), &[&pa, &by_id(b), "stranger@y.example"]),
                k as i64,
            )
        })
        .collect();
    first.push(at(meeting_of_four(), 2));
    let opts = RecomputeOptions::default();
    upsert_and_recompute(&mut db, first, &opts);

    // Writes after the columns were built.
    let changed = at(interaction("i3", &["p4@x.example", "p5@x.example"]), 1);
    block_on(db.upsert_interactions(vec![changed], &ctx())).unwrap();
    let gone = db
        .state()
        .interactions
        .values()
        .find(|i| i.source_id == "i7")
        .unwrap()
        .id;
    block_on(db.delete(EntityKind::Interaction, gone, &ctx())).unwrap();
    let more: Vec<InteractionInput> = (30..60)
        .map(|k| {
            let (a, b) = (k % 6, (k * 7 + 2) % 6);
            at(
                interaction(
                    &format!("i{k}"),
                    &[
                        &format!("p{a}@x.example"),
                        &format!("p{b}@x.example"),
                        "new@z.example",
                    ],
                ),
                k as i64 - 30,
            )
        })
        .collect();
    block_on(db.upsert_interactions(more, &ctx())).unwrap();
    block_on(db.merge_people(ids[0], &[ids[1]], serde_json::json!({}), &ctx())).unwrap();
    people_ids(&mut db, vec![person("Stranger", "stranger@y.example")]);

    let mut fresh = copy_of(&db);
    let live = block_on(db.recompute_strengths(&ctx(), &opts)).unwrap();
    let cold = block_on(fresh.recompute_strengths(&ctx(), &opts)).unwrap();
    assert_eq!(live.interactions_used, cold.interactions_used);
    assert_eq!(live.interactions_skipped, cold.interactions_skipped);
    assert_eq!(live.unknown_participants, cold.unknown_participants);
    assert_eq!(live.pairs_scored, cold.pairs_scored);
    // The new person resolved the old unknown email; "new@z.example" is unknown.
    assert_eq!(
        live.unknown_participants.examples,
        vec!["new@z.example".to_string()]
    );
    assert_eq!(live.unknown_participants.count, 30);
    assert!(live.interactions_used == 60, "{live:?}");
    assert_eq!(scores(&db), scores(&fresh));
    assert!(scores(&db).len() > 6);
}

/// Erasing a person removes the interactions left with fewer than two
/// participants (a hard removal from the table, unlike a soft delete) and
/// rewrites the others: the columns follow both.
#[test]
fn recompute_after_an_erasure_equals_recompute_on_a_fresh_open() {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        (0..4)
            .map(|i| person(&format!("P{i}"), &format!("p{i}@x.example")))
            .collect(),
    );
    let pairs = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)];
    let mut all: Vec<InteractionInput> = pairs
        .iter()
        .enumerate()
        .map(|(k, &(a, b))| {
            at(
                interaction(
                    &format!("i{k}"),
                    &[&format!("p{a}@x.example"), &format!("p{b}@x.example")],
                ),
                k as i64,
            )
        })
        .collect();
    all.push(at(meeting_of_four(), 1));
    let opts = RecomputeOptions::default();
    upsert_and_recompute(&mut db, all, &opts);
    let before = db.state().interactions.len();
    block_on(db.erase_person(ids[3], &ctx())).unwrap();
    // i2, i3 and i5 named person 3 and one other: gone from the table.
    assert_eq!(db.state().interactions.len(), before - 3);

    let mut fresh = copy_of(&db);
    let live = block_on(db.recompute_strengths(&ctx(), &opts)).unwrap();
    let cold = block_on(fresh.recompute_strengths(&ctx(), &opts)).unwrap();
    assert_eq!(live.interactions_used, 4);
    assert_eq!(live.interactions_used, cold.interactions_used);
    // A removed interaction left behind in the columns would count as
    // skipped, its erased participant as unknown.
    assert_eq!(live.interactions_skipped, 0);
    assert_eq!(live.unknown_participants, cold.unknown_participants);
    assert_eq!(live.pairs_scored, cold.pairs_scored);
    assert_eq!(scores(&db), scores(&fresh));
}
