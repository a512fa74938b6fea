//! Decoding shared by the formats: content lines (`NAME;P=V:value`),
//! quoted-printable, base64, legacy charsets, RFC 2047 encoded words, email
//! address lists and the date forms of iCalendar and RFC 5322.
//!
//! Hand-written rather than a crate: `mailparse` would bring `charset` →
//! `encoding_rs` (every legacy encoding's tables, hundreds of KB of wasm)
//! for the headers alone. UTF-8, Latin-1, Windows-1252 and the single-byte
//! charsets are covered here; the multi-byte ones (Shift_JIS, ISO-2022-JP,
//! GBK, Big5, EUC-KR, …) go to the WHATWG Encoding Standard's decoder the
//! platform already has ([`decode_by_standard`]).

use crate::model::{days_from_civil, days_in_month, Timestamp};

/// One content line of a vCard or iCalendar file.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Upper-case, without the vCard group prefix (`item1.EMAIL` → `EMAIL`).
    pub name: String,
    /// (upper-case name, value without quotes); a bare vCard 2.1 parameter
    /// (`;PREF`, `;QUOTED-PRINTABLE`) has name "TYPE" or "ENCODING".
    pub params: Vec<(String, String)>,
    /// The value, decoded (quoted-printable, charset) but not unescaped.
    pub value: String,
}

impl Property {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any TYPE parameter (comma lists included) is `t`.
    pub fn has_type(&self, t: &str) -> bool {
        self.params
            .iter()
            .any(|(n, v)| n == "TYPE" && v.split(',').any(|x| x.trim().eq_ignore_ascii_case(t)))
    }
}

/// Parses `group.NAME;PARAM=a,"b;c";BARE:value`. None if there is no ':'
/// outside quotes or the name is empty. `text_source`: the file was text
/// already (a JS string, given to the parser as UTF-8), so a value written
/// as it is is UTF-8 whatever its `CHARSET=` says; a quoted-printable one
/// is still bytes in that charset.
///
/// `qp_charset`: the charset of a quoted-printable value without a
/// `CHARSET=` of its own (the whole file's, when the import names one).
pub fn parse_property(
    bytes: &[u8],
    text_source: bool,
    qp_charset: Option<&str>,
) -> Option<Property> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let head = String::from_utf8_lossy(&bytes[..colon]);
    let raw_value = &bytes[colon + 1..];
    let mut parts = split_outside_quotes(&head, ';').into_iter();
    let full_name = parts.next()?.trim().to_string();
    let name = full_name
        .rsplit('.')
        .next()
        .unwrap_or(&full_name)
        .to_ascii_uppercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut params = Vec::new();
    for p in parts {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim()),
            None => {
                let bare = p.trim();
                let up = bare.to_ascii_uppercase();
                let k = if matches!(up.as_str(), "QUOTED-PRINTABLE" | "BASE64" | "B" | "8BIT") {
                    "ENCODING"
                } else {
                    "TYPE"
                };
                (k.to_string(), bare)
            }
        };
        let v = v.trim_matches('"').to_string();
        params.push((k, v));
    }
    let encoding = params
        .iter()
        .find(|(k, _)| k == "ENCODING")
        .map(|(_, v)| v.to_ascii_uppercase());
    let charset = params
        .iter()
        .find(|(k, _)| k == "CHARSET")
        .map(|(_, v)| v.clone());
    let value = match encoding.as_deref() {
        Some("QUOTED-PRINTABLE") => {
            let bytes = decode_quoted_printable(raw_value);
            match (charset.as_deref(), qp_charset) {
                (None, Some(label)) => decode_standard_or_own(label, &bytes),
                (charset, _) => decode_charset(&bytes, charset),
            }
        }
        _ if text_source => decode_charset(raw_value, None),
        _ => decode_charset(raw_value, charset.as_deref()),
    };
    Some(Property {
        name,
        params,
        value,
    })
}

