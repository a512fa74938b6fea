//! mbox (RFC 4155) → email interactions, from the headers only.
//!
//! A message starts at a `From ` line (at the start of the file or after a
//! blank line); its header block runs to the first blank line. From, To,
//! Cc, Date and Message-ID are read (folded headers joined, RFC 2047 words
//! decoded); every other header and the whole body are skipped as they
//! stream past and never kept. The Message-ID is the interaction's source
//! id (a digest of From/Date/To when there is none). With the owner's
//! addresses, a message they sent is "outgoing", one they received
//! "incoming" (direction one_way, the sender set); without them, no
//! direction.

use super::lines::{LineSplitter, MAX_LINE};
use super::text::{decode_rfc2047, parse_address_list, parse_rfc5322_date};
use super::{content_key, FoundInteraction, ParseIssue, Parsed, PushParser};
use crate::error::{ErrorCode, Result};
use crate::model::{limits, Channel, Direction};

/// Longest header value kept (a To: with thousands of recipients is cut).
const MAX_HEADER: usize = 256 * 1024;

#[derive(Default)]
struct Message {
    line: u64,
    from: String,
    to: String,
    cc: String,
    date: String,
    message_id: String,
    /// The header being read (for folded continuation lines).
    current: Option<usize>,
    /// A header was cut at [`MAX_HEADER`]: reported with the message.
    cut: bool,
}

/// Appends `value` to a header `slot` (after `sep` when the slot holds
/// something), capped at [`MAX_HEADER`] bytes: what does not fit is cut at
/// the last address separator that does, so no address is half kept.
/// Returns whether anything was cut.
fn append_capped(slot: &mut String, sep: char, value: &str) -> bool {
    let sep_len = if slot.is_empty() { 0 } else { sep.len_utf8() };
    let room = MAX_HEADER.saturating_sub(slot.len() + sep_len);
    let part = if value.len() <= room {
        value
    } else {
        let mut end = room;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value[..end].rfind(',').map_or("", |i| &value[..i])
    };
    if !part.trim().is_empty() {
        if sep_len > 0 {
            slot.push(sep);
        }
        slot.push_str(part);
    }
    part.len() < value.len()
}

impl Message {
    fn slot(&mut self, i: usize) -> &mut String {
        match i {
            0 => &mut self.from,
            1 => &mut self.to,
            2 => &mut self.cc,
            3 => &mut self.date,
            _ => &mut self.message_id,
        }
    }
}

#[derive(PartialEq)]
enum State {
    /// Before the first From_ line.
    Start,
    Headers,
    Body,
}

pub struct MboxParser {
    lines: LineSplitter,
    state: State,
    message: Message,
    prev_blank: bool,
    owner: Vec<String>,
    stray_reported: bool,
}

impl MboxParser {
    pub fn new(owner_emails: &[String]) -> Self {
        MboxParser {
            lines: LineSplitter::new(),
            state: State::Start,
            message: Message::default(),
            prev_blank: true,
            owner: owner_emails
                .iter()
                .map(|e| e.trim().to_lowercase())
                .collect(),
            stray_reported: false,
        }
    }

