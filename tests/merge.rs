//! Merge, unmerge and match rejections over the in-memory backend: every
//! rule, every error, and properties on random small graphs (unmerge restores
//! byte-identical tables, the order of sources does not matter, reopening
//! reads back what is in memory).

mod common;
use common::*;
use proptest::prelude::*;
use serde_json::json;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, codec, Backend, ChangeOp, Db, ListOptions, MemoryBackend, WriteSet,
};
use wig_graph::ErrorCode;

const T1: i64 = T0 + 60_000;
const T2: i64 = T0 + 120_000;
const T3: i64 = T0 + 180_000;

fn all() -> ListOptions {
    ListOptions {
        limit: Some(10_000),
        include_deleted: true,
        ..Default::default()
    }
}

/// People, organizations, edges and interactions, as the store encodes
/// them (not audit or outbox, which grow with every call).
fn tables(db: &Db<MemoryBackend>) -> (Vec<u8>, String) {
    let t = (
        db.list_people(&all()).unwrap().items,
        db.list_organizations(&all()).unwrap().items,
        db.list_edges(&all()).unwrap().items,
        db.list_interactions(&all()).unwrap().items,
    );
    (codec::encode(&t), serde_json::to_string(&t).unwrap())
}

fn p(names: &[&str], emails: &[&str]) -> PersonInput {
    PersonInput {
        names: names.iter().map(|s| s.to_string()).collect(),
        emails: emails.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn err_of<T>(r: wig_graph::error::Result<T>) -> (ErrorCode, String) {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => (e.code, e.field.unwrap_or_default()),
    }
}

fn edge_between(db: &Db<MemoryBackend>, a: Uuid, b: Uuid) -> Option<Edge> {
    db.state()
        .edge_by_pair()
        .get(&pair_key(a, b))
        .and_then(|id| db.edge(*id))
        .cloned()
}

#[test]
fn merge_unions_fields_fills_scalars_and_marks_sources() {
    let mut db = open();
    let org = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Acme".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap()
    .id;
    let mut target = p(&["Ada Lovelace"], &["ada@example.org"]);
    target.social_handles = [("github".to_string(), "ada".to_string())].into();
    // "ada lovelace" is the target's name in another case: kept once, as
    // a write of the merged record would keep it.
    let mut s1 = p(
        &["Ada King", "ada lovelace"],
        &["ada@work.example", "ada@example.org"],
    );
    s1.social_handles = [
        ("github".to_string(), "ada-k".to_string()),
        ("x".to_string(), "adak".to_string()),
    ]
    .into();
    s1.title = Some("Countess".into());
    s1.organization_id = Some(org.to_string());
    s1.phones = vec!["+1 415 555 0100".into()];
    let mut s2 = p(&["A. Lovelace"], &[]);
    s2.birth_date = Some("1815-12-10".into());
    s2.title = Some("Mathematician".into());
    let ids = people_ids(&mut db, vec![target, s1, s2]);
    let (t, a, b) = (ids[0], ids[1], ids[2]);
    let mut sources = vec![a, b];
    sources.sort();
    let m = block_on(db.merge_people(t, &[b, a], json!({ "score": 0.97 }), &ctx_at(T1))).unwrap();
    assert_eq!(m.source_ids, sources);
    assert_eq!(m.target_id, t);
    let merged = db.person(t).unwrap();
    // Target first, then the sources in id order.
    let (first, second) = if a < b {
        (vec!["Ada King"], vec!["A. Lovelace"])
    } else {
        (vec!["A. Lovelace"], vec!["Ada King"])
    };
    let expected: Vec<&str> = ["Ada Lovelace"]
        .into_iter()
        .chain(first)
        .chain(second)
        .collect();
    assert_eq!(merged.names, expected);
    assert_eq!(merged.emails, vec!["ada@example.org", "ada@work.example"]);
    assert_eq!(merged.phones.len(), 1);
    assert_eq!(
        merged.social_handles["github"], "ada",
        "the target wins a conflict"
    );
    assert_eq!(merged.social_handles["x"], "adak");
    let first_title = if a < b { "Countess" } else { "Mathematician" };
    assert_eq!(merged.title.as_deref(), Some(first_title));
    assert_eq!(merged.organization_id, Some(org));
    assert_eq!(merged.birth_date.as_deref(), Some("1815-12-10"));
    assert_eq!(merged.previous_ids, sources);
    assert_eq!(
        merged.merge_explanation,
        Some(Metadata(json!({ "score": 0.97 })))
    );
    assert_eq!(merged.updated_at, Timestamp::from_millis(T1));
    for s in [a, b] {
        assert_eq!(db.person(s).unwrap().merged_into, Some(t));
    }
    // Sources stay stored but leave queries.
    assert_eq!(
        db.list_people(&ListOptions::default()).unwrap().items.len(),
        1
    );
    assert_eq!(db.list_people(&all()).unwrap().items.len(), 3);
    assert_eq!(db.stats().merged_away, 2);
    assert_eq!(db.stats().people, 1);
    let audit = db.audit(1, None);
    assert_eq!(audit[0].action, "merge");
    assert_eq!(audit[0].entity_id, Some(t));
    assert_eq!(db.merges(), vec![m]);
}

#[test]
fn previous_ids_carry_earlier_merges() {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        vec![p(&["A"], &[]), p(&["B"], &[]), p(&["C"], &[])],
    );
    block_on(db.merge_people(ids[1], &[ids[2]], json!(null), &ctx_at(T1))).unwrap();
    block_on(db.merge_people(ids[0], &[ids[1]], json!(null), &ctx_at(T2))).unwrap();
    assert_eq!(
        db.person(ids[0]).unwrap().previous_ids,
        vec![ids[1], ids[2]]
    );
}

/// Target t, sources a and b, others x, y, z:
/// t–x, a–x (duplicate after re-pointing), a–y (re-pointed), a–t and a–b (self-edges), b–z.
fn edge_graph() -> (Db<MemoryBackend>, [Uuid; 6]) {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        ["t", "a", "b", "x", "y", "z"]
            .iter()
            .map(|n| p(&[n], &[]))
            .collect(),
    );
    let [t, a, b, x, y, z] = [ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]];
    let e = |from: Uuid,
             to: Uuid,
             strength: f64,
             count: f64,
             first: &str,
             last: &str,
             channels: &[&str],
             sources: &[&str]| EdgeInput {
        from_person_id: Some(from.to_string()),
        to_person_id: Some(to.to_string()),
        strength: Some(JsNumber(strength)),
        interaction_count: Some(JsNumber(count)),
        first_seen_at: Some(TimeInput::Text(first.into())),
        last_seen_at: Some(TimeInput::Text(last.into())),
        channels: channels.iter().map(|s| s.to_string()).collect(),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    block_on(db.upsert_edges(
        vec![
            e(
                t,
                x,
                0.4,
                3.0,
                "2024-01-01T00:00:00Z",
                "2024-03-01T00:00:00Z",
                &["meeting"],
                &["gmail"],
            ),
            e(
                x,
                a,
                0.9,
                2.0,
                "2023-06-01T00:00:00Z",
                "2024-02-01T00:00:00Z",
                &["email", "call"],
                &["calendar", "gmail"],
            ),
            e(
                a,
                y,
                0.5,
                1.0,
                "2024-01-01T00:00:00Z",
                "2024-01-02T00:00:00Z",
                &[],
                &[],
            ),
            e(
                a,
                t,
                0.5,
                1.0,
                "2024-01-01T00:00:00Z",
                "2024-01-02T00:00:00Z",
                &[],
                &[],
            ),
            e(
                a,
                b,
                0.5,
                1.0,
                "2024-01-01T00:00:00Z",
                "2024-01-02T00:00:00Z",
                &[],
                &[],
            ),
            e(
                z,
                b,
                0.5,
                1.0,
                "2024-01-01T00:00:00Z",
                "2024-01-02T00:00:00Z",
                &[],
                &[],
            ),
        ],
        &ctx(),
    ))
    .unwrap();
    (db, [t, a, b, x, y, z])
}

