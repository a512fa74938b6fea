//! Graph queries and strength recompute through `Db`: ids in, ids out,
//! filters, errors, deleted and merged-away people left out, the patched
//! index equal to a rebuilt one.

mod common;
use common::*;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, Commit, Db, GraphState, GraphView, IntroPath, MemoryBackend, NodeAnswer,
    QueryOptions, RecomputeOptions,
};
use wig_graph::ErrorCode;

fn strong(a: Uuid, b: Uuid, s: f64, t: &str) -> EdgeInput {
    EdgeInput {
        relationship_type: Some(t.into()),
        strength: Some(JsNumber(s)),
        ..edge(a, b)
    }
}

/// ada - bob - cat - dan, ada - eve - dan (weaker), eve at Acme, fay alone.
struct G {
    db: Db<MemoryBackend>,
    acme: Uuid,
    p: Vec<Uuid>,
}

fn graph() -> G {
    let mut db = open();
    let acme = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Acme".into()),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap()
    .id;
    let names = ["ada", "bob", "cat", "dan", "eve", "fay"];
    let mut inputs: Vec<PersonInput> = names
        .iter()
        .map(|n| person(n, &format!("{n}@example.org")))
        .collect();
    inputs[4].organization_id = Some(acme.to_string());
    inputs[3].organization_id = Some(acme.to_string());
    let p = people_ids(&mut db, inputs);
    block_on(db.upsert_edges(
        vec![
            strong(p[0], p[1], 0.9, "knows"),
            strong(p[1], p[2], 0.8, "advised"),
            strong(p[2], p[3], 0.9, "knows"),
            strong(p[0], p[4], 0.5, "worked_at"),
            strong(p[4], p[3], 0.5, "knows"),
        ],
        &ctx(),
    ))
    .unwrap();
    G { db, acme, p }
}

fn opts() -> QueryOptions {
    QueryOptions::default()
}

fn code_field<T: std::fmt::Debug>(r: wig_graph::error::Result<T>) -> (ErrorCode, String) {
    let e = r.unwrap_err();
    (e.code, e.field.unwrap_or_default())
}

#[test]
fn shortest_and_intro_paths_in_person_ids() {
    let g = graph();
    let p = &g.p;
    let sp = g.db.shortest_path(p[0], p[3], &opts()).unwrap().unwrap();
    assert_eq!(sp.person_ids, vec![p[0], p[4], p[3]]);
    assert_eq!(sp.edge_ids.len(), 2);
    let paths =
        g.db.intro_paths(
            p[0],
            p[3],
            &QueryOptions {
                k: Some(JsNumber(3.0)),
                ..opts()
            },
        )
        .unwrap();
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].person_ids, vec![p[0], p[1], p[2], p[3]]);
    assert!((paths[0].score - 0.9 * 0.8 * 0.9).abs() < 1e-6);
    let w = paths[0].weakest_hop.as_ref().unwrap();
    assert_eq!((w.index, w.from_person_id, w.to_person_id), (1, p[1], p[2]));
    assert_eq!(paths[1].person_ids, vec![p[0], p[4], p[3]]);
    assert_eq!(
        paths[0].hops[1].relationship_type,
        RelationshipType::Advised
    );
    // Filters: min strength, max hops, relationship types, avoid.
    let f =
        g.db.intro_paths(
            p[0],
            p[3],
            &QueryOptions {
                min_strength: Some(JsNumber(0.6)),
                ..opts()
            },
        )
        .unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].person_ids.len(), 4);
    let f =
        g.db.intro_paths(
            p[0],
            p[3],
            &QueryOptions {
                max_hops: Some(JsNumber(2.0)),
                ..opts()
            },
        )
        .unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].person_ids, vec![p[0], p[4], p[3]]);
    let f =
        g.db.intro_paths(
            p[0],
            p[3],
            &QueryOptions {
                relationship_types: Some(vec!["knows".into(), "advised".into()]),
                ..opts()
            },
        )
        .unwrap();
    assert_eq!(f.len(), 1);
    let f =
        g.db.intro_paths(
            p[0],
            p[3],
            &QueryOptions {
                avoid: vec![p[1].to_string().into()],
                ..opts()
            },
        )
        .unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].person_ids[1], p[4]);
    // No path is an empty answer.
    assert!(g.db.shortest_path(p[0], p[5], &opts()).unwrap().is_none());
    assert!(g.db.intro_paths(p[0], p[5], &opts()).unwrap().is_empty());
}

