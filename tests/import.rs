//! Importers end to end (native, in-memory backend): the fixtures under
//! tests/fixtures/import, malformed files, idempotent re-import, deleted and
//! merged people, batches, follow-ups (duplicates, strengths).

mod common;
use common::*;
use wig_graph::model::*;
use wig_graph::store::{
    block_on, imported_person_id, Db, ImportKind, ImportOptions, ImportReport, ImportSession,
    MemoryBackend,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn options(format: &str) -> ImportOptions {
    ImportOptions {
        format: Some(format.into()),
        ..Default::default()
    }
}

/// The time of the imports: after every meeting in the fixtures (a meeting
/// still to come is not an interaction yet).
fn import_ctx() -> wig_graph::store::WriteContext {
    ctx_at(Timestamp::parse("2026-11-20T00:00:00Z").unwrap().millis())
}

fn import_with(
    db: &mut Db<MemoryBackend>,
    kind: ImportKind,
    opts: ImportOptions,
    bytes: &[u8],
    chunk: usize,
) -> ImportReport {
    block_on(db.import_chunks(kind, opts, bytes.chunks(chunk.max(1)), &import_ctx())).unwrap()
}

fn contacts(db: &mut Db<MemoryBackend>, format: &str, file: &str) -> ImportReport {
    import_with(
        db,
        ImportKind::Contacts,
        options(format),
        &fixture(file),
        1 << 16,
    )
}

fn interactions(db: &mut Db<MemoryBackend>, format: &str, file: &str) -> ImportReport {
    import_with(
        db,
        ImportKind::Interactions,
        options(format),
        &fixture(file),
        1 << 16,
    )
}

/// Imports vCard text in one chunk; it must import without a malformed line.
fn vcard_text(db: &mut Db<MemoryBackend>, vcf: &str) -> ImportReport {
    let r = import_with(
        db,
        ImportKind::Contacts,
        options("vcard"),
        vcf.as_bytes(),
        1 << 16,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r
}

fn error_lines(r: &ImportReport) -> Vec<(u64, String)> {
    r.errors.iter().map(|e| (e.line, e.code.clone())).collect()
}

fn organization_named(db: &Db<MemoryBackend>, name: &str) -> Organization {
    db.state()
        .organizations
        .values()
        .find(|o| o.name == name)
        .cloned()
        .unwrap_or_else(|| panic!("no organization named {name}"))
}

fn person_named<'a>(db: &'a Db<MemoryBackend>, name: &str) -> &'a Person {
    db.state()
        .people
        .values()
        .find(|p| p.names.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no person named {name}"))
}

#[test]
fn vcard_fixture_imports_every_card_with_its_fields() {
    let mut db = open();
    let r = contacts(&mut db, "vcard", "contacts.vcf");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.records, r.people, r.unchanged), (6, 6, 0));
    assert_eq!(r.organizations, 5);
    assert_eq!(r.batches, 1);

    let m = person_named(&db, "Margaret Hamilton");
    assert_eq!(
        m.id,
        imported_person_id("vcard", "uid:8D2C3E1A-5B7F-4C1E-9A77-2F0C6A1D0001")
    );
    assert_eq!(m.emails, vec!["margaret@apollo.example"]);
    assert_eq!(m.phones, vec!["+1 617 555 0142"]);
    assert_eq!(m.title.as_deref(), Some("Director of Software Engineering"));
    assert_eq!(m.birth_date.as_deref(), Some("1936-08-17"));
    assert_eq!(
        m.social_handles.get("linkedin").map(String::as_str),
        Some("https://www.linkedin.com/in/margaret-hamilton")
    );
    let org = db
        .state()
        .organizations
        .get(m.organization_id.unwrap())
        .unwrap();
    assert_eq!(org.name, "Apollo Guidance, Inc.");

    // Non-ASCII, quoted-printable Latin-1, CJK and a hostile name: kept as text.
    assert_eq!(
        person_named(&db, "Zoë Ångström-Núñez").phones,
        vec!["+46-8-555-0199"]
    );
    assert_eq!(
        person_named(&db, "Jürgen Müller").emails,
        vec!["juergen.mueller@werk.example"]
    );
    person_named(&db, "李小龍");
    person_named(&db, "<img src=x onerror=alert(1)>");
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let mut db = open();
    let first = contacts(&mut db, "vcard", "contacts.vcf");
    let stats = db.stats();
    let again = contacts(&mut db, "vcard", "contacts.vcf");
    assert_eq!(
        (again.people, again.organizations, again.unchanged),
        (0, 0, first.records)
    );
    assert_eq!(again.batches, 0, "no transaction at all");
    assert_eq!(db.stats(), stats, "no new record, audit or outbox entry");

    let ics = interactions(&mut db, "ics", "meetings.ics");
    let stats = db.stats();
    let ics_again = interactions(&mut db, "ics", "meetings.ics");
    assert_eq!(
        (ics_again.interactions, ics_again.unchanged),
        (0, ics.interactions)
    );
    assert_eq!(ics_again.strengths_updated, 0);
    // The strength follow-up leaves its audit mark; nothing else is written.
    assert_eq!(db.stats().outbox_changes, stats.outbox_changes);
    assert_eq!(db.stats().interactions, stats.interactions);
}

#[test]
fn the_same_person_across_vcard_google_and_linkedin_is_suggested_and_shares_one_org() {
    let mut db = open();
    contacts(&mut db, "vcard", "contacts.vcf");
    let google = contacts(&mut db, "google-csv", "google.csv");
    assert!(google.errors.is_empty(), "{:?}", google.errors);
    assert_eq!(google.records, 3);
    // "Maggie Hamilton" (same email and phone) and Zoë are the vCard people again.
    assert!(google.duplicate_suggestions >= 2, "{google:?}");
    let linkedin = contacts(&mut db, "linkedin-csv", "linkedin.csv");
    assert!(linkedin.errors.is_empty(), "{:?}", linkedin.errors);
    assert_eq!(linkedin.records, 3);
    assert!(linkedin.duplicate_suggestions >= 1, "{linkedin:?}");

    // "Apollo Guidance, Inc.", "Apollo Guidance Inc" and "Apollo Guidance Inc.": one org.
    let apollo: Vec<&Organization> = db
        .state()
        .organizations
        .values()
        .filter(|o| o.name.to_lowercase().starts_with("apollo"))
        .collect();
    assert_eq!(apollo.len(), 1, "{apollo:?}");
    let maggie = person_named(&db, "Maggie Hamilton");
    assert_eq!(maggie.organization_id, Some(apollo[0].id));
    assert_eq!(
        maggie.emails,
        vec!["margaret@apollo.example", "maggie.h@gmail.example"]
    );
    let ada = person_named(&db, "Ada Lovelace");
    assert_eq!(
        ada.id,
        imported_person_id(
            "linkedin-csv",
            "url:https://www.linkedin.com/in/ada-lovelace"
        )
    );
}