#[test]
fn merge_repoints_edges_combines_duplicates_and_leaves_folded_edges_behind() {
    let (mut db, [t, a, b, x, y, z]) = edge_graph();
    let tx = edge_between(&db, t, x).unwrap();
    let ax = edge_between(&db, a, x).unwrap();
    let (at, ab) = (
        edge_between(&db, a, t).unwrap(),
        edge_between(&db, a, b).unwrap(),
    );
    let m = block_on(db.merge_people(t, &[a, b], json!({}), &ctx_at(T1))).unwrap();

    let combined = edge_between(&db, t, x).unwrap();
    assert_eq!(combined.id, tx.id, "the target's own edge is kept");
    assert_eq!(combined.interaction_count, 5);
    assert_eq!(combined.first_seen_at, ax.first_seen_at);
    assert_eq!(combined.last_seen_at, tx.last_seen_at);
    assert_eq!(combined.strength, 0.9);
    assert_eq!(
        combined.channels,
        vec![Channel::Email, Channel::Meeting, Channel::Call]
    );
    assert_eq!(combined.sources, vec!["calendar", "gmail"]);
    assert_eq!(combined.strength_factors, tx.strength_factors);
    assert_eq!(combined.updated_at, Timestamp::from_millis(T1));
    let ty = edge_between(&db, t, y).unwrap();
    assert_eq!(
        (ty.from_person_id, ty.to_person_id),
        (t, y),
        "re-pointed in place"
    );
    let tz = edge_between(&db, t, z).unwrap();
    assert_eq!((tz.from_person_id, tz.to_person_id), (z, t));
    // Nothing is erased: the folded duplicate and the self-edges stay as
    // they were on the merged-away people, out of the graph with them.
    for e in [&ax, &at, &ab] {
        assert_eq!(db.edge(e.id), Some(e), "left as it was");
    }
    assert_eq!(m.edges_folded, 1);
    assert!(m.removed_edge_ids.is_empty());
    assert_eq!(db.stats().edges, 3);
    assert_eq!(
        db.stats().merged_away,
        2 + 3,
        "two people, three edges on them"
    );
    let listed = db.list_edges(&Default::default()).unwrap().items;
    assert_eq!(listed.len(), 3, "listEdges shows the live graph's edges");
    assert!(listed.iter().all(|e| [tx.id, ty.id, tz.id].contains(&e.id)));
    let all = ListOptions {
        include_deleted: true,
        ..Default::default()
    };
    assert_eq!(db.list_edges(&all).unwrap().items.len(), 6);
    let ids = |edges: &[Edge]| {
        let mut ids: Vec<Uuid> = edges.iter().map(|e| e.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&m.edges_before),
        ids(&[tx.clone(), ty.clone(), tz.clone()])
    );
    assert_eq!(ids(&m.edges_after), ids(&m.edges_before));
    // The search index has only the survivor's edges.
    let mut neighbors: Vec<Uuid> = db
        .edges_of(t, &Default::default())
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    neighbors.sort();
    assert_eq!(neighbors, ids(&[tx.clone(), ty.clone(), tz.clone()]));

    // One outbox entry: upserts of target, sources and rewritten edges; no erase.
    let entry = db.state().outbox.values().last().unwrap();
    assert!(entry.changes.iter().all(|c| c.op == ChangeOp::Upsert));
    assert_eq!(
        entry
            .changes
            .iter()
            .filter(|c| c.kind == EntityKind::Person)
            .count(),
        3
    );
    assert_eq!(
        entry
            .changes
            .iter()
            .filter(|c| c.kind == EntityKind::Edge)
            .count(),
        3
    );
}

/// An edge a merge left on a merged-away person is read-only until
/// unmerge, which puts it back as it was: deleting it, or moving it to
/// live people by its id, is refused (`MERGED_AWAY`).
#[test]
fn edges_left_on_a_merged_away_person_are_read_only() {
    let (mut db, [t, a, _, x, _, z]) = edge_graph();
    let before = tables(&db);
    let ax = edge_between(&db, a, x).unwrap();
    let m = block_on(db.merge_people(t, &[a], json!(null), &ctx_at(T1))).unwrap();
    assert_eq!(
        err_of(block_on(db.delete(EntityKind::Edge, ax.id, &ctx_at(T2)))),
        (ErrorCode::MergedAway, "id".into())
    );
    let moved = EdgeInput {
        id: Some(ax.id.to_string()),
        ..edge(t, z)
    };
    let (code, _) = err_of(block_on(db.upsert_edge(moved, &ctx_at(T2))));
    assert_eq!(code, ErrorCode::MergedAway);
    block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap();
    assert_eq!(tables(&db), before);
}

#[test]
fn a_merge_is_one_write() {
    let (mut db, [t, a, b, ..]) = edge_graph();
    let p = db
        .prepare_merge_people(t, &[a, b], json!(null), &ctx_at(T1))
        .unwrap();
    assert!(p
        .set
        .puts
        .iter()
        .any(|(s, _, _)| *s == wig_graph::store::StoreName::Merges));
    assert!(p
        .set
        .puts
        .iter()
        .any(|(s, _, _)| *s == wig_graph::store::StoreName::Audit));
    // A failed write changes nothing, in memory or in storage.
    let before = tables(&db);
    db.backend().set_fail_writes(true);
    assert_eq!(
        err_of(block_on(db.merge_people(
            t,
            &[a, b],
            json!(null),
            &ctx_at(T1)
        )))
        .0,
        ErrorCode::Storage
    );
    db.backend().set_fail_writes(false);
    assert_eq!(tables(&db), before);
    assert!(db.merges().is_empty());
}