#[test]
fn organization_mutuals_neighbors() {
    let g = graph();
    let p = &g.p;
    let o =
        g.db.intro_paths_to_organization(
            p[0],
            g.acme,
            &QueryOptions {
                k: Some(JsNumber(5.0)),
                ..opts()
            },
        )
        .unwrap();
    // eve is at Acme, directly; dan is reached through bob/cat (not through eve: a path ends at the first target).
    assert_eq!(o[0].person_ids, vec![p[0], p[1], p[2], p[3]]);
    assert_eq!(o[1].person_ids, vec![p[0], p[4]]);
    let m = g.db.mutual_connections(p[0], p[2], &opts()).unwrap();
    assert_eq!(
        m.iter().map(|m| m.person_id).collect::<Vec<_>>(),
        vec![p[1]]
    );
    let n =
        g.db.neighbors(
            p[0],
            &QueryOptions {
                depth: Some(JsNumber(2.0)),
                ..opts()
            },
        )
        .unwrap();
    assert_eq!(
        n.degrees.iter().map(|l| l.count).collect::<Vec<_>>(),
        vec![2, 2]
    );
    assert_eq!(n.total, 4);
}

#[test]
fn errors_name_the_field() {
    let g = graph();
    let p = &g.p;
    let ghost = Uuid::new_v4();
    assert_eq!(
        code_field(g.db.shortest_path(ghost, p[1], &opts())),
        (ErrorCode::NotFound, "from".into())
    );
    assert_eq!(
        code_field(g.db.intro_paths(p[0], ghost, &opts())),
        (ErrorCode::NotFound, "to".into())
    );
    assert_eq!(
        code_field(g.db.intro_paths_to_organization(p[0], ghost, &opts())),
        (ErrorCode::NotFound, "organizationId".into())
    );
    let bad = |o: QueryOptions| code_field(g.db.intro_paths(p[0], p[3], &o));
    assert_eq!(
        bad(QueryOptions {
            min_strength: Some(JsNumber(1.5)),
            ..opts()
        }),
        (ErrorCode::InvalidStrength, "minStrength".into())
    );
    assert_eq!(
        bad(QueryOptions {
            min_strength: Some(JsNumber(f64::NAN)),
            ..opts()
        }),
        (ErrorCode::InvalidStrength, "minStrength".into())
    );
    assert_eq!(
        bad(QueryOptions {
            max_hops: Some(JsNumber(0.0)),
            ..opts()
        }),
        (ErrorCode::InvalidInput, "maxHops".into())
    );
    assert_eq!(
        bad(QueryOptions {
            k: Some(JsNumber(0.0)),
            ..opts()
        }),
        (ErrorCode::InvalidInput, "k".into())
    );
    assert_eq!(
        bad(QueryOptions {
            avoid: vec![p[1].to_string().into(), ghost.to_string().into()],
            ..opts()
        }),
        (ErrorCode::NotFound, "avoid[1]".into())
    );
    assert_eq!(
        bad(QueryOptions {
            avoid: vec![p[1].to_string().into(), "nope".into()],
            ..opts()
        }),
        (ErrorCode::InvalidId, "avoid[1]".into())
    );
    // An item that is no string is no id; a missing one is required.
    for (item, code) in [
        (serde_json::json!(42), ErrorCode::InvalidId),
        (serde_json::json!({ "id": p[1] }), ErrorCode::InvalidId),
        (serde_json::Value::Null, ErrorCode::Required),
    ] {
        let options = QueryOptions {
            avoid: vec![p[1].to_string().into(), item],
            ..opts()
        };
        assert_eq!(bad(options), (code, "avoid[1]".into()));
    }
    // The endpoints are excepted from `avoid` (a list built from a group
    // may hold them): the same answer as without it.
    let with_endpoints = QueryOptions {
        avoid: vec![p[3].to_string().into(), p[0].to_string().into()],
        ..opts()
    };
    assert_eq!(
        g.db.intro_paths(p[0], p[3], &with_endpoints).unwrap(),
        g.db.intro_paths(p[0], p[3], &opts()).unwrap()
    );
    assert_eq!(
        bad(QueryOptions {
            relationship_types: Some(vec!["knows".into(), "friend".into()]),
            ..opts()
        }),
        (ErrorCode::InvalidEnum, "relationshipTypes[1]".into())
    );
    assert_eq!(
        code_field(g.db.neighbors(
            p[0],
            &QueryOptions {
                depth: Some(JsNumber(0.0)),
                ..opts()
            }
        )),
        (ErrorCode::InvalidInput, "depth".into())
    );
}

fn rebuilt(db: &Db<MemoryBackend>) -> GraphView {
    GraphView::build(db.state())
}

/// Adds gus and his edges (to → strength) through the API; his id.
fn add_gus(g: &mut G, ties: &[(Uuid, f64)]) -> Uuid {
    let gus = block_on(g.db.upsert_person(person("gus", "gus@example.org"), &ctx()))
        .unwrap()
        .id;
    let edges = ties
        .iter()
        .map(|&(to, s)| strong(gus, to, s, "knows"))
        .collect();
    block_on(g.db.upsert_edges(edges, &ctx())).unwrap();
    gus
}

