// The IndexedDB suite, included by tests/browser_page.rs and
// tests/browser_worker.rs so the same checks run in a page and in a worker.

use wasm_bindgen_test::*;
use wig_graph::model::*;
use wig_graph::store::idb::IdbBackend;
use wig_graph::store::{Backend, Db, ListOptions, StoreKey, StoreName, WriteContext, WriteSet};
use wig_graph::ErrorCode;

fn ctx() -> WriteContext {
    WriteContext::at(Timestamp::from_millis(1_700_000_000_000))
}

fn unique(name: &str) -> String {
    format!("{name}-{}", Uuid::new_v4())
}

fn batch() -> BatchInput {
    let org = Uuid::new_v4();
    let ids: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();
    BatchInput {
        organizations: vec![OrganizationInput { id: Some(org.to_string()), name: Some("Acme".into()), domain: Some("acme.com".into()), ..Default::default() }],
        people: ids
            .iter()
            .enumerate()
            .map(|(i, id)| PersonInput {
                id: Some(id.to_string()),
                names: vec![format!("Person {i} Ünïcödé")],
                emails: vec![format!("p{i}@acme.com")],
                organization_id: Some(org.to_string()),
                metadata: Some(serde_json::json!({ "i": i })),
                ..Default::default()
            })
            .collect(),
        edges: (1..50)
            .map(|i| EdgeInput { from_person_id: Some(ids[0].to_string()), to_person_id: Some(ids[i].to_string()), strength: Some(JsNumber(i as f64 / 50.0)), ..Default::default() })
            .collect(),
        interactions: vec![InteractionInput {
            source_name: Some("calendar".into()),
            source_id: Some("evt-1".into()),
            timestamp: Some(TimeInput::Text("2024-05-01T09:00:00Z".into())),
            participants: vec!["p0@acme.com".into(), "p1@acme.com".into()],
            channel: Some("meeting".into()),
            duration_minutes: Some(JsNumber(30.0)),
            ..Default::default()
        }],
    }
}

