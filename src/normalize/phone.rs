//! Compact, table-driven phone normalisation to E.164 (`+<cc><nsn>`).
//!
//! Why not the `phonenumber` crate (libphonenumber port)? It adds ~2 MB raw /
//! ~515 KB gzipped to a wasm32 release build (its metadata and regex
//! engine), far above the ~150 KB budget. This module is the compact
//! replacement: `data/phone_regions.txt` lists every assigned ITU country
//! calling code with its regions, trunk prefixes, international call
//! prefixes and, for ~130 regions, plausible national-number lengths.
//!
//! What it does:
//! - accepts `+`, `00`, the region's own international prefix (`011` in
//!   NANP, `010` JP, `0011` AU, `810` RU, `00XX` BR with carrier code, ...)
//!   and `tel:` URIs;
//! - strips separators (spaces, `-./()[]`, NBSP, dashes, fullwidth forms)
//!   and non-ASCII decimal digits (fullwidth, Arabic-Indic, Devanagari...);
//! - drops extensions (`x123`, `ext. 123`, `#123`, `;ext=123`, `,123`);
//! - strips the trunk prefix of national numbers (`0` in most of Europe,
//!   AU, JP...; `1` in NANP; `8` RU/KZ; `06` HU; `01/044/045` MX; `0` +
//!   carrier code in BR) and a wrongly kept one after `+cc` (`+44 (0)20...`);
//! - checks the national number length against the region's plausible
//!   lengths, NANP area/exchange codes (`[2-9]xx-[2-9]xx`) and E.164's
//!   15-digit maximum.
//!
//! What it does not do (libphonenumber would): per-range validation (number
//! type, unallocated ranges), vanity letters (`1-800-FLOWERS` is rejected),
//! formatting. Plausible ≠ valid.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::NormalizeError;

/// Inputs longer than this (bytes) are rejected before parsing.
const MAX_INPUT_BYTES: usize = 256;
/// More digits than this can't be a phone number even with a long prefix.
const MAX_RAW_DIGITS: usize = 22;
/// E.164: at most 15 digits including the country code.
const MAX_E164_DIGITS: usize = 15;
/// Generic NSN length bounds for regions without specific data.
const GENERIC_LEN: (usize, usize) = (4, 14);

static PHONE_REGIONS_TXT: &str = include_str!("data/phone_regions.txt");

#[derive(Debug)]
struct Region {
    region: &'static str,
    cc: &'static str,
    /// comma-separated patterns or "-"
    trunk: &'static str,
    /// comma-separated patterns or "-"
    intl: &'static str,
    /// e.g. "8,10-11" or "-"
    len: &'static str,
}

struct Tables {
    regions: Vec<Region>,
    by_region: HashMap<&'static str, usize>,
    /// calling code → primary region index
    by_cc: HashMap<&'static str, usize>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut regions = Vec::new();
        for line in PHONE_REGIONS_TXT.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.split_whitespace();
            let (Some(region), Some(cc), Some(trunk), Some(intl), Some(len)) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            regions.push(Region {
                region,
                cc,
                trunk,
                intl,
                len,
            });
        }
        let mut by_region = HashMap::new();
        let mut by_cc = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            if r.region != "001" {
                by_region.entry(r.region).or_insert(i);
            }
            by_cc.entry(r.cc).or_insert(i);
        }
        Tables {
            regions,
            by_region,
            by_cc,
        }
    })
}

/// Whether `region` names a region phones can be read in: a two-letter
/// country code (ISO 3166, "UK" too) or a calling code ("44", "+44").
pub fn is_known_region(region: &str) -> bool {
    lookup_region(region).is_some()
}

fn lookup_region(default_region: &str) -> Option<&'static Region> {
    let t = tables();
    let r = default_region.trim();
    // A calling code ("+44", "44") is accepted as a region too.
    let digits = r.strip_prefix('+').unwrap_or(r);
    if !digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return t.by_cc.get(digits).map(|&i| &t.regions[i]);
    }
    if r.len() != 2 || !r.is_ascii() {
        return None;
    }
    let mut code = r.to_ascii_uppercase();
    if code == "UK" {
        code = "GB".to_owned();
    }
    t.by_region.get(code.as_str()).map(|&i| &t.regions[i])
}

/// Splits a country calling code off the front of `digits` (they are
/// prefix-free, so at most one of the 1-, 2- and 3-digit prefixes matches).
fn split_cc(digits: &str) -> Result<(&'static Region, &str), NormalizeError> {
    let t = tables();
    for n in 1..=3.min(digits.len()) {
        if let Some(&i) = t.by_cc.get(&digits[..n]) {
            return Ok((&t.regions[i], &digits[n..]));
        }
    }
    if digits.is_empty() {
        Err(NormalizeError::PhoneTooShort)
    } else {
        Err(NormalizeError::UnknownCallingCode)
    }
}