/// Every hop of `sp` is the stored edge between its two people.
fn assert_hops_are_edges(g: &G, sp: &IntroPath) {
    for (i, e) in sp.edge_ids.iter().enumerate() {
        let e = g.db.edge(*e).unwrap();
        assert_eq!(e.pair(), pair_key(sp.person_ids[i], sp.person_ids[i + 1]));
    }
}

#[test]
fn deleted_and_merged_people_leave_queries_and_the_patched_index_equals_a_rebuilt_one() {
    let mut g = graph();
    let p = g.p.clone();
    let _ = g.db.graph_view(); // build it now, so the edits below patch it
                               // Delete eve: the only 2-hop route goes.
    block_on(g.db.delete(EntityKind::Person, p[4], &ctx())).unwrap();
    assert_eq!(
        g.db.shortest_path(p[0], p[3], &opts())
            .unwrap()
            .unwrap()
            .person_ids
            .len(),
        4
    );
    assert_eq!(
        g.db.graph_view().snapshot(g.db.state()),
        rebuilt(&g.db).snapshot(g.db.state())
    );
    // Merge cat away (what a merge leaves: mergedInto set).
    let mut cat = g.db.person(p[2]).unwrap().clone();
    cat.merged_into = Some(p[5]);
    let mut c = Commit::default();
    c.people.insert(cat.id, Some(cat));
    g.db.apply(c);
    assert!(g.db.shortest_path(p[0], p[3], &opts()).unwrap().is_none());
    assert_eq!(
        code_field(g.db.shortest_path(p[2], p[3], &opts())).0,
        ErrorCode::MergedAway
    );
    assert_eq!(
        g.db.graph_view().snapshot(g.db.state()),
        rebuilt(&g.db).snapshot(g.db.state())
    );
    // New person + edges, an edge re-weighted, an edge soft-deleted.
    let gus = add_gus(&mut g, &[(p[1], 0.4), (p[3], 0.3)]);
    block_on(g.db.upsert_edges(vec![strong(p[0], p[1], 0.2, "knows")], &ctx())).unwrap();
    let sp = g.db.shortest_path(p[0], p[3], &opts()).unwrap().unwrap();
    assert_eq!(sp.person_ids, vec![p[0], p[1], gus, p[3]]);
    assert!((sp.score - 0.2 * 0.4 * 0.3).abs() < 1e-6);
    let e = g.db.state().edge_by_pair()[&pair_key(gus, p[3])];
    block_on(g.db.delete(EntityKind::Edge, e, &ctx())).unwrap();
    assert!(g.db.shortest_path(p[0], p[3], &opts()).unwrap().is_none());
    assert_eq!(
        g.db.graph_view().snapshot(g.db.state()),
        rebuilt(&g.db).snapshot(g.db.state())
    );
    // One commit that drops a pair's edge and adds another for the same pair
    // (what a merge does), in both map orders.
    for _ in 0..2 {
        let old = g.db.state().edge_by_pair()[&pair_key(p[0], p[1])];
        let mut replacement = g.db.edge(old).unwrap().clone();
        replacement.id = Uuid::new_v4();
        replacement.strength = 0.6;
        let mut c = Commit::default();
        c.edges.insert(replacement.id, Some(replacement.clone()));
        c.edges.insert(old, None);
        g.db.apply(c);
        let sp = g.db.shortest_path(p[0], p[1], &opts()).unwrap().unwrap();
        assert_eq!(sp.edge_ids, vec![replacement.id]);
        assert_eq!(
            g.db.graph_view().snapshot(g.db.state()),
            rebuilt(&g.db).snapshot(g.db.state())
        );
    }
    // And after reopening from storage.
    let fresh = GraphState::load(vec![]).unwrap().0;
    assert!(GraphView::build(&fresh).snapshot(&fresh).0.is_empty());
}

/// Every edge's strength, in the state's order.
fn strengths(db: &Db<MemoryBackend>) -> Vec<f64> {
    db.state().edges.values().map(|e| e.strength).collect()
}

fn interactions_db() -> (Db<MemoryBackend>, Vec<Uuid>) {
    let mut db = open();
    let p = people_ids(
        &mut db,
        (0..4)
            .map(|i| person(&format!("p{i}"), &format!("p{i}@example.org")))
            .collect(),
    );
    block_on(db.upsert_edge(strong(p[0], p[1], 0.1, "knows"), &ctx())).unwrap();
    let mut xs = Vec::new();
    for k in 0..12 {
        let t = format!("2023-11-{:02}T10:00:00Z", 1 + k);
        let who: Vec<String> = match k % 3 {
            0 => vec![p[0].to_string(), "P1@Example.org".into()],
            1 => vec![
                p[1].to_string(),
                p[2].to_string(),
                "stranger@elsewhere.com".into(),
            ],
            _ => vec![p[0].to_string(), p[2].to_string()],
        };
        xs.push(InteractionInput {
            source_name: Some("cal".into()),
            source_id: Some(format!("e{k}")),
            timestamp: Some(TimeInput::Text(t)),
            participants: who,
            channel: Some(if k % 2 == 0 { "meeting" } else { "email" }.into()),
            duration_minutes: Some(JsNumber(30.0)),
            ..Default::default()
        });
    }
    block_on(db.upsert_interactions(xs, &ctx())).unwrap();
    (db, p)
}

