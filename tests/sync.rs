//! Sync bookkeeping, natively: the conflict rules as properties, and push /
//! ack / pull between two graphs through `ProtocolServer`, an in-process
//! implementation of the rules of `sql/PROTOCOL.md` (versions, change-id
//! idempotency, stale-base conflicts, tombstones, pages). The real server
//! (PostgreSQL + gateway) is exercised by `tests/sync/client.test.mjs`.

mod common;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, ListOptions, MemoryBackend};
use wig_graph::sync::{resolve, PushBatch, PUSH_BODY_BYTES};
use wig_graph::ErrorCode;

// ---------- conflict rules as properties ----------

fn arb_person() -> impl Strategy<Value = Person> {
    let names = prop::collection::vec(prop::sample::select(vec!["Ada", "Bob", "Cy", "Di"]), 0..4);
    let emails = prop::collection::vec(
        prop::sample::select(vec!["a@x.org", "b@x.org", "c@x.org"]),
        0..3,
    );
    let title = prop::option::of(prop::sample::select(vec!["CTO", "CEO", "Eng"]));
    let updated = 0i64..4;
    let deleted = prop::option::of(0i64..4);
    let merged = prop::option::of(prop::sample::select(vec![1u128, 2, 3]));
    let handles = prop::collection::btree_map(
        prop::sample::select(vec!["x", "gh"]),
        prop::sample::select(vec!["@a", "@b"]),
        0..2,
    );
    (
        names,
        emails,
        title,
        updated,
        deleted,
        merged,
        handles,
        0u64..3,
    )
        .prop_map(
            |(names, emails, title, updated, deleted, merged, handles, sv)| Person {
                id: Uuid::from_u128(42),
                names: names.into_iter().map(String::from).collect(),
                emails: emails.into_iter().map(String::from).collect(),
                phones: vec![],
                social_handles: handles
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                title: title.map(String::from),
                organization_id: None,
                addresses: vec![],
                birth_date: None,
                merge_explanation: None,
                previous_ids: vec![],
                merged_into: merged.map(Uuid::from_u128),
                metadata: Metadata::default(),
                created_at: Timestamp::from_millis(T0),
                updated_at: Timestamp::from_millis(T0 + updated * 1000),
                deleted_at: deleted.map(|d| Timestamp::from_millis(T0 + d * 1000)),
                sync_version: sv,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn resolution_is_order_independent_idempotent_and_lossless(a in arb_person(), b in arb_person()) {
        let ab = resolve(&a, &b);
        let ba = resolve(&b, &a);
        prop_assert_eq!(&ab, &ba, "resolve(a, b) == resolve(b, a)");
        prop_assert_eq!(resolve(&a, &a), a.clone());
        prop_assert_eq!(resolve(&ab, &b), ab.clone(), "resolving again changes nothing");
        prop_assert_eq!(resolve(&ab, &a), ab.clone());
        for x in a.names.iter().chain(&b.names) {
            prop_assert!(ab.names.contains(x), "name {} lost", x);
        }
        for x in a.emails.iter().chain(&b.emails) {
            prop_assert!(ab.emails.contains(x), "email {} lost", x);
        }
        for k in a.social_handles.keys().chain(b.social_handles.keys()) {
            prop_assert!(ab.social_handles.contains_key(k));
        }
        // Deletes and merges win.
        prop_assert_eq!(ab.deleted_at.is_some(), a.deleted_at.is_some() || b.deleted_at.is_some());
        prop_assert_eq!(ab.merged_into.is_some(), a.merged_into.is_some() || b.merged_into.is_some());
        // The later writer's scalars.
        if a.updated_at > b.updated_at {
            prop_assert_eq!(&ab.title, &a.title);
            prop_assert_eq!(ab.names.first(), a.names.first().or(b.names.first()));
        }
        prop_assert_eq!(ab.updated_at, a.updated_at.max(b.updated_at));
        prop_assert_eq!(ab.sync_version, a.sync_version.max(b.sync_version));
    }
}

// ---------- a protocol server, in process ----------

#[derive(Default)]
struct ProtocolServer {
    last_seq: u64,
    /// (kind, id) → (version, erased, record)
    rows: HashMap<(String, String), (u64, bool, Value)>,
    applied: HashMap<String, (String, u64)>,
    /// Drop the answer of the next push after applying it (a cut connection).
    lose_next_answer: bool,
}

impl ProtocolServer {
    fn push(&mut self, body: &str) -> Option<String> {
        let body: Value = serde_json::from_str(body).unwrap();
        let mut applied = vec![];
        let mut conflicts = vec![];
        for c in body["changes"].as_array().unwrap() {
            let change_id = c["change_id"].as_str().unwrap().to_string();
            let kind = c["kind"].as_str().unwrap().to_string();
            let id = c["id"].as_str().unwrap().to_string();
            assert!(
                c["record"].get("syncVersion").is_none(),
                "syncVersion is not sent"
            );
            if let Some((id, v)) = self.applied.get(&change_id) {
                applied.push(json!({"change_id": change_id, "id": id, "version": v}));
                continue;
            }
            let base = c["base_version"].as_u64().unwrap();
            if let Some((v, erased, record)) = self.rows.get(&(kind.clone(), id.clone())) {
                if *v > base {
                    conflicts.push(json!({"change_id": change_id, "kind": kind, "id": id, "reason": "stale_base",
                        "server": {"id": id, "version": v, "erased": erased, "record": if *erased { Value::Null } else { record.clone() }}}));
                    continue;
                }
            }
            self.last_seq += 1;
            let erased = c["op"] == "erase";
            self.rows.insert(
                (kind, id.clone()),
                (self.last_seq, erased, c["record"].clone()),
            );
            self.applied
                .insert(change_id.clone(), (id.clone(), self.last_seq));
            applied.push(json!({"change_id": change_id, "id": id, "version": self.last_seq}));
        }
        let answer =
            json!({"applied": applied, "conflicts": conflicts, "checkpoint": self.last_seq})
                .to_string();
        if std::mem::take(&mut self.lose_next_answer) {
            return None;
        }
        Some(answer)
    }

    fn pull(&self, since: u64, limit: usize) -> String {
        let mut rows: Vec<_> = self
            .rows
            .iter()
            .filter(|(_, (v, _, _))| *v > since)
            .collect();
        rows.sort_by_key(|(_, (v, _, _))| *v);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let checkpoint = rows.last().map_or(since, |(_, (v, _, _))| *v);
        let changes: Vec<Value> = rows
            .into_iter()
            .map(|((kind, id), (v, erased, record))| {
                json!({"kind": kind, "id": id, "version": v, "erased": erased,
                       "record": if *erased { Value::Null } else { record.clone() }})
            })
            .collect();
        json!({"changes": changes, "checkpoint": checkpoint, "more": more}).to_string()
    }
}

fn push_all(db: &mut Db<MemoryBackend>, server: &mut ProtocolServer, limit: usize) {
    for _ in 0..100 {
        let Some(batch) = db.prepare_push(limit).unwrap() else {
            return;
        };
        let Some(answer) = server.push(&batch.body) else {
            continue;
        };
        let p = db.prepare_ack(&batch, &answer, &ctx()).unwrap();
        block_on(db.run(p)).unwrap();
    }
    panic!("push did not finish");
}

fn pull_all(db: &mut Db<MemoryBackend>, server: &ProtocolServer, limit: usize) {
    loop {
        let page = server.pull(db.sync_checkpoint(), limit);
        let p = db.prepare_pull(&page, &ctx()).unwrap();
        let more = p.output.more;
        block_on(db.run(p)).unwrap();
        if !more {
            return;
        }
    }
}

fn sync(db: &mut Db<MemoryBackend>, server: &mut ProtocolServer) {
    pull_all(db, server, 3);
    push_all(db, server, 2);
    pull_all(db, server, 3);
}

/// Two rounds of syncs by two devices, `a` first when `a_first`.
fn sync_in_turn(
    a: &mut Db<MemoryBackend>,
    b: &mut Db<MemoryBackend>,
    server: &mut ProtocolServer,
    a_first: bool,
) {
    let (first, second) = if a_first { (a, b) } else { (b, a) };
    for _ in 0..2 {
        sync(first, server);
        sync(second, server);
    }
}

fn everything(db: &Db<MemoryBackend>) -> Value {
    let all = ListOptions {
        limit: Some(10_000),
        include_deleted: true,
        ..Default::default()
    };
    let strip = |v: Value| -> Value {
        let mut v = v;
        for r in v.as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("syncVersion");
        }
        v
    };
    let mut people = db.list_people(&all).unwrap().items;
    people.sort_by_key(|p| p.id);
    let mut edges = db.list_edges(&all).unwrap().items;
    edges.sort_by_key(|e| e.id);
    json!({"people": strip(serde_json::to_value(people).unwrap()), "edges": strip(serde_json::to_value(edges).unwrap())})
}

fn server_state(server: &ProtocolServer) -> BTreeMap<String, Value> {
    server
        .rows
        .iter()
        .filter(|(_, (_, erased, _))| !erased)
        .map(|((k, id), (_, _, r))| (format!("{k}/{id}"), r.clone()))
        .collect()
}

#[test]
fn two_devices_edit_merge_delete_offline_and_converge_in_either_order() {
    for order in [false, true] {
        let mut server = ProtocolServer::default();
        let (mut a, ada, bob) = seeded();
        push_all(&mut a, &mut server, 2);
        assert_eq!(a.stats().outbox_changes, 0, "everything acknowledged");
        assert!(a.person(ada).unwrap().sync_version > 0);
        let mut b = open();
        pull_all(&mut b, &server, 2);
        assert_eq!(
            b.stats().outbox_changes,
            0,
            "pulled rows do not enter the outbox"
        );
        assert_eq!(everything(&a), everything(&b));

        // Offline: A adds an email to Ada and a third person; B merges Bob
        // into a new duplicate, retitles Ada later than A's edit.
        let mut ada_a = PersonInput {
            id: Some(ada.to_string()),
            ..person("Ada Lovelace", "ada@example.org")
        };
        ada_a.emails.push("ada@work.org".into());
        ada_a.title = Some("Countess".into());
        block_on(a.upsert_person(ada_a, &ctx_at(T0 + 1000))).unwrap();
        let carl =
            block_on(a.upsert_person(person("Carl", "carl@example.org"), &ctx_at(T0 + 1000)))
                .unwrap();
        let mut bob_edit = PersonInput {
            id: Some(bob.to_string()),
            ..person("Bob Smith", "bob@example.org")
        };
        bob_edit.phones = vec!["+14155550100".into()];
        block_on(a.upsert_person(bob_edit, &ctx_at(T0 + 1000))).unwrap();

        let mut ada_b = PersonInput {
            id: Some(ada.to_string()),
            ..person("Ada Lovelace", "ada@example.org")
        };
        ada_b.title = Some("Analyst".into());
        block_on(b.upsert_person(ada_b, &ctx_at(T0 + 2000))).unwrap();
        let bob2 = block_on(b.upsert_person(
            person("Robert Smith", "bob@example.org"),
            &ctx_at(T0 + 2000),
        ))
        .unwrap();
        block_on(b.merge_people(bob2.id, &[bob], json!(null), &ctx_at(T0 + 2000))).unwrap();

        if order {
            sync(&mut a, &mut server);
            sync(&mut b, &mut server);
        } else {
            sync(&mut b, &mut server);
            sync(&mut a, &mut server);
        }
        // A second round lets the first device see what the second resolved.
        sync(&mut a, &mut server);
        sync(&mut b, &mut server);
        assert_eq!(a.stats().outbox_changes, 0);
        assert_eq!(b.stats().outbox_changes, 0);
        assert_eq!(
            everything(&a),
            everything(&b),
            "order {order}: both devices converge"
        );
        let ada_now = a.person(ada).unwrap();
        assert_eq!(
            ada_now.title.as_deref(),
            Some("Analyst"),
            "the later edit's scalar wins"
        );
        assert!(
            ada_now.emails.contains(&"ada@work.org".to_string()),
            "array items are kept"
        );
        assert!(a.person(carl.id).is_some() && b.person(carl.id).is_some());
        assert_eq!(
            a.person(bob).unwrap().merged_into,
            Some(bob2.id),
            "the merge wins"
        );
        let survivor = b.person(bob2.id).unwrap();
        assert!(
            survivor.phones.contains(&"+14155550100".to_string()),
            "the edit of a merged-away person reached the survivor: {survivor:?}"
        );
        // The server holds what both devices hold.
        let rows = server_state(&server);
        for p in everything(&a)["people"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap();
            assert_eq!(&rows[&format!("person/{id}")], p, "server row of {id}");
        }
    }
}

#[test]
fn a_lost_answer_is_replayed_without_duplicates_or_loss() {
    let mut server = ProtocolServer::default();
    let (mut a, _, _) = seeded();
    server.lose_next_answer = true;
    let batch = a.prepare_push(10).unwrap().unwrap();
    assert!(server.push(&batch.body).is_none());
    assert_eq!(
        a.stats().outbox_changes,
        3,
        "nothing leaves the outbox without an answer"
    );
    let again = a.prepare_push(10).unwrap().unwrap();
    assert_eq!(
        batch.items.iter().map(|i| i.change_id).collect::<Vec<_>>(),
        again.items.iter().map(|i| i.change_id).collect::<Vec<_>>(),
        "the replay carries the same change ids"
    );
    push_all(&mut a, &mut server, 10);
    assert_eq!(server.rows.len(), 3, "no duplicate rows");
    assert_eq!(server.last_seq, 3, "each change written once");
    assert_eq!(a.stats().outbox_changes, 0);
}

#[test]
fn an_edit_during_a_push_stays_pending() {
    let mut server = ProtocolServer::default();
    let (mut a, ada, _) = seeded();
    let batch = a.prepare_push(10).unwrap().unwrap();
    let answer = server.push(&batch.body).unwrap();
    let mut edit = PersonInput {
        id: Some(ada.to_string()),
        ..person("Ada Lovelace", "ada@example.org")
    };
    edit.title = Some("Dr".into());
    block_on(a.upsert_person(edit, &ctx_at(T0 + 5000))).unwrap();
    let p = a.prepare_ack(&batch, &answer, &ctx()).unwrap();
    block_on(a.run(p)).unwrap();
    assert_eq!(
        a.stats().outbox_changes,
        1,
        "the newer edit is still to push"
    );
    let v = a.person(ada).unwrap().sync_version;
    assert!(v > 0);
    let next = a.prepare_push(10).unwrap().unwrap();
    assert_eq!(next.items.len(), 1);
    assert_eq!(
        next.items[0].base_version, v,
        "based on the version just acknowledged"
    );
    push_all(&mut a, &mut server, 10);
    assert_eq!(a.stats().outbox_changes, 0);
}

#[test]
fn erases_travel_as_tombstones_and_win() {
    let mut server = ProtocolServer::default();
    let (mut a, ada, bob) = seeded();
    push_all(&mut a, &mut server, 10);
    let mut b = open();
    pull_all(&mut b, &server, 10);
    // B edits Ada while A erases her.
    let mut edit = PersonInput {
        id: Some(ada.to_string()),
        ..person("Ada Lovelace", "ada@example.org")
    };
    edit.title = Some("Dr".into());
    block_on(b.upsert_person(edit, &ctx_at(T0 + 9000))).unwrap();
    block_on(a.erase_person(ada, &ctx_at(T0 + 1000))).unwrap();
    sync(&mut a, &mut server);
    eprintln!("after a: {}", server.pull(0, 100));
    sync(&mut b, &mut server);
    eprintln!("after b: {}", server.pull(0, 100));
    sync(&mut a, &mut server);
    assert!(
        a.person(ada).is_none(),
        "A: the erase stands: {:?}",
        a.person(ada)
    );
    assert!(
        b.person(ada).is_none(),
        "B: the erase wins over a later edit: {:?}",
        b.person(ada)
    );
    assert_eq!(b.stats().edges, 0, "her edges went too");
    assert!(b.person(bob).is_some());
    assert_eq!(everything(&a), everything(&b));
    assert_eq!(b.stats().outbox_changes, 0);
}

#[test]
fn bad_pages_are_refused_whole() {
    let (mut b, _, _) = seeded();
    let before = everything(&b);
    let good = json!({"kind": "person", "id": Uuid::from_u128(7), "version": 1, "erased": false,
        "record": {"id": Uuid::from_u128(7), "names": ["X"], "emails": [], "phones": [], "socialHandles": {},
                   "addresses": [], "previousIds": [], "metadata": null,
                   "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}});
    let cases = [
        (
            json!({"changes": [good.clone(), {"kind": "table", "id": Uuid::from_u128(8), "version": 2, "erased": false, "record": {}}], "checkpoint": 2, "more": false}),
            "changes[1].kind",
        ),
        (
            json!({"changes": [good.clone(), {"kind": "person", "id": Uuid::from_u128(8), "version": 2, "erased": false, "record": {"id": Uuid::from_u128(8), "names": 5}}], "checkpoint": 2, "more": false}),
            "changes[1].record",
        ),
        (
            json!({"changes": [good.clone(), {"kind": "person", "id": Uuid::from_u128(9), "version": 2, "erased": false, "record": good["record"]}], "checkpoint": 2, "more": false}),
            "changes[1].record.id",
        ),
        (
            json!({"changes": [good.clone(), good.clone()], "checkpoint": 2, "more": false}),
            "changes[1].version",
        ),
        (
            json!({"changes": [good.clone()], "checkpoint": "x", "more": false}),
            "response",
        ),
    ];
    for (page, field) in cases {
        let e = b
            .prepare_pull(&page.to_string(), &ctx())
            .err()
            .expect("refused");
        assert_eq!(e.code, ErrorCode::SyncProtocol);
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
    }
    assert_eq!(everything(&b), before, "nothing applied");
    assert_eq!(b.sync_checkpoint(), 0, "checkpoint unmoved");
    let p = b
        .prepare_pull(
            &json!({"changes": [good], "checkpoint": 1, "more": false}).to_string(),
            &ctx(),
        )
        .unwrap();
    block_on(b.run(p)).unwrap();
    assert_eq!(b.sync_checkpoint(), 1);
    assert!(b.person(Uuid::from_u128(7)).is_some());
    assert_eq!(
        b.stats().outbox_changes,
        3,
        "only the seeded changes are pending"
    );
    // Several pages in one write: all or nothing, the field names the page.
    let p2 = |v: u64, id: u128| {
        json!({"changes": [{"kind": "person", "id": Uuid::from_u128(id), "version": v, "erased": false,
        "record": {"id": Uuid::from_u128(id), "names": ["Y"], "emails": [], "phones": [], "socialHandles": {},
                   "addresses": [], "previousIds": [], "metadata": null,
                   "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}}], "checkpoint": v, "more": true}).to_string()
    };
    let bad = json!({"changes": [{"kind": "table", "id": Uuid::from_u128(12), "version": 3, "erased": false, "record": {}}], "checkpoint": 3, "more": false}).to_string();
    let e = b
        .prepare_pull_pages(&[&p2(2, 11), &bad], &ctx())
        .err()
        .expect("refused");
    assert_eq!(e.field.as_deref(), Some("pages[1].changes[0].kind"));
    let p = b
        .prepare_pull_pages(&[&p2(2, 11), &p2(3, 12)], &ctx())
        .unwrap();
    assert_eq!(
        (p.output.rows, p.output.checkpoint, p.output.more),
        (2, 3, true)
    );
    block_on(b.run(p)).unwrap();
    assert!(b.person(Uuid::from_u128(11)).is_some() && b.person(Uuid::from_u128(12)).is_some());
    assert_eq!(b.sync_checkpoint(), 3);
    // The checkpoint is durable: reopening reads it back.
    let values = block_on(wig_graph::store::load_values(b.backend())).unwrap();
    let (state, _) = wig_graph::store::GraphState::load(values).unwrap();
    assert_eq!(state.sync.unwrap().checkpoint(), 3);
}

#[test]
fn an_edge_made_for_a_person_merged_elsewhere_follows_the_survivor() {
    for order in [false, true] {
        let mut server = ProtocolServer::default();
        let (mut a, _ada, bob) = seeded();
        push_all(&mut a, &mut server, 10);
        let mut b = open();
        pull_all(&mut b, &server, 10);
        // A: a new person and an edge to Bob. B: Bob merged into a duplicate.
        let zed = block_on(a.upsert_person(person("Zed", "zed@example.org"), &ctx_at(T0 + 1000)))
            .unwrap();
        let bz = block_on(a.upsert_edge(edge(bob, zed.id), &ctx_at(T0 + 1000))).unwrap();
        let bob2 = block_on(b.upsert_person(
            person("Robert Smith", "rob@example.org"),
            &ctx_at(T0 + 2000),
        ))
        .unwrap();
        block_on(b.merge_people(bob2.id, &[bob], json!(null), &ctx_at(T0 + 2000))).unwrap();
        sync_in_turn(&mut a, &mut b, &mut server, order);
        for db in [&a, &b] {
            let e = db.edge(bz.id).unwrap();
            assert_eq!(
                (e.from_person_id, e.to_person_id),
                (bob2.id, zed.id),
                "order {order}: re-pointed to the survivor"
            );
            assert_eq!(db.stats().outbox_changes, 0);
        }
        assert_eq!(everything(&a), everything(&b));
        let row = &server.rows[&("edge".to_string(), bz.id.to_string())].2;
        assert_eq!(row["fromPersonId"], json!(bob2.id), "and on the server");
    }
}

/// Ada knows Bob and Rob; B merges Bob into Rob (his duplicate), folding
/// Ada–Bob into Ada–Rob. A, offline, edits Ada–Bob (before or after the
/// merge). The survivor's pair is taken, so the edit cannot be re-pointed:
/// it is folded into Ada–Rob as a version of it (the later scalars win,
/// metadata is unioned), on both devices and the server, whichever syncs
/// first, except an edit made before the merge and pushed before the merge
/// arrived; Ada–Bob stays as it was on the merged-away Bob.
#[test]
fn an_offline_edit_of_an_edge_a_merge_folded_reaches_the_survivors_edge() {
    for (order, edited_at, strength) in [
        (false, T0 + 3000, 0.95),
        (true, T0 + 3000, 0.95),
        (false, T0 + 1000, 0.7),
        (true, T0 + 1000, 0.7),
    ] {
        let mut server = ProtocolServer::default();
        let (mut a, ada, bob) = seeded();
        let rob = block_on(a.upsert_person(person("Robert Smith", "rob@example.org"), &ctx()))
            .unwrap()
            .id;
        let ada_rob = block_on(a.upsert_edge(
            EdgeInput {
                strength: Some(JsNumber(0.4)),
                metadata: Some(json!({ "since": 2019 })),
                ..edge(ada, rob)
            },
            &ctx(),
        ))
        .unwrap()
        .id;
        let ada_bob = a.state().edge_for_pair(pair_key(ada, bob)).unwrap().id;
        push_all(&mut a, &mut server, 10);
        let mut b = open();
        pull_all(&mut b, &server, 10);
        block_on(b.merge_people(rob, &[bob], json!(null), &ctx_at(T0 + 2000))).unwrap();
        block_on(a.upsert_edge(
            EdgeInput {
                id: Some(ada_bob.to_string()),
                strength: Some(JsNumber(0.95)),
                relationship_type: Some("advised".into()),
                metadata: Some(json!({ "note": "met at PyCon" })),
                ..edge(ada, bob)
            },
            &ctx_at(edited_at),
        ))
        .unwrap();
        sync_in_turn(&mut a, &mut b, &mut server, order);
        for (name, db) in [("A", &a), ("B", &b)] {
            let what = format!("order {order}, edited at {edited_at}, {name}");
            let e = db.edge(ada_rob).unwrap();
            assert_eq!(e.deleted_at, None, "{what}");
            // Edited before the merge and pushed before it arrived (A
            // first): nothing tells that edit from an edge the merge
            // folded, so it stays on Bob, out of queries.
            let folded = edited_at > T0 + 2000 || !order;
            let later = if edited_at > T0 + 2000 {
                RelationshipType::Advised
            } else {
                RelationshipType::Knows
            };
            assert_eq!(
                (e.strength, e.relationship_type),
                (strength, later),
                "{what}: the later scalars"
            );
            let notes = if folded {
                json!({ "since": 2019, "note": "met at PyCon" })
            } else {
                json!({ "since": 2019 })
            };
            assert_eq!(e.metadata.0, notes, "{what}: both notes when folded");
            let old = db.edge(ada_bob).unwrap();
            assert_eq!(
                (old.to_person_id, old.strength),
                (bob, 0.95),
                "{what}: kept as A left it, on Bob"
            );
            let shown = db
                .edges_of(ada, &Default::default())
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>();
            assert_eq!(shown, vec![ada_rob], "{what}: one edge, to the survivor");
            assert_eq!(db.stats().outbox_changes, 0, "{what}");
        }
        assert_eq!(everything(&a), everything(&b), "order {order}");
        let row = &server.rows[&("edge".to_string(), ada_rob.to_string())].2;
        let folded = edited_at > T0 + 2000 || !order;
        assert_eq!(
            row["metadata"]["note"] == "met at PyCon",
            folded,
            "order {order}: and on the server"
        );
    }
}

/// Found by a review: the pull's fold brought back what the user removed
/// from the survivor's edge after the merge. A merges Bob into Rob (Ada–Bob's
/// note goes into Ada–Rob), then removes the note from Ada–Rob; a device
/// that synced before the merge (it holds Ada–Bob, unchanged) and a fresh
/// one pull it all: the merge saw Ada–Bob, so nothing is folded again.
#[test]
fn an_edge_the_merge_folded_is_not_folded_again_by_a_pull() {
    let mut server = ProtocolServer::default();
    let (mut a, ada, bob) = seeded();
    let ada_bob = a.state().edge_for_pair(pair_key(ada, bob)).unwrap().id;
    block_on(a.upsert_edge(
        EdgeInput {
            id: Some(ada_bob.to_string()),
            metadata: Some(json!({ "note": "secret" })),
            ..edge(ada, bob)
        },
        &ctx_at(T0 + 100),
    ))
    .unwrap();
    let rob = block_on(a.upsert_person(person("Robert Smith", "rob@example.org"), &ctx()))
        .unwrap()
        .id;
    let rob_edge = |metadata: Value| EdgeInput {
        strength: Some(JsNumber(0.4)),
        metadata: Some(metadata),
        ..edge(ada, rob)
    };
    let ada_rob = block_on(a.upsert_edge(rob_edge(json!({ "since": 2019 })), &ctx()))
        .unwrap()
        .id;
    sync(&mut a, &mut server);
    let mut stale = open();
    sync(&mut stale, &mut server);
    block_on(a.merge_people(rob, &[bob], json!(null), &ctx_at(T0 + 2000))).unwrap();
    assert_eq!(a.edge(ada_rob).unwrap().metadata.0["note"], "secret");
    block_on(a.upsert_edge(
        EdgeInput {
            id: Some(ada_rob.to_string()),
            ..rob_edge(json!({ "since": 2019 }))
        },
        &ctx_at(T0 + 5000),
    ))
    .unwrap();
    sync(&mut a, &mut server);
    let mut fresh = open();
    for db in [&mut stale, &mut fresh] {
        sync(db, &mut server);
    }
    sync(&mut a, &mut server);
    for (name, db) in [("A", &a), ("stale", &stale), ("fresh", &fresh)] {
        assert_eq!(
            db.edge(ada_rob).unwrap().metadata.0,
            json!({ "since": 2019 }),
            "{name}: the removed note stays removed"
        );
        assert_eq!(db.stats().outbox_changes, 0, "{name}");
    }
    let row = &server.rows[&("edge".to_string(), ada_rob.to_string())].2;
    assert_eq!(
        row["metadata"],
        json!({ "since": 2019 }),
        "and on the server"
    );
}

/// B merges two duplicates, Y1 and Y2, into Z; A, offline, ties X to each
/// of them. Both of A's edges land on the pair X–Z: one holds it, the other
/// folds into it (both notes kept), so no device ever holds two live edges
/// for one pair, whichever syncs first.
#[test]
fn two_offline_edges_that_a_pulled_merge_sends_to_one_pair_become_one() {
    for order in [false, true] {
        let mut server = ProtocolServer::default();
        let mut a = open();
        let ids = people_ids(
            &mut a,
            vec![
                person("Xavier", "x@example.org"),
                person("Yan One", "y1@example.org"),
                person("Yan Two", "y2@example.org"),
                person("Yan", "z@example.org"),
            ],
        );
        let (x, y1, y2, z) = (ids[0], ids[1], ids[2], ids[3]);
        push_all(&mut a, &mut server, 10);
        let mut b = open();
        pull_all(&mut b, &server, 10);
        block_on(b.merge_people(z, &[y1, y2], json!(null), &ctx_at(T0 + 2000))).unwrap();
        for (y, note) in [(y1, "from work"), (y2, "from school")] {
            block_on(a.upsert_edge(
                EdgeInput {
                    metadata: Some(json!({ note: true })),
                    ..edge(x, y)
                },
                &ctx_at(T0 + 3000),
            ))
            .unwrap();
        }
        // After each step, not only at the end: a push would fold a second
        // live edge away, but until then the search index held one of two.
        let live_pairs = |db: &Db<MemoryBackend>| {
            let mut pairs: Vec<_> = db
                .state()
                .edges
                .values()
                .filter(|e| e.deleted_at.is_none())
                .map(|e| e.pair())
                .collect();
            let n = pairs.len();
            pairs.sort();
            pairs.dedup();
            assert_eq!(pairs.len(), n, "order {order}: two live edges for one pair");
        };
        let (first, second) = if order {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        sync(first, &mut server);
        pull_all(second, &server, 3);
        live_pairs(second);
        sync_in_turn(&mut a, &mut b, &mut server, order);
        for (name, db) in [("A", &a), ("B", &b)] {
            live_pairs(db);
            let live: Vec<&Edge> = db
                .state()
                .edges
                .values()
                .filter(|e| e.deleted_at.is_none() && e.pair() == pair_key(x, z))
                .collect();
            assert_eq!(
                live.len(),
                1,
                "order {order}, {name}: one edge for the pair"
            );
            assert_eq!(
                live[0].metadata.0,
                json!({ "from work": true, "from school": true }),
                "order {order}, {name}"
            );
            assert_eq!(db.stats().outbox_changes, 0, "order {order}, {name}");
        }
        assert_eq!(everything(&a), everything(&b), "order {order}");
    }
}

/// A merges organization o2 into o1 (moving X); B, offline, retitles X at
/// o2 and adds Y at o2. Whatever the order, everyone ends at o1 on both
/// devices and the server (B's later edit of X used to put him back at the
/// merged-away o2, a state the API refuses to write).
#[test]
fn people_of_an_organization_merged_elsewhere_follow_the_survivor() {
    for order in [false, true] {
        let mut server = ProtocolServer::default();
        let mut a = open();
        let org = |name: &str| OrganizationInput {
            name: Some(name.into()),
            ..Default::default()
        };
        let o1 = block_on(a.upsert_organization(org("Acme"), &ctx()))
            .unwrap()
            .id;
        let o2 = block_on(a.upsert_organization(org("ACME Europe"), &ctx()))
            .unwrap()
            .id;
        let at = |org: Uuid, name: &str, title: Option<&str>, id: Option<Uuid>| PersonInput {
            id: id.map(|i| i.to_string()),
            names: vec![name.into()],
            organization_id: Some(org.to_string()),
            title: title.map(str::to_string),
            ..Default::default()
        };
        let x = block_on(a.upsert_person(at(o2, "X", None, None), &ctx()))
            .unwrap()
            .id;
        push_all(&mut a, &mut server, 10);
        let mut b = open();
        pull_all(&mut b, &server, 10);
        block_on(a.merge_organizations(o1, &[o2], json!(null), &ctx_at(T0 + 1000))).unwrap();
        block_on(b.upsert_person(at(o2, "X", Some("CTO"), Some(x)), &ctx_at(T0 + 2000))).unwrap();
        let y = block_on(b.upsert_person(at(o2, "Y", None, None), &ctx_at(T0 + 2000)))
            .unwrap()
            .id;
        sync_in_turn(&mut a, &mut b, &mut server, order);
        for db in [&a, &b] {
            for id in [x, y] {
                assert_eq!(
                    db.person(id).unwrap().organization_id,
                    Some(o1),
                    "order {order}"
                );
            }
            assert_eq!(
                db.person(x).unwrap().title.as_deref(),
                Some("CTO"),
                "B's edit kept"
            );
            assert_eq!(db.stats().outbox_changes, 0);
        }
        assert_eq!(everything(&a), everything(&b));
        let row = &server.rows[&("person".to_string(), x.to_string())].2;
        assert_eq!(row["organizationId"], json!(o1), "and on the server");
    }
}

#[test]
fn pipelined_batches_are_acknowledged_exactly_once_whatever_the_store_order() {
    let mut server = ProtocolServer::default();
    let mut a = open();
    let people: Vec<PersonInput> = (0..30)
        .map(|i| person(&format!("P{i}"), &format!("p{i}@example.org")))
        .collect();
    // One call: one outbox entry of 30 changes, which the first answer
    // rewrites (the 20 changes left move to new positions).
    let stored = block_on(a.upsert_people(people, &ctx())).unwrap();
    let b1 = a.prepare_push(10).unwrap().unwrap();
    let ids = |batches: &[&wig_graph::sync::PushBatch]| {
        batches
            .iter()
            .flat_map(|b| b.items.iter().map(|i| i.id))
            .collect::<rustc_hash::FxHashSet<Uuid>>()
    };
    let b2 = a
        .prepare_push_excluding(10, &ids(&[&b1]), PUSH_BODY_BYTES)
        .unwrap()
        .unwrap();
    let b3 = a
        .prepare_push_excluding(10, &ids(&[&b1, &b2]), PUSH_BODY_BYTES)
        .unwrap()
        .unwrap();
    assert!(a
        .prepare_push_excluding(10, &ids(&[&b1, &b2, &b3]), PUSH_BODY_BYTES)
        .unwrap()
        .is_none());
    assert_eq!(
        ids(&[&b1, &b2, &b3]).len(),
        30,
        "disjoint batches cover every record"
    );
    let (r1, r2, r3) = (
        server.push(&b1.body).unwrap(),
        server.push(&b2.body).unwrap(),
        server.push(&b3.body).unwrap(),
    );
    // An edit of a record of batch 3 while its answer waits: stays pending.
    let edited = b3.items[0].id;
    let mut edit = PersonInput {
        id: Some(edited.to_string()),
        ..person("Edited", "edited@example.org")
    };
    edit.title = Some("Dr".into());
    block_on(a.upsert_person(edit, &ctx_at(T0 + 5000))).unwrap();

    let p = a.prepare_ack(&b1, &r1, &ctx()).unwrap();
    block_on(a.run(p)).unwrap();
    assert_eq!(a.stats().outbox_changes, 21, "20 in flight, 1 new edit");
    let p = a
        .prepare_acks(&[(&b2, r2.as_str()), (&b3, r3.as_str())], &ctx())
        .unwrap();
    assert_eq!(p.output.applied, 20);
    block_on(a.run(p)).unwrap();
    assert_eq!(
        a.stats().outbox_changes,
        1,
        "only the edit made meanwhile is left"
    );
    for p in &stored {
        assert!(
            a.person(p.id).unwrap().sync_version > 0,
            "{} acknowledged",
            p.id
        );
    }
    assert_eq!(server.last_seq, 30, "each change written once");
    push_all(&mut a, &mut server, 10);
    assert_eq!(server.last_seq, 31, "then the edit, once");
    assert_eq!(a.stats().outbox_changes, 0);
}

#[test]
fn an_answer_naming_a_change_of_another_batch_is_refused() {
    let mut server = ProtocolServer::default();
    let mut a = open();
    let people: Vec<PersonInput> = (0..4)
        .map(|i| person(&format!("P{i}"), &format!("p{i}@example.org")))
        .collect();
    block_on(a.upsert_people(people, &ctx())).unwrap();
    let b1 = a.prepare_push(2).unwrap().unwrap();
    let skip: rustc_hash::FxHashSet<Uuid> = b1.items.iter().map(|i| i.id).collect();
    let b2 = a
        .prepare_push_excluding(2, &skip, PUSH_BODY_BYTES)
        .unwrap()
        .unwrap();
    let (r1, r2) = (
        server.push(&b1.body).unwrap(),
        server.push(&b2.body).unwrap(),
    );
    // The answers swapped: each names changes the other batch carried.
    let err = a
        .prepare_acks(&[(&b1, r2.as_str()), (&b2, r1.as_str())], &ctx())
        .err()
        .expect("refused");
    assert_eq!(err.code, ErrorCode::SyncProtocol);
    assert_eq!(err.field.as_deref(), Some("responses[0].applied[0]"));
    assert_eq!(a.stats().outbox_changes, 4, "nothing written");
}

/// A merge that was pushed can still be undone, and the undo syncs: the
/// records come back at the server version they have (a stale base would
/// have lost the conflict to the merged state).
#[test]
fn an_unmerge_after_the_merge_was_pushed_syncs_to_other_devices() {
    let mut server = ProtocolServer::default();
    let mut a = open();
    let ids = people_ids(
        &mut a,
        vec![
            person("Ada Lovelace", "ada@example.org"),
            person("Ada L.", "ada@work.example"),
            person("Cy", "cy@example.org"),
            person("Di", "di@example.org"),
        ],
    );
    block_on(a.upsert_edges(vec![edge(ids[0], ids[2]), edge(ids[1], ids[3])], &ctx())).unwrap();
    sync(&mut a, &mut server);
    let mut b = open();
    sync(&mut b, &mut server);
    let before = everything(&a);
    let m = block_on(a.merge_people(ids[0], &[ids[1]], json!(null), &ctx())).unwrap();
    sync(&mut a, &mut server);
    sync(&mut b, &mut server);
    assert_eq!(b.person(ids[1]).unwrap().merged_into, Some(ids[0]));
    block_on(a.unmerge(m.id, &ctx())).expect("a pushed merge can be undone");
    sync(&mut a, &mut server);
    sync(&mut b, &mut server);
    assert_eq!(everything(&a), before);
    assert_eq!(everything(&b), before);
    assert_eq!(b.person(ids[1]).unwrap().merged_into, None);
}

// ---------- merge cycles ----------

/// Device k merges ring[k + 1] into ring[k] (offline, after everyone saw
/// the same people): `ring[k + 1].mergedInto = ring[k]` around the ring, so
/// resolved record by record nobody of it would be live. `ring` holds small
/// ids (`Uuid::from_u128`), so which member has the smallest id varies with
/// the permutation. The first member has an edge to a bystander; with
/// `shared`, every member has one (each merge folds one into another).
struct CycleRun {
    server: ProtocolServer,
    devices: Vec<Db<MemoryBackend>>,
    ring: Vec<Uuid>,
    bystander: Uuid,
    edge: Uuid,
    shared: bool,
}

fn cycle_run(ring: &[u128], shared: bool) -> CycleRun {
    let mut server = ProtocolServer::default();
    let ring: Vec<Uuid> = ring.iter().map(|i| Uuid::from_u128(*i)).collect();
    let bystander = Uuid::from_u128(100);
    let mut first = open();
    let mut inputs: Vec<PersonInput> = ring
        .iter()
        .map(|id| PersonInput {
            id: Some(id.to_string()),
            ..person(
                &format!("P{}", id.as_u128()),
                &format!("p{}@example.org", id.as_u128()),
            )
        })
        .collect();
    inputs.push(PersonInput {
        id: Some(bystander.to_string()),
        ..person("Bystander", "by@example.org")
    });
    people_ids(&mut first, inputs);
    if shared {
        for member in &ring[1..] {
            block_on(first.upsert_edge(edge(*member, bystander), &ctx())).unwrap();
        }
    }
    let edge = block_on(first.upsert_edge(edge(ring[0], bystander), &ctx()))
        .unwrap()
        .id;
    sync(&mut first, &mut server);
    let mut devices = vec![first];
    for _ in 1..ring.len() {
        let mut d = open();
        sync(&mut d, &mut server);
        devices.push(d);
    }
    for (k, d) in devices.iter_mut().enumerate() {
        let (target, source) = (ring[k], ring[(k + 1) % ring.len()]);
        block_on(d.merge_people(
            target,
            &[source],
            json!(null),
            &ctx_at(T0 + 1000 * (k as i64 + 1)),
        ))
        .unwrap();
    }
    CycleRun {
        server,
        devices,
        ring,
        bystander,
        edge,
        shared,
    }
}

/// One device's sync: pull first (the cycle closes when a pulled row meets
/// the local merge) or push first (it closes in the conflict answers).
fn sync_step(db: &mut Db<MemoryBackend>, server: &mut ProtocolServer, push_first: bool) {
    if push_first {
        push_all(db, server, 2);
        pull_all(db, server, 3);
        push_all(db, server, 2);
    } else {
        sync(db, server);
    }
}

fn check_one_survivor(run: &CycleRun, what: &str) {
    let survivor = *run.ring.iter().min().unwrap();
    let reference = everything(&run.devices[0]);
    for (k, d) in run.devices.iter().enumerate() {
        let live: Vec<Uuid> = run
            .ring
            .iter()
            .copied()
            .filter(|id| d.person(*id).unwrap().is_live())
            .collect();
        assert_eq!(
            live,
            vec![survivor],
            "{what}: device {k}: one live survivor, the smallest id"
        );
        for id in &run.ring {
            let mut at = *id;
            for _ in 0..run.ring.len() {
                match d.person(at).unwrap().merged_into {
                    Some(next) => at = next,
                    None => break,
                }
            }
            assert_eq!(
                at, survivor,
                "{what}: device {k}: {id} reaches the survivor"
            );
        }
        if run.shared {
            // Each merge folded a member's edge into another's; whichever
            // member survives keeps a live edge to the shared contact.
            let e = d
                .state()
                .edge_for_pair(pair_key(survivor, run.bystander))
                .unwrap_or_else(|| panic!("{what}: device {k}: the survivor's edge"));
            assert!(
                e.deleted_at.is_none(),
                "{what}: device {k}: the survivor's edge is live"
            );
        } else {
            let e = d.edge(run.edge).unwrap();
            assert_eq!(
                (e.from_person_id, e.to_person_id),
                (survivor, run.bystander),
                "{what}: device {k}: the edge follows the survivor"
            );
        }
        let n = d
            .neighbors(
                run.bystander,
                &wig_graph::store::QueryOptions {
                    depth: Some(JsNumber(1.0)),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(n.total, 1, "{what}: device {k}: the edge is in queries");
        assert_eq!(
            d.stats().outbox_changes,
            0,
            "{what}: device {k}: nothing pending"
        );
        assert_eq!(everything(d), reference, "{what}: device {k} = device 0");
    }
    // The server holds what the devices hold.
    let rows = server_state(&run.server);
    for p in reference["people"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        assert_eq!(
            &rows[&format!("person/{id}")],
            p,
            "{what}: server row of {id}"
        );
    }
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for at in 0..=p.len() {
            let mut q = p.clone();
            q.insert(at, n - 1);
            out.push(q);
        }
    }
    out
}

/// Syncs the devices in `order`, `rounds` times; then one more round must
/// write nothing on the server (no ping-pong).
fn converge(run: &mut CycleRun, order: &[usize], push_first: bool, rounds: usize, what: &str) {
    for _ in 0..rounds {
        for &k in order {
            sync_step(&mut run.devices[k], &mut run.server, push_first);
        }
    }
    check_one_survivor(run, what);
    let seq = run.server.last_seq;
    for &k in order {
        sync_step(&mut run.devices[k], &mut run.server, push_first);
    }
    assert_eq!(
        run.server.last_seq, seq,
        "{what}: settled, nothing pushed again"
    );
    check_one_survivor(run, what);
}

/// A ring of `n` devices, each merging one person into the next: every
/// placement of the ids, every sync order, pulling or pushing first.
fn every_ring_converges(n: usize, shared: bool) {
    for ids in permutations(n) {
        let ring: Vec<u128> = ids.iter().map(|i| *i as u128 + 1).collect();
        for order in permutations(n) {
            for push_first in [false, true] {
                let mut run = cycle_run(&ring, shared);
                let what = format!(
                    "ring {ring:?}, order {order:?}, push first {push_first}, shared {shared}"
                );
                converge(&mut run, &order, push_first, n, &what);
            }
        }
    }
}

#[test]
fn opposite_merges_on_two_devices_leave_one_survivor_everywhere() {
    every_ring_converges(2, false);
}

/// Both duplicates know the same contact: each merge folds one edge into
/// the other's. The survivor keeps a live edge to her (a merge that erased
/// the folded edge erased both here: an erase beats every edit).
#[test]
fn opposite_merges_keep_the_relationship_both_duplicates_had() {
    every_ring_converges(2, true);
    every_ring_converges(3, true);
}

#[test]
fn a_merge_ring_over_three_devices_leaves_one_survivor_everywhere() {
    every_ring_converges(3, false);
}

/// For both placements of a two-device ring: A syncs, then `step` runs one
/// step of B's (a pull, or a push and its answer) that meets A's opposite
/// merge; that step itself leaves exactly the smallest id live on B, then
/// `after` checks B and the devices converge.
fn cycle_broken_in_one_step(
    push_first: bool,
    step: impl Fn(&mut Db<MemoryBackend>, &mut ProtocolServer),
    after: impl Fn(&Db<MemoryBackend>, Uuid, &str),
) {
    for ring in [[1u128, 2], [2, 1]] {
        let mut run = cycle_run(&ring, false);
        let survivor = *run.ring.iter().min().unwrap();
        let (a, rest) = run.devices.split_first_mut().unwrap();
        let b = &mut rest[0];
        sync(a, &mut run.server);
        step(b, &mut run.server);
        let live: Vec<Uuid> = run
            .ring
            .iter()
            .copied()
            .filter(|id| b.person(*id).unwrap().is_live())
            .collect();
        let what = format!("ring {ring:?}");
        assert_eq!(live, vec![survivor], "{what}: live after the step");
        after(b, survivor, &what);
        converge(&mut run, &[1, 0], push_first, 2, &what);
    }
}

#[test]
fn a_cycle_closed_by_a_pulled_row_is_broken_in_that_pull() {
    // B pulls A's merge while its own opposite merge is still pending: the
    // pull itself leaves one survivor (no state without a live member),
    // and pushes it.
    cycle_broken_in_one_step(
        false,
        |b, server| {
            let page = server.pull(b.sync_checkpoint(), 100);
            let p = b.prepare_pull(&page, &ctx()).unwrap();
            block_on(b.run(p)).unwrap();
        },
        |b, survivor, what| {
            let batch = b.prepare_push(100).unwrap().unwrap();
            assert!(
                batch.items.iter().any(|i| i.id == survivor),
                "{what}: the cleared survivor is pushed"
            );
        },
    );
}

#[test]
fn a_cycle_closed_by_a_push_conflict_is_broken_in_that_answer() {
    // B pushes its merge without pulling first: the stale_base conflicts
    // bring A's opposite merge, and the answer itself leaves one survivor
    // and pushes it.
    cycle_broken_in_one_step(
        true,
        |b, server| {
            let batch = b.prepare_push(100).unwrap().unwrap();
            let answer = server.push(&batch.body).unwrap();
            let p = b.prepare_ack(&batch, &answer, &ctx()).unwrap();
            assert!(p.output.conflicts > 0);
            block_on(b.run(p)).unwrap();
        },
        |b, _, what| {
            assert!(
                b.state().sync.as_ref().unwrap().redirects.is_empty(),
                "{what}: no edit waits for a survivor"
            );
        },
    );
}

#[test]
fn opposite_organization_merges_leave_one_survivor_everywhere() {
    for ring in [[1u128, 2], [2, 1]] {
        for push_first in [false, true] {
            let mut server = ProtocolServer::default();
            let ids: Vec<Uuid> = ring.iter().map(|i| Uuid::from_u128(*i)).collect();
            let mut a = open();
            for id in &ids {
                block_on(a.upsert_organization(
                    OrganizationInput {
                        id: Some(id.to_string()),
                        name: Some(format!("Org {}", id.as_u128())),
                        ..Default::default()
                    },
                    &ctx(),
                ))
                .unwrap();
            }
            sync(&mut a, &mut server);
            let mut b = open();
            sync(&mut b, &mut server);
            block_on(a.merge_organizations(ids[0], &[ids[1]], json!(null), &ctx_at(T0 + 1000)))
                .unwrap();
            block_on(b.merge_organizations(ids[1], &[ids[0]], json!(null), &ctx_at(T0 + 2000)))
                .unwrap();
            for _ in 0..2 {
                sync_step(&mut a, &mut server, push_first);
                sync_step(&mut b, &mut server, push_first);
            }
            let survivor = Uuid::from_u128(1);
            for (name, d) in [("A", &a), ("B", &b)] {
                let live: Vec<Uuid> = ids
                    .iter()
                    .copied()
                    .filter(|id| d.organization(*id).unwrap().is_live())
                    .collect();
                assert_eq!(
                    live,
                    vec![survivor],
                    "ring {ring:?}, push first {push_first}: {name}"
                );
                assert_eq!(d.stats().outbox_changes, 0);
            }
            let seq = server.last_seq;
            sync_step(&mut a, &mut server, push_first);
            sync_step(&mut b, &mut server, push_first);
            assert_eq!(server.last_seq, seq, "settled");
            let row = &server.rows[&("organization".to_string(), survivor.to_string())].2;
            assert_eq!(
                row["mergedInto"],
                Value::Null,
                "the server holds the survivor"
            );
        }
    }
}

// ---------- malformed answers ----------

#[test]
fn pull_pages_that_would_not_advance_or_skip_are_refused() {
    let (mut b, _, _) = seeded();
    let row = |v: u64, id: u128| {
        json!({"kind": "person", "id": Uuid::from_u128(id), "version": v, "erased": false,
        "record": {"id": Uuid::from_u128(id), "names": ["Y"], "emails": [], "phones": [], "socialHandles": {},
                   "addresses": [], "previousIds": [], "metadata": null,
                   "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}})
    };
    let page = |rows: Vec<Value>, checkpoint: u64, more: bool| {
        json!({"changes": rows, "checkpoint": checkpoint, "more": more}).to_string()
    };
    // A first page, applied: the checkpoint is 2.
    let p = b
        .prepare_pull(&page(vec![row(1, 11), row(2, 12)], 2, true), &ctx())
        .unwrap();
    block_on(b.run(p)).unwrap();
    assert_eq!(b.sync_checkpoint(), 2);
    let before = everything(&b);
    let outbox = b.stats().outbox_changes;
    let cases = [
        // `more` on an empty page at the same checkpoint: asked again forever.
        (page(vec![], 2, true), "more"),
        // ... or with a checkpoint that jumps ahead over rows never sent.
        (page(vec![], 1000, true), "more"),
        // An empty page ends where it started.
        (page(vec![], 5, false), "checkpoint"),
        // The checkpoint is the page's last version.
        (page(vec![row(3, 13)], 7, false), "checkpoint"),
        (page(vec![row(3, 13)], 7, true), "checkpoint"),
        // Rows at or before the checkpoint (a page repeated).
        (page(vec![row(2, 12)], 2, true), "changes[0].version"),
    ];
    for (text, field) in &cases {
        let e = b.prepare_pull(text, &ctx()).err().expect("refused");
        assert_eq!(e.code, ErrorCode::SyncProtocol, "{text}");
        assert_eq!(e.field.as_deref(), Some(*field), "{text}: {e}");
    }
    // Consecutive pages in one write: the second must advance from the first.
    let first = page(vec![row(3, 13)], 3, true);
    for (second, field) in [
        (page(vec![], 3, true), "pages[1].more"),
        (
            page(vec![row(3, 13)], 3, true),
            "pages[1].changes[0].version",
        ),
        (page(vec![], 4, false), "pages[1].checkpoint"),
    ] {
        let e = b
            .prepare_pull_pages(&[&first, &second], &ctx())
            .err()
            .expect("refused");
        assert_eq!(e.code, ErrorCode::SyncProtocol);
        assert_eq!(e.field.as_deref(), Some(field), "{second}: {e}");
    }
    assert_eq!(everything(&b), before, "nothing applied");
    assert_eq!(b.sync_checkpoint(), 2, "checkpoint unmoved");
    assert_eq!(b.stats().outbox_changes, outbox);
    // The well-formed ends: an empty last page at the checkpoint, and a
    // page whose checkpoint is its last row.
    let p = b.prepare_pull(&page(vec![], 2, false), &ctx()).unwrap();
    assert_eq!((p.output.checkpoint, p.output.more), (2, false));
    block_on(b.run(p)).unwrap();
    let p = b
        .prepare_pull_pages(&[&first, &page(vec![row(4, 14)], 4, false)], &ctx())
        .unwrap();
    block_on(b.run(p)).unwrap();
    assert_eq!(b.sync_checkpoint(), 4);
}

#[test]
fn push_answers_that_leave_a_change_unanswered_or_misstate_it_are_refused() {
    let mut server = ProtocolServer::default();
    let (mut a, ada, _) = seeded();
    // Ada synced once, then edited: her change is based on version 1.
    push_all(&mut a, &mut server, 10);
    let mut edit = PersonInput {
        id: Some(ada.to_string()),
        ..person("Ada Lovelace", "ada@example.org")
    };
    edit.title = Some("Dr".into());
    block_on(a.upsert_person(edit, &ctx_at(T0 + 1000))).unwrap();
    let carl = block_on(a.upsert_person(person("Carl", "carl@example.org"), &ctx())).unwrap();
    let batch = a.prepare_push(10).unwrap().unwrap();
    assert_eq!(batch.items.len(), 2);
    let (i0, i1) = (&batch.items[0], &batch.items[1]);
    assert_eq!((i0.id, i1.id), (ada, carl.id));
    let base = i0.base_version;
    assert!(base > 0);
    let applied = |item: &wig_graph::sync::PushItem, v: u64| json!({"change_id": item.change_id, "id": item.id, "version": v});
    let ada_row = serde_json::to_value(a.person(ada).unwrap()).unwrap();
    let conflict = |reason: &str, id: Uuid, version: u64| {
        let mut record = ada_row.clone();
        record["id"] = json!(id);
        record.as_object_mut().unwrap().remove("syncVersion");
        json!({"change_id": i0.change_id, "kind": "person", "id": ada, "reason": reason,
               "server": {"id": id, "version": version, "erased": false, "record": record}})
    };
    let answer = |applied: Vec<Value>, conflicts: Vec<Value>| {
        json!({"applied": applied, "conflicts": conflicts, "checkpoint": 9}).to_string()
    };
    let before = everything(&a);
    let cases = [
        // Version 0 is no version.
        (
            answer(vec![applied(i0, 0), applied(i1, 9)], vec![]),
            "applied[0].version",
        ),
        // Nothing answered: the client would send the batch again at once.
        (answer(vec![], vec![]), "response"),
        // One change of two answered.
        (answer(vec![applied(i0, 8)], vec![]), "response"),
        // One change answered twice.
        (
            answer(vec![applied(i0, 8), applied(i1, 9), applied(i1, 9)], vec![]),
            "applied[2]",
        ),
        (
            answer(
                vec![applied(i0, 8), applied(i1, 9)],
                vec![conflict("stale_base", ada, base + 5)],
            ),
            "conflicts[0]",
        ),
        // A reason the protocol does not have.
        (
            answer(
                vec![applied(i1, 9)],
                vec![conflict("whatever", ada, base + 5)],
            ),
            "conflicts[0].reason",
        ),
        // "Stale" at a version that is not after the base sent.
        (
            answer(
                vec![applied(i1, 9)],
                vec![conflict("stale_base", ada, base)],
            ),
            "conflicts[0].server.version",
        ),
        // A duplicate of itself.
        (
            answer(
                vec![applied(i1, 9)],
                vec![conflict("duplicate_pair", ada, base + 5)],
            ),
            "conflicts[0].server.id",
        ),
    ];
    for (text, field) in &cases {
        let e = a.prepare_ack(&batch, text, &ctx()).err().expect("refused");
        assert_eq!(e.code, ErrorCode::SyncProtocol, "{text}");
        assert_eq!(e.field.as_deref(), Some(*field), "{text}: {e}");
    }
    // Several answers: the field names the one that left a change out.
    let e = a
        .prepare_acks(
            &[
                (
                    &batch,
                    answer(vec![applied(i0, 8), applied(i1, 9)], vec![]).as_str(),
                ),
                (&batch, answer(vec![], vec![]).as_str()),
            ],
            &ctx(),
        )
        .err()
        .expect("refused");
    assert_eq!(e.field.as_deref(), Some("responses[1]"), "{e}");
    assert_eq!(everything(&a), before, "nothing applied");
    assert_eq!(a.stats().outbox_changes, 2, "both changes still pending");
    // No answers, or an empty batch's: nothing is written, no audit entry.
    let empty = PushBatch {
        items: Vec::new(),
        body: String::new(),
    };
    let none = answer(vec![], vec![]);
    for acks in [vec![], vec![(&empty, none.as_str())]] {
        let out = a.prepare_acks(&acks, &ctx()).unwrap();
        assert!(out.set.is_empty(), "{} acks wrote", acks.len());
        assert_eq!(out.output.pending, 2);
    }
    // The real answer is taken.
    push_all(&mut a, &mut server, 10);
    assert_eq!(a.stats().outbox_changes, 0);
}

/// A push batch is cut by bytes as well as by count (gateways refuse long
/// bodies: postrust answers 400 `PGRST102` past 10 MiB); one record always
/// goes, and every record is pushed exactly once across the batches.
#[test]
fn push_batches_are_cut_by_bytes_too() {
    let mut a = open();
    let note = "x".repeat(12_000);
    let inputs: Vec<PersonInput> = (0..40)
        .map(|i| PersonInput {
            metadata: Some(json!({ "note": note })),
            ..person(&format!("P{i}"), &format!("p{i}@example.org"))
        })
        .collect();
    people_ids(&mut a, inputs);
    let mut sent = rustc_hash::FxHashSet::default();
    let mut batches = 0;
    while let Some(b) = a.prepare_push_excluding(1000, &sent, 100_000).unwrap() {
        assert!(
            b.body.len() <= 100_000 || b.items.len() == 1,
            "{} bytes",
            b.body.len()
        );
        serde_json::from_str::<Value>(&b.body).expect("a whole JSON body");
        for i in &b.items {
            assert!(sent.insert(i.id), "pushed twice");
        }
        batches += 1;
    }
    assert_eq!(sent.len(), 40);
    assert!(batches >= 5, "{batches} batches");
    let one = a
        .prepare_push_excluding(1000, &Default::default(), 10)
        .unwrap()
        .unwrap();
    assert_eq!(
        one.items.len(),
        1,
        "a record over the budget still goes, alone"
    );
}

// ---------- an erase reaches interactions written concurrently ----------

/// Every record a device holds (people, organizations, edges, interactions,
/// merges, rejections), without `syncVersion`: what two converged devices
/// hold alike.
fn records(db: &Db<MemoryBackend>) -> Value {
    fn sorted<T: serde::Serialize>(mut v: Vec<(Uuid, T)>) -> Value {
        v.sort_by_key(|(id, _)| *id);
        let mut out =
            serde_json::to_value(v.into_iter().map(|(_, r)| r).collect::<Vec<_>>()).unwrap();
        for r in out.as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("syncVersion");
        }
        out
    }
    let st = db.state();
    json!({
        "people": sorted(st.people.values().map(|r| (r.id, r)).collect()),
        "organizations": sorted(st.organizations.values().map(|r| (r.id, r)).collect()),
        "edges": sorted(st.edges.values().map(|r| (r.id, r)).collect()),
        "interactions": sorted(st.interactions.values().map(|r| (r.id, r)).collect()),
        "merges": serde_json::to_value(&st.merges).unwrap(),
        "rejections": serde_json::to_value(st.rejections.values().collect::<Vec<_>>()).unwrap(),
    })
}

/// What a device stores besides its records that could keep a person's
/// data: pending changes and the sync bookkeeping (redirected edits).
fn bookkeeping(db: &Db<MemoryBackend>) -> Value {
    let st = db.state();
    json!({"outbox": serde_json::to_value(&st.outbox).unwrap(), "sync": serde_json::to_value(&st.sync).unwrap()})
}

struct EraseRun {
    server: ProtocolServer,
    a: Db<MemoryBackend>,
    b: Db<MemoryBackend>,
    ada: Uuid,
    /// [ada, bob, cy], sender ada: tagged by B while A erases Ada.
    i1: Uuid,
    /// [ada, bob]: logged by B offline.
    i2: Uuid,
    /// [ada's id, bob, cy]: logged by B offline, naming her by id.
    i3: Uuid,
}

/// The reviewer's erase-leak scenario: A and B hold
/// Ada, Bob, Cy and a meeting of the three sent by Ada. Offline, B tags the
/// meeting, logs a new interaction with Ada's email and one with her id
/// (and, with `b_edits_ada`, retitles her); then A erases Ada.
fn erase_run(b_edits_ada: bool) -> EraseRun {
    let mut server = ProtocolServer::default();
    let mut a = open();
    let ids = people_ids(
        &mut a,
        vec![
            person("Ada", "ada@x.org"),
            person("Bob", "bob@x.org"),
            person("Cy", "cy@x.org"),
        ],
    );
    let ada = ids[0];
    let mut meeting = interaction("m1", &["ada@x.org", "bob@x.org", "cy@x.org"]);
    meeting.sender = Some("ada@x.org".into());
    meeting.metadata = Some(json!({"thread": "t1"}));
    let i1 = block_on(a.upsert_interaction(meeting.clone(), &ctx()))
        .unwrap()
        .id;
    sync(&mut a, &mut server);
    let mut b = open();
    sync(&mut b, &mut server);
    assert_eq!(records(&a), records(&b));

    let tagged = InteractionInput {
        id: Some(i1.to_string()),
        metadata: Some(json!({"thread": "t1", "tag": "project"})),
        ..meeting
    };
    block_on(b.upsert_interaction(tagged, &ctx_at(T0 + 1000))).unwrap();
    let i2 = block_on(b.upsert_interaction(
        interaction("m2", &["ada@x.org", "bob@x.org"]),
        &ctx_at(T0 + 1000),
    ))
    .unwrap()
    .id;
    let i3 = block_on(b.upsert_interaction(
        interaction("m3", &[&ada.to_string(), "bob@x.org", "cy@x.org"]),
        &ctx_at(T0 + 1000),
    ))
    .unwrap()
    .id;
    if b_edits_ada {
        let mut edit = PersonInput {
            id: Some(ada.to_string()),
            ..person("Ada", "ada@x.org")
        };
        edit.title = Some("Countess".into());
        block_on(b.upsert_person(edit, &ctx_at(T0 + 1000))).unwrap();
    }

    let report = block_on(a.erase_person(ada, &ctx_at(T0 + 2000))).unwrap();
    assert_eq!(report["interactionsEdited"], 1, "{report}");
    let on_a = a.interaction(i1).unwrap();
    assert_eq!(on_a.participants, ["bob@x.org", "cy@x.org"]);
    assert_eq!(on_a.sender, None);
    EraseRun {
        server,
        a,
        b,
        ada,
        i1,
        i2,
        i3,
    }
}

/// Neither device nor the server's live rows hold Ada's id or email; the
/// interactions kept the others; the one left with one participant is gone.
fn check_erased(run: &EraseRun, what: &str) {
    let (email, id) = ("ada@x.org", run.ada.to_string());
    for (name, d) in [("A", &run.a), ("B", &run.b)] {
        let all = format!("{}{}", records(d), bookkeeping(d));
        assert!(
            !all.contains(email) && !all.contains(&id),
            "{what}: device {name} still holds Ada: {all}"
        );
        assert!(d.person(run.ada).is_none(), "{what}: {name}");
        let i1 = d.interaction(run.i1).expect("the meeting stays");
        assert_eq!(
            i1.participants,
            ["bob@x.org", "cy@x.org"],
            "{what}: device {name}: the others remain"
        );
        assert_eq!(i1.sender, None, "{what}: device {name}");
        assert_eq!(
            i1.metadata.0,
            json!({"thread": "t1", "tag": "project"}),
            "{what}: device {name}: B's tag stays"
        );
        assert!(
            d.interaction(run.i2).is_none(),
            "{what}: device {name}: an interaction left with one participant goes: {:?}",
            d.interaction(run.i2)
        );
        let i3 = d.interaction(run.i3).expect("the third stays");
        assert_eq!(
            i3.participants,
            ["bob@x.org", "cy@x.org"],
            "{what}: device {name}: her id goes"
        );
        // The eraser's own entry names her id (what was erased, when): the
        // proof of the erase. No other entry on any device may.
        let entries: Vec<_> = d
            .audit(10_000, None)
            .into_iter()
            .filter(|e| e.action != "erase")
            .collect();
        let audit = serde_json::to_string(&entries).unwrap();
        assert!(
            !audit.contains(email) && !audit.contains(&id),
            "{what}: device {name}: her email or id in the audit: {audit}"
        );
        assert_eq!(d.stats().outbox_changes, 0, "{what}: device {name}");
    }
    assert_eq!(
        records(&run.a),
        records(&run.b),
        "{what}: both devices converge"
    );
    let rows = serde_json::to_string(&server_state(&run.server)).unwrap();
    assert!(
        !rows.contains(email) && !rows.contains(&id),
        "{what}: the server still holds Ada: {rows}"
    );
    let i1_row = &server_state(&run.server)[&format!("interaction/{}", run.i1)];
    assert_eq!(i1_row["participants"], json!(["bob@x.org", "cy@x.org"]));
    assert!(
        run.server
            .rows
            .get(&("interaction".to_string(), run.i2.to_string()))
            .is_none_or(|(_, erased, _)| *erased),
        "{what}: the server's copy of the one-participant interaction is erased"
    );
}

/// An erase beats later edits in interactions too: the devices that held
/// Ada scrub her id and email from their interactions when her erase
/// reaches them (pulled tombstone, or a push answered "erased"), pending
/// offline ones included, and push the result; so whichever device syncs
/// first, and pulling or pushing first, nothing of her comes back, and a
/// further round writes nothing.
#[test]
fn an_erase_scrubs_interactions_edited_or_logged_offline_on_other_devices() {
    for b_first in [false, true] {
        for push_first in [false, true] {
            for b_edits_ada in [false, true] {
                let what = format!(
                    "b_first {b_first}, push_first {push_first}, b_edits_ada {b_edits_ada}"
                );
                let mut run = erase_run(b_edits_ada);
                for _ in 0..2 {
                    if b_first {
                        sync_step(&mut run.b, &mut run.server, push_first);
                        sync_step(&mut run.a, &mut run.server, push_first);
                    } else {
                        sync_step(&mut run.a, &mut run.server, push_first);
                        sync_step(&mut run.b, &mut run.server, push_first);
                    }
                }
                check_erased(&run, &what);
                let seq = run.server.last_seq;
                sync_step(&mut run.a, &mut run.server, push_first);
                sync_step(&mut run.b, &mut run.server, push_first);
                assert_eq!(run.server.last_seq, seq, "{what}: settled, nothing written");
                check_erased(&run, &what);
            }
        }
    }
}

/// B pulls the erase before pushing (a sync pulls first): its offline
/// interactions are scrubbed before they ever leave it, so the server never
/// sees her in them.
#[test]
fn a_pulled_erase_scrubs_pending_offline_interactions_before_they_are_pushed() {
    let mut run = erase_run(false);
    sync(&mut run.a, &mut run.server);
    pull_all(&mut run.b, &run.server, 3);
    assert!(run.b.person(run.ada).is_none());
    assert!(
        run.b.interaction(run.i2).is_none(),
        "left with one participant"
    );
    assert_eq!(
        run.b.interaction(run.i1).unwrap().participants,
        ["bob@x.org", "cy@x.org"]
    );
    let pending = run.b.prepare_push(100).unwrap().unwrap();
    assert!(
        !pending.body.contains("ada@x.org") && !pending.body.contains(&run.ada.to_string()),
        "nothing of her is pushed: {}",
        pending.body
    );
    // The new interaction the server never saw leaves a tombstone only.
    assert!(pending
        .items
        .iter()
        .any(|i| i.id == run.i2 && i.op == wig_graph::store::ChangeOp::Erase));
    push_all(&mut run.b, &mut run.server, 2);
    pull_all(&mut run.b, &run.server, 3);
    sync(&mut run.a, &mut run.server);
    check_erased(&run, "pull first");
}

// ---------- an erase concurrent with a merge of her ----------

/// Ada (twice: her own record and a work record) and Bob, on three devices.
/// Offline, B merges Ada's record into her work record while A erases
/// Ada's record; C has pulled B's merge before the erase reaches it.
/// Whatever the order, her values leave the work record everywhere, and
/// the work record keeps what was its own.
#[test]
fn an_erase_concurrent_with_a_merge_leaves_nothing_of_her_in_the_survivor() {
    for b_first in [false, true] {
        for push_first in [false, true] {
            let what = format!("b_first {b_first}, push_first {push_first}");
            let mut server = ProtocolServer::default();
            let mut a = open();
            let mut ada = person("Ada Byron", "ada@x.org");
            ada.phones = vec!["+44 20 7946 0000".into(), "+44 7700 900123".into()];
            ada.title = Some("Countess".into());
            ada.social_handles = [("github".to_string(), "adabyron".to_string())].into();
            ada.metadata = Some(json!({"diary": "secret"}));
            let mut work = person("Ada Lovelace", "ada@work.org");
            work.phones = vec!["+44 20 7946 0000".into()];
            let ids = people_ids(
                &mut a,
                vec![
                    ada,
                    work,
                    person("Bob", "bob@x.org"),
                    person("Cy", "cy@x.org"),
                ],
            );
            let (ada, work, bob, cy) = (ids[0], ids[1], ids[2], ids[3]);
            // Her edges carry notes about her: one the merge folds into
            // the work record's edge to Bob, one it re-points (to Cy).
            for (to, note) in [(bob, "secret clinic"), (cy, "secret therapist")] {
                let e = EdgeInput {
                    metadata: Some(json!({ "note": note })),
                    sources: vec!["secret-source".into()],
                    ..edge(ada, to)
                };
                block_on(a.upsert_edge(e, &ctx())).unwrap();
            }
            block_on(a.upsert_edge(edge(work, bob), &ctx())).unwrap();
            sync(&mut a, &mut server);
            let mut b = open();
            sync(&mut b, &mut server);
            let mut c = open();
            sync(&mut c, &mut server);

            let explanation = json!({"emails": {"a": "ada@x.org", "b": "ada@work.org"}});
            block_on(b.merge_people(work, &[ada], explanation, &ctx_at(T0 + 1000))).unwrap();
            let merged = b.person(work).unwrap().clone();
            assert!(merged.emails.contains(&"ada@x.org".to_string()));
            block_on(a.erase_person(ada, &ctx_at(T0 + 2000))).unwrap();
            if b_first {
                sync_step(&mut b, &mut server, push_first);
                sync_step(&mut c, &mut server, push_first);
                assert!(
                    c.person(work).unwrap().previous_ids.contains(&ada),
                    "{what}"
                );
                sync_step(&mut a, &mut server, push_first);
            } else {
                sync_step(&mut a, &mut server, push_first);
                sync_step(&mut b, &mut server, push_first);
            }
            for _ in 0..2 {
                for d in [&mut a, &mut b, &mut c] {
                    sync_step(d, &mut server, push_first);
                }
            }
            let texts = [
                "ada@x.org",
                "Ada Byron",
                "7700 900123",
                "Countess",
                "adabyron",
                "secret",
                &ada.to_string(),
            ];
            for (name, d) in [("A", &a), ("B", &b), ("C", &c)] {
                let all = format!("{}{}", records(d), bookkeeping(d));
                for t in texts {
                    assert!(!all.contains(t), "{what}: device {name} holds {t:?}: {all}");
                }
                let w = d.person(work).unwrap();
                assert!(w.is_live(), "{what}: {name}");
                assert_eq!(w.names, ["Ada Lovelace"], "{what}: {name}");
                assert_eq!(w.emails, ["ada@work.org"], "{what}: {name}");
                assert_eq!(
                    w.phones,
                    ["+44 20 7946 0000"],
                    "{what}: {name}: her own phone stays"
                );
                assert!(w.previous_ids.is_empty(), "{what}: {name}");
                assert!(
                    d.state()
                        .edge_for_pair(pair_key(work, bob))
                        .is_some_and(|e| e.deleted_at.is_none()),
                    "{what}: {name}: her work record keeps its edge"
                );
                assert!(
                    d.state().edge_for_pair(pair_key(work, cy)).is_none(),
                    "{what}: {name}: her edge to Cy, re-pointed by the merge, goes"
                );
                assert_eq!(d.stats().outbox_changes, 0, "{what}: device {name}");
            }
            assert_eq!(records(&a), records(&b), "{what}: A = B");
            assert_eq!(records(&a), records(&c), "{what}: A = C");
            let rows = serde_json::to_string(&server_state(&server)).unwrap();
            for t in texts {
                assert!(!rows.contains(t), "{what}: the server holds {t:?}: {rows}");
            }
            let seq = server.last_seq;
            for d in [&mut a, &mut b, &mut c] {
                sync_step(d, &mut server, push_first);
            }
            assert_eq!(server.last_seq, seq, "{what}: settled");
        }
    }
}

/// A pulled edge for a pair a local edge holds under another id (both
/// devices connected the pair offline): folded into one when both are
/// live and ours has changes to push, as the server's duplicate_pair
/// answer would; an edge deleted on either side is no duplicate there, and
/// both stay. Search always finds the pair through its live edge.
#[test]
fn a_pulled_edge_for_a_pair_held_here_folds_only_when_both_are_live() {
    let page = |rows: Vec<(Value, u64)>| {
        let last = rows.last().map_or(0, |r| r.1);
        let changes: Vec<Value> = rows
            .into_iter()
            .map(|(rec, v)| json!({"kind": "edge", "id": rec["id"], "version": v, "erased": false, "record": rec}))
            .collect();
        json!({"changes": changes, "checkpoint": last, "more": false}).to_string()
    };
    let pull = |db: &mut Db<MemoryBackend>, rows: Vec<(Value, u64)>| {
        let p = db.prepare_pull(&page(rows), &ctx_at(T0 + 50_000)).unwrap();
        block_on(db.run(p)).unwrap();
    };
    let live_of_pair = |db: &Db<MemoryBackend>, a: Uuid, b: Uuid| -> Vec<Uuid> {
        let mut v: Vec<Uuid> = db
            .state()
            .edges
            .values()
            .filter(|e| e.pair() == pair_key(a, b) && e.deleted_at.is_none())
            .map(|e| e.id)
            .collect();
        v.sort();
        v
    };
    // Theirs: the other device's edge for the pair (b → a), as the server sends it.
    let theirs = |a: Uuid, b: Uuid, deleted: bool| {
        let id = Uuid::new_v4();
        let mut rec = json!({
            "id": id, "fromPersonId": b, "toPersonId": a, "relationshipType": "knows",
            "strength": 0.3, "strengthFactors": [], "sources": ["phone"], "channels": [],
            "interactionCount": 0, "metadata": {"from": "them"},
            "createdAt": "2023-11-14T22:00:00.000Z", "updatedAt": "2023-11-14T22:00:00.000Z",
        });
        if deleted {
            rec["deletedAt"] = json!("2023-11-14T22:00:01.000Z");
        }
        (id, rec)
    };
    for case in [
        "both live",
        "theirs deleted",
        "ours deleted",
        "ours revived",
    ] {
        let (mut db, a, b) = seeded();
        let ours = db.state().edge_for_pair(pair_key(a, b)).unwrap().id;
        let mut version = 0;
        if case == "ours revived" {
            // Ours went to the server and was deleted there; then brought
            // back here (an upsert of the pair reuses its id).
            let mut rec = serde_json::to_value(db.edge(ours).unwrap()).unwrap();
            rec["deletedAt"] = json!("2023-11-14T22:00:00.500Z");
            pull(&mut db, vec![(rec, 1)]);
            version = 1;
            block_on(db.upsert_edge(edge(a, b), &ctx_at(T0 + 60_000))).unwrap();
            assert_eq!(
                db.state().edge_for_pair(pair_key(a, b)).unwrap().id,
                ours,
                "revived"
            );
        }
        if case == "ours deleted" {
            block_on(db.delete(EntityKind::Edge, ours, &ctx_at(T0 + 1))).unwrap();
        }
        let (their_id, rec) = theirs(a, b, case == "theirs deleted");
        pull(&mut db, vec![(rec, version + 1)]);
        let live = live_of_pair(&db, a, b);
        match case {
            "both live" | "ours revived" => {
                assert_eq!(live, vec![their_id], "{case}: one edge, the server's");
                assert!(db.edge(ours).is_none(), "{case}: ours folded in and gone");
                let folded = db.edge(their_id).unwrap();
                assert!(folded.sources.contains(&"phone".to_string()), "{case}");
            }
            "theirs deleted" => assert_eq!(live, vec![ours], "{case}: ours stays live"),
            _ => assert_eq!(live, vec![their_id], "{case}: theirs stays live"),
        }
        assert_eq!(
            db.shortest_path_ids(a, b, &Default::default())
                .unwrap()
                .map(|p| p.len()),
            Some(2),
            "{case}: search finds the pair"
        );
    }
}

/// An interaction pulled after a recompute, written on the other device
/// before it (its `updatedAt` is earlier than this device's recompute mark),
/// is found by the next touched recompute, after a reopen too.
#[test]
fn a_pulled_interaction_older_than_the_mark_is_touched_after_a_reopen() {
    let (mut db, a, b) = seeded();
    // The other device: the same two people, a meeting logged at T0.
    let mut other = open();
    let ids = people_ids(
        &mut other,
        [a, b]
            .iter()
            .map(|id| PersonInput {
                id: Some(id.to_string()),
                names: vec!["X".into()],
                ..Default::default()
            })
            .collect(),
    );
    let meeting = InteractionInput {
        participants: ids.iter().map(Uuid::to_string).collect(),
        ..interaction("m1", &[])
    };
    let written = block_on(other.upsert_interaction(meeting, &ctx_at(T0))).unwrap();
    let record = serde_json::to_value(&written).unwrap();
    // Here: a recompute later than that, then the pull, then a reopen.
    block_on(db.recompute_strengths(&ctx_at(T0 + 10_000), &Default::default())).unwrap();
    let page = json!({"changes": [{"kind": "interaction", "id": written.id, "version": 1, "erased": false, "record": record}],
                      "checkpoint": 1, "more": false})
    .to_string();
    let p = db.prepare_pull(&page, &ctx_at(T0 + 20_000)).unwrap();
    block_on(db.run(p)).unwrap();
    let mut db = block_on(Db::open(db.backend().clone())).unwrap();
    let touched = wig_graph::store::RecomputeOptions {
        only: Some("touched".into()),
        ..Default::default()
    };
    let r = block_on(db.recompute_strengths(&ctx_at(T0 + 30_000), &touched)).unwrap();
    assert_eq!(r.edges_updated + r.edges_created, 1, "{r:?}");
    let e = db.state().edge_for_pair(pair_key(a, b)).unwrap();
    assert_eq!(e.interaction_count, 1);
}
