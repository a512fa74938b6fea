//! iCalendar (RFC 5545) events → meeting interactions.
//!
//! Each VEVENT with a UID (plus RECURRENCE-ID for a changed occurrence) is
//! one interaction: timestamp = DTSTART, duration from DTEND or DURATION,
//! participants = ORGANIZER + ATTENDEEs (mailto:) who did not decline
//! (rooms and resources left out), sender = the organizer. Cancelled
//! events, and events with fewer than two people, are skipped. Times with
//! a TZID are converted with the file's own VTIMEZONE definitions (yearly
//! BYMONTH/BYDAY rules, ended by UNTIL, the form calendar apps export); an unknown TZID or
//! a floating time is read as UTC. All-day events get no duration.
//! Recurring series (RRULE) are imported as one interaction, their first
//! occurrence: expanding them is not done.

use std::collections::HashMap;

use super::lines::ContentLines;
use super::text::{civil_to_ms, parse_property, unescape, weekday, Property};
use super::{FoundInteraction, ParseIssue, Parsed, PushParser};
use crate::error::{ErrorCode, Result};
use crate::model::days_from_civil;
use crate::model::{Channel, Timestamp};

/// A local date-time as written: (y, m, d, h, min, s).
type Civil = (i64, i64, i64, i64, i64, i64);

/// One observance (STANDARD or DAYLIGHT) of a VTIMEZONE.
#[derive(Debug, Clone, Default)]
struct Observance {
    start: Option<Civil>,
    offset_to_min: Option<i64>,
    /// BYMONTH and BYDAY (nth, weekday 0=SU) of a yearly rule.
    rule: Option<(i64, i64, i64)>,
    /// The rule's UNTIL (UTC): historical rules (the US before 2007) end
    /// there, as Thunderbird, Evolution and libical export them.
    until: Option<Civil>,
}

#[derive(Debug, Clone, Default)]
struct Event {
    line: u64,
    props: Vec<Property>,
}

pub struct IcsParser {
    lines: ContentLines,
    /// Component names from BEGIN lines, innermost last.
    stack: Vec<String>,
    event: Option<Event>,
    zones: HashMap<String, Vec<Observance>>,
    zone_id: Option<String>,
    observance: Option<Observance>,
    /// VTIMEZONEs precede events in the exports of Google, Outlook and
    /// Apple; an event naming a zone not defined before it is read as UTC.
    seen_calendar: bool,
    stray_reported: bool,
}

impl Default for IcsParser {
    fn default() -> Self {
        Self::new()
    }
}

impl IcsParser {
    pub fn new() -> Self {
        IcsParser {
            lines: ContentLines::default(),
            stack: Vec::new(),
            event: None,
            zones: HashMap::new(),
            zone_id: None,
            observance: None,
            seen_calendar: false,
            stray_reported: false,
        }
    }

