//! vCard 2.1 / 3.0 / 4.0 (RFC 2426, RFC 6350): BEGIN:VCARD … END:VCARD
//! blocks of content lines, unfolded; quoted-printable and CHARSET
//! parameters decoded; FN, N, NICKNAME, EMAIL, TEL, ORG, TITLE, UID, URL,
//! X-SOCIALPROFILE, ADR and BDAY kept, the rest (photos, notes) ignored.
//! A card of an organization (vCard 4 `KIND:org`, Apple's
//! `X-ABShowAs:COMPANY`) is marked as one; a group or location card
//! (`KIND:group`, `KIND:location`) is no one and is skipped.

use super::lines::{ContentLine, ContentLines};
use super::text::{parse_property, split_escaped, unescape, Property};
use super::{content_key, Contact, ParseIssue, Parsed, PushParser};
use crate::error::{ErrorCode, Result};

/// A card being read: where it began, what it holds so far.
struct Card {
    line: u64,
    contact: Contact,
    /// Content of identifying properties, for a key when there is no UID.
    fingerprint: Vec<String>,
    uid: Option<String>,
    /// Nested cards (vCard 2.1 AGENT) are skipped.
    depth: u32,
    /// The last property was an AGENT with its card to follow: the next
    /// BEGIN:VCARD nests. Any other BEGIN:VCARD in an open card means that
    /// card was never closed.
    agent_follows: bool,
    /// `KIND:group` or `KIND:location`: skipped.
    not_a_contact: bool,
}

impl Card {
    /// An empty card whose BEGIN:VCARD is on `line`.
    fn starting_at(line: u64) -> Card {
        Card {
            line,
            contact: Contact {
                line,
                ..Default::default()
            },
            fingerprint: Vec::new(),
            uid: None,
            depth: 0,
            agent_follows: false,
            not_a_contact: false,
        }
    }
}

pub struct VCardParser {
    lines: ContentLines,
    card: Option<Card>,
    /// Line of the first stray line in a run outside any card (reported once).
    stray: Option<u64>,
    /// The file was text already (see [`parse_property`]).
    text_source: bool,
    /// The file's charset, for quoted-printable values without their own.
    qp_charset: Option<String>,
}

impl Default for VCardParser {
    fn default() -> Self {
        Self::new()
    }
}

impl VCardParser {
    pub fn new() -> Self {
        VCardParser {
            lines: ContentLines::default(),
            card: None,
            stray: None,
            text_source: false,
            qp_charset: None,
        }
    }

    /// For a file that was text already: see [`parse_property`].
    pub fn text_source(mut self, yes: bool) -> Self {
        self.text_source = yes;
        self
    }

    /// The charset the whole file is in (the import's `encoding`), for
    /// quoted-printable values that do not name one.
    pub fn qp_charset(mut self, label: Option<String>) -> Self {
        self.qp_charset = label;
        self
    }

    fn content_line(&mut self, cl: ContentLine, out: &mut Vec<Parsed>) {
        if cl.bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        if cl.cut {
            out.push(Parsed::Issue(ParseIssue::new(
                cl.first_line,
                ErrorCode::TooLarge,
                format!("line over {} bytes, cut", super::lines::MAX_LINE),
            )));
        }
        let Some(prop) = parse_property(cl.bytes, self.text_source, self.qp_charset.as_deref())
        else {
            if self.card.is_some() {
                out.push(Parsed::Issue(ParseIssue::new(
                    cl.first_line,
                    ErrorCode::InvalidInput,
                    "not a vCard property (NAME:value)",
                )));
            } else {
                self.stray_line(cl.first_line, out);
            }
            return;
        };
        let is_card = prop.value.trim().eq_ignore_ascii_case("VCARD");
        match (prop.name.as_str(), &mut self.card) {
            ("BEGIN", None) if is_card => {
                self.stray = None;
                self.card = Some(Card::starting_at(cl.first_line));
            }
            ("BEGIN", Some(card)) if is_card && (card.depth > 0 || card.agent_follows) => {
                card.agent_follows = false;
                card.depth += 1;
            }
            ("BEGIN", Some(card)) if is_card => {
                // The open card lacked its END:VCARD: reported, and this
                // line starts the next card (before, every later card was
                // taken for a nested one and lost).
                out.push(Parsed::Issue(ParseIssue::new(
                    card.line,
                    ErrorCode::InvalidInput,
                    "card not closed by END:VCARD before the next BEGIN:VCARD",
                )));
                self.card = Some(Card::starting_at(cl.first_line));
            }
            ("BEGIN", Some(_)) => {}
            ("END", Some(card)) if is_card => {
                if card.depth > 0 {
                    card.depth -= 1;
                } else {
                    let card = self.card.take().expect("matched Some");
                    out.push(finish_card(card));
                }
            }
            (_, Some(card)) => {
                if card.depth == 0 {
                    card.agent_follows = prop.name == "AGENT" && prop.value.trim().is_empty();
                    apply(card, &prop, cl.first_line, out);
                }
            }
            (_, None) => self.stray_line(cl.first_line, out),
        }
    }