#[test]
fn recompute_writes_explained_strengths_and_reports_unknowns() {
    let (mut db, p) = interactions_db();
    let r = block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    assert_eq!((r.edges_updated, r.edges_created), (1, 2));
    assert_eq!(r.interactions_used, 12);
    assert_eq!(r.unknown_participants.count, 4);
    assert_eq!(
        r.unknown_participants.examples,
        vec!["stranger@elsewhere.com".to_string()]
    );
    for e in db.state().edges.values() {
        assert_eq!(e.strength_factors.len(), 8);
        let sum: f64 = e.strength_factors.iter().map(|f| f.contribution).sum();
        assert!((sum - e.strength).abs() < 1e-9, "{sum} vs {}", e.strength);
        assert!(e.interaction_count > 0 && e.first_seen_at <= e.last_seen_at);
    }
    let created = db
        .state()
        .edges
        .get(db.state().edge_by_pair()[&pair_key(p[1], p[2])])
        .unwrap();
    assert_eq!(created.relationship_type, RelationshipType::InteractedWith);
    assert_eq!(created.channels, vec![Channel::Email, Channel::Meeting]);
    // Deterministic: a second run at the same now changes nothing.
    let before = strengths(&db);
    let r2 = block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    assert_eq!(
        (r2.edges_updated, r2.edges_created, r2.edges_unchanged),
        (0, 0, 3)
    );
    assert_eq!(before, strengths(&db));
    // A hand-edited strength is rescored, the other edges stay as they are.
    block_on(db.upsert_edges(
        vec![EdgeInput {
            strength: Some(JsNumber(0.01)),
            ..edge(p[1], p[2])
        }],
        &ctx(),
    ))
    .unwrap();
    let r3 = block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    assert_eq!((r3.edges_updated, r3.edges_unchanged), (1, 2));
    assert_eq!(before, strengths(&db));
    // The index sees the new strengths; "why" is the top factors.
    let sp = db
        .intro_paths(p[1], p[2], &QueryOptions::default())
        .unwrap();
    assert_eq!(sp[0].hops[0].why.len(), 3);
    assert!(sp[0].hops[0].why[0].contribution >= sp[0].hops[0].why[1].contribution);
    // Bad options.
    let bad = RecomputeOptions {
        embeddedness_weight: Some(JsNumber(2.0)),
        ..Default::default()
    };
    assert_eq!(
        db.prepare_recompute_strengths(&ctx(), &bad)
            .err()
            .unwrap()
            .code,
        ErrorCode::InvalidStrength
    );
}

/// Every edge, by id.
fn edges_by_id(db: &Db<MemoryBackend>) -> std::collections::BTreeMap<Uuid, Edge> {
    db.state()
        .edges
        .values()
        .map(|e| (e.id, e.clone()))
        .collect()
}

#[test]
fn a_rescoring_recompute_rewrites_only_the_scored_fields_stored_and_indexed_alike() {
    let (mut db, p) = interactions_db();
    block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    // One edge with a caller's own factors, channels out of order and
    // metadata: the rescore replaces the factors and channels, keeps the rest.
    let own = block_on(db.upsert_edges(
        vec![EdgeInput {
            strength: Some(JsNumber(0.5)),
            strength_factors: vec![StrengthFactorInput {
                name: "by hand".into(),
                value: JsNumber(1.0),
                contribution: JsNumber(0.5),
            }],
            channels: vec!["meeting".into(), "email".into(), "call".into()],
            metadata: Some(serde_json::json!({"note": "met at a conference"})),
            sources: vec!["crm".into()],
            ..edge(p[0], p[2])
        }],
        &ctx(),
    ))
    .unwrap()[0]
        .id;
    // The index is built, so the rescore must keep it current.
    let _ = db.graph_view();
    let before = edges_by_id(&db);
    let later = ctx_at(T0 + 30 * 86_400_000);
    let r = block_on(db.recompute_strengths(&later, &RecomputeOptions::default())).unwrap();
    assert_eq!((r.edges_updated, r.edges_created), (3, 0));
    let after = edges_by_id(&db);
    for (id, old) in &before {
        let new = &after[id];
        if *id != own {
            assert!(
                new.strength < old.strength,
                "a month later every tie is weaker"
            );
        }
        let sum: f64 = new.strength_factors.iter().map(|f| f.contribution).sum();
        assert!((sum - new.strength).abs() < 1e-9);
        assert_eq!(new.strength_factors.len(), 8);
        assert_eq!(new.updated_at, later.now);
        // Everything but the scored fields as it was.
        let unscored = |e: &Edge| {
            (
                e.id,
                e.from_person_id,
                e.to_person_id,
                e.relationship_type,
                e.sources.clone(),
                e.metadata.clone(),
                e.created_at,
                e.deleted_at,
                e.sync_version,
            )
        };
        assert_eq!(unscored(new), unscored(old));
    }
    assert_eq!(after[&own].channels, vec![Channel::Email, Channel::Meeting]);
    assert_eq!(after[&own].strength_factors[0].name, "recency");
    // Stored as applied: a reopened graph reads the same edges, and its
    // freshly built index answers as the kept one does.
    let reopened = block_on(Db::open(db.backend().clone())).unwrap();
    assert_eq!(edges_by_id(&reopened), after);
    assert_eq!(
        db.graph_view().snapshot(db.state()),
        reopened.graph_view().snapshot(reopened.state())
    );
    assert_eq!(db.state().edge_by_pair(), reopened.state().edge_by_pair());
}