    fn content_line(&mut self, line: u64, bytes: &[u8], cut: bool, out: &mut Vec<Parsed>) {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        if cut {
            out.push(Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::TooLarge,
                format!("line over {} bytes, cut", super::lines::MAX_LINE),
            )));
        }
        let Some(prop) = parse_property(bytes) else {
            if self.stack.is_empty() {
                self.stray(line, out);
            } else {
                out.push(Parsed::Issue(ParseIssue::new(
                    line,
                    ErrorCode::InvalidInput,
                    "not an iCalendar property (NAME:value)",
                )));
            }
            return;
        };
        match prop.name.as_str() {
            "BEGIN" => {
                let comp = prop.value.trim().to_ascii_uppercase();
                if self.stack.is_empty() && comp != "VCALENDAR" {
                    self.stray(line, out);
                }
                if comp == "VCALENDAR" {
                    self.seen_calendar = true;
                }
                if comp == "VEVENT" {
                    if let Some(open) = self.event.take() {
                        out.push(Parsed::Issue(ParseIssue::new(
                            open.line,
                            ErrorCode::InvalidInput,
                            "VEVENT not closed before the next one",
                        )));
                    }
                    self.event = Some(Event {
                        line,
                        props: Vec::new(),
                    });
                }
                if comp == "STANDARD" || comp == "DAYLIGHT" {
                    self.observance = Some(Observance::default());
                }
                if self.stack.len() < 64 {
                    self.stack.push(comp);
                }
            }
            "END" => {
                let comp = prop.value.trim().to_ascii_uppercase();
                match self.stack.iter().rposition(|c| *c == comp) {
                    Some(pos) => {
                        if pos + 1 != self.stack.len() {
                            out.push(Parsed::Issue(ParseIssue::new(
                                line,
                                ErrorCode::InvalidInput,
                                format!("END:{comp} closes components still open"),
                            )));
                        }
                        self.stack.truncate(pos);
                    }
                    None => {
                        out.push(Parsed::Issue(ParseIssue::new(
                            line,
                            ErrorCode::InvalidInput,
                            format!("END:{comp} without BEGIN:{comp}"),
                        )));
                        return;
                    }
                }
                match comp.as_str() {
                    "VEVENT" => {
                        if let Some(ev) = self.event.take() {
                            out.push(self.finish_event(ev));
                        }
                    }
                    "STANDARD" | "DAYLIGHT" => {
                        if let (Some(o), Some(z)) = (self.observance.take(), &self.zone_id) {
                            self.zones.entry(z.clone()).or_default().push(o);
                        }
                    }
                    "VTIMEZONE" => self.zone_id = None,
                    _ => {}
                }
            }
            _ => {
                let inner = self.stack.last().map(String::as_str);
                match inner {
                    Some("VEVENT") => {
                        if let Some(ev) = &mut self.event {
                            if ev.props.len() < 2_000 {
                                ev.props.push(prop);
                            }
                        }
                    }
                    Some("VTIMEZONE") if prop.name == "TZID" => {
                        self.zone_id = Some(prop.value.trim().to_string());
                    }
                    Some("STANDARD") | Some("DAYLIGHT") => {
                        if let Some(o) = &mut self.observance {
                            observance_property(o, &prop);
                        }
                    }
                    None => self.stray(line, out),
                    _ => {}
                }
            }
        }
    }

    fn stray(&mut self, line: u64, out: &mut Vec<Parsed>) {
        if !self.stray_reported {
            self.stray_reported = true;
            out.push(Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::InvalidInput,
                "text outside BEGIN:VCALENDAR … END:VCALENDAR",
            )));
        }
    }

    fn time(&self, prop: &Property) -> Option<(Timestamp, bool)> {
        let v = prop.value.trim();
        let all_day = prop
            .param("VALUE")
            .is_some_and(|x| x.eq_ignore_ascii_case("DATE"))
            || (v.len() == 8 && v.chars().all(|c| c.is_ascii_digit()));
        let civil = parse_ics_civil(v)?;
        let ms = civil_to_ms(civil.0, civil.1, civil.2, civil.3, civil.4, civil.5)?;
        if all_day || v.ends_with('Z') || v.ends_with('z') {
            return Some((Timestamp::from_millis(ms), all_day));
        }
        let offset = prop
            .param("TZID")
            .and_then(|z| self.zones.get(z.trim()))
            .map(|obs| offset_at(obs, civil))
            .unwrap_or(0);
        Some((Timestamp::from_millis(ms - offset * 60_000), false))
    }

    fn finish_event(&self, ev: Event) -> Parsed {
        let get = |name: &str| ev.props.iter().find(|p| p.name == name);
        if get("STATUS").is_some_and(|s| s.value.trim().eq_ignore_ascii_case("CANCELLED")) {
            return Parsed::Skipped { line: ev.line };
        }
        let Some(uid) = get("UID")
            .map(|u| unescape(u.value.trim()))
            .filter(|u| !u.is_empty())
        else {
            return Parsed::Issue(ParseIssue::new(
                ev.line,
                ErrorCode::Required,
                "VEVENT without UID",
            ));
        };
        let Some(start_prop) = get("DTSTART") else {
            return Parsed::Issue(ParseIssue::new(
                ev.line,
                ErrorCode::Required,
                "VEVENT without DTSTART",
            ));
        };
        let Some((start, all_day)) = self.time(start_prop) else {
            return Parsed::Issue(ParseIssue::new(
                ev.line,
                ErrorCode::InvalidTimestamp,
                format!(
                    "DTSTART '{}' is not an iCalendar date or date-time",
                    start_prop.value.chars().take(40).collect::<String>()
                ),
            ));
        };
        let duration_minutes = if all_day {
            None
        } else if let Some(end) = get("DTEND").and_then(|p| self.time(p)) {
            let mins = (end.0.millis() - start.millis()) as f64 / 60_000.0;
            (0.0..=100_000.0).contains(&mins).then_some(mins)
        } else {
            get("DURATION")
                .and_then(|d| parse_duration_minutes(d.value.trim()))
                .filter(|m| (0.0..=100_000.0).contains(m))
        };
        let mut participants: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut sender = None;
        let mut add = |p: &Property, participants: &mut Vec<String>| -> Option<String> {
            let v = p.value.trim();
            let lower = v.to_ascii_lowercase();
            let addr = lower.strip_prefix("mailto:")?.trim().to_string();
            if !addr.contains('@') || addr.contains(char::is_whitespace) {
                return None;
            }
            if let Some(cn) = p.param("CN").map(|c| c.trim()).filter(|c| !c.is_empty()) {
                names.push((addr.clone(), cn.to_string()));
            }
            if !participants.contains(&addr) {
                participants.push(addr.clone());
            }
            Some(addr)
        };
        if let Some(org) = get("ORGANIZER") {
            sender = add(org, &mut participants);
        }
        for a in ev.props.iter().filter(|p| p.name == "ATTENDEE") {
            let declined = a
                .param("PARTSTAT")
                .is_some_and(|s| s.eq_ignore_ascii_case("DECLINED"));
            let thing = a.param("CUTYPE").is_some_and(|s| {
                s.eq_ignore_ascii_case("ROOM") || s.eq_ignore_ascii_case("RESOURCE")
            });
            if !declined && !thing {
                add(a, &mut participants);
            }
        }
        if participants.len() < 2 {
            return Parsed::Skipped { line: ev.line };
        }
        let source_id = match get("RECURRENCE-ID") {
            Some(r) => format!("{uid}#{}", r.value.trim()),
            None => uid,
        };
        Parsed::Interaction(FoundInteraction {
            line: ev.line,
            source_id,
            timestamp: start,
            channel: Channel::Meeting,
            participants,
            sender,
            direction: None,
            duration_minutes,
            display_names: names,
            owner_direction: None,
        })
    }
}