fn everything<B: Backend>(db: &Db<B>) -> String {
    let all = ListOptions { limit: Some(10_000), include_deleted: true, ..Default::default() };
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

#[wasm_bindgen_test]
async fn write_reopen_and_read_back_identical_data() {
    let name = unique("wig-reopen");
    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    let counts = db.batch(batch(), &ctx()).await.unwrap();
    assert_eq!((counts.people, counts.edges), (50, 49));
    let before = everything(&db);
    db.backend().close();
    drop(db);
    let reopened = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(everything(&reopened), before);
    assert_eq!(reopened.stats().people, 50);
    reopened.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn an_invalid_record_in_a_batch_leaves_nothing_behind() {
    let name = unique("wig-invalid");
    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    db.upsert_person(PersonInput { names: vec!["Existing".into()], ..Default::default() }, &ctx()).await.unwrap();
    let before = everything(&db);
    let mut bad = batch();
    bad.edges[40].strength = Some(JsNumber(f64::NAN));
    let e = db.batch(bad, &ctx()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidStrength);
    assert_eq!(e.field.as_deref(), Some("edges[40].strength"));
    assert_eq!(everything(&db), before);
    db.backend().close();
    let reopened = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(everything(&reopened), before);
    reopened.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_graph_written_by_a_newer_schema_is_refused_not_damaged() {
    let name = unique("wig-schema");
    let db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    db.backend().close();
    // A future release stored schema 99 (postcard: version byte 1, then u32 99, then bucket bits).
    let backend = IdbBackend::open(&name).await.unwrap();
    let future = vec![1u8, 99, 4, 10, 8, 12, 12];
    backend.write(WriteSet { puts: vec![(StoreName::Meta, StoreKey::Text("graph".into()), future.clone())], ..Default::default() }).await.unwrap();
    let e = Db::open(backend.clone()).await.err().expect("refused");
    assert_eq!(e.code, ErrorCode::SchemaTooNew);
    // Nothing was rewritten.
    let meta = wig_graph::store::load_values(&backend).await.unwrap().into_iter().find(|(s, _, _)| *s == StoreName::Meta).unwrap();
    assert_eq!(meta.2, future);
    backend.close();
    IdbBackend::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn soft_delete_and_erase_persist() {
    let name = unique("wig-erase");
    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    db.batch(batch(), &ctx()).await.unwrap();
    let p0 = db.state().people.values().find(|p| p.emails[0] == "p0@acme.com").unwrap().id;
    let p1 = db.state().people.values().find(|p| p.emails[0] == "p1@acme.com").unwrap().id;
    db.delete(EntityKind::Person, p1, &ctx()).await.unwrap();
    db.erase_person(p0, &ctx()).await.unwrap();
    db.backend().close();
    let reopened = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert!(reopened.person(p0).is_none());
    assert!(reopened.person(p1).unwrap().deleted_at.is_some());
    assert_eq!(reopened.stats().edges, 0);
    assert!(!everything(&reopened).contains("p0@acme.com"));
    reopened.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

// --- merges ---

/// People, organizations, edges and interactions (not audit/outbox, which grow).
fn tables<B: Backend>(db: &Db<B>) -> String {
    let all = ListOptions { limit: Some(10_000), include_deleted: true, ..Default::default() };
    serde_json::to_string(&(
        db.list_people(&all).unwrap().items,
        db.list_organizations(&all).unwrap().items,
        db.list_edges(&all).unwrap().items,
        db.list_interactions(&all).unwrap().items,
    ))
    .unwrap()
}

fn later(ms: i64) -> WriteContext {
    WriteContext::at(Timestamp::from_millis(1_700_000_000_000 + ms))
}

#[wasm_bindgen_test]
async fn merge_reopen_unmerge_restores_the_graph() {
    let name = unique("wig-merge");
    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    db.batch(batch(), &ctx()).await.unwrap();
    let id_of = |db: &Db<IdbBackend>, email: &str| db.state().people.values().find(|p| p.emails[0] == email).unwrap().id;
    let (p0, p1, p2, p3) = (id_of(&db, "p0@acme.com"), id_of(&db, "p1@acme.com"), id_of(&db, "p2@acme.com"), id_of(&db, "p3@acme.com"));
    // p1–p2 becomes a duplicate of nothing, p1–p3 a duplicate of p0–p3.
    db.upsert_edges(vec![EdgeInput { from_person_id: Some(p1.to_string()), to_person_id: Some(p3.to_string()), ..Default::default() }], &ctx()).await.unwrap();
    let before = tables(&db);
    // Their edges stay on them (folded, or between them), merged away too.
    let left = db.state().edges.values().filter(|e| [p1, p2].iter().any(|p| [e.from_person_id, e.to_person_id].contains(p))).count();
    let m = db.merge_people(p0, &[p2, p1], serde_json::json!({ "score": 0.9 }), &later(1_000)).await.unwrap();
    assert_eq!(db.stats().merged_away, 2 + left);
    assert!(m.edges_folded >= 1, "p1–p3 folded into p0–p3");
    let after = tables(&db);
    db.backend().close();
    drop(db);

    let mut reopened = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(tables(&reopened), after);
    assert_eq!(reopened.merges(), vec![m.clone()]);
    reopened.unmerge(m.id, &later(2_000)).await.unwrap();
    assert_eq!(tables(&reopened), before);
    reopened.backend().close();
    drop(reopened);

    let again = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(tables(&again), before);
    assert!(again.merge_record(m.id).unwrap().undone_at.is_some());
    again.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn suggest_merge_reopen_unmerge() {
    use wig_graph::store::DuplicateOptions;
    let name = unique("wig-suggest");
    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    let person = |n: &str, e: &str| PersonInput { names: vec![n.into()], emails: vec![e.into()], ..Default::default() };
    db.upsert_people(vec![person("Robert Smith", "robert.smith@gmail.com"), person("Bob Smith", "robertsmith+crm@googlemail.com"), person("Ada Lovelace", "ada@example.org")], &ctx())
        .await
        .unwrap();
    let before = tables(&db);
    let report = db.suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true).unwrap();
    assert_eq!(report.suggestions.len(), 1);
    let s = &report.suggestions[0];
    let m = db.merge_people(s.a, &[s.b], serde_json::json!({ "probability": s.probability }), &later(1_000)).await.unwrap();
    db.backend().close();
    drop(db);
    let mut reopened = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(reopened.stats().people, 2);
    assert!(reopened.suggest_duplicates(&DuplicateOptions::default(), &mut |_, _| true).unwrap().suggestions.is_empty());
    reopened.unmerge(m.id, &later(2_000)).await.unwrap();
    assert_eq!(tables(&reopened), before);
    reopened.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

/// Two copies of one IndexedDB graph (two tabs): the copy written past is
/// refused as STALE and nothing of its write reaches IndexedDB (the check
/// is a read queued before the writes in the same transaction, whose answer
/// aborts them); read again, the write goes through.
#[wasm_bindgen_test]
async fn a_write_from_a_stale_copy_is_refused_whole_in_indexeddb() {
    let name = unique("wig-stale");
    let mut a = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    a.batch(batch(), &ctx()).await.unwrap();
    let mut b = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    let person = |n: &str| PersonInput { names: vec![n.into()], ..Default::default() };
    a.upsert_person(person("From A"), &ctx()).await.unwrap();
    let e = b.batch(batch(), &ctx()).await.err().expect("refused");
    assert_eq!(e.code, ErrorCode::Stale, "{e}");
    let e = b.upsert_person(person("From B"), &ctx()).await.err().expect("refused");
    assert_eq!(e.code, ErrorCode::Stale, "{e}");
    let fresh = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(fresh.stats().people, 51, "A's 50 + 1; nothing of B's");
    assert_eq!(everything(&fresh), everything(&a));
    fresh.backend().close();
    b.backend().close();
    let mut b = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    b.upsert_person(person("From B"), &ctx()).await.unwrap();
    let e = a.upsert_person(person("From A again"), &ctx()).await.err().expect("now A is stale");
    assert_eq!(e.code, ErrorCode::Stale);
    a.backend().close();
    let again = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(again.stats().people, 52);
    again.backend().close();
    b.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

mod raw_idb {
    //! The raw IndexedDB API, to build a database as release 1 (IndexedDB
    //! version 1, no `rejections` store) left it.
    use js_sys::{Array, Promise, Reflect, Uint8Array};
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{IdbDatabase, IdbFactory, IdbRequest, IdbTransaction, IdbTransactionMode};
    use wig_graph::store::{StoreKey, StoreName};

    pub const V1_STORES: [&str; 8] = ["people", "organizations", "edges", "interactions", "merges", "audit", "outbox", "meta"];

    fn factory() -> IdbFactory {
        Reflect::get(&js_sys::global(), &"indexedDB".into()).unwrap().unchecked_into()
    }

    async fn done(req: &IdbRequest) -> JsValue {
        let r = req.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            let r2 = r.clone();
            let ok = Closure::once_into_js(move |_: web_sys::Event| {
                resolve.call1(&JsValue::NULL, &r2.result().unwrap()).unwrap();
            });
            let bad = Closure::once_into_js(move |_: web_sys::Event| {
                reject.call0(&JsValue::NULL).unwrap();
            });
            r.set_onsuccess(Some(ok.unchecked_ref()));
            r.set_onerror(Some(bad.unchecked_ref()));
        });
        JsFuture::from(promise).await.expect("IndexedDB request")
    }

    async fn committed(tx: &IdbTransaction) {
        let t = tx.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            let ok = Closure::once_into_js(move |_: web_sys::Event| {
                resolve.call0(&JsValue::NULL).unwrap();
            });
            let bad = Closure::once_into_js(move |_: web_sys::Event| {
                reject.call0(&JsValue::NULL).unwrap();
            });
            t.set_oncomplete(Some(ok.unchecked_ref()));
            t.set_onerror(Some(bad.unchecked_ref()));
        });
        JsFuture::from(promise).await.expect("IndexedDB transaction");
    }

    /// Creates `name` at IndexedDB version 1 with the version-1 stores and
    /// puts `items` in them.
    pub async fn create_v1(name: &str, items: &[(StoreName, StoreKey, Vec<u8>)]) {
        let req = factory().open_with_u32(name, 1).unwrap();
        let r = req.clone();
        let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
            let db: IdbDatabase = r.result().unwrap().unchecked_into();
            for store in V1_STORES {
                db.create_object_store(store).unwrap();
            }
        });
        req.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db: IdbDatabase = done(&req).await.unchecked_into();
        assert_eq!(db.version(), 1.0);
        let names = Array::new();
        for store in V1_STORES {
            names.push(&JsValue::from_str(store));
        }
        let tx = db.transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite).unwrap();
        for (store, key, bytes) in items {
            assert!(V1_STORES.contains(&store.name()), "{} is not a version-1 store", store.name());
            let key = match key {
                StoreKey::Num(n) => JsValue::from_f64(*n as f64),
                StoreKey::Text(s) => JsValue::from_str(s),
            };
            tx.object_store(store.name()).unwrap().put_with_key(&Uint8Array::from(&bytes[..]), &key).unwrap();
        }
        committed(&tx).await;
        db.close();
    }

    /// The IndexedDB version and store names of `name`, as they are now.
    pub async fn version_and_stores(name: &str) -> (f64, Vec<String>) {
        let req = factory().open(name).unwrap();
        let db: IdbDatabase = done(&req).await.unchecked_into();
        let list = db.object_store_names();
        let stores = (0..list.length()).filter_map(|i| list.get(i)).collect();
        let version = db.version();
        db.close();
        (version, stores)
    }
}