/// Length of the prefix of `digits` matched by `pattern` (`X` = any digit).
fn match_pattern(digits: &str, pattern: &str) -> Option<usize> {
    if pattern.len() > digits.len() {
        return None;
    }
    let ok = pattern
        .bytes()
        .zip(digits.bytes())
        .all(|(p, d)| p == b'X' || p == d);
    ok.then_some(pattern.len())
}

fn patterns(field: &'static str) -> impl Iterator<Item = &'static str> {
    field.split(',').filter(|p| !p.is_empty() && *p != "-")
}

/// Checks an NSN against the region's rules.
fn check_nsn(region: &Region, nsn: &str) -> Result<(), NormalizeError> {
    if region.cc.len() + nsn.len() > MAX_E164_DIGITS {
        return Err(NormalizeError::PhoneTooLong);
    }
    let n = nsn.len();
    let mut min = usize::MAX;
    let mut max = 0;
    let mut hit = false;
    if region.len == "-" {
        (min, max) = GENERIC_LEN;
        hit = (min..=max).contains(&n);
    } else {
        for part in region.len.split(',') {
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(0)),
                None => {
                    let v = part.parse().unwrap_or(0);
                    (v, v)
                }
            };
            min = min.min(lo);
            max = max.max(hi);
            hit |= (lo..=hi).contains(&n);
        }
    }
    if n < min {
        return Err(NormalizeError::PhoneTooShort);
    }
    if n > max {
        return Err(NormalizeError::PhoneTooLong);
    }
    if !hit {
        return Err(NormalizeError::InvalidPhoneNumber);
    }
    if region.cc == "1" {
        // NANP: NPA-NXX-XXXX with N = 2..9.
        let b = nsn.as_bytes();
        if b[0] < b'2' || b[3] < b'2' {
            return Err(NormalizeError::InvalidPhoneNumber);
        }
    }
    Ok(())
}

/// Picks the first candidate NSN that passes the region's checks, or
/// reports the error of `fallback`.
fn first_plausible<'a>(
    region: &Region,
    candidates: impl IntoIterator<Item = &'a str>,
    fallback: &'a str,
) -> Result<&'a str, NormalizeError> {
    for c in candidates {
        if check_nsn(region, c).is_ok() {
            return Ok(c);
        }
    }
    check_nsn(region, fallback).map(|()| fallback)
}

/// `(pattern, NSN)` candidates with each matching trunk prefix removed
/// (table order: longest patterns first).
fn trunk_stripped<'a>(region: &'static Region, digits: &'a str) -> Vec<(&'static str, &'a str)> {
    patterns(region.trunk)
        .filter_map(|p| match_pattern(digits, p).map(|n| (p, &digits[n..])))
        .collect()
}

fn digit_value(c: char) -> Option<u8> {
    let zero = match c {
        '0'..='9' => '0',
        '\u{FF10}'..='\u{FF19}' => '\u{FF10}', // fullwidth
        '\u{0660}'..='\u{0669}' => '\u{0660}', // Arabic-Indic
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}', // Extended Arabic-Indic (Persian)
        '\u{0966}'..='\u{096F}' => '\u{0966}', // Devanagari
        '\u{09E6}'..='\u{09EF}' => '\u{09E6}', // Bengali
        '\u{0E50}'..='\u{0E59}' => '\u{0E50}', // Thai
        _ => return None,
    };
    Some((c as u32 - zero as u32) as u8)
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '[' | ']' | '/' | '\t' | '\u{00A0}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{3000}'
                | '\u{30FC}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{FF0D}'
                | '\u{FF0E}'
                | '\u{FF0F}'
    ) || c.is_whitespace()
        || super::fold::is_invisible(c)
}

/// Does an extension (or dial-string pause) start at `rest`?
fn is_extension_start(rest: &str) -> bool {
    let lower: String = rest.chars().take(9).flat_map(char::to_lowercase).collect();
    ["x", "#", ",", ";", "ext", "poste", "durchwahl", "dw"]
        .iter()
        .any(|m| lower.starts_with(m))
}