fn observance_property(o: &mut Observance, p: &Property) {
    match p.name.as_str() {
        "DTSTART" => o.start = parse_ics_civil(p.value.trim()),
        "TZOFFSETTO" => o.offset_to_min = parse_offset(p.value.trim()),
        "RRULE" => {
            let mut month = None;
            let mut day = None;
            for part in p.value.split(';') {
                match part.split_once('=') {
                    Some(("BYMONTH", m)) => month = m.parse::<i64>().ok(),
                    Some(("BYDAY", d)) => day = parse_byday(d),
                    Some(("UNTIL", u)) => o.until = parse_ics_civil(u.trim()),
                    _ => {}
                }
            }
            if let (Some(m), Some((n, wd))) = (month, day) {
                o.rule = Some((m, n, wd));
            }
        }
        _ => {}
    }
}

/// `2SU`, `-1SU`, `+1MO` → (n, weekday 0=SU).
fn parse_byday(d: &str) -> Option<(i64, i64)> {
    let d = d.split(',').next()?.trim();
    // `get`, not `split_at`: a byte index may fall inside a character (found by the fuzzer).
    let cut = d.len().checked_sub(2).filter(|&c| c > 0)?;
    let (n, wd) = (d.get(..cut)?, d.get(cut..)?);
    let wd = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
        .iter()
        .position(|w| *w == wd)? as i64;
    let n: i64 = if n.is_empty() {
        1
    } else {
        n.trim_start_matches('+').parse().ok()?
    };
    Some((n, wd))
}

/// `+0200`, `-0530`, `+020000` → minutes.
fn parse_offset(v: &str) -> Option<i64> {
    let sign = match v.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &v[1..];
    if digits.len() < 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..4].parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// `YYYYMMDD` or `YYYYMMDDTHHMMSS[Z]`.
fn parse_ics_civil(v: &str) -> Option<Civil> {
    let v = v.trim_end_matches(['Z', 'z']);
    let b = v.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = v.get(r)?;
        s.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    match b.len() {
        8 => Some((num(0..4)?, num(4..6)?, num(6..8)?, 0, 0, 0)),
        15 if b[8] == b'T' || b[8] == b't' => Some((
            num(0..4)?,
            num(4..6)?,
            num(6..8)?,
            num(9..11)?,
            num(11..13)?,
            num(13..15)?,
        )),
        _ => None,
    }
}

/// The day of month of the n-th (or, negative, n-th last) weekday `wd`.
fn nth_weekday(year: i64, month: i64, n: i64, wd: i64) -> Option<i64> {
    let first = days_from_civil(year, month, 1);
    let len = {
        let next = if month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, month + 1, 1)
        };
        next - first
    };
    if n > 0 {
        let offset = (wd - weekday(first)).rem_euclid(7);
        let d = 1 + offset + (n - 1) * 7;
        (d <= len).then_some(d)
    } else if n < 0 {
        let last = first + len - 1;
        let offset = (weekday(last) - wd).rem_euclid(7);
        let d = len - offset + (n + 1) * 7;
        (d >= 1).then_some(d)
    } else {
        None
    }
}

