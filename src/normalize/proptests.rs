//! Property tests: every public function on arbitrary input — no panic,
//! bounded output, idempotence where it is part of the contract.

use proptest::prelude::*;

use super::*;

/// Characters that tend to break normalisers.
const NASTY: &[char] = &[
    'a',
    'B',
    'z',
    'İ',
    'ß',
    'ẞ',
    'ø',
    'Æ',
    'ﬁ',
    'Ω',
    'ς',
    'Σ',
    'é',
    '\u{0301}',
    '\u{0308}',
    '\u{200D}',
    '\u{200B}',
    '\u{FEFF}',
    '\u{202E}',
    '\u{0000}',
    '\u{0007}',
    '\n',
    '\t',
    ' ',
    '\u{00A0}',
    '\u{3000}',
    '.',
    ',',
    ';',
    '@',
    '+',
    '-',
    '\'',
    '"',
    '(',
    ')',
    '&',
    '/',
    ':',
    '#',
    'x',
    '0',
    '1',
    '7',
    '9',
    '＋',
    '１',
    '٣',
    '👍',
    '🏽',
    'ש',
    'م',
    '毛',
    '\u{FDFA}',
    '\u{10FFFF}',
    '\u{FFFF}',
    'ǅ',
    'ŉ',
];

fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(NASTY), 0..60).prop_map(|v| v.into_iter().collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), nasty_string(), "[a-zA-Z .,'&-]{0,40}",]
}

fn email_like() -> impl Strategy<Value = String> {
    (
        "[a-zA-Z0-9._+İß-]{0,20}",
        prop::sample::select(vec![
            "gmail.com",
            "GoogleMail.com",
            "outlook.com",
            "yahoo.co.uk",
            "acme.com",
            "Bücher.de",
            "x.y.z.co.jp",
            "a",
            "-a.com",
        ]),
        "[ .]{0,2}",
    )
        .prop_map(|(l, d, t)| format!("{l}@{d}{t}"))
}

fn phone_like() -> impl Strategy<Value = String> {
    "[+]?[0-9 ().-]{0,24}( ?(x|ext.?) ?[0-9]{1,4})?"
}

const REGIONS: &[&str] = &[
    "", "US", "ca", "GB", "UK", "DE", "FR", "IT", "BR", "MX", "RU", "JP", "AU", "IL", "SG", "HU",
    "+44", "1", "ZZ", "001", "\u{0000}",
];