#[test]
fn unmerge_restores_the_exact_prior_state() {
    let (mut db, [t, a, b, ..]) = edge_graph();
    let before = tables(&db);
    let m =
        block_on(db.merge_people(t, &[a, b], json!({ "why": "same email" }), &ctx_at(T1))).unwrap();
    assert_ne!(tables(&db), before);
    block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
    assert_eq!(tables(&db), before);
    assert_eq!(
        db.merge_record(m.id).unwrap().undone_at,
        Some(Timestamp::from_millis(T2))
    );
    assert_eq!(db.audit(1, None)[0].action, "unmerge");
    // The pair index follows: the restored edges can be found by pair again.
    for e in &m.edges_before {
        let (x, y) = e.pair();
        assert_eq!(edge_between(&db, x, y).unwrap().id, e.id);
    }
    // And it survives reopening.
    let reopened = block_on(Db::open(db.backend().clone())).unwrap();
    assert_eq!(tables(&reopened), before);
    assert_eq!(reopened.merges(), db.merges());
}

/// A deleted relationship neither hides a live one nor comes back through a
/// merge: the kept edge is the live one, whichever side it was on, and the
/// deleted one adds neither its strength nor its metadata.
#[test]
fn a_merge_keeps_live_edges_over_deleted_ones() {
    for target_side_deleted in [true, false] {
        let mut db = open();
        let [t, s, bob] = [
            p(&["Ada Lovelace"], &["ada@acme.example"]),
            p(&["Ada L."], &["ada@home.example"]),
            p(&["Bob Smith"], &["bob@x.example"]),
        ]
        .map(|i| block_on(db.upsert_person(i, &ctx())).unwrap().id);
        let edge = |from: Uuid, strength: f64, note: &str| EdgeInput {
            from_person_id: Some(from.to_string()),
            to_person_id: Some(bob.to_string()),
            strength: Some(JsNumber(strength)),
            metadata: Some(json!({ "note": note })),
            ..Default::default()
        };
        let on_target = block_on(db.upsert_edge(edge(t, 0.3, "target"), &ctx())).unwrap();
        let on_source = block_on(db.upsert_edge(edge(s, 0.9, "source"), &ctx())).unwrap();
        let (deleted, live) = if target_side_deleted {
            (&on_target, &on_source)
        } else {
            (&on_source, &on_target)
        };
        block_on(db.delete(EntityKind::Edge, deleted.id, &ctx())).unwrap();
        let before = tables(&db);
        let m = block_on(db.merge_people(t, &[s], json!(null), &ctx_at(T1))).unwrap();
        let kept = edge_between(&db, t, bob).expect("the live relationship stays");
        assert_eq!(kept.id, on_target.id, "the pair's record is the target's");
        assert!(kept.deleted_at.is_none());
        assert_eq!(kept.strength, live.strength);
        assert_eq!(kept.metadata, live.metadata);
        // The source's edge stays as it was, on the merged-away source.
        let left = db.edge(on_source.id).unwrap();
        assert_eq!(left.deleted_at.is_some(), !target_side_deleted);
        assert_eq!(
            (left.from_person_id, left.updated_at),
            (s, on_source.updated_at)
        );
        let _ = deleted;
        block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
        assert_eq!(tables(&db), before);
    }
}

#[test]
fn unmerge_refuses_twice_and_unknown_ids() {
    let (mut db, [t, a, ..]) = edge_graph();
    let m = block_on(db.merge_people(t, &[a], json!(null), &ctx_at(T1))).unwrap();
    block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
    let e = block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::UnmergeConflict, Some("mergeId"))
    );
    assert!(e.reason.contains("already undone"), "{}", e.reason);
    assert_eq!(
        err_of(block_on(db.unmerge(Uuid::new_v4(), &ctx_at(T3)))),
        (ErrorCode::NotFound, "mergeId".into())
    );
}

#[test]
fn unmerge_refuses_when_the_target_changed_after_the_merge() {
    let (mut db, [t, a, ..]) = edge_graph();
    let m = block_on(db.merge_people(t, &[a], json!(null), &ctx_at(T1))).unwrap();
    let mut input = p(&["t renamed"], &[]);
    input.id = Some(t.to_string());
    block_on(db.upsert_person(input, &ctx_at(T2))).unwrap();
    let before = tables(&db);
    let e = block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::UnmergeConflict, Some("mergeId"))
    );
    assert!(
        e.reason.contains(&format!("person {t} was modified")),
        "{}",
        e.reason
    );
    assert_eq!(tables(&db), before, "a refused unmerge changes nothing");
}

#[test]
fn unmerge_refuses_when_a_kept_edge_changed_after_the_merge() {
    let (mut db, [t, a, _, x, ..]) = edge_graph();
    let m = block_on(db.merge_people(t, &[a], json!(null), &ctx_at(T1))).unwrap();
    let kept = edge_between(&db, t, x).unwrap();
    block_on(db.upsert_edge(
        EdgeInput {
            id: Some(kept.id.to_string()),
            strength: Some(JsNumber(0.1)),
            ..edge(t, x)
        },
        &ctx_at(T2),
    ))
    .unwrap();
    let e = block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnmergeConflict);
    assert!(
        e.reason.contains(&format!("edge {}", kept.id)),
        "{}",
        e.reason
    );
}

#[test]
fn unmerge_refuses_while_a_later_merge_of_the_same_records_is_in_effect() {
    let (mut db, [t, a, b, x, ..]) = edge_graph();
    let before = tables(&db);
    let first = block_on(db.merge_people(t, &[a], json!(null), &ctx_at(T1))).unwrap();
    let second = block_on(db.merge_people(x, &[t, b], json!(null), &ctx_at(T2))).unwrap();
    let e = block_on(db.unmerge(first.id, &ctx_at(T3))).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnmergeConflict);
    assert!(e.reason.contains(&second.id.to_string()), "{}", e.reason);
    // Undone newest first, both come back to the original state.
    block_on(db.unmerge(second.id, &ctx_at(T3))).unwrap();
    block_on(db.unmerge(first.id, &ctx_at(T3 + 1))).unwrap();
    assert_eq!(tables(&db), before);
    assert_eq!(
        db.merges().iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![second.id, first.id],
        "newest first"
    );
}