/// Offset (minutes east of UTC) in effect at local time `t`: the
/// observance whose latest onset at or before `t` is the most recent.
fn offset_at(obs: &[Observance], t: Civil) -> i64 {
    let key = |c: Civil| ((((c.0 * 12 + c.1) * 31 + c.2) * 24 + c.3) * 60 + c.4) * 60 + c.5;
    let now = key(t);
    let mut best: Option<(i64, i64)> = None;
    for o in obs {
        let Some(offset) = o.offset_to_min else {
            continue;
        };
        let Some(start) = o.start else { continue };
        let onset = match o.rule {
            Some((month, n, wd)) => {
                // This year's onset, or last year's if it is still ahead.
                [t.0, t.0 - 1].iter().find_map(|&y| {
                    let d = nth_weekday(y, month, n, wd)?;
                    let c = (y, month, d, start.3, start.4, start.5);
                    // Onsets after UNTIL are not this rule's (local against
                    // UTC: hours apart, while onsets are a year apart).
                    (key(c) <= now
                        && key(c) >= key(start)
                        && o.until.is_none_or(|u| key(c) <= key(u)))
                    .then(|| key(c))
                })
            }
            None => (key(start) <= now).then(|| key(start)),
        };
        if let Some(on) = onset {
            if best.is_none_or(|(b, _)| on > b) {
                best = Some((on, offset));
            }
        }
    }
    best.map(|(_, o)| o)
        .or_else(|| obs.iter().find_map(|o| o.offset_to_min))
        .unwrap_or(0)
}

/// RFC 5545 DURATION: `PT1H30M`, `P1D`, `P2W`, `-PT5M` (negative → None).
pub fn parse_duration_minutes(v: &str) -> Option<f64> {
    let v = v.strip_prefix('+').unwrap_or(v);
    if v.starts_with('-') {
        return None;
    }
    let rest = v.strip_prefix('P')?;
    let mut minutes = 0.0;
    let mut num = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => num.push(c),
            _ => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                any = true;
                minutes += n * match (c, in_time) {
                    ('W', false) => 7.0 * 1440.0,
                    ('D', false) => 1440.0,
                    ('H', true) => 60.0,
                    ('M', true) => 1.0,
                    ('S', true) => 1.0 / 60.0,
                    _ => return None,
                };
            }
        }
    }
    (any && num.is_empty()).then_some(minutes)
}