    fn line(&mut self, number: u64, bytes: &[u8], out: &mut Vec<Parsed>) {
        let is_from_line = bytes.starts_with(b"From ")
            && (self.state == State::Start || (self.prev_blank && looks_like_separator(bytes)));
        let blank = bytes.is_empty() || bytes.iter().all(|b| *b == b' ' || *b == b'\t');
        if is_from_line {
            if self.state == State::Headers {
                let m = std::mem::take(&mut self.message);
                self.finish_message(m, out);
            }
            self.message = Message {
                line: number,
                ..Default::default()
            };
            self.state = State::Headers;
            self.prev_blank = false;
            return;
        }
        self.prev_blank = blank;
        match self.state {
            State::Start => {
                if !blank && !self.stray_reported {
                    self.stray_reported = true;
                    out.push(Parsed::Issue(ParseIssue::new(
                        number,
                        ErrorCode::InvalidInput,
                        "not an mbox message: expected a 'From ' line",
                    )));
                }
            }
            State::Body => {}
            State::Headers => {
                if blank {
                    let m = std::mem::take(&mut self.message);
                    self.finish_message(m, out);
                    self.state = State::Body;
                    return;
                }
                let text = String::from_utf8_lossy(bytes);
                if bytes[0] == b' ' || bytes[0] == b'\t' {
                    if let Some(i) = self.message.current {
                        let cut = append_capped(self.message.slot(i), ' ', text.trim());
                        self.message.cut |= cut;
                    }
                    return;
                }
                let Some((name, value)) = text.split_once(':') else {
                    self.message.current = None;
                    return;
                };
                let idx = match name.trim().to_ascii_lowercase().as_str() {
                    "from" => Some(0),
                    "to" => Some(1),
                    "cc" => Some(2),
                    "date" => Some(3),
                    "message-id" => Some(4),
                    _ => None,
                };
                self.message.current = idx;
                if let Some(i) = idx {
                    let slot = self.message.slot(i);
                    if !slot.is_empty() && i != 1 && i != 2 {
                        return; // keep the first From/Date/Message-ID
                    }
                    let cut = append_capped(slot, ',', value.trim());
                    self.message.cut |= cut;
                }
            }
        }
    }

    /// The message, after a report of any header cut at [`MAX_HEADER`].
    fn finish_message(&self, m: Message, out: &mut Vec<Parsed>) {
        if m.cut {
            out.push(Parsed::Issue(ParseIssue::new(
                m.line,
                ErrorCode::TooLarge,
                format!(
                    "a header over {} KiB was cut: the addresses after it are left out",
                    MAX_HEADER / 1024
                ),
            )));
        }
        out.push(self.message_entry(m));
    }

    fn message_entry(&self, m: Message) -> Parsed {
        let from = parse_address_list(&m.from);
        let Some((from_name, sender)) = from.into_iter().next() else {
            return Parsed::Issue(ParseIssue::new(
                m.line,
                ErrorCode::Required,
                "message without a From address",
            ));
        };
        let Some(timestamp) = parse_rfc5322_date(&m.date) else {
            return Parsed::Issue(ParseIssue::new(
                m.line,
                ErrorCode::InvalidTimestamp,
                if m.date.is_empty() {
                    "message without a Date header".to_string()
                } else {
                    format!(
                        "Date '{}' is not an RFC 5322 date",
                        m.date.chars().take(60).collect::<String>()
                    )
                },
            ));
        };
        let mut participants = vec![sender.clone()];
        let mut names = Vec::new();
        if let Some(n) = from_name {
            names.push((sender.clone(), n));
        }
        let joined = format!("{},{}", m.to, m.cc);
        for (name, addr) in parse_address_list(&joined) {
            if let Some(n) = name {
                names.push((addr.clone(), decode_rfc2047(&n)));
            }
            if !participants.contains(&addr) {
                participants.push(addr);
            }
        }
        if participants.len() > limits::PARTICIPANTS {
            return Parsed::Issue(ParseIssue::new(
                m.line,
                ErrorCode::TooLarge,
                format!(
                    "{} participants; at most {}",
                    participants.len(),
                    limits::PARTICIPANTS
                ),
            ));
        }
        if participants.len() < 2 {
            return Parsed::Skipped { line: m.line };
        }
        let id = m
            .message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        let source_id = if id.is_empty() {
            content_key(&[&m.from, &m.date, &m.to, &m.cc])
        } else {
            id.chars().take(400).collect()
        };
        let owner_direction = if self.owner.is_empty() {
            None
        } else if self.owner.contains(&sender) {
            Some("outgoing")
        } else if participants[1..].iter().any(|p| self.owner.contains(p)) {
            Some("incoming")
        } else {
            None
        };
        Parsed::Interaction(FoundInteraction {
            line: m.line,
            source_id,
            timestamp,
            channel: Channel::Email,
            participants,
            sender: Some(sender),
            direction: owner_direction.map(|_| Direction::OneWay),
            duration_minutes: None,
            display_names: names,
            owner_direction,
        })
    }
}