#[test]
fn merge_errors_name_their_field() {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        vec![
            p(&["A"], &[]),
            p(&["B"], &[]),
            p(&["C"], &[]),
            p(&["D"], &[]),
            p(&["E"], &[]),
        ],
    );
    let [t, a, b, c, d] = [ids[0], ids[1], ids[2], ids[3], ids[4]];
    let merge = |db: &Db<MemoryBackend>, target: Uuid, sources: &[Uuid]| {
        err_of(db.prepare_merge_people(target, sources, json!(null), &ctx_at(T1)))
    };
    assert_eq!(
        merge(&db, Uuid::new_v4(), &[a]),
        (ErrorCode::NotFound, "targetId".into())
    );
    assert_eq!(
        merge(&db, t, &[a, Uuid::new_v4()]),
        (ErrorCode::NotFound, "sourceIds[1]".into())
    );
    assert_eq!(
        merge(&db, t, &[]),
        (ErrorCode::InvalidInput, "sourceIds".into())
    );
    assert_eq!(
        merge(&db, t, &vec![a; 101]),
        (ErrorCode::TooLarge, "sourceIds".into())
    );
    assert_eq!(
        merge(&db, t, &[a, t]),
        (ErrorCode::InvalidInput, "sourceIds[1]".into())
    );
    assert_eq!(
        merge(&db, t, &[a, b, a]),
        (ErrorCode::DuplicateId, "sourceIds[2]".into())
    );
    assert_eq!(
        err_of(db.prepare_merge_people(t, &[a], json!([1]), &ctx_at(T1))),
        (ErrorCode::InvalidJson, "explanation".into())
    );
    assert_eq!(
        err_of(db.prepare_merge_organizations(t, &[a], json!(null), &ctx_at(T1))),
        (ErrorCode::NotFound, "targetId".into()),
        "people are not organizations"
    );
    block_on(db.delete(EntityKind::Person, d, &ctx_at(T1))).unwrap();
    assert_eq!(
        merge(&db, t, &[d]),
        (ErrorCode::NotFound, "sourceIds[0]".into())
    );
    assert_eq!(
        merge(&db, d, &[a]),
        (ErrorCode::NotFound, "targetId".into())
    );
    block_on(db.merge_people(c, &[b], json!(null), &ctx_at(T1))).unwrap();
    assert_eq!(
        merge(&db, t, &[a, b]),
        (ErrorCode::MergedAway, "sourceIds[1]".into())
    );
    assert_eq!(
        merge(&db, b, &[a]),
        (ErrorCode::MergedAway, "targetId".into())
    );
    // 100 sources is the limit, not an error.
    let many = people_ids(&mut db, (0..100).map(|_| p(&["Same Name"], &[])).collect());
    block_on(db.merge_people(t, &many, json!(null), &ctx_at(T2))).unwrap();
    assert_eq!(db.person(t).unwrap().names, vec!["A", "Same Name"]);
    assert_eq!(db.person(t).unwrap().previous_ids.len(), 100);
}

#[test]
fn a_merge_that_would_overflow_a_list_is_refused() {
    let mut db = open();
    let emails = |k: usize| {
        (0..30)
            .map(|i| format!("p{k}.{i}@example.org"))
            .collect::<Vec<_>>()
    };
    let a = PersonInput {
        names: vec!["A".into()],
        emails: emails(0),
        ..Default::default()
    };
    let b = PersonInput {
        names: vec!["B".into()],
        emails: emails(1),
        ..Default::default()
    };
    let ids = people_ids(&mut db, vec![a, b]);
    assert_eq!(
        err_of(db.prepare_merge_people(ids[0], &[ids[1]], json!(null), &ctx_at(T1))),
        (ErrorCode::TooLarge, "emails".into())
    );
}

#[test]
fn a_merge_that_would_overflow_a_combined_edge_is_refused() {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        vec![p(&["T"], &[]), p(&["A"], &[]), p(&["X"], &[])],
    );
    let sources = |k: usize| (0..30).map(|i| format!("src-{k}-{i}")).collect::<Vec<_>>();
    block_on(db.upsert_edges(
        vec![
            EdgeInput {
                sources: sources(0),
                ..edge(ids[0], ids[2])
            },
            EdgeInput {
                sources: sources(1),
                ..edge(ids[1], ids[2])
            },
        ],
        &ctx(),
    ))
    .unwrap();
    assert_eq!(
        err_of(db.prepare_merge_people(ids[0], &[ids[1]], json!(null), &ctx_at(T1))),
        (ErrorCode::TooLarge, "sourceIds".into())
    );
}