#[test]
fn google_legacy_and_a_mapped_semicolon_csv() {
    let mut db = open();
    let r = contacts(&mut db, "google-csv", "google-legacy.csv");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let grace = person_named(&db, "Grace Hopper");
    assert_eq!(grace.names, vec!["Grace Hopper", "Amazing Grace"]);
    assert_eq!(grace.title.as_deref(), Some("Rear Admiral"));
    assert_eq!(
        person_named(&db, "Alan Mathison Turing")
            .birth_date
            .as_deref(),
        Some("1912-06-23")
    );

    let mut opts = options("csv");
    opts.mapping = [
        ("Contact ID", "id"),
        ("Full name", "name"),
        ("Mail", "email"),
        ("Company", "organization"),
        ("Mobile", "phone"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    opts.source_name = Some("crm-export".into());
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        opts,
        &fixture("mapped.csv"),
        7,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.people, 2);
    let k = person_named(&db, "Katherine Johnson");
    assert_eq!(k.id, imported_person_id("crm-export", "id:c-2"));
}

#[test]
fn malformed_files_report_lines_and_import_the_rest() {
    let mut db = open();
    let r = contacts(&mut db, "vcard", "malformed.vcf");
    assert_eq!(
        error_lines(&r),
        vec![
            (7, "INVALID_EMAIL".into()),
            (16, "INVALID_INPUT".into()),
            (20, "REQUIRED".into()),
            (24, "INVALID_INPUT".into()),
            (25, "INVALID_PHONE".into()),
            (29, "INVALID_DATE".into()),
            (32, "INVALID_INPUT".into()),
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(r.people, 4);
    assert_eq!(person_named(&db, "Bad Email").phones, vec!["+1 555 0100"]);

    let r = contacts(&mut db, "google-csv", "malformed.csv");
    assert_eq!(
        error_lines(&r),
        vec![
            (3, "INVALID_INPUT".into()),
            (5, "INVALID_EMAIL".into()),
            (6, "INVALID_INPUT".into())
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(r.people, 2);

    let r = interactions(&mut db, "ics", "malformed.ics");
    assert_eq!(
        error_lines(&r),
        vec![
            (10, "REQUIRED".into()),
            (15, "INVALID_TIMESTAMP".into()),
            (21, "INVALID_INPUT".into()),
            (29, "DUPLICATE_INTERACTION".into()),
            (35, "INVALID_INPUT".into()),
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(r.interactions, 2);

    let r = interactions(&mut db, "mbox", "malformed.mbox");
    assert_eq!(
        error_lines(&r),
        vec![
            (1, "INVALID_INPUT".into()),
            (10, "INVALID_TIMESTAMP".into()),
            (16, "REQUIRED".into())
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(r.interactions, 2);
    let ok2 = db
        .state()
        .interactions
        .values()
        .find(|i| i.source_id == "ok-2@ok.example")
        .unwrap();
    assert_eq!(
        ok2.participants,
        vec!["c@ok.example", "a@ok.example", "d@ok.example"]
    );
}

#[test]
fn a_file_that_is_not_the_format_is_refused_with_nothing_written() {
    let mut db = open();
    let e = block_on(db.import_chunks(
        ImportKind::Contacts,
        options("linkedin-csv"),
        [fixture("google.csv").as_slice()],
        &ctx(),
    ))
    .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (wig_graph::ErrorCode::InvalidInput, Some("format"))
    );
    assert_eq!(db.stats().people, 0);
    let e = ImportSession::new(ImportKind::Contacts, options("ics"), ctx().now)
        .err()
        .unwrap();
    assert_eq!(e.code, wig_graph::ErrorCode::InvalidEnum);
    let e = ImportSession::new(
        ImportKind::Interactions,
        ImportOptions::default(),
        ctx().now,
    )
    .err()
    .unwrap();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (wig_graph::ErrorCode::Required, Some("format"))
    );
}

#[test]
fn a_deleted_person_is_not_resurrected_and_a_merged_one_goes_to_the_survivor() {
    let mut db = open();
    contacts(&mut db, "vcard", "sample.vcf");
    let lena = person_named(&db, "Lena Fischer").id;
    block_on(db.delete(EntityKind::Person, lena, &ctx())).unwrap();
    let robert = person_named(&db, "Robert Chen").id;
    let bob = person_named(&db, "Bob Chen").id;
    let p = db
        .prepare_merge_people(robert, &[bob], serde_json::json!({}), &ctx())
        .unwrap();
    block_on(db.run(p)).unwrap();
    let stats = db.stats();

    let r = contacts(&mut db, "vcard", "sample.vcf");
    assert_eq!(r.skipped, 1, "Lena stays deleted");
    assert_eq!(r.people, 0, "{r:?}");
    assert_eq!(r.unchanged, 9);
    assert_eq!(db.stats(), stats);
    assert!(db.state().people.get(lena).unwrap().deleted_at.is_some());
    assert_eq!(
        db.state().people.get(bob).unwrap().merged_into,
        Some(robert)
    );

    // New data for the merged-away card lands on the survivor.
    let changed = String::from_utf8(fixture("sample.vcf")).unwrap().replace(
        "EMAIL;TYPE=HOME:bob.chen@northwind.example",
        "EMAIL;TYPE=HOME:bobby@chen.example",
    );
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        changed.as_bytes(),
        64,
    );
    assert_eq!(r.people, 1);
    assert!(db
        .state()
        .people
        .get(robert)
        .unwrap()
        .emails
        .contains(&"bobby@chen.example".to_string()));
    assert!(!db
        .state()
        .people
        .get(bob)
        .unwrap()
        .emails
        .contains(&"bobby@chen.example".to_string()));
}

#[test]
fn an_edit_made_in_the_graph_survives_a_reimport() {
    let mut db = open();
    contacts(&mut db, "vcard", "sample.vcf");
    let mut kenji = person_named(&db, "Kenji Watanabe").clone();
    kenji.title = Some("General Partner".into());
    let input: PersonInput = serde_json::from_value(serde_json::to_value(&kenji).unwrap()).unwrap();
    block_on(db.upsert_person(input, &ctx())).unwrap();
    let r = contacts(&mut db, "vcard", "sample.vcf");
    assert_eq!(r.people, 0);
    assert_eq!(
        db.state().people.get(kenji.id).unwrap().title.as_deref(),
        Some("General Partner")
    );
}

#[test]
fn ics_meetings_with_participants_durations_and_strengths() {
    let mut db = open();
    contacts(&mut db, "vcard", "contacts.vcf");
    contacts(&mut db, "google-csv", "google.csv");
    // Imported on 2 August 2025: the weekly series has met five times
    // (3, 11 (moved from the 10th), 17, 24 and 31 July); the cancelled
    // meeting and the one-person focus time are skipped.
    let r = block_on(db.import_chunks(
        ImportKind::Interactions,
        options("ics"),
        [fixture("meetings.ics").as_slice()],
        &ctx_at(Timestamp::parse("2025-08-02T00:00:00Z").unwrap().millis()),
    ))
    .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.records, r.interactions, r.skipped), (8, 8, 2), "{r:?}");
    assert!(r.strengths_updated >= 3, "{r:?}");
    let by_id = |id: &str| {
        db.state()
            .interactions
            .values()
            .find(|i| i.source_id == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    let sync = by_id("7kukuqrfedlm2f9t0vvgq1a2bc@google.com");
    assert_eq!(sync.source_name, "ics");
    assert_eq!(sync.channel, Channel::Meeting);
    assert_eq!(
        sync.timestamp,
        Timestamp::parse("2025-06-10T13:00:00Z").unwrap()
    );
    assert_eq!(sync.duration_minutes, Some(30.0));
    assert_eq!(
        sync.participants,
        vec!["margaret@apollo.example", "grace@navy.example"]
    );
    assert_eq!(sync.sender.as_deref(), Some("margaret@apollo.example"));
    let moved = by_id("series-1@apollo.example#20250710T140000Z");
    assert_eq!(
        moved.timestamp,
        Timestamp::parse("2025-07-11T14:00:00Z").unwrap()
    );
    assert_eq!(by_id("offsite-1@apollo.example").duration_minutes, None);

    // The vCard and the Google CSV hold Margaret twice (not merged), with
    // one email: her meetings go to the older record, then the smaller id.
    let margaret = db
        .state()
        .people
        .values()
        .filter(|p| p.emails.iter().any(|e| e == "margaret@apollo.example"))
        .map(|p| (p.created_at, p.id))
        .min()
        .unwrap()
        .1;
    let grace = person_named(&db, "Grace Hopper").id;
    let edge = db
        .state()
        .edges
        .values()
        .find(|e| e.pair() == pair_key(margaret, grace))
        .expect("an edge scored from the meetings");
    assert!(
        edge.strength > 0.0 && edge.interaction_count >= 2,
        "{edge:?}"
    );
}

#[test]
fn a_weekly_series_counts_each_meeting_held_and_a_later_import_adds_the_new_ones() {
    let mut db = open();
    contacts(&mut db, "vcard", "contacts.vcf");
    let at = |iso: &str| ctx_at(Timestamp::parse(iso).unwrap().millis());
    let import_file = |db: &mut Db<MemoryBackend>, bytes: Vec<u8>, iso: &str| {
        block_on(db.import_chunks(
            ImportKind::Interactions,
            options("ics"),
            [bytes.as_slice()],
            &at(iso),
        ))
        .unwrap()
    };
    let import =
        |db: &mut Db<MemoryBackend>, iso: &str| import_file(db, fixture("meetings.ics"), iso);
    // Thursdays from 3 July 2025, 10:00 New York; 10 July moved to the 11th.
    // First the file as it was before the move: the move then updates the
    // meeting of 10 July, it does not add one.
    let file = String::from_utf8(fixture("meetings.ics")).unwrap();
    let moved = file.find("RECURRENCE-ID").unwrap();
    let (begin, end) = (
        file[..moved].rfind("BEGIN:VEVENT").unwrap(),
        moved + file[moved..].find("END:VEVENT").unwrap() + "END:VEVENT".len(),
    );
    let unmoved = format!("{}{}", &file[..begin], file[end..].trim_start());
    let before_move = import_file(&mut db, unmoved.into_bytes(), "2025-08-01T00:00:00Z");
    assert!(before_move.errors.is_empty(), "{:?}", before_move.errors);
    let series = |db: &Db<MemoryBackend>| {
        let mut ids: Vec<String> = db
            .state()
            .interactions
            .values()
            .filter(|i| i.source_id.starts_with("series-1@"))
            .map(|i| format!("{} {}", i.source_id, i.timestamp))
            .collect();
        ids.sort();
        ids
    };
    let r = import(&mut db, "2025-08-01T00:00:00Z");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.interactions, 1, "the moved meeting, updated: {r:?}");
    assert_eq!(
        series(&db),
        [
            "series-1@apollo.example 2025-07-03T14:00:00.000Z",
            "series-1@apollo.example#20250710T140000Z 2025-07-11T14:00:00.000Z",
            "series-1@apollo.example#20250717T140000Z 2025-07-17T14:00:00.000Z",
            "series-1@apollo.example#20250724T140000Z 2025-07-24T14:00:00.000Z",
            "series-1@apollo.example#20250731T140000Z 2025-07-31T14:00:00.000Z",
        ]
    );
    let edge = |db: &Db<MemoryBackend>| {
        let (m, z) = (
            person_named(db, "Margaret Hamilton").id,
            person_named(db, "Zoë Ångström-Núñez").id,
        );
        db.state()
            .edges
            .values()
            .find(|e| e.pair() == wig_graph::model::pair_key(m, z))
            .map(|e| (e.interaction_count, e.strength))
            .unwrap()
    };
    let (count, strength) = edge(&db);
    assert_eq!(count, 5);
    // A month later: the four Thursdays of August are added, nothing else.
    let again = import(&mut db, "2025-09-01T00:00:00Z");
    assert_eq!(
        (again.interactions, again.unchanged),
        (4, r.records),
        "{again:?}"
    );
    assert_eq!(series(&db).len(), 9);
    assert_eq!(edge(&db).0, 9);
    assert!(edge(&db).1 > strength, "more meetings, a stronger tie");

    // Later the 17 July meeting is struck from the series (an EXDATE) and
    // the 10 June one-off is cancelled: both stored meetings are deleted,
    // and the pair is rescored.
    let cancelled = file
        .replace(
            "RRULE:FREQ=WEEKLY;BYDAY=TH",
            "RRULE:FREQ=WEEKLY;BYDAY=TH\r\nEXDATE;TZID=America/New_York:20250717T100000",
        )
        .replacen("STATUS:CONFIRMED", "STATUS:CANCELLED", 1);
    let cancelled_file = cancelled.clone();
    let r = import_file(&mut db, cancelled.into_bytes(), "2025-09-01T00:00:00Z");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.cancelled, 2, "{r:?}");
    let live = |db: &Db<MemoryBackend>, id: &str| {
        db.state()
            .interactions
            .values()
            .find(|i| i.source_id == id)
            .map(|i| i.deleted_at.is_none())
    };
    assert_eq!(
        live(&db, "series-1@apollo.example#20250717T140000Z"),
        Some(false)
    );
    assert_eq!(
        live(&db, "7kukuqrfedlm2f9t0vvgq1a2bc@google.com"),
        Some(false)
    );
    assert_eq!(edge(&db).0, 8, "the struck meeting no longer counts");
    // Importing the same file again cancels nothing more.
    let again = import_file(
        &mut db,
        cancelled_file.clone().into_bytes(),
        "2025-09-01T00:00:00Z",
    );
    assert_eq!((again.cancelled, again.interactions), (0, 0), "{again:?}");
    // The EXDATE is taken back: the 17 July meeting happened after all, and
    // the file's word brings it back. A meeting deleted in the graph (24
    // July, by the user) stays deleted.
    let by_user = db
        .state()
        .interactions
        .values()
        .find(|i| i.source_id == "series-1@apollo.example#20250724T140000Z")
        .unwrap()
        .id;
    block_on(db.delete(
        wig_graph::model::EntityKind::Interaction,
        by_user,
        &at("2025-09-01T00:00:00Z"),
    ))
    .unwrap();
    let restored = import_file(
        &mut db,
        file.replacen("STATUS:CONFIRMED", "STATUS:CANCELLED", 1)
            .into_bytes(),
        "2025-09-01T00:00:00Z",
    );
    assert_eq!(
        (
            restored.cancelled,
            restored.interactions,
            restored.unchanged
        ),
        (0, 1, 9),
        "{restored:?}"
    );
    let back = db
        .state()
        .interactions
        .values()
        .find(|i| i.source_id == "series-1@apollo.example#20250717T140000Z")
        .unwrap();
    assert!(back.deleted_at.is_none());
    assert!(
        back.metadata.0.get("cancelledByFile").is_none(),
        "{:?}",
        back.metadata
    );
    assert!(db
        .state()
        .interactions
        .get(by_user)
        .unwrap()
        .deleted_at
        .is_some());
    assert_eq!(edge(&db).0, 8, "17 July counts again, 24 July no longer");

    // Then the whole series is cancelled (STATUS:CANCELLED on the event
    // itself, as calendars write "delete all events"): every stored
    // occurrence goes, but the moved one the file still holds as a meeting.
    let whole = file.replace(
        "RRULE:FREQ=WEEKLY;BYDAY=TH",
        "RRULE:FREQ=WEEKLY;BYDAY=TH\r\nSTATUS:CANCELLED",
    );
    let r = import_file(&mut db, whole.into_bytes(), "2025-09-01T00:00:00Z");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.cancelled, 7, "{r:?}");
    let left: Vec<String> = db
        .state()
        .interactions
        .values()
        .filter(|i| i.source_id.starts_with("series-1@") && i.deleted_at.is_none())
        .map(|i| i.source_id.clone())
        .collect();
    assert_eq!(left, ["series-1@apollo.example#20250710T140000Z"]);
    assert_eq!(edge(&db).0, 1, "only the moved meeting still counts");
}

#[test]
fn a_field_the_store_refuses_is_left_out_and_the_rest_of_the_card_kept() {
    let mut db = open();
    let long = "x".repeat(600);
    let emails: String = (0..55)
        .map(|i| format!("EMAIL:p{i}@example.org\r\n"))
        .collect();
    let card = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{long}\r\nN:Lovelace;Ada;;;\r\nTITLE:{long}\r\n{emails}\
         ADR:;;{long}{long}{long}{long};;;;\r\nX-SOCIALPROFILE;TYPE=twitter:https://twitter.com/ada\r\nUID:long-1\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{long}\r\nUID:long-2\r\nEND:VCARD\r\n"
    );
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        card.as_bytes(),
        1 << 16,
    );
    assert_eq!(r.people, 1, "{r:?}");
    let reasons: Vec<&str> = r.errors.iter().map(|e| e.reason.as_str()).collect();
    let left_out = |field: &str| {
        reasons.iter().any(|r| {
            r.starts_with(&format!("{field}: "))
                && r.ends_with("(left out; the rest of the entry kept)")
        })
    };
    for field in ["names[0]", "emails", "title", "addresses[0]"] {
        assert!(left_out(field), "{field}: {reasons:?}");
    }
    // The second card has nothing valid left: refused, as before.
    let last = r.errors.last().unwrap();
    assert_eq!(
        (last.code.as_str(), last.line > 1),
        ("REQUIRED", true),
        "{:?}",
        r.errors
    );
    let ada = person_named(&db, "Ada Lovelace");
    assert_eq!(ada.names, ["Ada Lovelace"]);
    assert_eq!(ada.emails.len(), 50);
    assert_eq!(ada.title, None);
    assert!(ada.addresses.is_empty());
    assert_eq!(
        ada.social_handles.get("twitter").map(String::as_str),
        Some("https://twitter.com/ada")
    );
}

#[test]
fn organization_cards_make_organizations_not_people() {
    let mut db = open();
    let vcf = "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Nordlys Analytics AB\r\nURL:https://www.nordlys.example/about\r\n\
               EMAIL:info@nordlys.example\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Acme Corp\r\nORG:Acme Corp;\r\nX-ABShowAs:COMPANY\r\n\
               EMAIL:hello@acme.example\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Book club\r\nMEMBER:urn:uuid:1\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Berg\r\nORG:Nordlys Analytics\r\nEMAIL:zoe@nordlys.example\r\nEND:VCARD\r\n";
    let r = vcard_text(&mut db, vcf);
    assert_eq!((r.people, r.organizations, r.skipped), (1, 2, 1), "{r:?}");
    let orgs: Vec<(String, Option<String>)> = {
        let mut v: Vec<_> = db
            .state()
            .organizations
            .values()
            .map(|o| (o.name.clone(), o.domain.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        orgs,
        [
            ("Acme Corp".to_string(), Some("acme.example".to_string())),
            (
                "Nordlys Analytics AB".to_string(),
                Some("nordlys.example".to_string())
            ),
        ]
    );
    // Zoë works there: the same organization, found by its normalised name.
    let zoe = person_named(&db, "Zoë Berg");
    let nordlys = db
        .state()
        .organizations
        .values()
        .find(|o| o.name.starts_with("Nordlys"))
        .unwrap();
    assert_eq!(zoe.organization_id, Some(nordlys.id));
    // A Google Contacts row naming only a company is that organization too.
    let csv = "First Name,Last Name,Organization Name,Website 1 - Value\r\n,,Globex,https://www.globex.example/\r\n";
    let g = import_with(
        &mut db,
        ImportKind::Contacts,
        options("google-csv"),
        csv.as_bytes(),
        1 << 16,
    );
    assert_eq!(
        (g.people, g.organizations, g.errors.len()),
        (0, 1, 0),
        "{g:?}"
    );
    assert!(db
        .state()
        .organizations
        .values()
        .any(|o| o.name == "Globex" && o.domain.as_deref() == Some("globex.example")));
    let again = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        vcf.as_bytes(),
        7,
    );
    assert_eq!(
        (again.people, again.organizations, again.unchanged),
        (0, 0, 3),
        "{again:?}"
    );
    // What a card says of how to reach the organization is kept.
    let org = organization_named;
    assert_eq!(
        org(&db, "Nordlys Analytics AB").metadata.0["contact"],
        serde_json::json!({
            "emails": ["info@nordlys.example"],
            "website": "https://www.nordlys.example/about",
        })
    );
    // An organization a person's card made (no domain) gets a later card's
    // domain and details; an edit made in the graph stays.
    let initech = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Milton W\r\nORG:Initech\r\nEND:VCARD\r\n";
    import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        initech.as_bytes(),
        1 << 16,
    );
    let made = org(&db, "Initech");
    assert_eq!(made.domain, None);
    block_on(db.upsert_organization(
        OrganizationInput {
            id: Some(made.id.to_string()),
            name: Some("Initech".into()),
            metadata: Some(
                serde_json::json!({"tier": "gold", "contact": {"phones": ["+1 555 0100"]}}),
            ),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Initech\r\nTEL:+1 555 0199\r\n\
                EMAIL:sales@initech.example\r\nADR:;;1 Main St;Austin;TX;;US\r\nEND:VCARD\r\n";
    for round in 0..2 {
        let r = import_with(
            &mut db,
            ImportKind::Contacts,
            options("vcard"),
            card.as_bytes(),
            5,
        );
        assert_eq!((r.organizations, r.unchanged), (1 - round, round), "{r:?}");
    }
    let updated = org(&db, "Initech");
    assert_eq!(updated.id, made.id);
    assert_eq!(updated.domain.as_deref(), Some("initech.example"));
    assert_eq!(updated.metadata.0["tier"], "gold");
    let contact = &updated.metadata.0["contact"];
    assert_eq!(
        contact["phones"],
        serde_json::json!(["+1 555 0100", "+1 555 0199"])
    );
    assert_eq!(
        contact["emails"],
        serde_json::json!(["sales@initech.example"])
    );
    assert_eq!(
        contact["addresses"].as_array().map(Vec::len),
        Some(1),
        "{contact}"
    );
}

#[test]
fn contacts_imported_after_meetings_rescore_the_pairs_they_now_name() {
    let mut db = open();
    let r = interactions(&mut db, "ics", "sample.ics");
    assert_eq!(r.strengths_updated, 0, "no people yet");
    let r = contacts(&mut db, "vcard", "sample.vcf");
    assert!(r.strengths_updated > 0, "{r:?}");
    assert!(db.stats().edges > 0);
}

/// A note longer than the 8,000 characters kept is cut, and the cut is
/// reported (it was silent).
#[test]
fn a_note_cut_to_its_first_8000_characters_is_reported() {
    let mut db = open();
    let vcf = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Note\r\nNOTE:{}\r\nEND:VCARD\r\n",
        "n".repeat(9_000)
    );
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        vcf.as_bytes(),
        1 << 16,
    );
    assert_eq!(r.people, 1);
    assert_eq!(
        error_lines(&r),
        [(1, "TOO_LARGE".to_string())],
        "{:?}",
        r.errors
    );
    assert!(r.errors[0].reason.contains("(of 9000)"), "{:?}", r.errors);
    let note = person_named(&db, "Ann Note").metadata.0["note"]
        .as_str()
        .unwrap();
    assert_eq!(note.chars().count(), 8_000);
}

/// An import rescores its pairs with the options of the last recompute:
/// they end as a full recompute with those options scores them, not as
/// the defaults would.
#[test]
fn an_import_rescores_with_the_last_recomputes_options() {
    let mut db = open();
    contacts(&mut db, "vcard", "sample.vcf");
    let chosen = wig_graph::store::RecomputeOptions {
        half_life_days: Some(JsNumber(3.0)),
        embeddedness_weight: Some(JsNumber(0.0)),
        ..Default::default()
    };
    let first = block_on(db.recompute_strengths(&import_ctx(), &chosen)).unwrap();
    assert_eq!(
        (first.half_life_days, first.embeddedness_weight),
        (Some(3.0), 0.0)
    );
    let meetings = interactions(&mut db, "ics", "sample.ics");
    assert!(meetings.strengths_updated >= 8, "{meetings:?}");
    let last = db
        .state()
        .audit
        .values()
        .rev()
        .find(|a| a.action == "recompute_strengths")
        .unwrap();
    assert_eq!(last.metadata.0["only"], "touched");
    assert_eq!(last.metadata.0["halfLifeDays"], 3.0);
    assert_eq!(last.metadata.0["embeddednessWeight"], 0.0);
    let again = block_on(db.recompute_strengths(&import_ctx(), &chosen)).unwrap();
    assert_eq!(
        (again.edges_updated, again.edges_created),
        (0, 0),
        "the import scored as these options do: {again:?}"
    );
    let defaults = block_on(db.recompute_strengths(&import_ctx(), &Default::default())).unwrap();
    assert!(
        defaults.edges_updated > 0,
        "the defaults score otherwise, so the check above can fail: {defaults:?}"
    );
}

#[test]
fn mbox_headers_only_with_direction_for_the_owner() {
    let mut db = open();
    let mut opts = options("mbox");
    opts.owner_emails = vec!["Margaret@Apollo.example".into()];
    let r = import_with(
        &mut db,
        ImportKind::Interactions,
        opts,
        &fixture("mail.mbox"),
        13,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.interactions, r.skipped), (2, 1));
    let first = db
        .state()
        .interactions
        .values()
        .find(|i| i.source_id == "CAF=abc123@mail.apollo.example")
        .unwrap();
    assert_eq!(first.channel, Channel::Email);
    assert_eq!(first.sender.as_deref(), Some("margaret@apollo.example"));
    assert_eq!(first.direction, Some(Direction::OneWay));
    assert_eq!(first.metadata.0["ownerDirection"], "outgoing");
    assert_eq!(
        first.timestamp,
        Timestamp::parse("2025-06-10T13:15:00Z").unwrap()
    );
    assert_eq!(
        first.participants,
        vec![
            "margaret@apollo.example",
            "grace@navy.example",
            "zoe@nordlys.example",
            "alan@bletchley.example"
        ]
    );
    let everything =
        serde_json::to_string(&db.state().interactions.values().collect::<Vec<_>>()).unwrap();
    assert!(
        !everything.contains("private") && !everything.contains("Rope"),
        "no body or subject stored"
    );
}

#[test]
fn the_demo_sample_shows_duplicates_strengths_and_an_intro_path() {
    let mut db = open();
    let people = contacts(&mut db, "vcard", "sample.vcf");
    assert_eq!(people.people, 10);
    assert!(
        people.duplicate_suggestions >= 2,
        "Robert/Bob Chen and Sofía/Sofia García: {people:?}"
    );
    let meetings = interactions(&mut db, "ics", "sample.ics");
    assert_eq!(meetings.interactions, 12);
    assert!(meetings.strengths_updated >= 8, "{meetings:?}");
    let alex = person_named(&db, "Alex Rivera").id;
    let dana = person_named(&db, "Dana Whitfield").id;
    let paths = db
        .intro_paths(alex, dana, &wig_graph::store::QueryOptions::default())
        .unwrap();
    assert!(!paths.is_empty(), "a path from Alex to Dana");
}

#[test]
fn batches_are_transactions_and_chunking_does_not_matter() {
    let bytes = fixture("contacts.vcf");
    let mut a = open();
    let mut opts = options("vcard");
    opts.batch_size = Some(JsNumber(2.0));
    let r = import_with(&mut a, ImportKind::Contacts, opts, &bytes, 1);
    assert_eq!(r.batches, 3);
    let imports = a
        .audit(100, None)
        .into_iter()
        .filter(|e| e.action == "import")
        .count();
    assert_eq!(imports, 3, "one audit entry per batch");
    let mut b = open();
    import_with(
        &mut b,
        ImportKind::Contacts,
        options("vcard"),
        &bytes,
        1 << 20,
    );
    let ids = |db: &Db<MemoryBackend>| {
        let mut v: Vec<(Uuid, Vec<String>)> = db
            .state()
            .people
            .values()
            .map(|p| (p.id, p.names.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&a), ids(&b));
}

/// Parses a 5 MB generated vCard stream and checks that what the parser
/// holds between chunks stays bounded by the longest entry, not the file
/// (the 50 MB run with memory figures is `examples/import_large.rs`).
#[test]
fn parser_memory_stays_bounded_on_a_large_stream() {
    let card = |i: usize| {
        format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nN:{i};Person;;;\r\nEMAIL:p{i}@example.org\r\nTEL:+1 555 {:04}\r\nORG:Company {}\r\nUID:gen-{i}\r\nEND:VCARD\r\n",
            i % 10_000,
            i % 500
        )
    };
    let mut session =
        ImportSession::new(ImportKind::Contacts, options("vcard"), ctx().now).unwrap();
    let mut fed = 0usize;
    let mut max_buffered = 0usize;
    let mut i = 0;
    let mut taken = 0;
    while fed < 5 << 20 {
        let mut chunk = String::new();
        while chunk.len() < 64 * 1024 {
            chunk.push_str(&card(i));
            i += 1;
        }
        // Split mid-line to exercise partial lines.
        let (x, y) = chunk.as_bytes().split_at(chunk.len() / 3);
        for part in [x, y] {
            session.feed(part).unwrap();
            max_buffered = max_buffered.max(session.parser_buffered_bytes());
        }
        fed += chunk.len();
        while let Some(batch) = session.take_batch() {
            taken += batch.len();
        }
        assert!(
            session.pending() < 2_000 + 1_000,
            "pending records stay below a batch + a chunk"
        );
    }
    session.end().unwrap();
    while let Some(batch) = session.take_batch() {
        taken += batch.len();
    }
    assert_eq!(taken, i);
    assert!(session.report().errors.is_empty());
    assert!(
        max_buffered < 256 * 1024,
        "parser held {max_buffered} bytes"
    );
}

/// A file saved as UTF-16 ("Unicode" on Windows), with a byte order mark or
/// without one, imports exactly as its UTF-8 copy, however it is chunked.
#[test]
fn utf16_files_import_as_their_utf8_copies() {
    let encode = |bytes: &[u8], big: bool, bom: bool| -> Vec<u8> {
        let text = std::str::from_utf8(bytes).unwrap();
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        units
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let people = |db: &Db<MemoryBackend>| {
        let mut v: Vec<String> = db
            .state()
            .people
            .values()
            .map(|p| format!("{:?} {:?} {:?} {:?}", p.names, p.emails, p.phones, p.title))
            .collect();
        v.sort();
        v
    };
    let meetings = |db: &Db<MemoryBackend>| {
        let mut v: Vec<String> = db
            .state()
            .interactions
            .values()
            .map(|i| {
                format!(
                    "{} {:?} {:?}",
                    i.timestamp.millis(),
                    i.participants,
                    i.metadata
                )
            })
            .collect();
        v.sort();
        v
    };
    for (kind, format, file) in [
        (ImportKind::Contacts, "vcard", "contacts.vcf"),
        (ImportKind::Contacts, "google-csv", "google.csv"),
        (ImportKind::Contacts, "linkedin-csv", "linkedin.csv"),
        (ImportKind::Interactions, "ics", "meetings.ics"),
        (ImportKind::Interactions, "mbox", "mail.mbox"),
    ] {
        let utf8 = fixture(file);
        let mut want = open();
        let report = import_with(&mut want, kind, options(format), &utf8, 1 << 16);
        assert!(report.records > 0, "{file}");
        for (big, bom, chunk) in [(false, true, 3), (true, false, 7), (false, false, 1 << 16)] {
            let mut got = open();
            let bytes = encode(&utf8, big, bom);
            let r = import_with(&mut got, kind, options(format), &bytes, chunk);
            let case = format!("{file} big-endian {big} mark {bom} chunk {chunk}");
            assert_eq!(r.records, report.records, "{case}");
            assert_eq!(error_lines(&r), error_lines(&report), "{case}");
            assert_eq!(people(&got), people(&want), "{case}");
            assert_eq!(meetings(&got), meetings(&want), "{case}");
        }
    }
}

/// Notes in a file (vCard NOTE, Google's "Notes", a mapped `note` column)
/// become the person's `metadata.note`; a note already there stays.
#[test]
fn notes_are_kept_and_a_note_in_the_graph_is_not_overwritten() {
    let mut db = open();
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.org\r\n\
               NOTE:Met at the Analytical Society\\, 1833.\\nLikes poetry.\r\nEND:VCARD\r\n";
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        vcf.as_bytes(),
        3,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let ada = person_named(&db, "Ada Lovelace").clone();
    assert_eq!(
        ada.metadata.0["note"],
        "Met at the Analytical Society, 1833.\nLikes poetry."
    );
    let again = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        vcf.as_bytes(),
        1 << 16,
    );
    assert_eq!((again.people, again.unchanged), (0, 1), "{again:?}");
    // Edited in the graph (other keys too): a reimport keeps the edit.
    block_on(db.upsert_person(
        PersonInput {
            id: Some(ada.id.to_string()),
            names: ada.names.clone(),
            emails: ada.emails.clone(),
            metadata: Some(serde_json::json!({"note": "Countess.", "met": 1833})),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        vcf.as_bytes(),
        1 << 16,
    );
    let ada = person_named(&db, "Ada Lovelace");
    assert_eq!(
        ada.metadata.0,
        serde_json::json!({"note": "Countess.", "met": 1833})
    );
    // Google's Notes column, and a mapped one.
    let google =
        "Name,E-mail 1 - Value,Notes\r\nGrace Hopper,grace@example.org,\"Navy.\r\nCOBOL.\0\"\r\n";
    import_with(
        &mut db,
        ImportKind::Contacts,
        options("google-csv"),
        google.as_bytes(),
        1 << 16,
    );
    assert_eq!(
        person_named(&db, "Grace Hopper").metadata.0["note"],
        "Navy.\nCOBOL."
    );
    let mut mapped = options("csv");
    mapped.mapping = [("Who", "name"), ("Remarks", "note")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let csv = "Who,Remarks\r\nAlan Turing,Bletchley\r\n";
    import_with(
        &mut db,
        ImportKind::Contacts,
        mapped,
        csv.as_bytes(),
        1 << 16,
    );
    assert_eq!(
        person_named(&db, "Alan Turing").metadata.0["note"],
        "Bletchley"
    );
}

/// An organization's card after the organization was merged goes to the
/// survivor; after it was deleted it is skipped (as a deleted person's
/// card is); what the user keeps under `metadata.contact` that is no object
/// is left alone, and invalid emails are left out.
#[test]
fn organization_cards_follow_merges_and_deletions() {
    let mut db = open();
    let card = |name: &str, email: &str| {
        format!(
            "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:{name}\r\nEMAIL:{email}\r\nEND:VCARD\r\n"
        )
    };
    let org = organization_named;
    let both = format!(
        "{}{}",
        card("Globex", "info@globex.example"),
        card("Hooli", "hi@hooli.example")
    );
    import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        both.as_bytes(),
        1 << 16,
    );
    let (globex, hooli) = (org(&db, "Globex"), org(&db, "Hooli"));
    let survivor = block_on(db.upsert_organization(
        OrganizationInput {
            name: Some("Globex Corporation".into()),
            metadata: Some(serde_json::json!({"contact": "ask Hank"})),
            ..Default::default()
        },
        &ctx(),
    ))
    .unwrap();
    block_on(db.merge_organizations(survivor.id, &[globex.id], serde_json::Value::Null, &ctx()))
        .unwrap();
    block_on(db.delete(EntityKind::Organization, hooli.id, &ctx())).unwrap();
    let count = db.state().organizations.len();
    let again = format!(
        "{}{}",
        card("Globex", "sales@globex.example"),
        card("Hooli", "hi@hooli.example")
    );
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        again.as_bytes(),
        1 << 16,
    );
    assert_eq!(
        db.state().organizations.len(),
        count,
        "no organization made again: {r:?}"
    );
    assert_eq!(r.skipped, 1, "the deleted one: {r:?}");
    let kept = db.state().organizations.get(survivor.id).unwrap();
    assert_eq!(kept.metadata.0["contact"], "ask Hank", "left alone");
    // A person's card naming the deleted organization does not make it again.
    let zed = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zed Q\r\nORG:Hooli\r\nEND:VCARD\r\n";
    import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        zed.as_bytes(),
        1 << 16,
    );
    assert_eq!(db.state().organizations.len(), count);
    assert_eq!(person_named(&db, "Zed Q").organization_id, None);
    // Invalid emails are left out of the details, valid ones normalised once.
    let initech = "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Initrode\r\nEMAIL:not-an-email\r\n\
                   EMAIL:Info@Initrode.example\r\nEMAIL:info@initrode.example\r\nEND:VCARD\r\n";
    let r = import_with(
        &mut db,
        ImportKind::Contacts,
        options("vcard"),
        initech.as_bytes(),
        1 << 16,
    );
    assert_eq!(error_lines(&r), [(1, "INVALID_EMAIL".to_string())], "{r:?}");
    let emails = &org(&db, "Initrode").metadata.0["contact"]["emails"];
    assert_eq!(emails.as_array().map(Vec::len), Some(1), "{emails}");
}

/// A company's contact written as a person's (FN the organization's name,
/// no N; or no name and only role addresses) makes the organization, its
/// email and phone in its contact details, and no person.
#[test]
fn company_contacts_written_as_people_make_organizations() {
    let mut db = open();
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Umbrella Corp\r\nORG:Umbrella Corp\r\n\
               EMAIL:info@umbrella.example\r\nTEL:+1 202 555 0143\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Cyberdyne\r\nEMAIL:sales@cyberdyne.example\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Cyberdyne\r\nEMAIL:miles.dyson@cyberdyne.example\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sarah Connor\r\nORG:Cyberdyne\r\nEND:VCARD\r\n";
    let r = vcard_text(&mut db, vcf);
    assert_eq!((r.people, r.organizations), (2, 2), "{r:?}");
    let umbrella = organization_named(&db, "Umbrella Corp");
    assert_eq!(umbrella.domain.as_deref(), Some("umbrella.example"));
    assert_eq!(
        umbrella.metadata.0["contact"]["emails"],
        serde_json::json!(["info@umbrella.example"])
    );
    assert_eq!(
        umbrella.metadata.0["contact"]["phones"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert!(db
        .state()
        .people
        .values()
        .all(|p| !p.names.iter().any(|n| n == "Umbrella Corp")));
    // A person's address with no name stays a person (of Cyberdyne).
    let cyberdyne = organization_named(&db, "Cyberdyne");
    let miles = db
        .state()
        .people
        .values()
        .find(|p| p.emails.iter().any(|e| e.starts_with("miles")))
        .unwrap();
    assert_eq!(miles.organization_id, Some(cyberdyne.id));
}

/// A number written two ways (as the same phone book exports it after an
/// edit, or two sources do) is added once; an extension or another number
/// is another phone.
#[test]
fn a_phone_written_another_way_is_added_once() {
    let mut db = open();
    vcard_text(
        &mut db,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p1\r\nFN:Ada Lovelace\r\nTEL:+1 415 555 0100\r\n\
         TEL:(415) 555-0100\r\nTEL:415.555.0100 ext. 7\r\nTEL:+44 20 7946 0000\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Initech\r\nTEL:+1 (512) 555-0199\r\n\
         TEL:512-555-0199\r\nTEL:tel:+15125550199\r\nEND:VCARD\r\n",
    );
    assert_eq!(
        person_named(&db, "Ada Lovelace").phones,
        vec!["+1 415 555 0100", "415.555.0100 ext. 7", "+44 20 7946 0000"]
    );
    // Written yet another way in a later import: nothing to add.
    let again = vcard_text(
        &mut db,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p1\r\nFN:Ada Lovelace\r\nTEL:001 415 555 0100\r\nEND:VCARD\r\n",
    );
    assert_eq!((again.people, again.unchanged), (0, 1), "{again:?}");
    assert_eq!(
        organization_named(&db, "Initech").metadata.0["contact"]["phones"],
        serde_json::json!(["+1 (512) 555-0199"])
    );
}

/// The report counts each person and organization written once, however
/// many batches wrote it (a batch of one record here: four batches).
#[test]
fn the_report_counts_a_record_written_in_several_batches_once() {
    let mut db = open();
    let mut opts = options("vcard");
    opts.batch_size = Some(JsNumber(1.0));
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p1\r\nFN:Ada Lovelace\r\nORG:Initech\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Initech\r\nTEL:+1 512 555 0199\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Initech\r\nEMAIL:sales@initech.example\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p1\r\nFN:Ada Lovelace\r\nEMAIL:ada@initech.example\r\nEND:VCARD\r\n";
    let r = import_with(&mut db, ImportKind::Contacts, opts, vcf.as_bytes(), 1 << 16);
    assert_eq!(r.batches, 4, "{r:?}");
    assert_eq!((r.people, r.organizations), (1, 1), "{r:?}");
    assert_eq!(db.state().organizations.len(), 1);
    let contact = &organization_named(&db, "Initech").metadata.0["contact"];
    assert_eq!(
        contact["emails"],
        serde_json::json!(["sales@initech.example"])
    );
    assert_eq!(
        person_named(&db, "Ada Lovelace").emails,
        vec!["ada@initech.example"]
    );
}
