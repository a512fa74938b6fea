//! Person names: parsing into parts, nickname table, given-name comparison.
//!
//! Parsing (`parse_person_name`):
//! - input is truncated to 1,000 characters (at a char boundary) before any
//!   work, so cost is bounded for hostile input;
//! - bracketed or quoted parts (`Robert "Bob" Smith`, `Ann (Nan) Lee`) are
//!   dropped; everything is folded (see `fold`);
//! - `Last, First Middle` comma form is recognised; comma-separated trailing
//!   segments made only of suffixes (`Smith, John, Jr.`) are suffixes;
//! - leading honorifics (`Prof. Dr.`, `Mrs`, `Sir`...) and trailing
//!   suffixes (`Jr`, `III`, `PhD`, `Esq`...) are removed into their own
//!   fields, never leaving the name empty;
//! - particles (van, von, de, da, di, del, della, der, den, du, dos, la, le,
//!   ter, ten, bin, binti, ibn, al, el, abu, st, ...) are kept with the family
//!   name (`Ludwig van Beethoven` → family `van beethoven`), `y` joins Spanish
//!   double surnames (`Ortega y Gasset`);
//! - periods split initials (`J.R.R.` → `j r r`), apostrophes are removed
//!   (`O'Brien` → `obrien`), hyphens are kept inside a part
//!   (`garcia-lopez`) but split in `tokens`.
//!
//! Known weak spots: surname-first order without a comma (`SMITH John`,
//! East-Asian order) is read as given-first; Spanish/Portuguese double
//! surnames without `y` get the first surname as a middle name; honorific
//! lists are English/European.
//!
//! Nicknames: `data/nicknames.txt` is generated from the PyPI package
//! `nicknames` (see `data/gen_nicknames.py`): ~1,150 canonical names and
//! ~1,400 nicknames, many-to-many (`al` → alan, albert, alfred, alexander...).
//! Which full name a nickname most likely stands for is ranked by
//! `data/given_name_frequency.txt`, the 1990 US Census first-name shares
//! (see `data/gen_given_name_frequency.py`). A few links of the data are
//! left out ([`NOT_NICKNAMES`]): two given names of today that it ties by
//! an old or rare usage (Peter for Patrick), which would make Peter Smith
//! read as Patrick Smith.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::fold::fold;
use super::truncate_chars;

/// Names longer than this many characters are truncated before parsing.
pub const MAX_NAME_CHARS: usize = 1_000;

static NICKNAMES_TXT: &str = include_str!("data/nicknames.txt");
static GIVEN_NAME_FREQUENCY_TXT: &str = include_str!("data/given_name_frequency.txt");

const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "mister",
    "master",
    "dr",
    "doctor",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "revd",
    "reverend",
    "fr",
    "father",
    "pastor",
    "rabbi",
    "imam",
    "sheikh",
    "shaikh",
    "hon",
    "honorable",
    "honourable",
    "judge",
    "justice",
    "capt",
    "captain",
    "col",
    "colonel",
    "gen",
    "lt",
    "maj",
    "major",
    "sgt",
    "cmdr",
    "adm",
    "herr",
    "frau",
    "fraulein",
    "mme",
    "madame",
    "mlle",
    "mademoiselle",
    "monsieur",
    "sr",
    "sra",
    "srta",
    "senor",
    "senora",
    "senorita",
    "don",
    "dona",
    "dott",
    "dottssa",
    "ing",
    "dipl",
    "mag",
    "mgr",
    "dkfm",
];

const SUFFIXES: &[&str] = &[
    "jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv", "2nd", "3rd", "4th", "phd",
    "md", "dds", "dmd", "esq", "esquire", "cpa", "mba", "jd", "llm", "rn", "dvm", "obe", "mbe",
    "cbe", "kbe", "dbe", "frs", "qc", "kc", "mp", "msc", "bsc", "mphil", "dphil", "edd", "psyd",
    "facs", "ret",
];