#[test]
fn touched_recompute_only_changes_touched_pairs_and_matches_full() {
    let (mut db, p) = interactions_db();
    block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
    let later = ctx_at(T0 + 1000);
    block_on(db.upsert_interaction(
        InteractionInput {
            source_name: Some("cal".into()),
            source_id: Some("new".into()),
            // Inside the span of the others: the time scales every score
            // uses stay, so only the touched pair is rescored.
            timestamp: Some(TimeInput::Text("2023-11-06T12:00:00Z".into())),
            participants: vec![p[2].to_string(), p[3].to_string()],
            channel: Some("call".into()),
            ..Default::default()
        },
        &later,
    ))
    .unwrap();
    let before: Vec<Edge> = db.state().edges.values().cloned().collect();
    let touched = RecomputeOptions {
        only: Some("touched".into()),
        ..Default::default()
    };
    let r = block_on(db.recompute_strengths(&later, &touched)).unwrap();
    assert_eq!(r.edges_created + r.edges_updated, 1);
    for old in &before {
        assert_eq!(
            db.edge(old.id).unwrap(),
            old,
            "untouched edges stay as they were"
        );
    }
    // The touched pair got what a full recompute gives.
    let new_edge = db.state().edge_by_pair()[&pair_key(p[2], p[3])];
    let s_touched = db.edge(new_edge).unwrap().strength;
    block_on(db.recompute_strengths(&later, &RecomputeOptions::default())).unwrap();
    assert_eq!(db.edge(new_edge).unwrap().strength, s_touched);
}

#[test]
fn lean_path_and_distances_answer_like_the_full_queries() {
    let mut g = graph();
    let p = g.p.clone();
    let full = g.db.shortest_path(p[0], p[3], &opts()).unwrap().unwrap();
    assert_eq!(
        g.db.shortest_path_ids(p[0], p[3], &opts()).unwrap(),
        Some(full.person_ids)
    );
    assert_eq!(g.db.shortest_path_ids(p[0], p[5], &opts()).unwrap(), None);
    assert_eq!(
        g.db.shortest_path_ids(p[0], p[0], &opts()).unwrap(),
        Some(vec![p[0]])
    );

    let (epoch, d) = g.db.distances(p[0], &opts()).unwrap();
    let (epoch2, ids) = g.db.node_ids(0).unwrap();
    assert_eq!(epoch, epoch2);
    assert_eq!(ids.len(), d.len());
    let hops = |id: Uuid| d[ids.iter().position(|x| *x == id).unwrap()];
    // ada: bob 1, eve 1, cat 2, dan 2, fay unreachable.
    let expected = [0, 1, 2, 2, 1, u32::MAX];
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(hops(p[i]), *want, "person {i}");
    }
    let n = g.db.neighbors(p[0], &opts()).unwrap();
    for level in &n.degrees {
        for id in &level.person_ids {
            assert_eq!(hops(*id) as usize, level.degree);
        }
    }
    let within1 = QueryOptions {
        max_hops: Some(JsNumber(1.0)),
        ..opts()
    };
    let (_, d1) = g.db.distances(p[0], &within1).unwrap();
    assert_eq!(d1[ids.iter().position(|x| *x == p[2]).unwrap()], u32::MAX);
    let avoid_bob = QueryOptions {
        avoid: vec![p[1].to_string().into()],
        ..opts()
    };
    let (_, da) = g.db.distances(p[0], &avoid_bob).unwrap();
    assert_eq!(da[ids.iter().position(|x| *x == p[1]).unwrap()], u32::MAX);

    // A new person extends the numbering; the epoch stays.
    let gus = block_on(g.db.upsert_person(person("gus", "gus@example.org"), &ctx()))
        .unwrap()
        .id;
    block_on(g.db.upsert_edges(vec![strong(p[3], gus, 0.4, "knows")], &ctx())).unwrap();
    let (epoch3, d3) = g.db.distances(p[0], &opts()).unwrap();
    assert_eq!(epoch3, epoch);
    let (_, tail) = g.db.node_ids(d.len() as u32).unwrap();
    assert_eq!(tail, &[gus]);
    assert_eq!(d3[d.len()], 3);

    // Errors name the field.
    let depth = QueryOptions {
        depth: Some(JsNumber(2.0)),
        ..opts()
    };
    assert_eq!(
        code_field(g.db.distances(p[0], &depth)),
        (ErrorCode::InvalidInput, "depth".into())
    );
    assert_eq!(
        code_field(g.db.distances(Uuid::new_v4(), &opts())),
        (ErrorCode::NotFound, "from".into())
    );
    assert_eq!(
        code_field(g.db.shortest_path_ids(p[0], Uuid::new_v4(), &opts())),
        (ErrorCode::NotFound, "to".into())
    );
    // A deleted endpoint is refused like in shortestPath.
    block_on(g.db.delete(EntityKind::Person, p[5], &ctx())).unwrap();
    assert_eq!(
        code_field(g.db.distances(p[5], &opts())).0,
        ErrorCode::NotFound
    );
    // Avoiding a person merged into bob avoids bob.
    let bob2 = block_on(g.db.upsert_person(person("bob two", "bob2@example.org"), &ctx()))
        .unwrap()
        .id;
    block_on(g.db.merge_people(p[1], &[bob2], serde_json::json!(null), &ctx())).unwrap();
    let avoid_bob2 = QueryOptions {
        avoid: vec![bob2.to_string().into()],
        ..opts()
    };
    let (_, da) = g.db.distances(p[0], &avoid_bob2).unwrap();
    let (_, ids) = g.db.node_ids(0).unwrap();
    assert_eq!(da[ids.iter().position(|x| *x == p[1]).unwrap()], u32::MAX);
}