#[test]
fn organization_merges_repoint_people_and_unmerge_restores_them() {
    let mut db = open();
    let orgs = block_on(db.upsert_organizations(
        vec![
            OrganizationInput {
                name: Some("Acme".into()),
                metadata: Some(json!({ "tier": 1 })),
                ..Default::default()
            },
            OrganizationInput {
                name: Some("ACME Inc".into()),
                domain: Some("acme.com".into()),
                metadata: Some(json!({ "tier": 2, "hq": "NYC" })),
                ..Default::default()
            },
        ],
        &ctx(),
    ))
    .unwrap();
    let (t, s) = (orgs[0].id, orgs[1].id);
    let mut ada = p(&["Ada"], &[]);
    ada.organization_id = Some(s.to_string());
    let ids = people_ids(&mut db, vec![ada, p(&["Bob"], &[])]);
    let before = tables(&db);
    let m =
        block_on(db.merge_organizations(t, &[s], json!({ "by": "domain" }), &ctx_at(T1))).unwrap();
    let merged = db.organization(t).unwrap();
    assert_eq!(merged.name, "Acme");
    assert_eq!(merged.domain.as_deref(), Some("acme.com"));
    assert_eq!(merged.metadata.0, json!({ "tier": 1, "hq": "NYC" }));
    assert_eq!(merged.previous_ids, vec![s]);
    assert_eq!(db.organization(s).unwrap().merged_into, Some(t));
    assert_eq!(db.person(ids[0]).unwrap().organization_id, Some(t));
    assert_eq!(
        db.list_organizations(&ListOptions::default())
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(m.people_before.len(), 1);
    // A merged-away organization cannot be referenced any more.
    let mut late = p(&["Late"], &[]);
    late.organization_id = Some(s.to_string());
    assert_eq!(
        err_of(block_on(db.upsert_person(late, &ctx_at(T1)))).0,
        ErrorCode::MergedAway
    );
    block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
    assert_eq!(tables(&db), before);
}

#[test]
fn rejections_are_durable_and_independent_of_merges() {
    let (mut db, [t, a, b, ..]) = edge_graph();
    let r = block_on(db.reject_match(a, t, &ctx_at(T1))).unwrap();
    assert_eq!((r.a, r.b), pair_key(a, t));
    assert_eq!(r.kind, EntityKind::Person);
    assert!(db.is_rejected(t, a) && db.is_rejected(a, t));
    assert!(!db.is_rejected(t, b));
    let audit_len = db.audit(10_000, None).len();
    block_on(db.reject_match(t, a, &ctx_at(T2))).unwrap();
    assert_eq!(
        db.audit(10_000, None).len(),
        audit_len,
        "recording a pair twice is a no-op"
    );
    assert_eq!(db.rejected_pairs(), vec![r.clone()]);
    // Survives reopening.
    let reopened = block_on(Db::open(db.backend().clone())).unwrap();
    assert!(reopened.is_rejected(a, t));
    assert_eq!(reopened.rejected_pairs(), vec![r.clone()]);
    // Merging a rejected pair is allowed; unmerge leaves the rejection.
    let m = block_on(db.merge_people(t, &[a], json!(null), &ctx_at(T2))).unwrap();
    block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap();
    assert!(db.is_rejected(a, t));
    // GDPR erasure takes the rejection with it.
    block_on(db.erase_person(a, &ctx_at(T3))).unwrap();
    assert!(db.rejected_pairs().is_empty());
    assert!(block_on(Db::open(db.backend().clone()))
        .unwrap()
        .rejected_pairs()
        .is_empty());
}

#[test]
fn rejection_errors_name_their_field() {
    let mut db = open();
    let ids = people_ids(
        &mut db,
        vec![p(&["A"], &[]), p(&["B"], &[]), p(&["C"], &[])],
    );
    let org = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Acme".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap()
    .id;
    let reject = |db: &Db<MemoryBackend>, a: Uuid, b: Uuid| {
        err_of(db.prepare_reject_match(a, b, &ctx_at(T1)))
    };
    assert_eq!(
        reject(&db, ids[0], ids[0]),
        (ErrorCode::InvalidInput, "b".into())
    );
    assert_eq!(
        reject(&db, Uuid::new_v4(), ids[0]),
        (ErrorCode::NotFound, "a".into())
    );
    assert_eq!(
        reject(&db, ids[0], Uuid::new_v4()),
        (ErrorCode::NotFound, "b".into())
    );
    assert_eq!(
        reject(&db, ids[0], org),
        (ErrorCode::InvalidInput, "b".into())
    );
    block_on(db.merge_people(ids[1], &[ids[2]], json!(null), &ctx_at(T1))).unwrap();
    assert_eq!(
        reject(&db, ids[0], ids[2]),
        (ErrorCode::MergedAway, "b".into())
    );
}

#[test]
fn a_version_one_store_without_rejections_opens() {
    // A graph written before the rejections store existed: no such values.
    let (db, ..) = edge_graph();
    let items = block_on(wig_graph::store::load_values(db.backend())).unwrap();
    let fresh = MemoryBackend::default();
    block_on(fresh.write(WriteSet {
        puts: items,
        ..Default::default()
    }))
    .unwrap();
    let reopened = block_on(Db::open(fresh)).unwrap();
    assert_eq!(tables(&reopened), tables(&db));
    assert!(reopened.rejected_pairs().is_empty());
}

// --- GDPR erasure leaves no trace in others' merges and audit entries ---

const ADA: Uuid = Uuid::from_u128(0xada0_0000_0000_4000_8000_0000_0000_0001);
const BOB: Uuid = Uuid::from_u128(0xb0b0_0000_0000_4000_8000_0000_0000_0002);
const CY: Uuid = Uuid::from_u128(0xc000_0000_0000_4000_8000_0000_0000_0003);
const DAN: Uuid = Uuid::from_u128(0xda00_0000_0000_4000_8000_0000_0000_0004);
/// What names Ada besides her id: her name, email and edge metadata.
const ADA_TEXTS: [&str; 3] = ["Ada Lovelace", "ada@example.org", "met Ada at conf"];

/// Ada, Bob, Cy and Dan (fixed ids); edges Ada–Bob ("met Ada at conf"),
/// Ada–Cy, Cy–Dan and Bob–Dan, each in its own call (so the audit files
/// each under its edge); a meeting of Ada, Bob and Cy.
fn ada_graph() -> Db<MemoryBackend> {
    let mut db = open();
    let people = [
        (ADA, "Ada Lovelace", "ada@example.org"),
        (BOB, "Bob Smith", "bob@example.org"),
        (CY, "Cy Young", "cy@example.org"),
        (DAN, "Dan Brown", "dan@example.org"),
    ]
    .map(|(id, name, email)| PersonInput {
        id: Some(id.to_string()),
        ..p(&[name], &[email])
    });
    block_on(db.upsert_people(people.to_vec(), &ctx())).unwrap();
    for (id, a, b, note) in [
        (0xe1, ADA, BOB, Some("met Ada at conf")),
        (0xe2, ADA, CY, None),
        (0xe3, CY, DAN, None),
        (0xe4, BOB, DAN, None),
    ] {
        let e = EdgeInput {
            id: Some(Uuid::from_u128(id).to_string()),
            metadata: note.map(|n| json!({ "note": n })),
            ..edge(a, b)
        };
        block_on(db.upsert_edge(e, &ctx())).unwrap();
    }
    let mut meeting = interaction(
        "evt-ada",
        &[&ADA.to_string(), &BOB.to_string(), &CY.to_string()],
    );
    meeting.id = Some(Uuid::from_u128(0x1e).to_string());
    block_on(db.upsert_interaction(meeting, &ctx())).unwrap();
    db
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Everything the graph holds, as JSON: tables, merge records, rejections,
/// audit entries, outbox changes and sync meta. Leaves out the erase entry
/// of `erased` and the outbox's pending erase of that person (what pushes
/// the erase), after checking that they are the only ones of their kind.
fn dump(db: &Db<MemoryBackend>, erased: Uuid) -> String {
    let st = db.state();
    let about: Vec<&AuditEntry> = st
        .audit
        .values()
        .filter(|a| a.entity_id == Some(erased))
        .collect();
    assert_eq!(about.len(), 1, "one entry under the erased id");
    assert_eq!(about[0].action, "erase");
    let audit: Vec<&AuditEntry> = st
        .audit
        .values()
        .filter(|a| a.entity_id != Some(erased))
        .collect();
    let outbox: Vec<_> = st
        .outbox
        .values()
        .flat_map(|o| o.changes.iter())
        .filter(|c| !(c.id == erased && c.op == ChangeOp::Erase))
        .collect();
    serde_json::to_string(&(
        st.people.values().collect::<Vec<_>>(),
        st.organizations.values().collect::<Vec<_>>(),
        st.edges.values().collect::<Vec<_>>(),
        st.interactions.values().collect::<Vec<_>>(),
        st.merges.values().collect::<Vec<_>>(),
        st.rejections.values().collect::<Vec<_>>(),
        audit,
        outbox,
        &st.sync,
    ))
    .unwrap()
}

/// Nothing the graph holds names `erased` or any of `texts` but its erase
/// entry and pending erase (see [`dump`]): in memory, reopened from the
/// stored values, and in the stored bytes themselves.
fn assert_no_trace(db: &Db<MemoryBackend>, erased: Uuid, texts: &[&str]) {
    use wig_graph::store::{StoreKey, StoreName};
    let reopened = block_on(Db::open(db.backend().clone())).unwrap();
    for (what, d) in [
        ("memory", dump(db, erased)),
        ("reopened", dump(&reopened, erased)),
    ] {
        assert!(
            !d.contains(&erased.to_string()),
            "{what} names {erased}: {d}"
        );
        for t in texts {
            assert!(!d.contains(t), "{what} holds {t:?}: {d}");
        }
    }
    let erase_seq = db
        .state()
        .audit
        .values()
        .find(|a| a.entity_id == Some(erased))
        .unwrap()
        .seq;
    for (store, key, bytes) in block_on(wig_graph::store::load_values(db.backend())).unwrap() {
        for t in texts {
            assert!(
                !contains(&bytes, t.as_bytes()),
                "{store:?} {key:?} holds {t:?}"
            );
        }
        // The erase entry names the id, and the outbox its pending erase
        // (checked decoded, in `reopened`, above).
        if store == StoreName::Outbox
            || (store, &key) == (StoreName::Audit, &StoreKey::Num(erase_seq))
        {
            continue;
        }
        for needle in [&erased.as_bytes()[..], erased.to_string().as_bytes()] {
            assert!(
                !contains(&bytes, needle),
                "{store:?} {key:?} names {erased}"
            );
        }
    }
}

#[test]
fn erasing_a_person_scrubs_her_from_others_merge_records() {
    let (e_ab, e_ac, e_cd, e_bd) = (
        Uuid::from_u128(0xe1),
        Uuid::from_u128(0xe2),
        Uuid::from_u128(0xe3),
        Uuid::from_u128(0xe4),
    );
    // Cy into Bob: Ada–Cy is combined into Ada–Bob, Cy–Dan into Bob–Dan.
    let mut db = ada_graph();
    let m = block_on(db.merge_people(BOB, &[CY], json!(null), &ctx_at(T1))).unwrap();
    let ids = |edges: &[Edge]| edges.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&m.edges_before), vec![e_ab, e_bd]);
    assert_eq!(m.edges_folded, 2, "Ada–Cy and Cy–Dan, left on Cy");
    block_on(db.erase_person(ADA, &ctx_at(T2))).unwrap();
    let scrubbed = db.merge_record(m.id).unwrap().clone();
    assert_eq!(ids(&scrubbed.edges_before), vec![e_bd]);
    assert_eq!(ids(&scrubbed.edges_after), vec![e_bd]);
    assert!(db.edge(e_ac).is_none(), "her edge left on Cy goes with her");
    assert!(db.edge(e_cd).is_some());
    assert_eq!(
        (&scrubbed.people_before, &scrubbed.people_after),
        (&m.people_before, &m.people_after),
        "Bob and Cy as they were"
    );
    // The entries of her edges go, the one left on Cy too; its pending
    // erase (from the erasure) is there, to reach the server.
    let audit = db.audit(10_000, None);
    assert!(audit
        .iter()
        .all(|a| a.entity_id != Some(e_ab) && a.entity_id != Some(e_ac)));
    assert!(audit.iter().any(|a| a.entity_id == Some(e_cd)));
    let pending: Vec<ChangeOp> = db
        .state()
        .outbox
        .values()
        .flat_map(|o| o.changes.iter())
        .filter(|c| c.id == e_ac)
        .map(|c| c.op)
        .collect();
    assert_eq!(pending.last(), Some(&ChangeOp::Erase));
    assert_no_trace(&db, ADA, &ADA_TEXTS);
    // The merge still undoes exactly, for everyone else: the graph is the
    // one where Ada was erased and Cy never merged.
    block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap();
    let mut never_merged = ada_graph();
    block_on(never_merged.erase_person(ADA, &ctx_at(T2))).unwrap();
    assert_eq!(tables(&db), tables(&never_merged));
    assert_no_trace(&db, ADA, &ADA_TEXTS);
}