/// Splits at `sep` outside double quotes.
pub fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// vCard/iCalendar text: splits at unescaped `sep` and unescapes
/// `\n \N \, \; \\`.
pub fn split_escaped(value: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => cur.push('\n'),
                Some(other) => cur.push(other),
                None => {}
            }
        } else if c == sep {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

pub fn unescape(value: &str) -> String {
    split_escaped(value, '\u{0}').concat()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Quoted-printable (RFC 2045): `=XX` bytes, `=` at the end of a line is a
/// soft break; a malformed `=` is kept as it is.
pub fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'=' {
            if i + 2 < input.len() {
                if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            if i + 1 == input.len() {
                break; // soft break at the very end
            }
            if input[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if input[i + 1] == b'\n' {
                i += 2;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Base64 (standard alphabet, padding optional, whitespace ignored). None
/// on a character outside the alphabet.
pub fn decode_base64(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Windows-1252's 0x80..0x9F (where it differs from Latin-1).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Bytes in `charset` to text. ISO-8859-1 / Latin-1, Windows-1252 and the
/// other single-byte charsets old exports declare (Central European,
/// Cyrillic, Greek, Turkish, Baltic, KOI8, Mac Roman: see
/// [`super::charsets`]) map byte by byte; any other label the Encoding
/// Standard knows (Shift_JIS, EUC-JP, ISO-2022-JP, GBK / GB2312, GB18030,
/// Big5, EUC-KR, UTF-16, …) decodes by it ([`decode_by_standard`]); UTF-8
/// (the default), US-ASCII and unknown labels decode as UTF-8 if valid,
/// else as Windows-1252: bytes that are not UTF-8 are almost always a
/// Western export without its label ("Müller", not "M\u{fffd}ller").
pub fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let cs: String = charset
        .unwrap_or("utf-8")
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    match cs.as_str() {
        "iso88591" | "latin1" | "l1" => bytes.iter().map(|&b| b as char).collect(),
        "windows1252" | "cp1252" => cp1252(bytes),
        _ => {
            let table = super::charsets::UPPER_HALVES
                .iter()
                .find(|(labels, _)| labels.contains(&cs.as_str()));
            if let Some((_, upper)) = table {
                let upper: Vec<char> = upper.chars().collect();
                return bytes
                    .iter()
                    .map(|&b| {
                        if b < 0x80 {
                            b as char
                        } else {
                            upper[(b - 0x80) as usize]
                        }
                    })
                    .collect();
            }
            let utf8_label = matches!(cs.as_str(), "utf8" | "usascii" | "ascii" | "");
            if let Some(text) = charset
                .filter(|_| !utf8_label)
                .and_then(|label| decode_by_standard(label, bytes))
            {
                return text;
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => cp1252(bytes),
            }
        }
    }
}

/// A decoder by the WHATWG Encoding Standard: `(label, bytes)` → text,
/// `None` for a label it does not know.
pub type StandardDecoder = fn(&str, &[u8]) -> Option<String>;

static PLATFORM_DECODER: std::sync::OnceLock<StandardDecoder> = std::sync::OnceLock::new();

/// Registers the platform's decoder (the wasm binding registers one over
/// `TextDecoder`); the first registration holds.
pub fn set_platform_decoder(decoder: StandardDecoder) {
    let _ = PLATFORM_DECODER.set(decoder);
}

/// `bytes` in the charset `label` by the Encoding Standard, or `None` when
/// the label is not one of its encodings (nor one that decodes to a lone
/// U+FFFD, such as ISO-2022-KR). Natively `encoding_rs`; in wasm the
/// registered platform decoder: every browser and Node carry these tables
/// in `TextDecoder` already, and `encoding_rs`'s would add hundreds of KB
/// to the package.
pub fn decode_by_standard(label: &str, bytes: &[u8]) -> Option<String> {
    if let Some(decoder) = PLATFORM_DECODER.get() {
        return decoder(label.trim(), bytes);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let encoding = encoding_rs::Encoding::for_label(label.trim().as_bytes())?;
        // TextDecoder refuses these two labels; so does this, alike.
        if encoding == encoding_rs::REPLACEMENT || encoding == encoding_rs::X_USER_DEFINED {
            return None;
        }
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        Some(text.into_owned())
    }
    #[cfg(target_arch = "wasm32")]
    None
}

/// `bytes` in the charset `label` as the Encoding Standard reads it
/// (`latin1` and `ascii` are Windows-1252 there, as in a browser), else by
/// [`decode_charset`].
pub fn decode_standard_or_own(label: &str, bytes: &[u8]) -> String {
    decode_by_standard(label, bytes).unwrap_or_else(|| decode_charset(bytes, Some(label)))
}

fn cp1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}

/// Decodes RFC 2047 encoded words (`=?charset?B|Q?text?=`) in a header
/// value; whitespace between two adjacent encoded words is dropped. A
/// malformed word is kept as written.
pub fn decode_rfc2047(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    let mut last_was_word = false;
    loop {
        let Some(start) = rest.find("=?") else {
            out.push_str(rest);
            break;
        };
        let (before, from) = rest.split_at(start);
        match encoded_word(from) {
            Some((text, len)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &from[len..];
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &from[2..];
                last_was_word = false;
            }
        }
    }
    out
}

/// One encoded word at the start of `s`: (decoded text, bytes consumed).
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    let after = &body[q1 + 1..];
    let mut enc = after.chars();
    let kind = enc.next()?.to_ascii_uppercase();
    if after.as_bytes().get(1) != Some(&b'?') {
        return None;
    }
    let text_start = 2;
    let end = after[text_start..].find("?=")?;
    let text = &after[text_start..text_start + end];
    if text.contains(' ') {
        return None;
    }
    // RFC 2231 language suffix: charset*lang.
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = match kind {
        'B' => decode_base64(text.as_bytes())?,
        'Q' => {
            let spaced: Vec<u8> = text
                .bytes()
                .map(|b| if b == b'_' { b' ' } else { b })
                .collect();
            decode_quoted_printable(&spaced)
        }
        _ => return None,
    };
    let consumed = 2 + q1 + 1 + text_start + end + 2;
    Some((decode_charset(&bytes, Some(charset)), consumed))
}

/// An address in a list: (display name, address lower-case).
pub type Address = (Option<String>, String);

/// Parses an RFC 5322 address list loosely: `"Doe, Jane" <jane@x.org>,
/// bob@y.org, Team: a@b.c, d@e.f;`. Entries without an `@` are skipped.
pub fn parse_address_list(value: &str) -> Vec<Address> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut in_angle = false;
    let mut depth_comment = 0u32;
    let mut entries = Vec::new();
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => {
                escaped = true;
                continue;
            }
            '"' if depth_comment == 0 => in_quotes = !in_quotes,
            '(' if !in_quotes => depth_comment += 1,
            ')' if !in_quotes && depth_comment > 0 => depth_comment -= 1,
            '<' if !in_quotes && depth_comment == 0 => in_angle = true,
            '>' if !in_quotes && depth_comment == 0 => in_angle = false,
            ',' | ';' if !in_quotes && !in_angle && depth_comment == 0 => {
                entries.push(std::mem::take(&mut cur));
                continue;
            }
            ':' if !in_quotes && !in_angle && depth_comment == 0 && !cur.contains('@') => {
                // A group name ("Team:"): drop it.
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    entries.push(cur);
    for e in entries {
        if let Some(a) = parse_address(&e) {
            out.push(a);
        }
    }
    out
}

fn parse_address(entry: &str) -> Option<Address> {
    let e = entry.trim();
    if e.is_empty() {
        return None;
    }
    let (name, addr) = match (e.rfind('<'), e.rfind('>')) {
        (Some(l), Some(r)) if l < r => (Some(e[..l].trim()), e[l + 1..r].trim()),
        _ => {
            // bare address, maybe with a (comment)
            let addr = e.split('(').next().unwrap_or(e).trim();
            let comment = e
                .find('(')
                .and_then(|l| e.rfind(')').map(|r| (l, r)))
                .filter(|(l, r)| l < r)
                .map(|(l, r)| e[l + 1..r].trim());
            (comment, addr)
        }
    };
    let addr = addr
        .trim()
        .trim_start_matches("mailto:")
        .trim_start_matches("MAILTO:");
    if !addr.contains('@') || addr.contains(char::is_whitespace) {
        return None;
    }
    let name = name
        .map(|n| decode_rfc2047(n.trim().trim_matches('"').trim()))
        .map(|n| n.replace("\\\"", "\"").trim().to_string())
        .filter(|n| !n.is_empty() && !n.contains('@'));
    Some((name, addr.to_lowercase()))
}

/// Month number from an English three-letter abbreviation.
fn month(s: &str) -> Option<i64> {
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let l = s.get(..3)?.to_ascii_lowercase();
    M.iter().position(|m| *m == l).map(|i| i as i64 + 1)
}

/// A UTC offset, `+0200`, `-0530` or `+020000` (RFC 5545 `utc-offset`;
/// RFC 5322 dates write the first two forms) → minutes.
pub(super) fn parse_utc_offset(v: &str) -> Option<i64> {
    let sign = match v.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &v[1..];
    if !matches!(digits.len(), 4 | 6) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..4].parse().ok()?;
    // RFC 5545 `utc-offset`: hours to 23, minutes and seconds to 59.
    let s: i64 = match &digits[4..] {
        "" => 0,
        s => s.parse().ok()?,
    };
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(sign * (h * 60 + m))
}

/// RFC 5322 / RFC 2822 date (`Tue, 1 Jul 2003 10:52:37 +0200`, obsolete
/// zone names, two-digit years, missing seconds).
pub fn parse_rfc5322_date(value: &str) -> Option<Timestamp> {
    let v = value.split('(').next()?.trim();
    let v = match v.find(',') {
        Some(p) => &v[p + 1..],
        None => v,
    };
    let mut it = v.split_whitespace();
    let day: i64 = it.next()?.parse().ok()?;
    let mon = month(it.next()?)?;
    let mut year: i64 = it.next()?.parse().ok()?;
    if year < 50 {
        year += 2000;
    } else if year < 1000 {
        year += 1900;
    }
    let time = it.next()?;
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next()?.parse().ok()?;
    let s: i64 = t.next().map(|s| s.parse().ok()).unwrap_or(Some(0))?;
    let zone = it.next().unwrap_or("+0000");
    let offset_min = match zone.to_ascii_uppercase().as_str() {
        "UT" | "GMT" | "Z" | "UTC" => 0,
        "EST" => -300,
        "EDT" => -240,
        "CST" => -360,
        "CDT" => -300,
        "MST" => -420,
        "MDT" => -360,
        "PST" => -480,
        "PDT" => -420,
        // `+9999` or `+-123` is no offset: the date is refused, not moved.
        z if (z.starts_with('+') || z.starts_with('-')) && z.len() == 5 => parse_utc_offset(z)?,
        _ => 0,
    };
    civil_to_ms(year, mon, day, h, mi, s).map(|ms| Timestamp::from_millis(ms - offset_min * 60_000))
}

/// Milliseconds of a UTC civil time, None when a field is out of range.
/// A birthday as contact files write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Birthday {
    /// A full date, as `YYYY-MM-DD`.
    Full(String),
    /// Empty, or without a year (vCard 4's `--0412`, Google's `--04-12`,
    /// Outlook's `0/0/00`): nothing to store, nothing wrong.
    Partial,
    /// Not a date.
    Invalid,
}

/// Sets the contact's birth date from a written birthday (`what` names the
/// field in the report): one without a year is left out, one that is no
/// date is reported and left out, the rest of the entry kept.
pub(super) fn take_birthday(
    c: &mut super::Contact,
    value: &str,
    what: &str,
    line: u64,
    out: &mut Vec<super::Parsed>,
) {
    match read_birthday(value) {
        Birthday::Full(d) => c.birth_date = Some(d),
        Birthday::Partial => {}
        Birthday::Invalid => out.push(super::Parsed::Issue(super::ParseIssue::new(
            line,
            crate::error::ErrorCode::InvalidDate,
            format!(
                "{what} '{}' is not a date (left out; the rest of the entry kept)",
                value.chars().take(40).collect::<String>()
            ),
        ))),
    }
}

/// Reads a birthday: `YYYY-MM-DD` or `YYYYMMDD` (a time after it ignored),
/// `YYYY/MM/DD`, US `M/D/YYYY` (Outlook; `D/M/YYYY` when the first number
/// cannot be a month), and `D.M.YYYY` or `D-M-YYYY`. Two-digit years are
/// ambiguous: not a date.
pub fn read_birthday(value: &str) -> Birthday {
    let v = value.trim();
    let v = v.split(['T', ' ']).next().unwrap_or_default();
    if v.is_empty() || v.starts_with("--") {
        return Birthday::Partial;
    }
    let groups: Vec<&str> = v.split(['-', '/', '.']).collect();
    let numeric = |g: &str| !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_digit());
    let ymd = match groups.as_slice() {
        [one]
            if one.len() == 8 && numeric(&one[..4]) && one.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some((&one[..4], &one[4..6], &one[6..]))
        }
        [a, b, c] if [a, b, c].iter().all(|g| numeric(g)) => {
            if a.trim_start_matches('0').is_empty() && b.trim_start_matches('0').is_empty() {
                return Birthday::Partial; // Outlook's 0/0/00
            }
            let first: u32 = a.parse().unwrap_or(0);
            match (a.len(), c.len()) {
                (4, _) => Some((*a, *b, *c)),
                (_, 4) if v.contains('/') && first <= 12 => Some((*c, *a, *b)),
                (_, 4) => Some((*c, *b, *a)),
                _ => None,
            }
        }
        _ => None,
    };
    let Some((y, m, d)) = ymd else {
        return Birthday::Invalid;
    };
    let date = format!("{y:0>4}-{m:0>2}-{d:0>2}");
    if crate::model::parse_date(&date).is_some() {
        Birthday::Full(date)
    } else {
        Birthday::Invalid
    }
}