#[test]
fn shortest_path_by_node_answers_as_by_id_or_asks_for_ids() {
    let g = graph();
    let p = g.p.clone();
    let (epoch, ids) = g.db.node_ids(0).unwrap();
    let ids = ids.to_vec();
    let node = |id: Uuid| ids.iter().position(|x| *x == id).unwrap() as u32;
    for &a in &p {
        for &b in &p {
            let by_id = g.db.shortest_path_ids(a, b, &opts()).unwrap();
            let by_node = match g.db.shortest_path_nodes(epoch, node(a), node(b)).unwrap() {
                NodeAnswer::Path(nodes) => Some(nodes.iter().map(|&n| ids[n as usize]).collect()),
                NodeAnswer::NoPath => None,
                NodeAnswer::AskById => panic!("{a} → {b}: asked by id"),
            };
            assert_eq!(by_node, by_id, "{a} → {b}");
        }
    }
    let ask = |g: &G, epoch: u64, a: u32, b: u32| g.db.shortest_path_nodes(epoch, a, b).unwrap();
    assert_eq!(
        ask(&g, epoch + 1, 0, 1),
        NodeAnswer::AskById,
        "another numbering"
    );
    assert_eq!(
        ask(&g, epoch, 0, ids.len() as u32),
        NodeAnswer::AskById,
        "no such node"
    );
    let mut g = g;
    block_on(g.db.delete(EntityKind::Person, p[4], &ctx())).unwrap();
    assert_eq!(
        ask(&g, epoch, node(p[0]), node(p[4])),
        NodeAnswer::AskById,
        "deleted"
    );
    assert_eq!(
        code_field(g.db.shortest_path_ids(p[0], p[4], &opts())),
        (ErrorCode::NotFound, "to".into())
    );
    assert_eq!(
        ask(&g, epoch, node(p[0]), node(p[3])),
        NodeAnswer::Path(vec![node(p[0]), node(p[1]), node(p[2]), node(p[3])])
    );
}

#[test]
fn rewriting_and_replacing_edges_keeps_the_index_size() {
    let mut g = graph();
    let p = g.p.clone();
    let _ = g.db.graph_view();
    let bytes = g.db.graph_view().memory_bytes();
    assert_eq!(g.db.stats().graph_index_bytes, Some(bytes));
    // Re-weighting existing edges rewrites them in place: nothing grows.
    for s in [0.1, 0.7, 0.3] {
        block_on(g.db.upsert_edges(vec![strong(p[0], p[1], s, "knows")], &ctx())).unwrap();
        assert_eq!(g.db.graph_view().memory_bytes(), bytes);
        assert_eq!(
            g.db.graph_view().snapshot(g.db.state()),
            rebuilt(&g.db).snapshot(g.db.state())
        );
    }
    // A deleted edge leaves the index; a new one is named by its own slot.
    let e = g.db.state().edge_by_pair()[&pair_key(p[0], p[4])];
    block_on(g.db.delete(EntityKind::Edge, e, &ctx())).unwrap();
    block_on(g.db.upsert_edges(vec![strong(p[2], p[5], 0.5, "knows")], &ctx())).unwrap();
    assert_eq!(
        g.db.graph_view().snapshot(g.db.state()),
        rebuilt(&g.db).snapshot(g.db.state())
    );
    let sp = g.db.shortest_path(p[5], p[2], &opts()).unwrap().unwrap();
    let e = g.db.state().edge_by_pair()[&pair_key(p[2], p[5])];
    assert_eq!(sp.edge_ids, vec![e]);
    assert!(g
        .db
        .shortest_path(p[0], p[4], &opts())
        .unwrap()
        .is_none_or(|sp| sp.edge_ids.len() > 1));
}