impl PushParser for IcsParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        let logical = self.lines.feed(chunk);
        for cl in logical {
            self.content_line(cl.first_line, &cl.bytes, cl.cut, out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        let logical = self.lines.finish();
        for cl in logical {
            self.content_line(cl.first_line, &cl.bytes, cl.cut, out);
        }
        if let Some(ev) = self.event.take() {
            out.push(Parsed::Issue(ParseIssue::new(
                ev.line,
                ErrorCode::InvalidInput,
                "VEVENT not closed by END:VEVENT before the end of the file",
            )));
        }
        if !self.seen_calendar {
            out.push(Parsed::Issue(ParseIssue::new(
                1,
                ErrorCode::InvalidInput,
                "no BEGIN:VCALENDAR in the file",
            )));
        }
        Ok(())
    }

    fn buffered_bytes(&self) -> usize {
        self.lines.buffered()
            + self
                .event
                .as_ref()
                .map_or(0, |e| e.props.iter().map(|p| p.value.len() + 64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_all, Format, ParserOptions};
    use super::*;

    fn parse(input: &str) -> Vec<Parsed> {
        let whole = parse_all(
            Format::Ics,
            &ParserOptions::default(),
            input.as_bytes(),
            1 << 20,
        )
        .unwrap();
        for chunk in [1, 5, 100] {
            let p = parse_all(
                Format::Ics,
                &ParserOptions::default(),
                input.as_bytes(),
                chunk,
            )
            .unwrap();
            assert_eq!(p, whole, "chunk {chunk}");
        }
        whole
    }

    const ZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

    #[test]
    fn events_become_meetings_in_utc() {
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{ZONE}BEGIN:VEVENT\r\nUID:e1@x\r\n\
             DTSTART;TZID=Europe/Berlin:20250701T100000\r\nDTEND;TZID=Europe/Berlin:20250701T104500\r\n\
             ORGANIZER;CN=Ada:mailto:Ada@Example.org\r\nATTENDEE;CN=\"Bob, B.\";PARTSTAT=ACCEPTED:mailto:bob@example.org\r\n\
             ATTENDEE;PARTSTAT=DECLINED:mailto:carol@example.org\r\nATTENDEE;CUTYPE=ROOM:mailto:room1@example.org\r\n\
             SUMMARY:Sync\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:e1@x\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250115T100000\r\n\
             DTSTART;TZID=Europe/Berlin:20250115T100000\r\nDURATION:PT1H\r\nORGANIZER:mailto:ada@example.org\r\n\
             ATTENDEE:mailto:bob@example.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:allday\r\nDTSTART;VALUE=DATE:20250310\r\nDTEND;VALUE=DATE:20250311\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:gone\r\nSTATUS:CANCELLED\r\nDTSTART:20250101T000000Z\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n"
        );
        let out = parse(&ics);
        let Parsed::Interaction(a) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(a.source_id, "e1@x");
        assert_eq!(
            a.timestamp,
            Timestamp::parse("2025-07-01T08:00:00Z").unwrap()
        );
        assert_eq!(a.duration_minutes, Some(45.0));
        assert_eq!(a.participants, vec!["ada@example.org", "bob@example.org"]);
        assert_eq!(a.sender.as_deref(), Some("ada@example.org"));
        assert_eq!(
            a.display_names[1],
            ("bob@example.org".to_string(), "Bob, B.".to_string())
        );
        let Parsed::Interaction(b) = &out[1] else {
            panic!()
        };
        assert_eq!(b.source_id, "e1@x#20250115T100000");
        assert_eq!(
            b.timestamp,
            Timestamp::parse("2025-01-15T09:00:00Z").unwrap()
        );
        assert_eq!(b.duration_minutes, Some(60.0));
        let Parsed::Interaction(c) = &out[2] else {
            panic!()
        };
        assert_eq!(
            c.timestamp,
            Timestamp::parse("2025-03-10T00:00:00Z").unwrap()
        );
        assert_eq!(c.duration_minutes, None);
        assert!(matches!(out[3], Parsed::Skipped { .. }));
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn malformed_events_are_reported_by_line() {
        let out = parse(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250101T000000Z\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:x\nDTSTART:2025-01-01\nEND:VEVENT\nnonsense\n\
             BEGIN:VEVENT\nUID:ok\nDTSTART:20250101T090000Z\nATTENDEE:mailto:a@x.org\nATTENDEE:mailto:b@x.org\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:open\n",
        );
        let lines: Vec<(u64, bool)> = out
            .iter()
            .map(|p| match p {
                Parsed::Issue(i) => (i.line, true),
                Parsed::Interaction(i) => (i.line, false),
                Parsed::Skipped { line } => (*line, false),
                _ => (0, false),
            })
            .collect();
        assert_eq!(
            lines,
            vec![(2, true), (5, true), (9, true), (10, false), (16, true)]
        );
    }

    #[test]
    fn durations_and_rules() {
        assert_eq!(parse_duration_minutes("PT1H30M"), Some(90.0));
        assert_eq!(parse_duration_minutes("P1DT1M"), Some(1441.0));
        assert_eq!(parse_duration_minutes("P1W"), Some(10080.0));
        assert_eq!(parse_duration_minutes("-PT5M"), None);
        assert_eq!(parse_duration_minutes("PT"), None);
        assert_eq!(nth_weekday(2025, 3, -1, 0), Some(30));
        assert_eq!(nth_weekday(2025, 3, 2, 0), Some(9));
        assert_eq!(parse_byday("-1SU"), Some((-1, 0)));
        assert_eq!(parse_byday("SU"), None);
        assert_eq!(parse_byday("-1SU\u{fffd}4"), None);
    }

    /// A zone with a historical rule ending at UNTIL (the US before 2007):
    /// late October 2024 is still daylight time in New York.
    #[test]
    fn historical_rules_end_at_their_until() {
        const NY: &str = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nDTSTART:19671029T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nDTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nDTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
        let event = |uid: &str, at: &str| {
            format!("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;TZID=America/New_York:{at}\r\nORGANIZER:mailto:a@x.com\r\nATTENDEE:mailto:b@x.com\r\nEND:VEVENT\r\n")
        };
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{NY}{}{}{}END:VCALENDAR\r\n",
            event("oct", "20241030T100000"),
            event("nov", "20241105T100000"),
            event("old", "20051030T100000"),
        );
        let out = parse_all(Format::Ics, &ParserOptions::default(), ics.as_bytes(), 4096).unwrap();
        let at: Vec<String> = out
            .iter()
            .map(|p| match p {
                Parsed::Interaction(i) => i.timestamp.to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            at,
            vec![
                "2024-10-30T14:00:00.000Z",
                "2024-11-05T15:00:00.000Z",
                "2005-10-30T15:00:00.000Z"
            ]
        );
    }
}