pub fn civil_to_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1000..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || d < 1
        || d > days_in_month(y, mo)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&mi)
        || !(0..=60).contains(&s)
    {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s.min(59) * 1000)
}

/// 0 = Sunday … 6 = Saturday.
pub fn weekday(days_since_epoch: i64) -> i64 {
    (days_since_epoch + 4).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_byte_charsets_as_declared() {
        // "Иван" in windows-1251 and KOI8-R, "Łukasz" in ISO-8859-2.
        assert_eq!(
            decode_charset(&[0xC8, 0xE2, 0xE0, 0xED], Some("windows-1251")),
            "Иван"
        );
        assert_eq!(
            decode_charset(&[0xE9, 0xD7, 0xC1, 0xCE], Some("KOI8-R")),
            "Иван"
        );
        assert_eq!(decode_charset(b"\xA3ukasz", Some("ISO-8859-2")), "Łukasz");
        assert_eq!(decode_charset(b"M\xFCller", Some("iso_8859-1")), "Müller");
        // Unlabelled, not UTF-8: Windows-1252.
        assert_eq!(decode_charset(b"M\xFCller", None), "Müller");
        for (labels, upper) in super::super::charsets::UPPER_HALVES {
            assert_eq!(upper.chars().count(), 128, "{labels:?}");
        }
    }

    #[test]
    fn multi_byte_charsets_by_the_encoding_standard() {
        // 山田 in Shift_JIS and EUC-JP, 张伟 in GB2312 (decoded as GBK, as
        // browsers do), 陳大文 in Big5, 김민준 in EUC-KR (and its Windows
        // label, ks_c_5601-1987, which Outlook writes).
        let cases: [(&[u8], &str, &str); 6] = [
            (&[0x8E, 0x52, 0x93, 0x63], "Shift_JIS", "山田"),
            (&[0xBB, 0xB3, 0xC5, 0xC4], "EUC-JP", "山田"),
            (&[0xD5, 0xC5, 0xCE, 0xB0], "GB2312", "张伟"),
            (&[0xB3, 0xAF, 0xA4, 0x6A, 0xA4, 0xE5], "Big5", "陳大文"),
            (&[0xB1, 0xE8, 0xB9, 0xCE, 0xC1, 0xD8], "EUC-KR", "김민준"),
            (
                &[0xB1, 0xE8, 0xB9, 0xCE, 0xC1, 0xD8],
                "ks_c_5601-1987",
                "김민준",
            ),
        ];
        for (bytes, label, text) in cases {
            assert_eq!(decode_charset(bytes, Some(label)), text, "{label}");
        }
        // ISO-2022-JP is 7-bit: valid UTF-8, yet not to be read as such.
        assert_eq!(
            decode_rfc2047("=?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEJCQE86GyhC?= <taro@example.jp>"),
            "山田 太郎 <taro@example.jp>"
        );
        // Labels the standard does not know, or decodes to nothing but
        // U+FFFD: UTF-8 if valid, else Windows-1252, as before.
        assert_eq!(decode_charset(b"M\xFCller", Some("x-unknown")), "Müller");
        assert_eq!(decode_charset("Zoë".as_bytes(), Some("ISO-2022-KR")), "Zoë");
        // US-ASCII is Windows-1252 in the standard; here it stays UTF-8
        // first, as mislabelled UTF-8 is what such labels mostly carry.
        assert_eq!(decode_charset("Zoë".as_bytes(), Some("us-ascii")), "Zoë");
    }

    #[test]
    fn birthdays_as_contact_files_write_them() {
        let full = |d: &str| Birthday::Full(d.to_string());
        for (written, read) in [
            ("1815-12-10", full("1815-12-10")),
            ("18151210", full("1815-12-10")),
            ("1815-12-10T00:00:00Z", full("1815-12-10")),
            ("1815/12/10", full("1815-12-10")),
            ("12/10/1815", full("1815-12-10")), // Outlook, US: month first
            ("24/12/1970", full("1970-12-24")), // 24 cannot be a month
            ("10.12.1815", full("1815-12-10")), // German: day first
            ("--1210", Birthday::Partial),
            ("--12-10", Birthday::Partial),
            ("0/0/00", Birthday::Partial),
            ("", Birthday::Partial),
            ("12/10/15", Birthday::Invalid), // which century?
            ("1815-13-10", Birthday::Invalid),
            ("soon", Birthday::Invalid),
        ] {
            assert_eq!(read_birthday(written), read, "{written}");
        }
    }

    #[test]
    fn properties_with_groups_quotes_and_bare_params() {
        let p = parse_property(
            b"item1.EMAIL;type=INTERNET;type=\"pref,work\":ada@x.org",
            false,
            None,
        )
        .unwrap();
        assert_eq!(p.name, "EMAIL");
        assert!(p.has_type("work") && p.has_type("internet"));
        assert_eq!(p.value, "ada@x.org");
        let p = parse_property(
            b"FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Ren=E9 Descartes",
            false,
            None,
        )
        .unwrap();
        assert_eq!(p.value, "René Descartes");
        let p = parse_property(
            b"N;CHARSET=UTF-8;QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;",
            false,
            None,
        )
        .unwrap();
        assert_eq!(p.value, "Müller;Jürgen;;;");
        assert!(parse_property(b"no colon here", false, None).is_none());
        assert!(parse_property(b":value", false, None).is_none());
        // A file given as text: a value written as it is is that text
        // (UTF-8 here), whatever CHARSET says; quoted-printable is still
        // bytes in the declared charset.
        let written = "FN;CHARSET=ISO-8859-1:Müller".as_bytes();
        assert_eq!(parse_property(written, true, None).unwrap().value, "Müller");
        assert_eq!(
            parse_property(written, false, None).unwrap().value,
            "MÃ¼ller"
        );
        let qp = b"FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Ren=E9";
        assert_eq!(parse_property(qp, true, None).unwrap().value, "René");
    }

    #[test]
    fn escaped_structured_values() {
        assert_eq!(
            split_escaped(r"Doe\, Jr.;Jane;;Dr.;", ';'),
            vec!["Doe, Jr.", "Jane", "", "Dr.", ""]
        );
        assert_eq!(unescape(r"a\nb\\c"), "a\nb\\c");
    }

    #[test]
    fn encoded_words() {
        assert_eq!(
            decode_rfc2047("=?UTF-8?B?SsO8cmdlbg==?= Müller"),
            "Jürgen Müller"
        );
        assert_eq!(
            decode_rfc2047("=?iso-8859-1?Q?Fran=E7ois?= =?iso-8859-1?Q?_Dupont?="),
            "François Dupont"
        );
        assert_eq!(decode_rfc2047("plain =?bad"), "plain =?bad");
    }

    #[test]
    fn address_lists() {
        let l = parse_address_list(
            r#""Doe, Jane" <Jane@X.org>, bob@y.org (Bob), Team: c@d.io, e@f.io;, junk"#,
        );
        assert_eq!(
            l,
            vec![
                (Some("Doe, Jane".into()), "jane@x.org".into()),
                (Some("Bob".into()), "bob@y.org".into()),
                (None, "c@d.io".into()),
                (None, "e@f.io".into()),
            ]
        );
    }

    #[test]
    fn rfc5322_dates() {
        let t = parse_rfc5322_date("Tue, 1 Jul 2003 10:52:37 +0200").unwrap();
        assert_eq!(t, Timestamp::parse("2003-07-01T08:52:37Z").unwrap());
        let t = parse_rfc5322_date("1 Jul 03 10:52 GMT").unwrap();
        assert_eq!(t, Timestamp::parse("2003-07-01T10:52:00Z").unwrap());
        assert!(parse_rfc5322_date("yesterday").is_none());
        assert!(parse_rfc5322_date("31 Feb 2003 10:00:00 +0000").is_none());
    }
}
