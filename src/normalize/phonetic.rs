//! Phonetic keys for blocking: Double Metaphone via the `rphonetic` crate
//! (a port of Apache commons-codec; ~14 KB gzipped in wasm32).
//!
//! The input is truncated to 1,000 characters, folded (see `fold`), split
//! into words of ASCII letters (digits, punctuation and non-Latin scripts
//! separate words and are otherwise ignored — so Cyrillic, Greek, CJK or
//! Arabic names get an empty key), and each word is encoded with Double
//! Metaphone (codes of at most 4 characters). Codes are joined by single
//! spaces. Only ASCII letters ever reach `rphonetic`, whose internal byte
//! slicing assumes single-byte characters.

use rphonetic::DoubleMetaphone;

use super::fold::fold;
use super::truncate_chars;

/// Inputs longer than this many characters are truncated first.
pub const MAX_PHONETIC_CHARS: usize = 1_000;

fn encode_words(input: &str, mut each: impl FnMut(&DoubleMetaphone, &str)) {
    let mut folded = fold(truncate_chars(input, MAX_PHONETIC_CHARS));
    // "O'Brien" is one word.
    folded.retain(|c| !matches!(c, '\'' | '\u{2019}' | '\u{02BC}'));
    let dm = DoubleMetaphone::default();
    for word in folded.split(|c: char| !c.is_ascii_alphabetic()) {
        if !word.is_empty() {
            each(&dm, word);
        }
    }
}

fn push_code(out: &mut String, code: &str) {
    if code.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(code);
}

/// Primary Double Metaphone codes of every word, space separated:
/// `"Catherine Schmidt"` → `"K0RN XMT"`, `"Kathryn Smith"` → `"K0RN SM0"`.
pub fn phonetic_key(input: &str) -> String {
    let mut out = String::new();
    encode_words(input, |dm, w| {
        push_code(&mut out, &dm.double_metaphone(w).primary());
    });
    out
}

/// `(primary, alternate)` Double Metaphone codes of every word, each space
/// separated (`"Schmidt"` → `("XMT", "SMT")`). Use both for recall-oriented
/// blocking.
pub fn phonetic_keys(input: &str) -> (String, String) {
    let mut primary = String::new();
    let mut alternate = String::new();
    encode_words(input, |dm, w| {
        let r = dm.double_metaphone(w);
        push_code(&mut primary, &r.primary());
        push_code(&mut alternate, &r.alternate());
    });
    (primary, alternate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("Smith", "SM0"),
            ("Smyth", "SM0"),
            ("Schmidt", "XMT"),
            ("Catherine", "K0RN"),
            ("Kathryn", "K0RN"),
            ("Müller", "MLR"),
            ("Mueller", "MLR"),
            ("Jon Smith", "JN SM0"),
            ("O'Brien", "APRN"),
            ("", ""),
            ("1234 !!", ""),
            ("Иван", ""),
            ("👍\u{0000}\u{200D}", ""),
        ];
        for (input, want) in cases {
            assert_eq!(phonetic_key(input), *want, "phonetic_key({input:?})");
        }
        let (p, a) = phonetic_keys("Schmidt");
        assert_eq!((p.as_str(), a.as_str()), ("XMT", "SMT"));
    }

    #[test]
    fn hostile() {
        assert!(phonetic_key(&"a".repeat(100_000)).len() <= 4);
        let k = phonetic_key(&"ab ".repeat(100_000));
        assert!(k.len() <= 5 * MAX_PHONETIC_CHARS);
        assert_eq!(phonetic_key(&"\u{0301}".repeat(500_000)), "");
    }
}