#[wasm_bindgen_test]
async fn a_version_one_database_is_upgraded_to_version_two() {
    // What release 1 stored, made with the same encoder, written with the raw API.
    let memory = wig_graph::store::MemoryBackend::default();
    let mut source = Db::open(memory.clone()).await.unwrap();
    source.batch(batch(), &ctx()).await.unwrap();
    let items = wig_graph::store::load_values(&memory).await.unwrap();
    let name = unique("wig-v1");
    raw_idb::create_v1(&name, &items).await;

    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(everything(&db), everything(&source), "nothing lost in the upgrade");
    let (version, stores) = raw_idb::version_and_stores(&name).await;
    assert_eq!(version, f64::from(wig_graph::store::idb::IDB_VERSION));
    assert_eq!(version, 2.0);
    assert!(stores.iter().any(|s| s == "rejections"), "{stores:?}");

    // The new store works and persists.
    let ids: Vec<Uuid> = db.state().people.values().take(2).map(|p| p.id).collect();
    db.reject_match(ids[0], ids[1], &later(1_000)).await.unwrap();
    db.backend().close();
    drop(db);
    let reopened = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert!(reopened.is_rejected(ids[1], ids[0]));
    assert_eq!(reopened.rejected_pairs().len(), 1);
    reopened.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn import_vcard_and_ics_into_indexeddb_then_reimport_changes_nothing() {
    use wig_graph::store::{ImportKind, ImportOptions};
    let vcf: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/sample.vcf"));
    let ics: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/sample.ics"));
    let opts = |f: &str| ImportOptions { format: Some(f.into()), ..Default::default() };
    let name = unique("import");
    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    let people = db.import_chunks(ImportKind::Contacts, opts("vcard"), vcf.chunks(100), &ctx()).await.unwrap();
    assert_eq!(people.people, 10);
    assert!(people.duplicate_suggestions >= 2);
    // Imported after the sample's last meeting (17 November 2026): a
    // meeting still to come is not an interaction yet.
    let after = WriteContext::at(Timestamp::parse("2026-11-20T00:00:00Z").unwrap());
    let meetings = db.import_chunks(ImportKind::Interactions, opts("ics"), ics.chunks(4096), &after).await.unwrap();
    assert_eq!(meetings.interactions, 12);
    assert!(meetings.strengths_updated > 0);
    let before = everything(&db);
    db.backend().close();
    drop(db);

    let mut db = Db::open(IdbBackend::open(&name).await.unwrap()).await.unwrap();
    assert_eq!(everything(&db), before, "the import is in IndexedDB");
    assert!(db.list_people(&ListOptions::default()).unwrap().items.iter().any(|p| p.names[0] == "Mallory <img src=x onerror=alert(1)>"));
    let again = db.import_chunks(ImportKind::Contacts, opts("vcard"), [vcf], &ctx()).await.unwrap();
    assert_eq!((again.people, again.unchanged, again.batches), (0, 10, 0));
    assert_eq!(everything(&db), before);
    db.backend().close();
    IdbBackend::delete_database(&name).await.unwrap();
}
