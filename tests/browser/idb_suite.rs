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

fn everything(db: &Db<IdbBackend>) -> String {
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
    backend.write(WriteSet { puts: vec![(StoreName::Meta, StoreKey::Text("graph".into()), future.clone())], deletes: vec![] }).await.unwrap();
    let e = Db::open(backend.clone()).await.err().expect("refused");
    assert_eq!(e.code, ErrorCode::SchemaTooNew);
    // Nothing was rewritten.
    let meta = backend.load().await.unwrap().into_iter().find(|(s, _, _)| *s == StoreName::Meta).unwrap();
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