const PARTICLES: &[&str] = &[
    "van", "von", "vom", "zu", "de", "da", "di", "del", "della", "degli", "dei", "der", "den",
    "des", "du", "dos", "das", "do", "la", "le", "lo", "las", "los", "ter", "ten", "te", "vanden",
    "vander", "bin", "binti", "bint", "ibn", "al", "el", "abu", "ap", "af", "av", "st", "saint",
    "sainte", "y",
];

fn is_honorific(t: &str) -> bool {
    HONORIFICS.contains(&t)
}
fn is_suffix(t: &str) -> bool {
    SUFFIXES.contains(&t)
}
fn is_particle(t: &str) -> bool {
    PARTICLES.contains(&t)
}

/// A parsed person name. All strings are folded (lowercase, no diacritics).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PersonName {
    /// `given middle... family` joined by single spaces (no honorifics or
    /// suffixes, comma form re-ordered): the name's comparison string.
    pub folded_full: String,
    /// Every word of given, middle and family in that order, hyphenated
    /// compounds split (`garcia-lopez` → `garcia`, `lopez`).
    pub tokens: Vec<String>,
    pub given: Option<String>,
    pub middle: Vec<String>,
    /// Family name including particles (`van der berg`).
    pub family: Option<String>,
    /// First letters of given and middle names, particles skipped
    /// (`J. R. R. Tolkien` → `jrr`).
    pub initials: String,
    /// Suffixes in input order (`jr`, `phd`).
    pub suffix: Vec<String>,
    /// Honorifics in input order (`prof`, `dr`).
    pub honorifics: Vec<String>,
}

/// Removes balanced bracketed/quoted parts and returns the rest.
/// Input is already capped at `MAX_NAME_CHARS`, so the search for a closing
/// delimiter is bounded (worst case 1,000 × 1,000 steps).
fn drop_bracketed(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or(' ');
        let close = match c {
            '(' => Some(')'),
            '[' => Some(']'),
            '{' => Some('}'),
            '"' => Some('"'),
            '\u{201C}' => Some('\u{201D}'),
            '\u{00AB}' => Some('\u{00BB}'),
            _ => None,
        };
        let next = i + c.len_utf8();
        if let Some(close) = close {
            if let Some(j) = s[next..].find(close) {
                out.push(' ');
                i = next + j + close.len_utf8();
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
        i = next;
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}'
    )
}

/// Splits a folded segment into name tokens: words of alphanumerics and
/// inner hyphens; periods separate (initials), apostrophes vanish.
fn tokenize(segment: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, tokens: &mut Vec<String>| {
        let t = cur.trim_matches('-');
        if !t.is_empty() {
            tokens.push(t.to_owned());
        }
        cur.clear();
    };
    for c in segment.chars() {
        if c.is_alphanumeric() {
            cur.push(c);
        } else if c == '-' || c == '\u{2010}' || c == '\u{2011}' {
            if !cur.is_empty() && !cur.ends_with('-') {
                cur.push('-');
            }
        } else if is_apostrophe(c) {
            continue;
        } else {
            flush(&mut cur, &mut tokens);
        }
    }
    flush(&mut cur, &mut tokens);
    tokens
}

/// Strips leading honorifics and trailing suffixes in place, keeping at
/// least one token.
fn strip_affixes(tokens: &mut Vec<String>, honorifics: &mut Vec<String>, suffix: &mut Vec<String>) {
    let lead = tokens
        .iter()
        .take(tokens.len().saturating_sub(1))
        .take_while(|t| is_honorific(t))
        .count();
    honorifics.extend(tokens.drain(..lead));
    let trail = tokens
        .iter()
        .rev()
        .take(tokens.len().saturating_sub(1))
        .take_while(|t| is_suffix(t))
        .count();
    let tail: Vec<String> = tokens.drain(tokens.len() - trail..).collect();
    suffix.extend(tail);
}

