//! `Db::edges_of`: a person's live edges for the dashboard's person page and
//! network view — strongest first, deleted edges and deleted people left out,
//! filters applied, errors naming the field.

mod common;
use common::*;
use wig_graph::model::*;
use wig_graph::store::{block_on, QueryOptions};
use wig_graph::ErrorCode;

fn weighted(a: Uuid, b: Uuid, s: f64, t: &str) -> EdgeInput {
    EdgeInput {
        relationship_type: Some(t.into()),
        strength: Some(JsNumber(s)),
        ..edge(a, b)
    }
}

#[test]
fn strongest_first_live_only_filtered() {
    let mut db = open();
    let names = ["ada", "bob", "cat", "dan", "eve"];
    let p = people_ids(
        &mut db,
        names
            .iter()
            .map(|n| person(n, &format!("{n}@example.org")))
            .collect(),
    );
    let e: Vec<Uuid> = block_on(db.upsert_edges(
        vec![
            weighted(p[0], p[1], 0.3, "knows"),
            weighted(p[2], p[0], 0.9, "advised"),
            weighted(p[0], p[3], 0.6, "knows"),
            weighted(p[0], p[4], 0.5, "knows"),
            weighted(p[1], p[2], 0.8, "knows"),
        ],
        &ctx(),
    ))
    .unwrap()
    .iter()
    .map(|x| x.id)
    .collect();
    let all = QueryOptions::default();
    let ids = |v: Vec<Edge>| v.iter().map(|e| e.id).collect::<Vec<_>>();

    // Both directions, strongest first, bob–cat (not ada's) left out.
    assert_eq!(
        ids(db.edges_of(p[0], &all).unwrap()),
        vec![e[1], e[2], e[3], e[0]]
    );

    let strong = QueryOptions {
        min_strength: Some(JsNumber(0.55)),
        ..Default::default()
    };
    assert_eq!(ids(db.edges_of(p[0], &strong).unwrap()), vec![e[1], e[2]]);
    let advised = QueryOptions {
        relationship_types: Some(vec!["advised".into()]),
        ..Default::default()
    };
    assert_eq!(ids(db.edges_of(p[0], &advised).unwrap()), vec![e[1]]);

    // A soft-deleted edge and the edge to a soft-deleted person drop out.
    block_on(db.delete(EntityKind::Edge, e[2], &ctx())).unwrap();
    block_on(db.delete(EntityKind::Person, p[4], &ctx())).unwrap();
    assert_eq!(ids(db.edges_of(p[0], &all).unwrap()), vec![e[1], e[0]]);

    let err = db.edges_of(Uuid::new_v4(), &all).unwrap_err();
    assert_eq!(
        (err.code, err.field.as_deref()),
        (ErrorCode::NotFound, Some("personId"))
    );
    let err = db
        .edges_of(
            p[0],
            &QueryOptions {
                depth: Some(JsNumber(2.0)),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        (err.code, err.field.as_deref()),
        (ErrorCode::InvalidInput, Some("depth"))
    );
}