    fn stray_line(&mut self, line: u64, out: &mut Vec<Parsed>) {
        if self.stray.is_none() {
            self.stray = Some(line);
            out.push(Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::InvalidInput,
                "text outside BEGIN:VCARD … END:VCARD",
            )));
        }
    }
}

fn finish_card(card: Card) -> Parsed {
    let Card {
        line,
        mut contact,
        fingerprint,
        uid,
        not_a_contact,
        ..
    } = card;
    if not_a_contact {
        return Parsed::Skipped { line };
    }
    if contact.names_only_a_company() {
        contact.is_organization = true;
    }
    if contact.is_organization {
        if contact.organization.is_none() {
            contact.organization = contact.names.first().cloned();
        }
        if contact.organization.is_none() {
            return Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::Required,
                "organization card without a name (ORG or FN)",
            ));
        }
    } else if contact.is_empty() {
        return Parsed::Issue(ParseIssue::new(
            line,
            ErrorCode::Required,
            "card without a name, email or phone",
        ));
    }
    contact.record_id = match uid {
        Some(u) => format!("uid:{u}"),
        None => {
            let parts: Vec<&str> = fingerprint.iter().map(String::as_str).collect();
            content_key(&parts)
        }
    };
    Parsed::Contact(contact)
}

fn push_unique(list: &mut Vec<String>, v: String) {
    let v = v.trim().to_string();
    if !v.is_empty() && !list.contains(&v) {
        list.push(v);
    }
}

/// Network of a profile URL, for the URL forms contact apps export.
pub(super) fn network_of(url: &str) -> Option<&'static str> {
    let l = url.to_ascii_lowercase();
    let host = l
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.")
        .split('/')
        .next()
        .unwrap_or("");
    match host {
        h if h.ends_with("linkedin.com") => Some("linkedin"),
        "twitter.com" | "x.com" | "mobile.twitter.com" => Some("twitter"),
        "github.com" => Some("github"),
        "facebook.com" | "m.facebook.com" => Some("facebook"),
        "instagram.com" => Some("instagram"),
        _ => None,
    }
}