/// Parses a person name (see module docs). Total: never panics; input over
/// 1,000 characters is truncated first.
pub fn parse_person_name(input: &str) -> PersonName {
    let capped = truncate_chars(input, MAX_NAME_CHARS);
    let folded = fold(&drop_bracketed(capped));

    let mut honorifics = Vec::new();
    let mut suffix = Vec::new();
    // Suffixes given as their own comma segment ("Smith, John, Jr.") come
    // after any written inside a name segment.
    let mut segment_suffixes = Vec::new();
    let mut segments: Vec<Vec<String>> = Vec::new();
    for seg in folded.split([',', ';']) {
        let toks = tokenize(seg);
        if toks.is_empty() {
            continue;
        }
        if !segments.is_empty() && toks.iter().all(|t| is_suffix(t) || is_honorific(t)) {
            segment_suffixes.extend(toks);
        } else {
            segments.push(toks);
        }
    }

    let mut given = None;
    let mut middle = Vec::new();
    let mut family = None;
    match segments.len() {
        0 => {}
        1 => {
            let mut t = segments.pop().unwrap_or_default();
            strip_affixes(&mut t, &mut honorifics, &mut suffix);
            let n = t.len();
            if n == 1 {
                given = t.pop();
            } else if n >= 2 {
                let mut f = n - 1;
                while f > 1 && is_particle(&t[f - 1]) {
                    f -= 1;
                    // "ortega y gasset": the conjunction pulls in one more word.
                    if t[f] == "y" && f > 1 {
                        f -= 1;
                    }
                }
                family = Some(t[f..].join(" "));
                t.truncate(f);
                let mut it = t.into_iter();
                given = it.next();
                middle.extend(it);
            }
        }
        _ => {
            let mut it = segments.into_iter();
            let mut fam = it.next().unwrap_or_default();
            // "Dr. Smith, John" / "Smith Jr., John"
            strip_affixes(&mut fam, &mut honorifics, &mut suffix);
            family = Some(fam.join(" "));
            let mut rest: Vec<String> = it.flatten().collect();
            strip_affixes(&mut rest, &mut honorifics, &mut suffix);
            let mut rest = rest.into_iter();
            given = rest.next();
            middle.extend(rest);
        }
    }

    suffix.extend(segment_suffixes);
    let initials: String = given
        .iter()
        .chain(middle.iter().filter(|t| !is_particle(t)))
        .filter_map(|t| t.chars().next())
        .collect();
    let mut parts: Vec<&str> = Vec::with_capacity(middle.len() + 2);
    parts.extend(given.as_deref());
    parts.extend(middle.iter().map(String::as_str));
    parts.extend(family.as_deref());
    let folded_full = parts.join(" ");
    let tokens = folded_full
        .split([' ', '-'])
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    PersonName {
        folded_full,
        tokens,
        given,
        middle,
        family,
        initials,
        suffix,
        honorifics,
    }
}

type NameLists = HashMap<&'static str, Vec<&'static str>>;

/// Links of the nickname data left out, `(canonical, nickname)`: each pair
/// is two distinct given names in use today, each common in its own right
/// (1990 US Census; or a spelling of one), that the data ties by an old,
/// regional or rare usage (Peter as a nickname of Patrick, Lloyd of Floyd,
/// Bill of Robert, Robert of Bill). A match on them would take one person for another, and the names still
/// compare by their letters. Chosen by listing every same-sex pair of the
/// data where both names have a Census share of at least 40 per 100,000
/// and reading them; pairs with a living diminutive (Jack/John,
/// Harry/Henry, Sally/Sarah, Lisa/Melissa) stay.
pub const NOT_NICKNAMES: &[(&str, &str)] = &[
    ("alice", "lisa"),
    ("bill", "fred"),
    ("bill", "robert"),
    ("billy", "fred"),
    ("billy", "robert"),
    ("derek", "ricky"),
    ("derrick", "eric"),
    ("derrick", "ricky"),
    ("floyd", "lloyd"),
    ("johnathan", "nathan"),
    ("jonathan", "nathan"),
    ("patrick", "peter"),
    ("robert", "bill"),
    ("robert", "billy"),
    ("roger", "bobby"),
    ("stephanie", "annie"),
];