/// Bob took Alice in, then Dan took Bob in; both merges were undone, and
/// Alice is erased. Dan's merge record held Bob as he was then, Alice's
/// values included: they go from it too, and it still undoes.
#[test]
fn erasing_a_person_scrubs_her_values_from_records_that_had_taken_her_in() {
    let mut db = open();
    let mut alice = p(&["Alice Secret"], &["alice.secret@example.com"]);
    alice.phones = vec!["+14155550123".into()];
    let [a, b, d] = [
        alice,
        p(&["Bob"], &["bob@example.com"]),
        p(&["Dan"], &["dan@example.com"]),
    ]
    .map(|i| block_on(db.upsert_person(i, &ctx())).unwrap().id);
    let m0 = block_on(db.merge_people(b, &[a], json!(null), &ctx_at(T1))).unwrap();
    let m1 = block_on(db.merge_people(d, &[b], json!(null), &ctx_at(T1 + 1))).unwrap();
    block_on(db.unmerge(m1.id, &ctx_at(T2))).unwrap();
    block_on(db.unmerge(m0.id, &ctx_at(T2 + 1))).unwrap();
    block_on(db.erase_person(a, &ctx_at(T3))).unwrap();
    assert_no_trace(
        &db,
        a,
        &["Alice Secret", "alice.secret@example.com", "+14155550123"],
    );
    let kept = db.merge_record(m1.id).expect("Dan's merge stays");
    let bob_then = kept.people_before.iter().find(|x| x.id == b).unwrap();
    assert_eq!(
        (&bob_then.names, &bob_then.emails),
        (
            &vec!["Bob".to_string()],
            &vec!["bob@example.com".to_string()]
        )
    );
}

#[test]
fn erasing_a_member_scrubs_her_from_an_organization_merge() {
    let mut db = ada_graph();
    let orgs = organizations(&mut db, &["Acme", "Acme Inc."]);
    let (acme, acme_inc) = (orgs[0].id, orgs[1].id);
    for (who, name, email) in [
        (ADA, "Ada Lovelace", "ada@example.org"),
        (BOB, "Bob Smith", "bob@example.org"),
    ] {
        let input = PersonInput {
            id: Some(who.to_string()),
            organization_id: Some(acme_inc.to_string()),
            ..p(&[name], &[email])
        };
        block_on(db.upsert_person(input, &ctx())).unwrap();
    }
    assert_eq!(db.person(ADA).unwrap().names, ["Ada Lovelace"]);
    let m = block_on(db.merge_organizations(acme, &[acme_inc], json!(null), &ctx_at(T1))).unwrap();
    assert_eq!(m.people_after.len(), 2);
    block_on(db.erase_person(ADA, &ctx_at(T2))).unwrap();
    let scrubbed = db.merge_record(m.id).unwrap();
    assert_eq!(scrubbed.people_before.len(), 1);
    assert_eq!(scrubbed.people_before[0].id, BOB);
    assert_no_trace(&db, ADA, &ADA_TEXTS);
    block_on(db.unmerge(m.id, &ctx_at(T3))).unwrap();
    assert_eq!(db.person(BOB).unwrap().organization_id, Some(acme_inc));
    assert_no_trace(&db, ADA, &ADA_TEXTS);
}

