//! Fuzzing every parser with proptest (runs in `cargo test`): arbitrary
//! bytes and mutations of valid files never panic, always finish, and give
//! the same entries however the input is cut into chunks.

use proptest::prelude::*;

use super::{parse_all, Format, Parsed, ParserOptions};

const VCARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë \r\n Ångström\r\nN:Ångström;Zoë;;;\r\nEMAIL:zoe@example.se\r\nTEL:+46 8 123 456\r\nORG:Acme AB\r\nUID:1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\nBDAY:19800101\r\nEND:VCARD\r\n";
const GOOGLE: &str = "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Organization Name\r\nAda,Lovelace,ada@x.org ::: a@y.org,+1 555 0100,\"Acme, Inc.\"\r\n\"Bo\"\"b\",Smith,bob@x.org,,\r\n";
const LINKEDIN: &str = "Notes:\n\"When exporting, some emails are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nAda,Lovelace,https://www.linkedin.com/in/ada,,Acme,CTO,01 Jan 2024\n";
const ICS: &str = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Z\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;TZID=Z:20250101T100000\r\nDURATION:PT30M\r\nORGANIZER;CN=A:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:2\r\nDTSTART;TZID=Z:20250106T090000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20\r\nEXDATE;TZID=Z:20250109T090000\r\nRDATE:20250301T090000Z\r\nATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:2\r\nRECURRENCE-ID;TZID=Z:20250113T090000\r\nDTSTART;TZID=Z:20250114T090000\r\nATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const MBOX: &str = "From a Mon Jan  1 00:00:00 2024\nFrom: =?UTF-8?B?w4lsaWU=?= <a@x.org>\nTo: b@x.org,\n c@x.org\nDate: Mon, 1 Jan 2024 10:00:00 +0100\nMessage-ID: <1@x>\n\nbody\n\nFrom b Mon Jan  1 00:00:00 2024\nFrom: b@x.org\nTo: a@x.org\nDate: 1 Jan 2024 11:00 GMT\n\n";

fn sample(format: Format) -> (&'static str, ParserOptions) {
    let mut opts = ParserOptions::default();
    let text = match format {
        Format::VCard => VCARD,
        Format::GoogleCsv => GOOGLE,
        Format::LinkedInCsv => LINKEDIN,
        Format::Csv => {
            opts.mapping = [
                ("First Name".to_string(), "givenName".to_string()),
                ("E-mail 1 - Value".to_string(), "email".to_string()),
            ]
            .into();
            GOOGLE
        }
        Format::Ics => ICS,
        Format::Mbox => {
            opts.owner_emails = vec!["a@x.org".into()];
            MBOX
        }
    };
    (text, opts)
}

const ALL: [Format; 6] = [
    Format::VCard,
    Format::GoogleCsv,
    Format::LinkedInCsv,
    Format::Csv,
    Format::Ics,
    Format::Mbox,
];

/// Parses whole and in `chunk`-byte pieces: both must agree (or both fail).
fn check(format: Format, opts: &ParserOptions, bytes: &[u8], chunk: usize) {
    let whole = parse_all(format, opts, bytes, bytes.len().max(1));
    let pieces = parse_all(format, opts, bytes, chunk);
    match (whole, pieces) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{format:?}: chunking changed the result");
            for p in &a {
                if let Parsed::Contact(c) = p {
                    // A person has a name, email or phone; an organization's
                    // card or company-only row, its name.
                    if c.is_organization {
                        assert!(c.organization.is_some() || !c.names.is_empty(), "{c:?}");
                    } else {
                        assert!(!c.is_empty(), "{c:?}");
                    }
                    assert!(!c.record_id.is_empty());
                }
                if let Parsed::Interaction(i) = p {
                    assert!(i.participants.len() >= 2);
                }
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.code, b.code),
        (a, b) => panic!("{format:?}: whole {a:?} vs chunked {b:?}"),
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop::sample::select(vec![
        b"\r\n".to_vec(),
        b"\n ".to_vec(),
        b":".to_vec(),
        b";".to_vec(),
        b"\"".to_vec(),
        b",".to_vec(),
        b"=".to_vec(),
        b"=?".to_vec(),
        b"BEGIN:VEVENT\n".to_vec(),
        b"END:VCARD\n".to_vec(),
        b"\nFrom x\n".to_vec(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xff\xfe".to_vec(),
        b"=?UTF-8?B?".to_vec(),
    ]);
    prop_oneof![
        (
            any::<usize>(),
            prop_oneof![special, prop::collection::vec(any::<u8>(), 1..8)]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..20).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match m {
        Mutation::Insert(i, b) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            if at < end {
                bytes.drain(at..end);
            }
        }
        Mutation::Replace(i, b) => {
            if !bytes.is_empty() {
                let at = i % bytes.len();
                bytes[at] = *b;
            }
        }
        Mutation::Duplicate(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            if at < end {
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
}

proptest! {
    // 64 cases in CI; PROPTEST_CASES=5000 for a longer fuzzing run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64, f in 0usize..6) {
        let format = ALL[f];
        let (_, opts) = sample(format);
        check(format, &opts, &bytes, chunk);
    }

    #[test]
    fn mutated_files_never_panic(mutations in prop::collection::vec(mutation(), 1..12), chunk in 1usize..97, f in 0usize..6) {
        let format = ALL[f];
        let (text, opts) = sample(format);
        let mut bytes = text.as_bytes().to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(format, &opts, &bytes, chunk);
    }
}

#[test]
fn the_samples_parse_cleanly() {
    for format in ALL {
        let (text, opts) = sample(format);
        let out = parse_all(format, &opts, text.as_bytes(), 7).unwrap();
        let issues: Vec<_> = out
            .iter()
            .filter(|p| matches!(p, Parsed::Issue(_)))
            .collect();
        assert!(issues.is_empty(), "{format:?}: {issues:?}");
        assert!(
            out.iter()
                .any(|p| matches!(p, Parsed::Contact(_) | Parsed::Interaction(_))),
            "{format:?} yields records"
        );
    }
}