/// The nickname data, read once, both ways: nickname → the canonical names
/// it stands for, and canonical name → its nicknames (all its lines).
fn nickname_tables() -> &'static (NameLists, NameLists) {
    static TABLES: OnceLock<(NameLists, NameLists)> = OnceLock::new();
    TABLES.get_or_init(|| {
        let (mut of_nick, mut of_canonical) = (NameLists::new(), NameLists::new());
        for line in NICKNAMES_TXT.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_whitespace();
            let Some(canonical) = words.next() else {
                continue;
            };
            for nick in words.filter(|n| !NOT_NICKNAMES.contains(&(canonical, *n))) {
                of_nick.entry(nick).or_default().push(canonical);
                of_canonical.entry(canonical).or_default().push(nick);
            }
        }
        (of_nick, of_canonical)
    })
}

fn nickname_map() -> &'static NameLists {
    &nickname_tables().0
}

/// Folds a single given name for comparison: folded, apostrophes and
/// periods removed, inner whitespace turned into hyphens. Capped at 1,000
/// characters.
fn clean_given(given: &str) -> String {
    tokenize(&fold(truncate_chars(given, MAX_NAME_CHARS))).join("-")
}

/// Comparison keys of a given name: the folded name itself followed by the
/// canonical names it is a nickname of (sorted), e.g. `"Bob"` →
/// `["bob", "bert", "bobby", "robert"]`. Empty for an empty name.
pub fn given_name_keys(given: &str) -> Vec<String> {
    let name = clean_given(given);
    if name.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![name];
    if let Some(canon) = nickname_map().get(keys[0].as_str()) {
        let mut c: Vec<String> = canon.iter().map(|s| (*s).to_owned()).collect();
        c.sort_unstable();
        c.dedup();
        keys.extend(c);
    }
    keys
}

/// The full names a nickname most likely stands for, at most `n`, most
/// likely first: the more common names (1990 US Census shares: Chris is
/// Christopher before Christiana, Bob is Robert before Bert), then those
/// with the most nicknames of their own, then alphabetically. Left out: a
/// name that is itself the nickname of a more common name (the data also
/// lists Willie and Billy, short for William, as names Fred stands for), a
/// name shorter than the given one (a full form is not shorter than its
/// nickname), a name mostly given to the other sex than the given name
/// (Andrea is not Andrew, Jacqueline not Jack, Wilma not William), and a
/// full name under a third as common as the given name itself (the data
/// lists John as a nickname of Ivan: a name that common in its own right
/// is not read as a rarer one; Larry still reads as Lawrence). Empty for a
/// name that is no nickname. What a record is spelled out with for
/// matching.
pub fn likely_full_names(given: &str, n: usize) -> Vec<String> {
    let keys = given_name_keys(given);
    let Some((name, full)) = keys.split_first() else {
        return Vec::new();
    };
    let groups = nickname_groups();
    let own = given_name_share(name);
    let letters = name.chars().count();
    let sex = given_name_sex(name);
    let kept = |c: &&String| {
        let share = given_name_share(c);
        // (The given name itself does not count: the data lists Lawrence
        // as a nickname of the more common Larry too.)
        let a_nickname = nickname_map().get(c.as_str()).is_some_and(|of| {
            of.iter()
                .any(|full| *full != name.as_str() && given_name_share(full) > share)
        });
        let other_sex = matches!((sex, given_name_sex(c)), (Some(a), Some(b)) if a != b);
        !a_nickname && !other_sex && c.chars().count() >= letters && share * 3 >= own
    };
    let mut ranked: Vec<&String> = full.iter().filter(kept).collect();
    ranked.sort_by_key(|c| {
        let size = groups.get(c.as_str()).map_or(0, Vec::len);
        let rarer = (
            std::cmp::Reverse(given_name_share(c)),
            std::cmp::Reverse(size),
        );
        (rarer, c.as_str())
    });
    ranked.into_iter().take(n).cloned().collect()
}

/// How common a given name is: people per 100,000 (1990 US Census), 0 for
/// a name the Census lists too rarely or not at all.
fn given_name_share(name: &str) -> u32 {
    let (men, women) = given_name_sexes(name);
    men + women
}