#[test]
fn erasing_a_person_removes_or_redacts_audit_entries_filed_under_others() {
    // Ada has the larger id of the rejected pair: the entry is filed under
    // Cy. And Ada (with Dan) merged into Bob and back: filed under Bob.
    const ADA: Uuid = Uuid::from_u128(0xffff_ffff_0000_4000_8000_0000_0000_0001);
    const CY: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0002);
    let mut db = open();
    let people = [
        (ADA, "Ada Lovelace"),
        (BOB, "Bob Smith"),
        (CY, "Cy"),
        (DAN, "Dan"),
    ]
    .map(|(id, name)| PersonInput {
        id: Some(id.to_string()),
        ..p(&[name], &[])
    });
    block_on(db.upsert_people(people.to_vec(), &ctx())).unwrap();
    block_on(db.reject_match(ADA, CY, &ctx())).unwrap();
    block_on(db.reject_match(BOB, CY, &ctx())).unwrap();
    let m = block_on(db.merge_people(BOB, &[ADA, DAN], json!(null), &ctx_at(T1))).unwrap();
    block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
    let names_ada = |db: &Db<MemoryBackend>| -> Vec<String> {
        db.audit(10_000, None)
            .into_iter()
            .filter(|a| serde_json::to_string(a).unwrap().contains(&ADA.to_string()))
            .map(|a| a.action)
            .collect()
    };
    let mut before = names_ada(&db);
    before.sort();
    assert_eq!(before, ["merge", "reject_match", "unmerge"]);

    let report = block_on(db.erase_person(ADA, &ctx_at(T3))).unwrap();
    assert_eq!(names_ada(&db), ["erase"]);
    assert!(db.rejected_pairs().iter().all(|r| r.b != ADA));
    // Bob and Cy's rejection stays; the merge and unmerge stay, without Ada.
    let audit = db.audit(10_000, None);
    let rejections: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "reject_match")
        .collect();
    assert_eq!(rejections.len(), 1);
    assert_eq!(rejections[0].metadata.0, json!({ "a": CY, "b": BOB }));
    for action in ["merge", "unmerge"] {
        let a = audit.iter().find(|a| a.action == action).unwrap();
        assert_eq!(a.entity_id, Some(BOB));
        assert_eq!(a.metadata.0["sourceIds"], json!([DAN]), "{action}");
        assert_eq!(a.metadata.0["mergeId"], json!(m.id), "{action}");
    }
    // Her rejection with Cy; the merge record is hers: removed.
    assert_eq!(report["auditEntriesRemoved"], 1);
    assert!(db.merge_record(m.id).is_none());
    assert_no_trace(&db, ADA, &["Ada Lovelace"]);
}

#[test]
fn export_includes_every_audit_entry_and_merge_that_names_the_person() {
    let mut db = ada_graph();
    // Filed under others: a rejection (under the smaller id, Ada's is the
    // larger of the two), a merge of Ada into Bob and its undo, and a merge
    // of others (Cy into Bob) holding Ada's edges.
    let small = Uuid::from_u128(1);
    block_on(db.upsert_person(
        PersonInput {
            id: Some(small.to_string()),
            ..p(&["Al"], &[])
        },
        &ctx(),
    ))
    .unwrap();
    block_on(db.reject_match(ADA, small, &ctx())).unwrap();
    let into_bob = block_on(db.merge_people(BOB, &[ADA], json!(null), &ctx_at(T1))).unwrap();
    block_on(db.unmerge(into_bob.id, &ctx_at(T1))).unwrap();
    let others = block_on(db.merge_people(BOB, &[CY], json!(null), &ctx_at(T2))).unwrap();

    let export = db.export_person(ADA).unwrap();
    let actions = |entity: Uuid| {
        let mut v: Vec<&str> = export
            .audit
            .iter()
            .filter(|a| a.entity_id == Some(entity))
            .map(|a| a.action.as_str())
            .collect();
        v.sort();
        v
    };
    assert_eq!(actions(small), ["reject_match"]);
    assert_eq!(actions(BOB), ["merge", "unmerge"], "not Cy into Bob");
    assert_eq!(
        actions(Uuid::from_u128(0xe1)),
        ["upsert"],
        "her edge's entry"
    );
    let mut merges: Vec<Uuid> = export.merges.iter().map(|m| m.id).collect();
    merges.sort();
    let mut expected = vec![into_bob.id, others.id];
    expected.sort();
    assert_eq!(merges, expected);
    // Nothing about others only: every entry names her or is about her edge.
    let hers = |a: &AuditEntry| {
        serde_json::to_string(a).unwrap().contains(&ADA.to_string())
            || export.edges.iter().any(|e| Some(e.id) == a.entity_id)
    };
    assert!(export.audit.iter().all(hers));
    assert!(db.audit(10_000, None).iter().any(|a| !hers(a)));

    block_on(db.erase_person(ADA, &ctx_at(T3))).unwrap();
    assert_no_trace(&db, ADA, &ADA_TEXTS);
    block_on(db.unmerge(others.id, &ctx_at(T3))).unwrap();
    assert_no_trace(&db, ADA, &ADA_TEXTS);
}

// --- properties on random small graphs ---

#[derive(Debug, Clone)]
struct Graph {
    names: Vec<(usize, usize)>,
    edges: Vec<(usize, usize, u8, u8, u8)>,
    target: usize,
    sources: Vec<usize>,
    shuffle: Vec<usize>,
}