impl PushParser for MboxParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        let mut found: Vec<(u64, Vec<u8>)> = Vec::new();
        // Only header lines and From_ candidates are copied; body lines are
        // looked at for blankness and dropped. This mirrors `line`'s state
        // machine exactly, so the chunking cannot change what is found.
        let mut state = match self.state {
            State::Start => 0,
            State::Headers => 1,
            State::Body => 2,
        };
        let mut prev_blank = self.prev_blank;
        self.lines.feed(chunk, &mut |l| {
            let blank = l.bytes.iter().all(|b| *b == b' ' || *b == b'\t');
            let from_line = l.bytes.starts_with(b"From ")
                && (state == 0 || (prev_blank && looks_like_separator(l.bytes)));
            if from_line {
                state = 1;
                prev_blank = false;
            } else {
                prev_blank = blank;
                if state == 2 {
                    found.push((l.number, if blank { Vec::new() } else { b"x".to_vec() }));
                    return;
                }
                if state == 1 && blank {
                    state = 2;
                }
            }
            found.push((l.number, l.bytes[..l.bytes.len().min(MAX_LINE)].to_vec()));
        });
        for (n, bytes) in found {
            self.line(n, &bytes, out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        let mut found: Vec<(u64, Vec<u8>)> = Vec::new();
        self.lines
            .finish(&mut |l| found.push((l.number, l.bytes.to_vec())));
        for (n, bytes) in found {
            self.line(n, &bytes, out);
        }
        if self.state == State::Headers {
            let m = std::mem::take(&mut self.message);
            self.finish_message(m, out);
            self.state = State::Body;
        }
        Ok(())
    }

    fn buffered_bytes(&self) -> usize {
        let m = &self.message;
        self.lines.buffered()
            + m.from.capacity()
            + m.to.capacity()
            + m.cc.capacity()
            + m.date.capacity()
            + m.message_id.capacity()
    }
}

/// A "From " line after a blank one separates messages only if it looks
/// like one: `From <sender> <asctime date>`, which has a time (`hh:mm`). A
/// body line such as "From the desk of…" that a writer did not escape as
/// ">From" stays in its message.
fn looks_like_separator(line: &[u8]) -> bool {
    line.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    })
}

#[cfg(test)]
mod tests {
    use super::super::{parse_all, Format, ParserOptions};
    use super::*;
    use crate::model::Timestamp;

    const MBOX: &str = "From ada@example.org Tue Jul  1 10:52:37 2003\n\
From: =?UTF-8?Q?Ada_Lovelace?= <Ada@Example.org>\n\
To: \"Bob\" <bob@example.org>,\n  carol@example.org\n\
Cc: =?ISO-8859-1?B?RnJhbudvaXM=?= <francois@example.fr>\n\
Subject: secret plans\n\
Date: Tue, 1 Jul 2003 10:52:37 +0200\n\
Message-ID: <m1@example.org>\n\
\n\
Body line one\n\
>From the body, escaped\n\
From the body but not after a blank line\n\
\n\
From bob@example.org Wed Jul  2 09:00:00 2003\n\
From: bob@example.org\n\
To: ada@example.org\n\
Date: Wed, 2 Jul 2003 09:00:00 +0000\n\
\n\
reply\n\
\n\
From x Thu Jul  3 09:00:00 2003\n\
From: x@example.org\n\
To: y@example.org\n\
Date: not a date\n\
\n";