/// Men and women of a given name per 100,000 people (1990 US Census).
fn given_name_sexes(name: &str) -> (u32, u32) {
    static SHARES: OnceLock<HashMap<&'static str, (u32, u32)>> = OnceLock::new();
    let shares = SHARES.get_or_init(|| {
        GIVEN_NAME_FREQUENCY_TXT
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut words = l.split(' ');
                let name = words.next()?;
                Some((
                    name,
                    (words.next()?.parse().ok()?, words.next()?.parse().ok()?),
                ))
            })
            .collect()
    });
    shares.get(name).copied().unwrap_or((0, 0))
}

/// Mostly (nine in ten) a man's name, mostly a woman's, or either / unknown.
fn given_name_sex(name: &str) -> Option<bool> {
    let (men, women) = given_name_sexes(name);
    if men > 9 * women {
        Some(true)
    } else if women > 9 * men {
        Some(false)
    } else {
        None
    }
}

/// Each canonical name's nicknames (all its lines together).
fn nickname_groups() -> &'static NameLists {
    &nickname_tables().1
}

/// How two given names relate, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameRelation {
    /// Same after folding (`José` / `jose`).
    Exact,
    /// Share a canonical name (`Bob` / `Robert`, `Bob` / `Rob`).
    Nickname,
    /// One is a single letter that starts the other (`J.` / `John`).
    Initial,
    /// One (≥ 2 letters) is a prefix of the other (`Alex` / `Alexandra`,
    /// `Jean` / `Jean-Pierre`).
    Prefix,
    /// None of the above, or either name is empty.
    Different,
}

/// Compares two given names. Symmetric.
pub fn names_compatible(a: &str, b: &str) -> NameRelation {
    let a = clean_given(a);
    let b = clean_given(b);
    if a.is_empty() || b.is_empty() {
        return NameRelation::Different;
    }
    if a == b {
        return NameRelation::Exact;
    }
    let ka = given_name_keys(&a);
    let kb = given_name_keys(&b);
    // Two full names mostly given to different sexes are no nicknames of
    // each other (Andrew / Andrea, Louis / Louise, William / Wilma), as in
    // `likely_full_names`; a short form three or more letters shorter
    // still is (Sammy / Samantha, Bert / Roberta, Freddy / Frederica).
    let short_form = a.chars().count().abs_diff(b.chars().count()) >= 3;
    let other_sex = !short_form
        && matches!(
            (given_name_sex(&a), given_name_sex(&b)),
            (Some(x), Some(y)) if x != y
        );
    if !other_sex && ka.iter().any(|k| kb.contains(k)) {
        return NameRelation::Nickname;
    }
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let short_len = short.chars().count();
    if long.starts_with(short.as_str()) {
        if short_len == 1 {
            return NameRelation::Initial;
        }
        return NameRelation::Prefix;
    }
    NameRelation::Different
}