#[test]
fn merge_and_unmerge_keep_the_patched_index_equal_to_a_rebuilt_one() {
    // A merge hard-removes edges (duplicates combined, the self-edge) and
    // re-points others; unmerge brings them back. The index names edges by
    // their table slot, so slots emptied and reused must stay in step.
    let mut g = graph();
    let p = g.p.clone();
    let _ = g.db.graph_view();
    let same = |g: &G| {
        assert_eq!(
            g.db.graph_view().snapshot(g.db.state()),
            rebuilt(&g.db).snapshot(g.db.state())
        )
    };
    // bob and eve both know ada and dan: merging eve into bob combines
    // those pairs and drops nothing else.
    let m = block_on(g.db.merge_people(p[1], &[p[4]], serde_json::json!(null), &ctx())).unwrap();
    same(&g);
    assert_hops_are_edges(
        &g,
        &g.db.shortest_path(p[0], p[3], &opts()).unwrap().unwrap(),
    );
    // New edges take the slots the merge emptied.
    add_gus(&mut g, &[(p[5], 0.4), (p[3], 0.3)]);
    same(&g);
    block_on(g.db.unmerge(m.id, &ctx())).unwrap();
    same(&g);
    let sp = g.db.shortest_path(p[5], p[0], &opts()).unwrap().unwrap();
    assert_eq!(sp.person_ids.first(), Some(&p[5]));
    assert_hops_are_edges(&g, &sp);
}

/// A pair, its strength, and every factor's name, value and contribution.
type ScoredPair = ((Uuid, Uuid), f64, Vec<(String, f64, f64)>);

/// Per pair: strength and every factor's value and contribution, exactly.
fn scored_pairs(db: &Db<MemoryBackend>) -> Vec<ScoredPair> {
    let mut v: Vec<_> = db
        .state()
        .edges
        .values()
        .map(|e| {
            let f = e
                .strength_factors
                .iter()
                .map(|f| (f.name.to_string(), f.value, f.contribution))
                .collect();
            (e.pair(), e.strength, f)
        })
        .collect();
    v.sort_by_key(|p| p.0);
    v
}

#[test]
fn strengths_do_not_depend_on_the_order_interactions_were_written() {
    // Group meetings among 12 people (so embeddedness sums over many common
    // neighbours), written forwards into one graph and backwards into another.
    let people: Vec<PersonInput> = (0..12)
        .map(|i| person(&format!("q{i}"), &format!("q{i}@example.org")))
        .collect();
    let xs: Vec<InteractionInput> = (0..60u32)
        .map(|k| {
            let who = (0..2 + k % 4)
                .map(|j| {
                    let i = (k * 7 + j * 5) % 12;
                    // Every third by email: the email index is part of mapping.
                    if (k + j) % 3 == 0 {
                        format!("q{i}@example.org")
                    } else {
                        format!("00000000-0000-4000-8000-{:012x}", i + 1)
                    }
                })
                .collect();
            InteractionInput {
                source_name: Some("cal".into()),
                source_id: Some(format!("x{k}")),
                timestamp: Some(TimeInput::Text(format!(
                    "2023-10-{:02}T10:00:00Z",
                    1 + k % 28
                ))),
                participants: who,
                channel: Some(if k % 2 == 0 { "meeting" } else { "email" }.into()),
                ..Default::default()
            }
        })
        .collect();
    let graph = |forwards: bool| {
        let mut db = open();
        let mut ps = people.clone();
        for (i, p) in ps.iter_mut().enumerate() {
            p.id = Some(format!("00000000-0000-4000-8000-{:012x}", i + 1));
        }
        let mut xs = xs.clone();
        if !forwards {
            ps.reverse();
            xs.reverse();
        }
        block_on(db.upsert_people(ps, &ctx())).unwrap();
        block_on(db.upsert_interactions(xs, &ctx())).unwrap();
        let r = block_on(db.recompute_strengths(&ctx(), &RecomputeOptions::default())).unwrap();
        assert_eq!(r.interactions_used, 60);
        db
    };
    let (a, b) = (graph(true), graph(false));
    let (sa, sb) = (scored_pairs(&a), scored_pairs(&b));
    assert!(sa.len() > 20, "{} pairs", sa.len());
    assert!(sa.iter().any(|p| p.2[7].1 > 0.0), "some embeddedness");
    assert_eq!(sa, sb);
}