fn apply(card: &mut Card, prop: &Property, line: u64, out: &mut Vec<Parsed>) {
    let c = &mut card.contact;
    let keep = |card_fp: &mut Vec<String>, v: &str| card_fp.push(format!("{}={v}", prop.name));
    match prop.name.as_str() {
        "FN" => {
            let v = unescape(&prop.value);
            keep(&mut card.fingerprint, &v);
            // The formatted name first: it is what the person is called.
            let v = v.trim().to_string();
            if !v.is_empty() && !c.names.contains(&v) {
                c.names.insert(0, v);
            }
        }
        "N" => {
            keep(&mut card.fingerprint, &prop.value);
            let parts = split_escaped(&prop.value, ';');
            let get = |i: usize| {
                parts
                    .get(i)
                    .map(|s| s.replace(',', " "))
                    .unwrap_or_default()
            };
            let (family, given, additional) = (get(0), get(1), get(2));
            let name = [given.trim(), additional.trim(), family.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            push_unique(&mut c.names, name);
        }
        "NICKNAME" => {
            for n in split_escaped(&prop.value, ',') {
                push_unique(&mut c.names, n);
            }
        }
        "EMAIL" => {
            let v = unescape(&prop.value);
            let v = v.trim();
            let v = match v.get(..7) {
                Some(p) if p.eq_ignore_ascii_case("mailto:") => &v[7..],
                _ => v,
            }
            .to_string();
            keep(&mut card.fingerprint, &v);
            push_unique(&mut c.emails, v);
        }
        "TEL" => {
            let v = unescape(&prop.value);
            let v = v.trim();
            let v = match v.get(..4) {
                Some(p) if p.eq_ignore_ascii_case("tel:") => &v[4..],
                _ => v,
            };
            // RFC 3966 parameters (;ext=…) after the number.
            let (num, ext) = match v.split_once(";ext=") {
                Some((n, e)) => (n, Some(e)),
                None => (v.split(';').next().unwrap_or(v), None),
            };
            let v = match ext {
                Some(e) => format!("{num} ext. {e}"),
                None => num.to_string(),
            };
            keep(&mut card.fingerprint, &v);
            push_unique(&mut c.phones, v);
        }
        "ORG" => {
            let parts = split_escaped(&prop.value, ';');
            let org = parts
                .first()
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            if !org.is_empty() && c.organization.is_none() {
                c.organization = Some(org);
            }
        }
        "NOTE" => {
            let v = unescape(&prop.value)
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            push_unique(&mut c.notes, v);
        }
        "TITLE" => {
            let v = unescape(&prop.value).trim().to_string();
            if !v.is_empty() && c.title.is_none() {
                c.title = Some(v);
            }
        }
        "UID" => {
            let v = unescape(&prop.value).trim().to_string();
            if !v.is_empty() {
                card.uid = Some(v);
            }
        }
        "URL" | "X-SOCIALPROFILE" => {
            let v = unescape(&prop.value).trim().to_string();
            let typed = prop
                .param("TYPE")
                .map(|t| t.split(',').next().unwrap_or(t).trim().to_ascii_lowercase())
                .filter(|t| {
                    prop.name == "X-SOCIALPROFILE"
                        && !t.is_empty()
                        && t.len() <= 32
                        && t.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                });
            let network = typed.or_else(|| network_of(&v).map(str::to_string));
            match (network, v.is_empty()) {
                (Some(n), false) => {
                    c.social.entry(n).or_insert(v);
                }
                (None, false) if prop.name == "URL" && c.website.is_none() => c.website = Some(v),
                _ => {}
            }
        }
        "KIND" => {
            let v = prop.value.trim().to_ascii_lowercase();
            match v.as_str() {
                "org" | "organization" => c.is_organization = true,
                "group" | "location" => card.not_a_contact = true,
                _ => {}
            }
        }
        "X-ABSHOWAS" if prop.value.trim().eq_ignore_ascii_case("COMPANY") => {
            c.is_organization = true;
        }
        "ADR" => {
            let parts = split_escaped(&prop.value, ';');
            let addr = parts
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            // Line breaks (quoted-printable =0D=0A from Android and Outlook)
            // become separators: a control character would refuse the card.
            let addr = addr.replace("\r\n", "\n").replace('\r', "\n");
            push_unique(&mut c.addresses, addr.replace('\n', ", "));
        }
        "BDAY" => {
            let v = prop.value.trim();
            // Apple writes a birthday without a year as year 1604, marked
            // X-APPLE-OMIT-YEAR=1604.
            let omitted_year = prop
                .param("X-APPLE-OMIT-YEAR")
                .is_some_and(|y| v.starts_with(y.trim()));
            if !omitted_year {
                super::text::take_birthday(c, v, "BDAY", line, out);
            }
        }
        _ => {}
    }
}

impl PushParser for VCardParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        let logical = self.lines.feed(chunk);
        for cl in logical {
            self.content_line(cl.as_content_line(), out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        let logical = self.lines.finish();
        for cl in logical {
            self.content_line(cl.as_content_line(), out);
        }
        if let Some(card) = self.card.take() {
            out.push(Parsed::Issue(ParseIssue::new(
                card.line,
                ErrorCode::InvalidInput,
                "card not closed by END:VCARD before the end of the file",
            )));
        }
        Ok(())
    }

    fn buffered_bytes(&self) -> usize {
        self.lines.buffered()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_all, Format, ParserOptions};
    use super::*;

    fn contacts(input: &str) -> (Vec<Contact>, Vec<ParseIssue>) {
        let mut cs = Vec::new();
        let mut issues = Vec::new();
        for chunk in [1usize, 7, 4096] {
            let out = parse_all(
                Format::VCard,
                &ParserOptions::default(),
                input.as_bytes(),
                chunk,
            )
            .unwrap();
            let (mut c, mut i) = (Vec::new(), Vec::new());
            for p in out {
                match p {
                    Parsed::Contact(x) => c.push(x),
                    Parsed::Issue(x) => i.push(x),
                    _ => {}
                }
            }
            if chunk > 1 {
                assert_eq!(c, cs, "chunking changes nothing");
                assert_eq!(i, issues);
            }
            cs = c;
            issues = i;
        }
        (cs, issues)
    }

    #[test]
    fn a_vcard_3_card_with_folding_and_structured_fields() {
        let (c, issues) = contacts(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada \r\n Lovelace\r\nN:Lovelace;Ada;Augusta;;\r\n\
             EMAIL;TYPE=INTERNET,WORK:ada@analytical.example\r\nTEL;TYPE=CELL:+44 20 7946 0000\r\n\
             ORG:Analytical Engines\\, Ltd;Research\r\nTITLE:Programmer\r\nUID:urn:uuid:1234\r\n\
             item1.URL:https://www.linkedin.com/in/ada\r\nBDAY:1815-12-10\r\nEND:VCARD\r\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(c.len(), 1);
        let a = &c[0];
        assert_eq!(a.names, vec!["Ada Lovelace", "Ada Augusta Lovelace"]);
        assert_eq!(a.emails, vec!["ada@analytical.example"]);
        assert_eq!(a.phones, vec!["+44 20 7946 0000"]);
        assert_eq!(a.organization.as_deref(), Some("Analytical Engines, Ltd"));
        assert_eq!(a.title.as_deref(), Some("Programmer"));
        assert_eq!(a.record_id, "uid:urn:uuid:1234");
        assert_eq!(a.social["linkedin"], "https://www.linkedin.com/in/ada");
        assert_eq!(a.birth_date.as_deref(), Some("1815-12-10"));
        assert_eq!(a.line, 1);
        // Apple's birthday without a year is no birth date in 1604.
        let (c, issues) = contacts(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Smith\r\n\
             BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12\r\nEND:VCARD\r\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(c[0].birth_date, None);
    }

    #[test]
    fn vcard_4_and_2_1_forms() {
        let (c, issues) = contacts(
            "BEGIN:VCARD\nVERSION:4.0\nFN:Zoë Ångström\nTEL;VALUE=uri;TYPE=\"voice,home\":tel:+1-555-555-5555;ext=5555\n\
             X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/zoe\nEND:VCARD\n\
             BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCr=\ngen\n\
             EMAIL;PREF;INTERNET:j@example.de\nEND:VCARD\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(c[0].names, vec!["Zoë Ångström"]);
        assert_eq!(c[0].phones, vec!["+1-555-555-5555 ext. 5555"]);
        assert_eq!(c[0].social["twitter"], "https://twitter.com/zoe");
        assert!(c[0].record_id.starts_with("hash:"));
        assert_eq!(c[1].names, vec!["Jürgen Müller"]);
        assert_eq!(c[1].emails, vec!["j@example.de"]);
        assert_eq!(c[1].line, 7);
    }

    #[test]
    fn malformed_cards_are_reported_with_their_line_and_the_rest_kept() {
        let (c, issues) = contacts(
            "garbage before\nBEGIN:VCARD\nFN:Good One\nthis is not a property\nEND:VCARD\n\
             BEGIN:VCARD\nNOTE:nothing useful\nEND:VCARD\nBEGIN:VCARD\nFN:Unclosed\n",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].names, vec!["Good One"]);
        let lines: Vec<u64> = issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![1, 4, 6, 9]);
        assert_eq!(issues[2].code, ErrorCode::Required);
    }

    #[test]
    fn the_same_card_gets_the_same_key_without_uid() {
        let card = "BEGIN:VCARD\nFN:Bob\nEMAIL:bob@example.com\nEND:VCARD\n";
        let (a, _) = contacts(card);
        let (b, _) = contacts(&card.replace('\n', "\r\n"));
        assert_eq!(a[0].record_id, b[0].record_id);
        let (c, _) = contacts(&card.replace("bob@", "robert@"));
        assert_ne!(a[0].record_id, c[0].record_id);
    }

    /// A card without END:VCARD loses itself only: the next BEGIN:VCARD
    /// starts the next card (before, every later card was taken for a
    /// nested one). A vCard 2.1 AGENT's card still nests.
    #[test]
    fn a_missing_end_loses_only_its_own_card() {
        let (cs, issues) = contacts(
            "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\nBEGIN:VCARD\nFN:C\nAGENT:\nBEGIN:VCARD\nFN:Agent\nEND:VCARD\nEND:VCARD\n",
        );
        let names: Vec<&str> = cs.iter().map(|c| c.names[0].as_str()).collect();
        assert_eq!(names, vec!["B", "C"]);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(
            (issues[0].line, issues[0].code),
            (1, ErrorCode::InvalidInput)
        );
    }

    /// Exports from the wild: MAILTO:/TEL: in capitals, a quoted-printable
    /// address with =0D=0A line breaks, Latin-1 bytes with no CHARSET.
    #[test]
    fn capital_uri_schemes_crlf_addresses_and_unlabelled_latin1() {
        let (cs, issues) = contacts(
            "BEGIN:VCARD\nVERSION:2.1\nFN:Ada\nEMAIL:MAILTO:Ada@Example.org\nTEL:TEL:+1 415 555 0100\nADR;ENCODING=QUOTED-PRINTABLE:;;1 Main St=0D=0ASuite 2;Springfield;;;\nEND:VCARD\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(cs[0].emails, vec!["Ada@Example.org"]);
        assert_eq!(cs[0].phones, vec!["+1 415 555 0100"]);
        assert!(!cs[0].addresses[0].contains('\r'), "{:?}", cs[0].addresses);
        let mut latin1 = b"BEGIN:VCARD\nFN:M".to_vec();
        latin1.push(0xFC);
        latin1.extend_from_slice(b"ller\nEND:VCARD\n");
        let out = parse_all(Format::VCard, &ParserOptions::default(), &latin1, 4096).unwrap();
        let Parsed::Contact(c) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(c.names, vec!["Müller"]);
    }

    /// A Japanese phone's vCard 2.1: Shift_JIS, quoted-printable or raw
    /// 8-bit. A raw Shift_JIS character can end in 0x5C (`\`, as in ソ):
    /// the charset is decoded before escapes are read, so it stays ソ.
    #[test]
    fn shift_jis_cards_quoted_printable_and_raw() {
        let mut card =
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=8ER=93c =91=BE=98Y\r\n"
                .to_vec();
        card.extend_from_slice(b"ORG;CHARSET=SHIFT_JIS:");
        card.extend_from_slice(&[0x83, 0x5C, 0x83, 0x6A, 0x81, 0x5B]);
        card.extend_from_slice(b"\r\nEMAIL;INTERNET:taro@example.jp\r\nEND:VCARD\r\n");
        for chunk in [1, 5, 4096] {
            let out = parse_all(Format::VCard, &ParserOptions::default(), &card, chunk).unwrap();
            let Parsed::Contact(c) = &out[0] else {
                panic!("{out:?}")
            };
            assert_eq!(c.names, vec!["山田 太郎"]);
            assert_eq!(c.organization.as_deref(), Some("ソニー"));
            assert_eq!(c.emails, vec!["taro@example.jp"]);
        }
    }
}
