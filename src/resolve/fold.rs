//! Minimal private text folding (lower-case, strip diacritics, punctuation to spaces).
//! Kept behind these few functions so the project's `normalize` module can replace it.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-case, strip diacritics, drop apostrophes/dots, turn every other
/// non-alphanumeric character (punctuation, control characters, emoji) into a space,
/// collapse runs of spaces and trim.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else if c == '\'' || c == '.' || c == '\u{2019}' {
            // o'brien -> obrien, j.r. -> jr
        } else {
            pending_space = true;
        }
    };
    if s.is_ascii() {
        for b in s.bytes() {
            push(b.to_ascii_lowercase() as char, &mut out);
        }
    } else {
        for c in s.nfkd() {
            if is_combining_mark(c) {
                continue;
            }
            match c {
                'ß' => {
                    push('s', &mut out);
                    push('s', &mut out);
                }
                'æ' | 'Æ' => {
                    push('a', &mut out);
                    push('e', &mut out);
                }
                'œ' | 'Œ' => {
                    push('o', &mut out);
                    push('e', &mut out);
                }
                'ø' | 'Ø' => push('o', &mut out),
                'ł' | 'Ł' => push('l', &mut out),
                'đ' | 'Đ' => push('d', &mut out),
                'ı' => push('i', &mut out),
                _ => {
                    for l in c.to_lowercase() {
                        push(l, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// [`fold`] with every space removed (postcodes, identifiers).
pub(crate) fn fold_compact(s: &str) -> String {
    let mut f = fold(s);
    f.retain(|c| c != ' ');
    f
}

/// ASCII digits of `s`, in order.
pub(crate) fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(fold("  José  María-O'Brien "), "jose maria obrien");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ørsted\u{0007}A/S"), "orsted a s");
        assert_eq!(fold("😀"), "");
        assert_eq!(fold_compact("SW1A 1AA"), "sw1a1aa");
        assert_eq!(digits("+61 (02) 9999-1234"), "610299991234");
    }
}