/// The index ranks by f32 copies of the strengths; answers report the stored
/// strengths, with the score and weakest hop computed from them.
#[test]
fn paths_and_mutuals_report_stored_strengths_not_the_index_copies() {
    let mut db = open();
    let p = people_ids(
        &mut db,
        ["a", "b", "c", "d"]
            .iter()
            .map(|n| person(n, &format!("{n}@example.org")))
            .collect(),
    );
    let (s1, s2, s3) = (0.299_999_999_9, 0.700_000_000_3, 0.123_456_789_012_3);
    for s in [s1, s2, s3] {
        assert_ne!(s as f32 as f64, s, "not exact in f32");
    }
    block_on(db.upsert_edges(
        vec![
            strong(p[0], p[1], s1, "knows"),
            strong(p[1], p[3], s2, "knows"),
            strong(p[0], p[2], s3, "knows"),
            strong(p[2], p[3], s2, "knows"),
        ],
        &ctx(),
    ))
    .unwrap();
    let paths = db.intro_paths(p[0], p[3], &opts()).unwrap();
    assert_eq!(paths.len(), 2);
    for path in &paths {
        let stored: Vec<f64> = path.hops.iter().map(|h| h.strength).collect();
        assert_eq!(path.hop_strengths, stored);
        assert_eq!(path.score, stored.iter().product::<f64>());
        let w = path.weakest_hop.as_ref().unwrap();
        assert_eq!(
            w.strength,
            stored.iter().cloned().fold(f64::INFINITY, f64::min)
        );
        assert_eq!(stored[w.index], w.strength);
    }
    assert_eq!(paths[0].hop_strengths, vec![s1, s2]);
    assert!(paths[0].score >= paths[1].score);
    let m = db.mutual_connections(p[0], p[3], &opts()).unwrap();
    let by_person: Vec<(Uuid, f64, f64)> = m
        .iter()
        .map(|m| (m.person_id, m.strength_a, m.strength_b))
        .collect();
    assert!(by_person.contains(&(p[1], s1, s2)), "{by_person:?}");
    assert!(by_person.contains(&(p[2], s3, s2)), "{by_person:?}");
    assert_eq!(
        code_field(db.mutual_connections(p[0], p[0], &opts())),
        (ErrorCode::InvalidInput, "b".into())
    );
    // edgesOf reads the records: its minStrength is exact (0.2999999999
    // rounds to 0.3 in f32, and passed a bound of 0.3).
    let at_least = |m: f64| QueryOptions {
        min_strength: Some(JsNumber(m)),
        ..opts()
    };
    let strengths = |m: f64| -> Vec<f64> {
        db.edges_of(p[0], &at_least(m))
            .unwrap()
            .iter()
            .map(|e| e.strength)
            .collect()
    };
    assert_eq!(strengths(0.3), Vec::<f64>::new());
    assert_eq!(strengths(s1), vec![s1]);
}

/// An erased person's node no longer names her, and node tables handed out
/// before are void (a new epoch): her id leaves the index with her record.
#[test]
fn erasing_a_person_takes_her_id_out_of_the_node_table() {
    let mut g = graph();
    let (ada, bob, eve, dan) = (g.p[0], g.p[1], g.p[4], g.p[3]);
    assert!(g.db.shortest_path(ada, dan, &opts()).unwrap().is_some());
    let (epoch, ids) = g.db.node_ids(0).unwrap();
    assert!(ids.contains(&eve));
    block_on(g.db.erase_person(eve, &ctx())).unwrap();
    let (after, ids) = g.db.node_ids(0).unwrap();
    assert_ne!(after, epoch);
    assert!(!ids.contains(&eve));
    assert_eq!(
        code_field(g.db.shortest_path(ada, eve, &opts())),
        (ErrorCode::NotFound, "to".into())
    );
    let p = g.db.shortest_path(ada, dan, &opts()).unwrap().unwrap();
    assert_eq!(p.person_ids, vec![ada, bob, g.p[2], dan]);
    // The same id written again is a new node, found as before.
    block_on(g.db.upsert_person(
        PersonInput {
            id: Some(eve.to_string()),
            ..person("eve", "eve@example.org")
        },
        &ctx(),
    ))
    .unwrap();
    block_on(g.db.upsert_edge(edge(ada, eve), &ctx())).unwrap();
    assert_eq!(
        g.db.shortest_path(ada, eve, &opts())
            .unwrap()
            .unwrap()
            .person_ids,
        vec![ada, eve]
    );
}
