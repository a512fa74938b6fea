//! Organisation names.
//!
//! `normalize_org_name` folds the name (see `fold`), turns `&`/`+` into
//! `and`, joins the dots of initialisms (`S.p.A.` → `spa`, `U.S.A.` →
//! `usa`; a dot after a longer word separates: `Amazon.com` → `amazon
//! com`), drops apostrophes (`McDonald's` → `mcdonalds`) and treats every
//! other punctuation, symbol or emoji as a separator (`Coca-Cola` → `coca
//! cola`). The `core` then drops leading `the` and leading legal forms
//! (`PT`, `OOO`...) and, repeatedly, trailing legal-form designators from
//! `data/legal_suffixes.txt` (~150 entries, English, German, French, Dutch,
//! Italian, Spanish, Portuguese, Nordic, Central/Eastern European, Russian,
//! Japanese, Malaysian/Indonesian forms; chains such as `Pty. Ltd.` or
//! `GmbH & Co. KG` included). It never strips the last remaining token.
//!
//! `weak` additionally drops trailing generic words (holdings, group,
//! international, global, industries, services, solutions, technologies,
//! systems, partners, ...): a second, weaker blocking/matching key.
//!
//! Input is truncated to 1,000 characters before parsing. `folded` and
//! `core` are idempotent: normalising either again yields itself.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::fold::fold;
use super::truncate_chars;

/// Organisation names longer than this are truncated before parsing.
pub const MAX_ORG_CHARS: usize = 1_000;
/// Longest multi-token legal-suffix entry, in tokens.
const MAX_SUFFIX_TOKENS: usize = 6;

static LEGAL_SUFFIXES_TXT: &str = include_str!("data/legal_suffixes.txt");

const GENERIC_WORDS: &[&str] = &[
    "holding",
    "holdings",
    "group",
    "groupe",
    "gruppe",
    "grupo",
    "gruppo",
    "international",
    "intl",
    "global",
    "worldwide",
    "enterprises",
    "industries",
    "services",
    "solutions",
    "technologies",
    "systems",
    "partners",
    "associates",
    "ventures",
];

/// A normalised organisation name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OrgName {
    /// All tokens (legal forms included), single-space separated.
    pub folded: String,
    /// Name without leading `the`, leading and trailing legal forms: the
    /// primary matching key.
    pub core: String,
    /// Tokens of `core`.
    pub tokens: Vec<String>,
    /// `core` without trailing generic words (holdings, group, ...): a
    /// weaker key for blocking.
    pub weak: String,
}

struct SuffixTables {
    trailing: HashSet<&'static str>,
    leading: HashSet<&'static str>,
}

fn suffix_tables() -> &'static SuffixTables {
    static T: OnceLock<SuffixTables> = OnceLock::new();
    T.get_or_init(|| {
        let mut trailing = HashSet::new();
        let mut leading = HashSet::new();
        for line in super::domain::data_lines(LEGAL_SUFFIXES_TXT) {
            match line.strip_prefix('^') {
                Some(l) => leading.insert(l),
                None => trailing.insert(line),
            };
        }
        SuffixTables { trailing, leading }
    })
}