/// Normalises a phone number to E.164 (`+14155552671`).
///
/// `default_region` (ISO 3166-1 alpha-2 such as `"US"`, `"de"`, `"UK"`; or a
/// calling code like `"+44"`) is used for numbers written without an
/// international prefix; pass `""` if unknown (national numbers then fail
/// with [`NormalizeError::UnknownRegion`]). Input over 256 bytes is rejected
/// with [`NormalizeError::TooLong`] before parsing.
pub fn normalize_phone(input: &str, default_region: &str) -> Result<String, NormalizeError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(NormalizeError::TooLong);
    }
    let mut s = input.trim();
    if s.len() >= 4 && s.is_char_boundary(4) && s[..4].eq_ignore_ascii_case("tel:") {
        s = &s[4..];
    }

    let mut digits = String::with_capacity(24);
    let mut plus = false;
    for (i, c) in s.char_indices() {
        if let Some(d) = digit_value(c) {
            if digits.len() >= MAX_RAW_DIGITS {
                return Err(NormalizeError::PhoneTooLong);
            }
            digits.push(char::from(b'0' + d));
        } else if c == '+' || c == '\u{FF0B}' {
            if plus || !digits.is_empty() {
                return Err(NormalizeError::InvalidPhoneCharacter);
            }
            plus = true;
        } else if is_separator(c) {
            continue;
        } else if !digits.is_empty() && is_extension_start(&s[i..]) {
            break;
        } else {
            return Err(NormalizeError::InvalidPhoneCharacter);
        }
    }
    if digits.is_empty() {
        return Err(NormalizeError::Empty);
    }

    let region = lookup_region(default_region);
    let international: Option<&str> = if plus {
        Some(&digits)
    } else {
        let own = region
            .into_iter()
            .flat_map(|r| patterns(r.intl))
            .chain(std::iter::once("00"))
            .find_map(|p| match_pattern(&digits, p));
        own.map(|n| &digits[n..])
    };

    let (region, nsn) = match international {
        Some(rest) => {
            let (region, nsn) = split_cc(rest)?;
            // "+44 (0)20 ..." – a 0 trunk prefix written after the code is
            // dropped first (no region with a 0 trunk prefix has NSNs
            // starting with 0); other trunk prefixes (RU 8, NANP 1) only
            // when the number is implausible otherwise (+7 800 ... is valid).
            let (zero, other): (Vec<_>, Vec<_>) = trunk_stripped(region, nsn)
                .into_iter()
                .partition(|(p, _)| p.starts_with('0'));
            let mut candidates: Vec<&str> = zero.into_iter().map(|(_, s)| s).collect();
            candidates.push(nsn);
            // Mexico: legacy mobile "1" after +52.
            if region.cc == "52" && nsn.len() == 11 && nsn.starts_with('1') {
                candidates.push(&nsn[1..]);
            }
            candidates.extend(other.into_iter().map(|(_, s)| s));
            (region, first_plausible(region, candidates, nsn)?)
        }
        None => {
            let region = region.ok_or(NormalizeError::UnknownRegion)?;
            let candidates = trunk_stripped(region, &digits).into_iter().map(|(_, s)| s);
            (region, first_plausible(region, candidates, &digits)?)
        }
    };
    let mut out = String::with_capacity(1 + region.cc.len() + nsn.len());
    out.push('+');
    out.push_str(region.cc);
    out.push_str(nsn);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ok: &[(&str, &str, &str)] = &[
            // NANP
            ("(415) 555-2671", "US", "+14155552671"),
            ("1-415-555-2671", "US", "+14155552671"),
            ("+1 415 555 2671 ext. 123", "", "+14155552671"),
            ("415.555.2671 x99", "us", "+14155552671"),
            ("011 44 20 7946 0958", "US", "+442079460958"),
            ("tel:+1-416-555-0199", "GB", "+14165550199"),
            ("604 555 0123", "CA", "+16045550123"),
            // Europe
            ("020 7946 0958", "GB", "+442079460958"),
            ("+44 (0)20 7946 0958", "", "+442079460958"),
            ("07911 123456", "UK", "+447911123456"),
            ("0044 7911 123456", "DE", "+447911123456"),
            ("030 123456789", "DE", "+4930123456789"),
            ("+49 (0)151 2345 6789", "", "+4915123456789"),
            ("01 23 45 67 89", "FR", "+33123456789"),
            ("+33 6 12 34 56 78", "", "+33612345678"),
            ("912 345 678", "ES", "+34912345678"),
            ("06 1234 5678", "IT", "+390612345678"),
            ("+39 06 1234 5678", "", "+390612345678"),
            ("+39 312 345 6789", "", "+393123456789"),
            ("06-12345678", "NL", "+31612345678"),
            ("044 668 18 00", "CH", "+41446681800"),
            ("08-123 456 78", "SE", "+46812345678"),
            ("22 12 34 56", "NO", "+4722123456"),
            ("612 345 678", "PL", "+48612345678"),
            ("01 234 5678", "IE", "+35312345678"),
            ("8 (912) 345-67-89", "RU", "+79123456789"),
            ("8 800 123 4567", "RU", "+78001234567"),
            ("+7 800 123 4567", "", "+78001234567"),
            ("06 1 234 5678", "HU", "+3612345678"),
            // Asia-Pacific, Americas, Africa, Middle East
            ("(02) 9876 5432", "AU", "+61298765432"),
            ("0011 44 20 7946 0958", "AU", "+442079460958"),
            ("0412 345 678", "AU", "+61412345678"),
            ("09-123 4567", "NZ", "+6491234567"),
            ("03-1234-5678", "JP", "+81312345678"),
            ("010 1 212 555 0100", "JP", "+12125550100"),
            ("139 1234 5678", "CN", "+8613912345678"),
            ("098765 43210", "IN", "+919876543210"),
            ("(11) 91234-5678", "BR", "+5511912345678"),
            ("0 21 11 91234 5678", "BR", "+5511912345678"),
            ("+52 1 55 1234 5678", "", "+525512345678"),
            ("044 55 1234 5678", "MX", "+525512345678"),
            ("011 234 5678", "ZA", "+27112345678"),
            ("9123 4567", "SG", "+6591234567"),
            ("2123 4567", "HK", "+85221234567"),
            ("050-123-4567", "IL", "+972501234567"),
            ("050 123 4567", "AE", "+971501234567"),
            ("+800 1234 5678", "", "+80012345678"),
            ("＋８１ ３ １２３４ ５６７８", "", "+81312345678"),
            ("٠٥٠١٢٣٤٥٦٧", "AE", "+971501234567"),
            ("+1 415\u{200B} 555\u{00A0}2671", "", "+14155552671"),
            ("020 7946 0958", "+44", "+442079460958"),
        ];
        for (input, region, want) in ok {
            assert_eq!(
                normalize_phone(input, region).as_deref(),
                Ok(*want),
                "normalize_phone({input:?}, {region:?})"
            );
        }
    }

    #[test]
    fn errors() {
        use NormalizeError::*;
        let bad: &[(&str, &str, NormalizeError)] = &[
            ("", "US", Empty),
            ("  ()-  ", "US", Empty),
            ("415 555 2671", "", UnknownRegion),
            ("415 555 2671", "ZZ", UnknownRegion),
            ("+999 1234 5678", "", UnknownCallingCode),
            ("+1 055 555 2671", "", InvalidPhoneNumber),
            ("555 2671", "US", PhoneTooShort),
            ("0 6 1 2", "FR", PhoneTooShort),
            ("+33 6 12 34 56 78 9", "", PhoneTooLong),
            ("1-800-FLOWERS", "US", InvalidPhoneCharacter),
            ("call me", "US", InvalidPhoneCharacter),
            ("+1 +1 415 555 2671", "", InvalidPhoneCharacter),
            ("415\u{0000}5552671", "US", InvalidPhoneCharacter),
            ("+", "", Empty),
            ("+1", "", PhoneTooShort),
            ("1234567890123456789012345", "US", PhoneTooLong),
        ];
        for (input, region, want) in bad {
            assert_eq!(
                normalize_phone(input, region),
                Err(*want),
                "normalize_phone({input:?}, {region:?})"
            );
        }
        assert_eq!(normalize_phone(&"1".repeat(10_000), "US"), Err(TooLong));
        assert_eq!(normalize_phone(&"\u{0301}".repeat(200), "US"), Err(TooLong));
        assert_eq!(
            normalize_phone("\u{0301}", "US"),
            Err(InvalidPhoneCharacter)
        );
    }

    #[test]
    fn table_is_consistent() {
        let t = tables();
        assert!(t.regions.len() > 240, "{}", t.regions.len());
        for r in &t.regions {
            assert!(r.cc.bytes().all(|b| b.is_ascii_digit()), "{r:?}");
            // Every calling code is prefix-free against the others.
            for o in &t.regions {
                if o.cc != r.cc {
                    assert!(!o.cc.starts_with(r.cc), "{} / {}", r.cc, o.cc);
                }
            }
            if r.len != "-" {
                for part in r.len.split(',') {
                    for v in part.split('-') {
                        assert!(v.parse::<usize>().is_ok(), "{r:?}");
                    }
                }
            }
        }
        for region in [
            "US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "SE",
        ] {
            assert!(lookup_region(region).is_some(), "{region}");
        }
        for region in [
            "NO", "DK", "FI", "IE", "PT", "PL", "AU", "NZ", "IN", "JP", "CN", "BR",
        ] {
            assert!(lookup_region(region).is_some(), "{region}");
        }
        for region in ["MX", "ZA", "SG", "HK", "IL", "AE", "RU"] {
            assert!(lookup_region(region).is_some(), "{region}");
        }
    }
}
