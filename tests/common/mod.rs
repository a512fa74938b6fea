#![allow(dead_code)]
use wig_graph::model::*;
use wig_graph::store::{block_on, Db, MemoryBackend, WriteContext};

pub const T0: i64 = 1_700_000_000_000;

pub fn ctx() -> WriteContext {
    WriteContext::at(Timestamp::from_millis(T0))
}

pub fn ctx_at(ms: i64) -> WriteContext {
    WriteContext::at(Timestamp::from_millis(ms))
}

pub fn open() -> Db<MemoryBackend> {
    block_on(Db::open(MemoryBackend::default())).unwrap()
}

pub fn person(name: &str, email: &str) -> PersonInput {
    PersonInput {
        names: vec![name.into()],
        emails: vec![email.into()],
        ..Default::default()
    }
}

pub fn edge(a: Uuid, b: Uuid) -> EdgeInput {
    EdgeInput {
        from_person_id: Some(a.to_string()),
        to_person_id: Some(b.to_string()),
        strength: Some(JsNumber(0.7)),
        ..Default::default()
    }
}

pub fn interaction(source_id: &str, participants: &[&str]) -> InteractionInput {
    InteractionInput {
        source_name: Some("gmail".into()),
        source_id: Some(source_id.into()),
        timestamp: Some(TimeInput::Text("2024-05-01T12:00:00Z".into())),
        participants: participants.iter().map(|s| s.to_string()).collect(),
        channel: Some("email".into()),
        ..Default::default()
    }
}

/// Upserts `inputs` in one call; their ids, in order.
pub fn people_ids(db: &mut Db<MemoryBackend>, inputs: Vec<PersonInput>) -> Vec<Uuid> {
    block_on(db.upsert_people(inputs, &ctx()))
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// Two people (Ada, Bob) and an edge between them.
pub fn seeded() -> (Db<MemoryBackend>, Uuid, Uuid) {
    let mut db = open();
    let people = block_on(db.upsert_people(
        vec![
            person("Ada Lovelace", "ada@example.org"),
            person("Bob Smith", "bob@example.org"),
        ],
        &ctx(),
    ))
    .unwrap();
    let (a, b) = (people[0].id, people[1].id);
    block_on(db.upsert_edge(edge(a, b), &ctx())).unwrap();
    (db, a, b)
}

/// Organizations named `names`, upserted in one call.
pub fn organizations(db: &mut Db<MemoryBackend>, names: &[&str]) -> Vec<Organization> {
    block_on(
        db.upsert_organizations(
            names
                .iter()
                .map(|n| OrganizationInput {
                    name: Some(n.to_string()),
                    ..Default::default()
                })
                .collect(),
            &ctx(),
        ),
    )
    .unwrap()
}