/// True when `a` and `b` look like the same person with given and family
/// names swapped (`John Smith` / `Smith, John` parsed without the comma, or
/// `Smith John`). The given side may match by nickname
/// (`Bob Smith` / `Smith Robert`). False when either name lacks a given or
/// family name, or when the names are not swapped but equal.
pub fn swapped(a: &PersonName, b: &PersonName) -> bool {
    let (Some(ag), Some(af), Some(bg), Some(bf)) = (
        a.given.as_deref(),
        a.family.as_deref(),
        b.given.as_deref(),
        b.family.as_deref(),
    ) else {
        return false;
    };
    if ag == af || (ag == bg && af == bf) {
        return false;
    }
    let given_ok = |x: &str, y: &str| {
        matches!(
            names_compatible(x, y),
            NameRelation::Exact | NameRelation::Nickname
        )
    };
    (af == bg && given_ok(ag, bf)) || (bf == ag && given_ok(bg, af))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    /// (input, given, middle, family, folded_full)
    #[test]
    fn parse_table() {
        type Case = (
            &'static str,
            Option<&'static str>,
            &'static [&'static str],
            Option<&'static str>,
            &'static str,
        );
        let cases: &[Case] = &[
            ("John Smith", Some("john"), &[], Some("smith"), "john smith"),
            (
                "Smith, John",
                Some("john"),
                &[],
                Some("smith"),
                "john smith",
            ),
            (
                "  Dr.  José  María  García-López , Jr. ",
                Some("jose"),
                &["maria"],
                Some("garcia-lopez"),
                "jose maria garcia-lopez",
            ),
            (
                "J. R. R. Tolkien",
                Some("j"),
                &["r", "r"],
                Some("tolkien"),
                "j r r tolkien",
            ),
            (
                "J.R.R. Tolkien",
                Some("j"),
                &["r", "r"],
                Some("tolkien"),
                "j r r tolkien",
            ),
            (
                "Ludwig van Beethoven",
                Some("ludwig"),
                &[],
                Some("van beethoven"),
                "ludwig van beethoven",
            ),
            (
                "Vincent van der Berg",
                Some("vincent"),
                &[],
                Some("van der berg"),
                "vincent van der berg",
            ),
            (
                "van der Berg, Vincent",
                Some("vincent"),
                &[],
                Some("van der berg"),
                "vincent van der berg",
            ),
            (
                "Juan Carlos de la Fuente",
                Some("juan"),
                &["carlos"],
                Some("de la fuente"),
                "juan carlos de la fuente",
            ),
            (
                "José Ortega y Gasset",
                Some("jose"),
                &[],
                Some("ortega y gasset"),
                "jose ortega y gasset",
            ),
            (
                "Mohammed bin Salman",
                Some("mohammed"),
                &[],
                Some("bin salman"),
                "mohammed bin salman",
            ),
            (
                "Prof. Dr. Hans-Peter Müller",
                Some("hans-peter"),
                &[],
                Some("muller"),
                "hans-peter muller",
            ),
            (
                "Mr. Patrick O'Brien III",
                Some("patrick"),
                &[],
                Some("obrien"),
                "patrick obrien",
            ),
            (
                "Robert \"Bob\" Smith, PhD",
                Some("robert"),
                &[],
                Some("smith"),
                "robert smith",
            ),
            (
                "Smith, John, Jr.",
                Some("john"),
                &[],
                Some("smith"),
                "john smith",
            ),
            ("Madonna", Some("madonna"), &[], None, "madonna"),
            ("Dr.", Some("dr"), &[], None, "dr"),
            ("Smith,", Some("smith"), &[], None, "smith"),
            (
                "Søren Kierkegaard",
                Some("soren"),
                &[],
                Some("kierkegaard"),
                "soren kierkegaard",
            ),
            (
                "ŁUKASZ Żółć",
                Some("lukasz"),
                &[],
                Some("zolc"),
                "lukasz zolc",
            ),
            ("毛泽东", Some("毛泽东"), &[], None, "毛泽东"),
            ("محمد علي", Some("محمد"), &[], Some("علي"), "محمد علي"),
            ("", None, &[], None, ""),
            ("   ,,, ;; ", None, &[], None, ""),
            ("👍🏽 🎉", None, &[], None, ""),
            (
                "A\u{200D}nn\u{0000}a Lee\u{202E}",
                Some("anna"),
                &[],
                Some("lee"),
                "anna lee",
            ),
        ];
        for (input, given, middle, family, full) in cases {
            let p = parse_person_name(input);
            assert_eq!(p.given.as_deref(), *given, "given of {input:?}");
            assert_eq!(p.middle, s(middle), "middle of {input:?}");
            assert_eq!(p.family.as_deref(), *family, "family of {input:?}");
            assert_eq!(p.folded_full, *full, "folded_full of {input:?}");
        }
    }

    #[test]
    fn affixes_initials_tokens() {
        let p = parse_person_name("Prof. Dr. Hans-Peter von Müller-Lüdenscheidt Jr., PhD");
        assert_eq!(p.honorifics, s(&["prof", "dr"]));
        assert_eq!(p.suffix, s(&["jr", "phd"]));
        assert_eq!(p.family.as_deref(), Some("von muller-ludenscheidt"));
        assert_eq!(
            p.tokens,
            s(&["hans", "peter", "von", "muller", "ludenscheidt"])
        );
        assert_eq!(p.initials, "h");
        assert_eq!(parse_person_name("J. R. R. Tolkien").initials, "jrr");
        let p = parse_person_name("Sra. María José de los Ángeles Pérez y Sánchez");
        assert_eq!(p.initials, "mja");
        assert_eq!(p.family.as_deref(), Some("perez y sanchez"));
        assert_eq!(p.honorifics, s(&["sra"]));
    }

    #[test]
    fn hostile_names() {
        let long = "Ab ".repeat(5_000);
        let p = parse_person_name(&long);
        assert!(p.folded_full.len() <= MAX_NAME_CHARS);
        let marks = "\u{0301}".repeat(500_000);
        assert_eq!(parse_person_name(&marks), PersonName::default());
        let brackets = "(".repeat(10_000);
        assert_eq!(parse_person_name(&brackets).folded_full, "");
        let _ = parse_person_name("\u{0000}\u{FFFF}\u{10FFFF}");
    }

    #[test]
    fn nickname_keys() {
        assert_eq!(
            given_name_keys("Bob"),
            s(&["bob", "bert", "bobby", "robert"])
        );
        let al = given_name_keys("Al");
        for c in ["albert", "alfred", "alexander"] {
            assert!(al.contains(&c.to_owned()), "{al:?}");
        }
        assert_eq!(given_name_keys("Zebulon-Xyz"), s(&["zebulon-xyz"]));
        assert!(given_name_keys("").is_empty());
        assert!(given_name_keys("Liz").contains(&"elizabeth".to_owned()));
        assert!(given_name_keys("Peggy").contains(&"margaret".to_owned()));
        // Spelled out for matching: the likely full names first.
        for (nick, full) in [
            ("Bob", "robert"),
            ("Bill", "william"),
            ("Dick", "richard"),
            ("Tony", "anthony"),
            ("Kate", "katherine"),
            ("Ted", "edward"),
            ("Jenny", "jennifer"),
            ("Chris", "christopher"),
            ("Matt", "matthew"),
            ("Mike", "michael"),
            ("Liz", "elizabeth"),
            ("Jim", "james"),
            ("Fred", "frederick"),
            ("Larry", "lawrence"),
            ("Frank", "francis"),
            ("Jack", "john"),
            ("Sally", "sarah"),
            ("Betty", "elizabeth"),
        ] {
            let likely = likely_full_names(nick, 3);
            assert!(likely.contains(&full.to_owned()), "{nick}: {likely:?}");
        }
        assert_eq!(likely_full_names("Bob", 1), s(&["robert"]));
        assert_eq!(likely_full_names("Chris", 1), s(&["christopher"]));
        // Common full names are not read as rarer names the data lists
        // them under (William as a nickname of Wilma, John of Ivan).
        for full in ["William", "John", "Mary", "Helen", "Sandra", "Robert"] {
            assert_eq!(likely_full_names(full, 3), Vec::<String>::new(), "{full}");
        }
        assert!(!likely_full_names("Tony", 3).contains(&"clifton".to_owned()));
        for (name, not) in [
            ("Andrew", "andrea"),
            ("Andrea", "andrew"),
            ("Louise", "louis"),
            ("Louis", "louise"),
            ("Jack", "jacqueline"),
            ("Erin", "aaron"),
            // Given names of today the data ties by an old or rare usage
            // (`NOT_NICKNAMES`).
            ("Peter", "patrick"),
            ("Lloyd", "floyd"),
            ("Nathan", "jonathan"),
            ("Annie", "stephanie"),
            ("Bill", "robert"),
            ("Billy", "robert"),
            ("Bobby", "roger"),
            ("Ricky", "derek"),
            ("Lisa", "alice"),
        ] {
            assert!(
                !likely_full_names(name, 3).contains(&not.to_owned()),
                "{name}: {:?}",
                likely_full_names(name, 3)
            );
        }
        for (nick, full) in [("Ted", "theodore"), ("Ed", "edwin")] {
            assert!(
                likely_full_names(nick, 3).contains(&full.to_owned()),
                "{nick}"
            );
        }
        // Every line of the frequency data reads as a name and two numbers.
        let lines = GIVEN_NAME_FREQUENCY_TXT
            .lines()
            .filter(|l| !l.starts_with('#'));
        assert!(lines.clone().count() > 500);
        for line in lines {
            let words: Vec<&str> = line.split(' ').collect();
            let sum: u32 = words[1..].iter().map(|w| w.parse::<u32>().unwrap()).sum();
            assert_eq!(
                (words.len(), given_name_share(words[0])),
                (3, sum),
                "{line}"
            );
        }
        assert!(likely_full_names("Zebulon", 3).is_empty());
        assert_eq!(likely_full_names("Nathan", 3), s(&["nathaniel"]));
        assert_eq!(likely_full_names("Bobby", 3), s(&["robert"]));
        // Every left-out link is one the data has (a typo would do nothing).
        for (canonical, nick) in NOT_NICKNAMES {
            assert!(
                NICKNAMES_TXT.lines().any(|l| {
                    let mut w = l.split_whitespace();
                    w.next() == Some(canonical) && w.any(|n| n == *nick)
                }),
                "{canonical} {nick}"
            );
        }
        assert!(given_name_keys("Bill").contains(&"william".to_owned()));
    }

    #[test]
    fn compatible_table() {
        use NameRelation::*;
        let cases: &[(&str, &str, NameRelation)] = &[
            ("José", "jose", Exact),
            ("Bob", "Robert", Nickname),
            ("Robert", "Bobby", Nickname),
            ("Bob", "Rob", Nickname),
            ("Liz", "Elizabeth", Nickname),
            ("Beth", "Elizabeth", Nickname),
            ("Bill", "William", Nickname),
            ("Will", "William", Nickname),
            ("Peggy", "Margaret", Nickname),
            ("Al", "Alfred", Nickname),
            ("J.", "John", Initial),
            ("j", "Jane", Initial),
            ("Alexandr", "Alexandra", Prefix),
            ("Jean", "Jean-Pierre", Prefix),
            ("John", "Mary", Different),
            ("Albert", "Alfred", Different),
            // Linked by the data, left out (`NOT_NICKNAMES`).
            ("Peter", "Patrick", Different),
            ("Lloyd", "Floyd", Different),
            ("Nathan", "Jonathan", Different),
            ("Bill", "Robert", Different),
            // Names of different sexes: their letters only.
            ("Andrew", "Andrea", Different),
            ("Erin", "Aaron", Different),
            ("William", "Wilma", Different),
            ("Louis", "Louise", Prefix),
            ("Sam", "Samantha", Nickname),
            ("Sammy", "Samantha", Nickname),
            ("Bert", "Roberta", Nickname),
            ("Freddy", "Frederica", Nickname),
            // Short forms that stay.
            ("Nate", "Nathan", Nickname),
            ("Nathan", "Nathaniel", Nickname),
            ("Harry", "Henry", Nickname),
            ("Jack", "John", Nickname),
            ("", "John", Different),
            ("", "", Different),
        ];
        for (a, b, want) in cases {
            assert_eq!(names_compatible(a, b), *want, "{a:?} vs {b:?}");
            assert_eq!(names_compatible(b, a), *want, "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn swap_detection() {
        let p = parse_person_name;
        assert!(swapped(&p("John Smith"), &p("Smith John")));
        assert!(swapped(&p("Bob Smith"), &p("Smith Robert")));
        assert!(!swapped(&p("John Smith"), &p("Smith, John")));
        assert!(!swapped(&p("John Smith"), &p("John Smith")));
        assert!(!swapped(&p("John Smith"), &p("Jane Smith")));
        assert!(!swapped(&p("Madonna"), &p("Madonna")));
    }
}