/// Generous bound for folded output: NFKD expands one char to at most 18.
fn fold_bound(input_chars: usize) -> usize {
    18 * input_chars
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn fold_total_idempotent_bounded(s in any_text()) {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        prop_assert!(f.chars().count() <= fold_bound(s.chars().count()));
        prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
        prop_assert!(!f.chars().any(char::is_control));
    }

    #[test]
    fn email_total_and_canonical_idempotent(s in prop_oneof![any_text(), email_like()]) {
        let _ = is_valid_email(&s);
        let _ = is_free_mail_domain(&s);
        if let Ok(e) = normalize_email(&s) {
            prop_assert!(e.canonical.len() <= 254);
            prop_assert!(is_valid_email(&e.canonical));
            prop_assert!(is_valid_email(&e.address));
            let again = normalize_email(&e.canonical).expect("canonical re-normalises");
            prop_assert_eq!(&again.canonical, &e.canonical);
            let again = normalize_email(&e.address).expect("address re-normalises");
            prop_assert_eq!(again, e);
        }
    }

    #[test]
    fn phone_total_and_idempotent(
        s in prop_oneof![any_text(), phone_like()],
        region in prop::sample::select(REGIONS),
    ) {
        if let Ok(p) = normalize_phone(&s, region) {
            prop_assert!(p.starts_with('+'));
            prop_assert!(p[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(p.len() <= 16);
            prop_assert_eq!(normalize_phone(&p, ""), Ok(p.clone()));
            prop_assert_eq!(normalize_phone(&p, region), Ok(p.clone()));
        }
    }

    #[test]
    fn person_name_total_bounded(a in any_text(), b in any_text()) {
        let pa = parse_person_name(&a);
        let pb = parse_person_name(&b);
        let cap = person_name::MAX_NAME_CHARS;
        prop_assert!(pa.folded_full.chars().count() <= fold_bound(cap));
        prop_assert!(pa.tokens.iter().all(|t| !t.is_empty() && !t.contains(' ')));
        prop_assert!(pa.initials.chars().count() <= pa.middle.len() + usize::from(pa.given.is_some()));
        // Parsing the comparison string keeps the same words.
        let again = parse_person_name(&pa.folded_full);
        prop_assert!(again.tokens.iter().all(|t| pa.tokens.contains(t)));
        prop_assert_eq!(names_compatible(&a, &b), names_compatible(&b, &a));
        prop_assert_eq!(names_compatible(&a, &a) == NameRelation::Exact, !given_name_keys(&a).is_empty());
        prop_assert_eq!(swapped(&pa, &pb), swapped(&pb, &pa));
        prop_assert!(!swapped(&pa, &pa));
        prop_assert!(given_name_keys(&a).len() <= 64);
    }

    #[test]
    fn org_name_total_idempotent(s in any_text()) {
        let o = normalize_org_name(&s);
        prop_assert!(o.folded.chars().count() <= fold_bound(org_name::MAX_ORG_CHARS));
        prop_assert_eq!(&normalize_org_name(&o.folded).folded, &o.folded);
        prop_assert_eq!(&normalize_org_name(&o.core).core, &o.core);
        prop_assert!(o.core.len() <= o.folded.len());
        prop_assert!(o.weak.len() <= o.core.len());
        prop_assert!(o.folded.contains(o.core.as_str()));
    }

    #[test]
    fn domain_total_idempotent(s in prop_oneof![any_text(), email_like(), "(https?://)?(www\\.)?[a-zA-Z0-9.-]{0,30}(:[0-9]{1,5})?(/[a-z]*)?"]) {
        if let Some(d) = normalize_domain(&s) {
            prop_assert!(d.len() <= 253);
            prop_assert_eq!(normalize_domain(&d), Some(d.clone()));
        }
        if let Some(r) = registrable_domain(&s) {
            prop_assert_eq!(registrable_domain(&r), Some(r.clone()));
        }
        if let Some(o) = org_domain_from_email(&s) {
            prop_assert!(o.len() <= 253);
        }
    }

    #[test]
    fn phonetic_total_bounded(s in any_text()) {
        let k = phonetic_key(&s);
        let (p, a) = phonetic_keys(&s);
        prop_assert_eq!(&k, &p);
        prop_assert!(k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
        // <= 4 chars per code plus a space, per word of >= 1 input char.
        prop_assert!(k.len() <= 5 * fold_bound(s.chars().count()));
        prop_assert!(a.len() <= 5 * fold_bound(s.chars().count()));
    }
}

#[test]
fn hostile_inputs_every_function() {
    let inputs: Vec<String> = vec![
        String::new(),
        "a".repeat(10_000),
        "\u{0301}".repeat(500_000),
        "👩‍👩‍👧‍👦".repeat(2_000),
        "\u{202E}\u{200F}שלום\u{200D}".repeat(1_000),
        "\u{0000}".repeat(10_000),
        "@".repeat(10_000),
        "+".repeat(10_000),
        "a.".repeat(5_000),
        "\u{FDFA}".repeat(5_000),
        "Mr ".repeat(5_000),
        "Ltd ".repeat(5_000),
        "(\"[".repeat(3_000),
    ];
    for s in &inputs {
        let f = fold(s);
        assert!(f.chars().count() <= fold_bound(s.chars().count()));
        let _ = normalize_email(s);
        let _ = is_valid_email(s);
        let _ = is_free_mail_domain(s);
        let _ = normalize_phone(s, "US");
        let p = parse_person_name(s);
        assert!(p.folded_full.chars().count() <= fold_bound(person_name::MAX_NAME_CHARS));
        let _ = given_name_keys(s);
        let _ = names_compatible(s, s);
        let _ = swapped(&p, &p);
        let o = normalize_org_name(s);
        assert!(o.folded.chars().count() <= fold_bound(org_name::MAX_ORG_CHARS));
        let _ = normalize_domain(s);
        let _ = registrable_domain(s);
        let _ = org_domain_from_email(s);
        let _ = phonetic_keys(s);
    }
}