fn graphs() -> impl Strategy<Value = Graph> {
    (3usize..9)
        .prop_flat_map(|n| {
            (
                prop::collection::vec((0usize..4, 0usize..4), n),
                prop::collection::vec((0..n, 0..n, 0u8..10, 0u8..5, 0u8..4), 0..(n * 3)),
                0..n,
                prop::collection::vec(0..n, 1..n),
                Just(n),
            )
        })
        .prop_flat_map(|(names, edges, target, sources, n)| {
            let mut sources: Vec<usize> = sources.into_iter().filter(|s| *s != target).collect();
            sources.sort();
            sources.dedup();
            if sources.is_empty() {
                sources.push((target + 1) % n);
            }
            let len = sources.len();
            (
                Just(names),
                Just(edges),
                Just(target),
                Just(sources),
                Just((0..len).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
        .prop_map(|(names, edges, target, sources, shuffle)| Graph {
            names,
            edges,
            target,
            sources,
            shuffle,
        })
}

const FIRST: [&str; 4] = ["Ada", "Bob", "Robert", "Grace"];
const LAST: [&str; 4] = ["Lovelace", "Smith", "Hopper", "King"];
const CHANNELS: [&str; 5] = ["email", "message", "meeting", "call", "other"];
const SOURCES: [&str; 4] = ["gmail", "calendar", "slack", "import"];

fn build(g: &Graph) -> (Db<MemoryBackend>, Vec<Uuid>) {
    let mut db = open();
    let inputs = g
        .names
        .iter()
        .enumerate()
        .map(|(i, (f, l))| {
            let name = format!("{} {}", FIRST[*f], LAST[*l]);
            let email = format!(
                "{}@{}.example",
                FIRST[*f].to_lowercase(),
                LAST[*l].to_lowercase()
            );
            let mut input = p(&[name.as_str()], &[email.as_str()]);
            if i % 2 == 0 {
                input.social_handles = [("github".to_string(), format!("{}{i}", FIRST[*f]))].into();
                input.title = Some(format!("Title {i}"));
            }
            input
        })
        .collect();
    let ids = people_ids(&mut db, inputs);
    let mut seen = std::collections::HashSet::new();
    let edges: Vec<EdgeInput> = g
        .edges
        .iter()
        .filter(|(a, b, ..)| a != b && seen.insert(pair_key(ids[*a], ids[*b])))
        .map(|(a, b, s, c, src)| EdgeInput {
            strength: Some(JsNumber(f64::from(*s) / 10.0)),
            interaction_count: Some(JsNumber(f64::from(*c))),
            channels: vec![CHANNELS[usize::from(*c)].into()],
            sources: vec![SOURCES[usize::from(*src)].into()],
            first_seen_at: Some(TimeInput::Millis(
                (T0 - (i64::from(*s) + 1) * 86_400_000) as f64,
            )),
            last_seen_at: Some(TimeInput::Millis((T0 - i64::from(*c) * 3_600_000) as f64)),
            ..edge(ids[*a], ids[*b])
        })
        .collect();
    let created = block_on(db.upsert_edges(edges, &ctx())).unwrap();
    // Some edges are soft-deleted: merges carry them along too.
    for e in &created {
        if e.strength == 0.9 {
            block_on(db.delete(EntityKind::Edge, e.id, &ctx())).unwrap();
        }
    }
    (db, ids)
}

/// An independent copy of a graph (its own backend holding the same values).
fn copy(db: &Db<MemoryBackend>) -> Db<MemoryBackend> {
    let fresh = MemoryBackend::default();
    block_on(fresh.write(WriteSet {
        puts: block_on(wig_graph::store::load_values(db.backend())).unwrap(),
        ..Default::default()
    }))
    .unwrap();
    block_on(Db::open(fresh)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn merge_then_unmerge_is_byte_identical(g in graphs()) {
        let (mut db, ids) = build(&g);
        let before = tables(&db);
        let before_edges: Vec<Edge> = db.state().edges.values().cloned().collect();
        let sources: Vec<Uuid> = g.shuffle.iter().map(|i| ids[g.sources[*i]]).collect();
        let m = block_on(db.merge_people(ids[g.target], &sources, json!({ "p": 0.9 }), &ctx_at(T1))).unwrap();
        // An edge that touches a source is one the merge left as it was
        // (folded, or between merged people); nothing is erased; one edge
        // per pair.
        let rewritten: Vec<Uuid> = m.edges_after.iter().map(|e| e.id).collect();
        for e in db.state().edges.values() {
            prop_assert_ne!(e.from_person_id, e.to_person_id);
            if sources.contains(&e.from_person_id) || sources.contains(&e.to_person_id) {
                prop_assert!(!rewritten.contains(&e.id));
                prop_assert_eq!(Some(e), before_edges.iter().find(|b| b.id == e.id));
            }
        }
        prop_assert_eq!(db.state().edges.len(), before_edges.len());
        prop_assert_eq!(db.state().edge_by_pair().len(), db.state().edges.len());
        // Counts are kept, but for self-edges, and a deleted edge's where
        // its new pair has a live one.
        let repoint = |x: Uuid| if sources.contains(&x) { ids[g.target] } else { x };
        let moved: Vec<&Edge> = before_edges
            .iter()
            .filter(|e| sources.contains(&e.from_person_id) || sources.contains(&e.to_person_id))
            .collect();
        let pairs: std::collections::HashSet<_> = moved
            .iter()
            .map(|e| pair_key(repoint(e.from_person_id), repoint(e.to_person_id)))
            .collect();
        let own = before_edges.iter().filter(|e| {
            !sources.contains(&e.from_person_id)
                && !sources.contains(&e.to_person_id)
                && pairs.contains(&e.pair())
        });
        let mut by_pair: std::collections::BTreeMap<_, (u32, u32, bool)> = Default::default();
        for e in moved.into_iter().chain(own) {
            let (a, b) = (repoint(e.from_person_id), repoint(e.to_person_id));
            if a == b {
                continue;
            }
            let entry = by_pair.entry(pair_key(a, b)).or_default();
            entry.0 += e.interaction_count;
            if e.deleted_at.is_none() {
                entry.1 += e.interaction_count;
                entry.2 = true;
            }
        }
        let kept: u32 = by_pair.values().map(|(all, live, any_live)| if *any_live { *live } else { *all }).sum();
        prop_assert_eq!(m.edges_after.iter().map(|e| e.interaction_count).sum::<u32>(), kept, "counts are kept");
        // Reopening reads back what is in memory.
        let reopened = block_on(Db::open(db.backend().clone())).unwrap();
        prop_assert_eq!(tables(&reopened), tables(&db));
        prop_assert_eq!(reopened.merges(), db.merges());
        prop_assert_eq!(reopened.state().edge_by_pair(), db.state().edge_by_pair());
        block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
        prop_assert_eq!(tables(&db), before.clone());
        prop_assert_eq!(tables(&block_on(Db::open(db.backend().clone())).unwrap()), before);
        prop_assert_eq!(db.state().edge_by_pair().len(), db.state().edges.len());
    }

    #[test]
    fn the_order_of_sources_does_not_matter(g in graphs()) {
        let (mut one, ids) = build(&g);
        let mut other = copy(&one);
        let target = ids[g.target];
        let sorted: Vec<Uuid> = g.sources.iter().map(|i| ids[*i]).collect();
        let shuffled: Vec<Uuid> = g.shuffle.iter().map(|i| ids[g.sources[*i]]).collect();
        let mut reversed = shuffled.clone();
        reversed.reverse();
        let a = block_on(one.merge_people(target, &shuffled, json!(null), &ctx_at(T1))).unwrap();
        let b = block_on(other.merge_people(target, &reversed, json!(null), &ctx_at(T1))).unwrap();
        prop_assert_eq!(tables(&one), tables(&other));
        prop_assert_eq!(a.source_ids, b.source_ids);
        prop_assert_eq!(a.edges_after, b.edges_after);
        prop_assert_eq!(a.edges_before, b.edges_before);
        prop_assert_eq!(a.edges_folded, b.edges_folded);
        let mut expected = sorted;
        expected.sort();
        prop_assert_eq!(one.person(target).unwrap().previous_ids.clone(), expected);
    }
}

/// Metadata of merged people and of combined edges is combined, the kept
/// record's keys winning, so nothing a source held is lost; unmerge gives
/// each record its own back.
#[test]
fn merges_combine_metadata_and_unmerge_gives_each_its_own() {
    let mut db = open();
    let with = |names: &[&str], meta: serde_json::Value| PersonInput {
        metadata: Some(meta),
        ..p(names, &[])
    };
    let ids = people_ids(
        &mut db,
        vec![
            with(&["Ada"], json!({ "crm": "A1", "tier": "gold" })),
            with(&["Ada L"], json!({ "tier": "silver", "source": "import" })),
            p(&["Cy"], &[]),
        ],
    );
    let (t, s, c) = (ids[0], ids[1], ids[2]);
    let meta_edge = |a: Uuid, b: Uuid, m: serde_json::Value| EdgeInput {
        metadata: Some(m),
        ..edge(a, b)
    };
    block_on(db.upsert_edges(
        vec![
            meta_edge(t, c, json!({ "met": "conference" })),
            meta_edge(s, c, json!({ "met": "school", "note": "old friend" })),
        ],
        &ctx(),
    ))
    .unwrap();
    let before = tables(&db);
    let m = block_on(db.merge_people(t, &[s], json!(null), &ctx_at(T1))).unwrap();
    assert_eq!(
        db.person(t).unwrap().metadata.0,
        json!({ "crm": "A1", "tier": "gold", "source": "import" })
    );
    assert_eq!(
        edge_between(&db, t, c).unwrap().metadata.0,
        json!({ "met": "conference", "note": "old friend" })
    );
    block_on(db.unmerge(m.id, &ctx_at(T2))).unwrap();
    assert_eq!(tables(&db), before);
}