/// Splits a folded string into org tokens (see module docs).
fn tokenize(folded: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    // Characters in `cur` since the last joined dot.
    let mut seg_len = 0usize;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            cur.push(c);
            seg_len += 1;
        } else if c == '.' && seg_len == 1 {
            seg_len = 0; // initialism: keep joining
        } else if matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '`') {
            continue;
        } else {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            seg_len = 0;
            if matches!(c, '&' | '+' | '\u{FF06}') {
                tokens.push("and".to_owned());
            }
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

/// Number of trailing tokens of `t` forming the longest legal suffix, if
/// that leaves at least one token.
fn trailing_suffix_len(t: &[String], set: &HashSet<&'static str>) -> Option<usize> {
    let max = MAX_SUFFIX_TOKENS.min(t.len().saturating_sub(1));
    let mut buf = String::new();
    (1..=max).rev().find(|&k| {
        buf.clear();
        for (i, tok) in t[t.len() - k..].iter().enumerate() {
            if i > 0 {
                buf.push(' ');
            }
            buf.push_str(tok);
        }
        set.contains(buf.as_str())
    })
}

/// Strips leading `the`/legal forms and trailing legal forms to a fixpoint.
fn core_range(t: &[String]) -> (usize, usize) {
    let tables = suffix_tables();
    let (mut start, mut end) = (0, t.len());
    loop {
        let mut changed = false;
        while end - start > 1 && (t[start] == "the" || tables.leading.contains(t[start].as_str())) {
            start += 1;
            changed = true;
        }
        if let Some(k) = trailing_suffix_len(&t[start..end], &tables.trailing) {
            end -= k;
            changed = true;
        }
        if !changed {
            return (start, end);
        }
    }
}

/// Normalises an organisation name (see module docs). Total; input over
/// 1,000 characters is truncated first.
pub fn normalize_org_name(input: &str) -> OrgName {
    let capped = truncate_chars(input, MAX_ORG_CHARS);
    let all = tokenize(&fold(capped));
    let folded = all.join(" ");
    let (start, end) = core_range(&all);
    let tokens: Vec<String> = all.get(start..end).unwrap_or_default().to_vec();
    let core = tokens.join(" ");

    let trailing = &suffix_tables().trailing;
    let mut weak_end = tokens.len();
    loop {
        if weak_end > 1 && GENERIC_WORDS.contains(&tokens[weak_end - 1].as_str()) {
            weak_end -= 1;
        } else if let Some(k) = trailing_suffix_len(&tokens[..weak_end], trailing) {
            weak_end -= k;
        } else {
            break;
        }
    }
    let weak = tokens[..weak_end].join(" ");
    OrgName {
        folded,
        core,
        tokens,
        weak,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, core, weak)
    #[test]
    fn table() {
        let cases: &[(&str, &str, &str)] = &[
            ("Acme, Inc.", "acme", "acme"),
            ("ACME INCORPORATED", "acme", "acme"),
            ("The Acme Corporation", "acme", "acme"),
            ("Acme Holdings Pty. Ltd.", "acme holdings", "acme"),
            ("Acme Group Limited", "acme group", "acme"),
            (
                "Acme International Holdings Ltd",
                "acme international holdings",
                "acme",
            ),
            ("Müller GmbH & Co. KG", "muller", "muller"),
            ("Siemens AG", "siemens", "siemens"),
            ("Ferrari S.p.A.", "ferrari", "ferrari"),
            (
                "Société Générale S.A.",
                "societe generale",
                "societe generale",
            ),
            ("ArcelorMittal S.à r.l.", "arcelormittal", "arcelormittal"),
            (
                "Koninklijke Philips N.V.",
                "koninklijke philips",
                "koninklijke philips",
            ),
            ("Volvo AB (publ)", "volvo", "volvo"),
            ("Nokia Oyj", "nokia", "nokia"),
            ("Novo Nordisk A/S", "novo nordisk", "novo nordisk"),
            ("Orlen Sp. z o.o.", "orlen", "orlen"),
            ("Škoda Auto a.s.", "skoda auto", "skoda auto"),
            ("Grupo Bimbo, S.A.B. de C.V.", "grupo bimbo", "grupo bimbo"),
            ("Toyota Motor K.K.", "toyota motor", "toyota motor"),
            ("PT Bank Mandiri Tbk", "bank mandiri", "bank mandiri"),
            ("OOO Gazprom", "gazprom", "gazprom"),
            (
                "Procter&Gamble Co.",
                "procter and gamble",
                "procter and gamble",
            ),
            ("Ernst + Young LLP", "ernst and young", "ernst and young"),
            ("Smith & Co", "smith", "smith"),
            ("McDonald's Corp", "mcdonalds", "mcdonalds"),
            ("Amazon.com, Inc.", "amazon com", "amazon com"),
            ("Coca-Cola Company", "coca cola", "coca cola"),
            (
                "International Business Machines Corp.",
                "international business machines",
                "international business machines",
            ),
            ("The Company", "company", "company"),
            ("Inc.", "inc", "inc"),
            ("Holdings Inc", "holdings", "holdings"),
            ("", "", ""),
            ("  !!!  ", "", ""),
            ("🍎 Apple 🍎 Inc", "apple", "apple"),
            ("\u{202E}Acme\u{200D} Ltd\u{0000}", "acme", "acme"),
            ("株式会社トヨタ", "株式会社トヨタ", "株式会社トヨタ"),
        ];
        for (input, core, weak) in cases {
            let o = normalize_org_name(input);
            assert_eq!(o.core, *core, "core of {input:?}");
            assert_eq!(o.weak, *weak, "weak of {input:?}");
            assert_eq!(o.tokens.join(" "), o.core, "tokens of {input:?}");
        }
    }

    #[test]
    fn folded_keeps_everything() {
        let o = normalize_org_name("The Acme Holdings Pty. Ltd.");
        assert_eq!(o.folded, "the acme holdings pty ltd");
        assert_eq!(o.tokens, vec!["acme", "holdings"]);
    }

    #[test]
    fn hostile() {
        let o = normalize_org_name(&"ltd ".repeat(10_000));
        assert_eq!(o.core, "ltd");
        let o = normalize_org_name(&"\u{0301}".repeat(500_000));
        assert_eq!(o, OrgName::default());
        let o = normalize_org_name(&"a.".repeat(10_000));
        assert!(o.folded.len() <= MAX_ORG_CHARS);
    }
}