    fn parse(owner: &[&str]) -> Vec<Parsed> {
        let opts = ParserOptions {
            owner_emails: owner.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let whole = parse_all(Format::Mbox, &opts, MBOX.as_bytes(), 1 << 20).unwrap();
        for chunk in [1, 9, 64] {
            assert_eq!(
                parse_all(Format::Mbox, &opts, MBOX.as_bytes(), chunk).unwrap(),
                whole
            );
        }
        whole
    }

    #[test]
    fn headers_become_email_interactions_and_bodies_are_dropped() {
        let out = parse(&[]);
        assert_eq!(out.len(), 3, "{out:?}");
        let Parsed::Interaction(a) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(a.source_id, "m1@example.org");
        assert_eq!(
            a.participants,
            vec![
                "ada@example.org",
                "bob@example.org",
                "carol@example.org",
                "francois@example.fr"
            ]
        );
        assert_eq!(a.sender.as_deref(), Some("ada@example.org"));
        assert_eq!(
            a.timestamp,
            Timestamp::parse("2003-07-01T08:52:37Z").unwrap()
        );
        assert_eq!(a.direction, None);
        assert!(a
            .display_names
            .contains(&("francois@example.fr".into(), "François".into())));
        assert!(a
            .display_names
            .contains(&("ada@example.org".into(), "Ada Lovelace".into())));
        let Parsed::Interaction(b) = &out[1] else {
            panic!()
        };
        assert!(b.source_id.starts_with("hash:"));
        assert_eq!(b.line, 14);
        let Parsed::Issue(c) = &out[2] else { panic!() };
        assert_eq!((c.line, c.code), (21, ErrorCode::InvalidTimestamp));
        let text = format!("{out:?}");
        assert!(!text.contains("secret") && !text.contains("Body line"));
    }

    #[test]
    fn direction_relative_to_the_owner() {
        let out = parse(&["ADA@example.org"]);
        let dirs: Vec<Option<&str>> = out
            .iter()
            .filter_map(|p| match p {
                Parsed::Interaction(i) => Some(i.owner_direction),
                _ => None,
            })
            .collect();
        assert_eq!(dirs, vec![Some("outgoing"), Some("incoming")]);
    }
    /// A body line "From the desk of…" after a blank line, not escaped as
    /// ">From", stays in its message: a separator has an asctime date.
    #[test]
    fn an_unescaped_from_in_a_body_is_not_a_separator() {
        let text = "From a@example.org Mon Jan  1 10:00:00 2024\nFrom: a@example.org\nTo: b@example.org\nMessage-ID: <x1@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nHello\n\nFrom the desk of A\n\nFrom a@example.org Tue Jan  2 10:00:00 2024\nFrom: a@example.org\nTo: c@example.org\nMessage-ID: <x2@example.org>\nDate: Tue, 2 Jan 2024 10:00:00 +0000\n\nBye\n";
        for chunk in [1, 7, 4096] {
            let out = parse_all(
                Format::Mbox,
                &ParserOptions::default(),
                text.as_bytes(),
                chunk,
            )
            .unwrap();
            let ids: Vec<&str> = out
                .iter()
                .map(|p| match p {
                    Parsed::Interaction(i) => i.source_id.as_str(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(ids, vec!["x1@example.org", "x2@example.org"]);
        }
    }
    /// A header over the cap, on one line or folded: cut at the last whole
    /// address that fits, reported, and the message kept.
    #[test]
    fn a_header_over_the_cap_is_cut_at_an_address_and_reported() {
        let addresses: Vec<String> = (0..400)
            .map(|i| {
                format!(
                    "Person Number {i:03} With A Long Display Name <person{i:03}@{}.example>",
                    "x".repeat(600)
                )
            })
            .collect();
        for sep in [", ", ",\r\n "] {
            let mbox = format!(
                "From a@x.org Mon Jan  1 00:00:00 2024\r\nFrom: a@x.org\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nTo: {}\r\n\r\nbody\r\n",
                addresses.join(sep)
            );
            let out = parse_all(
                Format::Mbox,
                &ParserOptions::default(),
                mbox.as_bytes(),
                1 << 20,
            )
            .unwrap();
            let [Parsed::Issue(issue), Parsed::Interaction(m)] = &out[..] else {
                panic!("{out:?}")
            };
            assert_eq!(
                (issue.line, issue.code),
                (1, ErrorCode::TooLarge),
                "{sep:?}"
            );
            let kept = m.participants.len() - 1;
            assert!(kept > 300 && kept < 400, "{sep:?}: {kept}");
            for (i, p) in m.participants[1..].iter().enumerate() {
                assert_eq!(
                    p,
                    &format!("person{i:03}@{}.example", "x".repeat(600)),
                    "whole addresses"
                );
            }
        }
    }
}
