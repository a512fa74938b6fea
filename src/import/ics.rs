//! iCalendar (RFC 5545) events → meeting interactions.
//!
//! Each VEVENT with a UID (plus RECURRENCE-ID for a changed occurrence) is
//! one interaction: timestamp = DTSTART, duration from DTEND or DURATION,
//! participants = ORGANIZER + ATTENDEEs (mailto:) who did not decline
//! (rooms and resources left out), sender = the organizer. Cancelled
//! events, events with fewer than two people, and meetings still to come
//! (after the time of the import) are skipped. Times with a TZID are
//! converted with the file's own VTIMEZONE definitions, before or after
//! the event (yearly BYMONTH/BYDAY rules, ended by UNTIL, the form calendar
//! apps export); a TZID the file does not define, or a floating time, is
//! read as UTC. All-day events get no duration. Only the properties a
//! meeting is read from are kept while an event waits for the end of the
//! file.
//!
//! A recurring series (RRULE, RDATE) is one interaction per occurrence up
//! to the time of the import — a weekly one-to-one is fifty meetings a
//! year, not one — minus its EXDATEs and the occurrences another VEVENT
//! of the same UID changes or cancels (RECURRENCE-ID; with
//! RANGE=THISANDFUTURE, that change also moves, re-peoples or cancels
//! every later occurrence). The first
//! occurrence keeps the UID as its source id, the others are
//! `UID#<start in UTC>`, so importing the file again later adds only what
//! happened since; a changed occurrence keeps the key of the one it
//! replaces, so a meeting moved between two imports is updated, not added. Series wait until the end of the file (a changed
//! occurrence may come before or after its series); a series is cut at
//! [`MAX_OCCURRENCES`], and a rule with parts [`rrule`] does not expand
//! gives its first occurrence, each with the reason in the report.

use std::collections::HashMap;

use super::lines::ContentLines;
use super::rrule::{self, Until};
use super::text::{civil_to_ms, parse_property, parse_utc_offset, unescape, weekday, Property};
use super::{FoundInteraction, ParseIssue, Parsed, PushParser};
use crate::error::{ErrorCode, Result};
use crate::model::days_from_civil;
use crate::model::{Channel, Timestamp};

/// Occurrences of one series at most (a daily meeting for 13 years).
pub const MAX_OCCURRENCES: usize = 5_000;
/// Occurrences expanded from one file at most (ten years of twenty
/// recurring meetings a week is ~100,000): series are expanded at the end
/// of the file, all at once, so this bounds that step's memory.
pub const MAX_FILE_OCCURRENCES: usize = 250_000;

/// One-off events held for a zone not defined yet at most; past this the
/// zone is taken as undefined (read as UTC), so that a file naming a zone
/// it never defines is not held whole.
const MAX_WAITING: usize = 2_000;

/// A local date-time as written: (y, m, d, h, min, s).
type Civil = (i64, i64, i64, i64, i64, i64);

/// One observance (STANDARD or DAYLIGHT) of a VTIMEZONE.
#[derive(Debug, Clone, Default)]
struct Observance {
    start: Option<Civil>,
    offset_to_min: Option<i64>,
    /// The month of a yearly rule and its day in that month.
    rule: Option<(i64, OnsetDay)>,
    /// The rule's UNTIL (UTC): historical rules (the US before 2007) end
    /// there, as Thunderbird, Evolution and libical export them.
    until: Option<Civil>,
}

/// A changed occurrence (a VEVENT with a RECURRENCE-ID), read.
struct Override {
    /// The occurrence it replaces (RECURRENCE-ID), in ms.
    at: i64,
    all_day: bool,
    /// RANGE=THISANDFUTURE: the change applies to every later one too.
    this_and_future: bool,
    /// The meeting it became, else why not (cancelled, one person left,
    /// not yet held, malformed).
    meeting: Parsed,
}

/// The properties a meeting is read from; the others (DESCRIPTION, Outlook's
/// HTML X-ALT-DESC…) are not kept, so a buffered event stays small.
const EVENT_PROPERTIES: [&str; 11] = [
    "UID",
    "DTSTART",
    "DTEND",
    "DURATION",
    "RRULE",
    "RDATE",
    "EXDATE",
    "RECURRENCE-ID",
    "STATUS",
    "ORGANIZER",
    "ATTENDEE",
];

/// The day of a yearly time-zone rule.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OnsetDay {
    /// BYDAY=2SU, -1SU: the nth (from the end when negative) weekday
    /// (0 = Sunday).
    Nth(i64, i64),
    /// BYMONTHDAY=23,…,29;BYDAY=FR (libical and vzic write "the Friday
    /// before the last Sunday" so): the weekday on or after the day.
    OnOrAfter(i64, i64),
}

impl OnsetDay {
    fn in_month(self, year: i64, month: i64) -> Option<i64> {
        match self {
            OnsetDay::Nth(n, wd) => nth_weekday(year, month, n, wd),
            OnsetDay::OnOrAfter(day, wd) => {
                let from = days_from_civil(year, month, day);
                Some(day + (wd - weekday(from)).rem_euclid(7))
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Event {
    line: u64,
    props: Vec<Property>,
    /// Properties past `MAX_EVENT_PROPS`, counted, not kept.
    props_dropped: usize,
}

/// Properties kept of one event (a meeting has at most 1,000 participants:
/// an event with more ATTENDEEs is refused whole, with their count).
const MAX_EVENT_PROPS: usize = 2_000;

pub struct IcsParser {
    lines: ContentLines,
    /// Component names from BEGIN lines, innermost last.
    stack: Vec<String>,
    event: Option<Event>,
    zones: HashMap<String, Vec<Observance>>,
    zone_id: Option<String>,
    observance: Option<Observance>,
    seen_calendar: bool,
    stray_reported: bool,
    /// Recurring events, expanded at the end of the file.
    series: Vec<Event>,
    /// VEVENTs with a RECURRENCE-ID (a changed occurrence), read at the end
    /// of the file: their key depends on their series' first occurrence,
    /// which may come later.
    changed: Vec<Event>,
    /// One-off VEVENTs naming a TZID not defined yet (RFC 5545 lets the
    /// VTIMEZONE come after them), read at the end of the file.
    waiting: Vec<Event>,
    /// Occurrences after this are not expanded.
    now: Option<Timestamp>,
    /// Occurrences expanded so far (see [`MAX_FILE_OCCURRENCES`]).
    expanded: usize,
    /// The file was text already (see [`parse_property`]).
    text_source: bool,
    /// The file's charset, for quoted-printable values without their own.
    qp_charset: Option<String>,
}

impl Default for IcsParser {
    fn default() -> Self {
        Self::new(None)
    }
}

impl IcsParser {
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

    pub fn new(now: Option<Timestamp>) -> Self {
        IcsParser {
            lines: ContentLines::default(),
            stack: Vec::new(),
            event: None,
            zones: HashMap::new(),
            zone_id: None,
            observance: None,
            seen_calendar: false,
            stray_reported: false,
            text_source: false,
            qp_charset: None,
            series: Vec::new(),
            changed: Vec::new(),
            waiting: Vec::new(),
            now,
            expanded: 0,
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
        let Some(prop) = parse_property(bytes, self.text_source, self.qp_charset.as_deref()) else {
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
                        props_dropped: 0,
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
                            self.end_event(ev, out);
                        }
                    }
                    "STANDARD" | "DAYLIGHT" => {
                        if let (Some(o), Some(z)) = (self.observance.take(), &self.zone_id) {
                            if o.offset_to_min.is_none() {
                                // Left out: its times are read in the zone's
                                // other observances, or as UTC.
                                out.push(Parsed::Issue(ParseIssue::new(
                                    line,
                                    ErrorCode::InvalidInput,
                                    format!(
                                        "{comp} of zone {}: TZOFFSETTO missing or not a UTC \
                                         offset (±hhmm, hours to 23, minutes to 59)",
                                        z.chars().take(60).collect::<String>()
                                    ),
                                )));
                            } else {
                                self.zones.entry(z.clone()).or_default().push(o);
                            }
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
                            if EVENT_PROPERTIES.contains(&prop.name.as_str()) {
                                if ev.props.len() < MAX_EVENT_PROPS {
                                    ev.props.push(prop);
                                } else {
                                    ev.props_dropped += 1;
                                }
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
        self.time_value(prop, prop.value.trim())
    }

    /// One date or date-time `v` of `prop` (a list property such as EXDATE
    /// holds several), with its VALUE and TZID parameters.
    fn time_value(&self, prop: &Property, v: &str) -> Option<(Timestamp, bool)> {
        let (civil, zone, all_day) = written_time(prop, v)?;
        Some((self.instant(civil, zone)?, all_day))
    }

    /// Every date or date-time of a list property (EXDATE, RDATE).
    fn times_of<'a>(&'a self, prop: &'a Property) -> impl Iterator<Item = Timestamp> + 'a {
        // A PERIOD (RDATE;VALUE=PERIOD: start/end or start/duration) starts
        // at its first half.
        prop.value
            .split(',')
            .filter_map(move |v| self.time_value(prop, v.split('/').next()?.trim()))
            .map(|(t, _)| t)
    }

    /// A written date-time in `zone` (a TZID; None: UTC) as an instant.
    fn instant(&self, c: Civil, zone: Option<&str>) -> Option<Timestamp> {
        let ms = civil_to_ms(c.0, c.1, c.2, c.3, c.4, c.5)?;
        let offset = zone
            .and_then(|z| self.zones.get(z.trim()))
            .map(|obs| offset_at(obs, c))
            .unwrap_or(0);
        Some(Timestamp::from_millis(ms - offset * 60_000))
    }

    /// A VEVENT read to its END: a series or a changed occurrence waits for
    /// the end of the file, as does an event in a zone not defined yet.
    fn end_event(&mut self, ev: Event, out: &mut Vec<Parsed>) {
        if ev.props_dropped > 0 {
            out.push(Parsed::Issue(ParseIssue::new(
                ev.line,
                ErrorCode::TooLarge,
                format!(
                    "{} properties (ATTENDEEs…); an event holds at most {MAX_EVENT_PROPS}, a \
                     meeting at most 1000 participants: skipped",
                    ev.props.len() + ev.props_dropped
                ),
            )));
            return;
        }
        let has = |name: &str| ev.props.iter().any(|p| p.name == name);
        if has("RECURRENCE-ID") {
            self.changed.push(ev);
        } else if has("RRULE") || has("RDATE") {
            self.series.push(ev);
        } else if self.waiting.len() < MAX_WAITING && self.names_unknown_zone(&ev) {
            self.waiting.push(ev);
        } else {
            out.push(self.finish_event(&ev));
        }
    }

    fn names_unknown_zone(&self, ev: &Event) -> bool {
        ev.props.iter().any(|p| {
            matches!(p.name.as_str(), "DTSTART" | "DTEND")
                && p.param("TZID")
                    .is_some_and(|z| !self.zones.contains_key(z.trim()))
        })
    }

    /// The end of the file: changed occurrences, series, then the events
    /// that waited for their zone.
    fn finish_events(&mut self, out: &mut Vec<Parsed>) {
        let mut overrides: HashMap<String, Vec<Override>> = HashMap::new();
        for ev in std::mem::take(&mut self.changed) {
            let get = |name: &str| ev.props.iter().find(|p| p.name == name);
            let uid = get("UID").map(|u| unescape(u.value.trim()));
            let rid = get("RECURRENCE-ID").expect("changed occurrences have one");
            let (Some(uid), Some((at, all_day))) = (uid, self.time(rid)) else {
                out.push(Parsed::Issue(ParseIssue::new(
                    ev.line,
                    ErrorCode::InvalidTimestamp,
                    "a changed occurrence needs a UID and a RECURRENCE-ID date or date-time",
                )));
                continue;
            };
            let this_and_future = rid
                .param("RANGE")
                .is_some_and(|r| r.trim().eq_ignore_ascii_case("THISANDFUTURE"));
            overrides.entry(uid).or_default().push(Override {
                at: at.millis(),
                all_day,
                this_and_future,
                meeting: self.finish_event(&ev),
            });
        }
        let mut firsts: HashMap<String, i64> = HashMap::new();
        for ev in std::mem::take(&mut self.series) {
            let uid = ev
                .props
                .iter()
                .find(|p| p.name == "UID")
                .map(|u| unescape(u.value.trim()));
            let changes = uid.as_ref().and_then(|u| overrides.get(u));
            if let (Some(first), Some(uid)) = (self.finish_series(&ev, changes, out), uid) {
                firsts.insert(uid, first);
            }
        }
        // A changed occurrence takes the key of the occurrence it replaces
        // (the bare UID for the series' first), so a meeting moved between
        // two imports is updated, not added.
        let mut overrides: Vec<(String, Override)> = overrides
            .into_iter()
            .flat_map(|(uid, list)| list.into_iter().map(move |o| (uid.clone(), o)))
            .collect();
        overrides.sort_by_key(|(uid, o)| (o.at, uid.clone()));
        for (uid, o) in overrides {
            let key = if firsts.get(&uid) == Some(&o.at) {
                uid
            } else {
                format!(
                    "{uid}#{}",
                    utc_stamp(Timestamp::from_millis(o.at), o.all_day)
                )
            };
            let mut meeting = o.meeting;
            match &mut meeting {
                Parsed::Interaction(FoundInteraction { source_id, .. }) => *source_id = key,
                // One occurrence, even when keyed by the bare UID.
                Parsed::Cancelled {
                    source_id, series, ..
                } => {
                    *source_id = key;
                    *series = false;
                }
                _ => {}
            }
            out.push(meeting);
        }
        for ev in std::mem::take(&mut self.waiting) {
            out.push(self.finish_event(&ev));
        }
    }

    /// A series' occurrences: DTSTART's (the event as one interaction,
    /// source id = UID), then the rule's and RDATE's up to `now`, less
    /// EXDATEs and changed occurrences (`changes`; one changed with
    /// RANGE=THISANDFUTURE moves, re-peoples or cancels every later one,
    /// each keeping the key of the occurrence it replaces). Returns the
    /// first occurrence's instant.
    fn finish_series(
        &mut self,
        ev: &Event,
        changes: Option<&Vec<Override>>,
        out: &mut Vec<Parsed>,
    ) -> Option<i64> {
        let first = match self.finish_event(ev) {
            Parsed::Interaction(it) => it,
            other => {
                out.push(other);
                return None;
            }
        };
        let first_at = first.timestamp;
        let get_all = |name: &'static str| ev.props.iter().filter(move |p| p.name == name);
        let start_prop = get_all("DTSTART").next().expect("the event has a DTSTART");
        let Some((start, zone, all_day)) = written_time(start_prop, start_prop.value.trim()) else {
            out.push(Parsed::Interaction(first));
            return Some(first_at.millis());
        };
        let changes = changes.map_or(&[][..], |c| &c[..]);
        let exdates: Vec<i64> = get_all("EXDATE")
            .flat_map(|p| self.times_of(p))
            .map(|t| t.millis())
            .collect();
        // Instants (ms) left out: EXDATEs and changed occurrences.
        let mut skip = exdates.clone();
        skip.extend(changes.iter().map(|c| c.at));
        let uid = first.source_id.clone();
        let now = self.now.map(|t| t.millis());
        let mut instants = Vec::new();
        if let Some(rule_prop) = get_all("RRULE").next() {
            match rrule::parse(&rule_prop.value) {
                Ok(rule) => {
                    let until = match rule.until {
                        Some(Until::Utc(u)) => civil_to_ms(u.0, u.1, u.2, u.3, u.4, u.5),
                        _ => None,
                    };
                    let past = |c| {
                        self.instant(c, zone).is_none_or(|t| {
                            until.is_some_and(|u| t.millis() > u)
                                || now.is_some_and(|n| t.millis() > n)
                        })
                    };
                    let left = MAX_FILE_OCCURRENCES - self.expanded;
                    // The occurrences after the first (which is one of them).
                    let after_first = MAX_OCCURRENCES - 1;
                    let (dates, cut) = rrule::expand(&rule, start, past, after_first.min(left));
                    self.expanded += dates.len();
                    instants.extend(dates.into_iter().filter_map(|c| self.instant(c, zone)));
                    if cut {
                        let why = if left <= after_first {
                            format!("the file's recurring events reached {MAX_FILE_OCCURRENCES} occurrences")
                        } else {
                            format!("{MAX_OCCURRENCES} occurrences")
                        };
                        out.push(Parsed::Issue(ParseIssue::new(
                            first.line,
                            ErrorCode::TooLarge,
                            format!("recurring event '{}' cut at {why}", clip(&uid)),
                        )));
                    }
                }
                Err(why) => out.push(Parsed::Issue(ParseIssue::new(
                    first.line,
                    ErrorCode::InvalidInput,
                    format!(
                        "{why}: only the first occurrence of '{}' imported",
                        clip(&uid)
                    ),
                ))),
            }
        }
        for p in get_all("RDATE") {
            instants.extend(
                self.times_of(p)
                    .filter(|t| now.is_none_or(|n| t.millis() <= n)),
            );
        }
        instants.sort_unstable();
        instants.dedup();
        // An EXDATE held so far cancels what an earlier import may have
        // stored for that occurrence.
        let held = |t: &i64| *t >= first_at.millis() && now.is_none_or(|n| *t <= n);
        for t in exdates.into_iter().filter(held) {
            let source_id = if t == first_at.millis() {
                uid.clone()
            } else {
                format!("{uid}#{}", utc_stamp(Timestamp::from_millis(t), all_day))
            };
            out.push(Parsed::Cancelled {
                line: first.line,
                source_id,
                listed: true,
                series: false,
            });
        }
        if !skip.contains(&first_at.millis()) {
            out.push(Parsed::Interaction(first.clone()));
        }
        let mut ranges: Vec<&Override> = changes.iter().filter(|c| c.this_and_future).collect();
        ranges.sort_by_key(|r| r.at);
        for t in instants {
            if t <= first_at || skip.contains(&t.millis()) {
                continue;
            }
            // The last "this and future" change made before t, if any.
            let (meeting, at) = match ranges.iter().rev().find(|r| r.at < t.millis()) {
                None => (&first, t),
                Some(r) => match &r.meeting {
                    Parsed::Interaction(m) => {
                        let shift = m.timestamp.millis() - r.at;
                        let at = Timestamp::from_millis(t.millis().saturating_add(shift));
                        if now.is_some_and(|n| at.millis() > n) {
                            continue;
                        }
                        (m, at)
                    }
                    // Cancelled from there on: what an earlier import stored
                    // for the occurrence goes.
                    Parsed::Cancelled { .. } => {
                        out.push(Parsed::Cancelled {
                            line: first.line,
                            source_id: format!("{uid}#{}", utc_stamp(t, all_day)),
                            listed: true,
                            series: false,
                        });
                        continue;
                    }
                    // No meeting any more (one person left, not yet held).
                    _ => continue,
                },
            };
            out.push(Parsed::Interaction(FoundInteraction {
                source_id: format!("{uid}#{}", utc_stamp(t, all_day)),
                timestamp: at,
                ..meeting.clone()
            }));
        }
        Some(first_at.millis())
    }

    fn finish_event(&self, ev: &Event) -> Parsed {
        let get = |name: &str| ev.props.iter().find(|p| p.name == name);
        let uid = get("UID")
            .map(|u| unescape(u.value.trim()))
            .filter(|u| !u.is_empty());
        if get("STATUS").is_some_and(|s| s.value.trim().eq_ignore_ascii_case("CANCELLED")) {
            return match uid {
                // The event itself: every occurrence (RFC 5545 3.8.1.11;
                // an override's key is set by the caller).
                Some(source_id) => Parsed::Cancelled {
                    line: ev.line,
                    source_id,
                    listed: false,
                    series: true,
                },
                None => Parsed::Skipped { line: ev.line },
            };
        }
        let Some(uid) = uid else {
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
        // A meeting still to come has not happened: not an interaction yet
        // (importing the file again after it adds it).
        if self.now.is_some_and(|n| start > n) {
            return Parsed::Skipped { line: ev.line };
        }
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
        Parsed::Interaction(FoundInteraction {
            line: ev.line,
            source_id: uid,
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
        "TZOFFSETTO" => o.offset_to_min = parse_utc_offset(p.value.trim()),
        "RRULE" => {
            let mut month = None;
            let mut day = None;
            let mut month_day = None;
            for part in p.value.split(';') {
                match part.split_once('=') {
                    Some(("BYMONTH", m)) => month = m.parse::<i64>().ok(),
                    Some(("BYDAY", d)) => day = parse_byday(d),
                    Some(("BYMONTHDAY", d)) => {
                        month_day = d
                            .split(',')
                            .filter_map(|d| d.trim().parse::<i64>().ok())
                            .min()
                    }
                    Some(("UNTIL", u)) => o.until = parse_ics_civil(u.trim()),
                    _ => {}
                }
            }
            o.rule = match (month, day, month_day) {
                (Some(m), Some((None, wd)), Some(d)) if (1..=31).contains(&d) => {
                    Some((m, OnsetDay::OnOrAfter(d, wd)))
                }
                (Some(m), Some((n, wd)), _) => Some((m, OnsetDay::Nth(n.unwrap_or(1), wd))),
                _ => None,
            };
        }
        _ => {}
    }
}

/// `2SU`, `-1SU`, `+1MO` → (n, weekday 0=SU).
/// A BYDAY of a time-zone rule: its ordinal, if written, and weekday.
fn parse_byday(d: &str) -> Option<(Option<i64>, i64)> {
    let d = d.split(',').next()?.trim();
    // `get`, not `split_at`: a byte index may fall inside a character (found by the fuzzer).
    let cut = d.len().checked_sub(2)?;
    let (n, wd) = (d.get(..cut)?, d.get(cut..)?);
    let wd = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
        .iter()
        .position(|w| *w == wd)? as i64;
    let n = if n.is_empty() {
        None
    } else {
        Some(n.trim_start_matches('+').parse().ok()?)
    };
    Some((n, wd))
}

/// A date or date-time `v` of `prop` as written: the local date-time, the
/// zone to read it in (its TZID; None for UTC, a `…Z` time or a date), and
/// whether it is a date (an all-day value).
fn written_time<'a>(prop: &'a Property, v: &str) -> Option<(Civil, Option<&'a str>, bool)> {
    let all_day = prop
        .param("VALUE")
        .is_some_and(|x| x.eq_ignore_ascii_case("DATE"))
        || (v.len() == 8 && v.chars().all(|c| c.is_ascii_digit()));
    let civil = parse_ics_civil(v)?;
    let zone = if all_day || v.ends_with(['Z', 'z']) {
        None
    } else {
        prop.param("TZID")
    };
    Some((civil, zone, all_day))
}

/// `YYYYMMDD` or `YYYYMMDDTHHMMSS[Z]`.
pub(super) fn parse_ics_civil(v: &str) -> Option<Civil> {
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
            Some((month, day)) => {
                // This year's onset, or last year's if it is still ahead.
                [t.0, t.0 - 1].iter().find_map(|&y| {
                    let d = day.in_month(y, month)?;
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

/// An occurrence's key in its source id: `20250107T090000Z`, or
/// `20250107` for an all-day one.
fn utc_stamp(t: Timestamp, all_day: bool) -> String {
    let ms = t.millis();
    let (y, m, d) = crate::model::civil_from_days(ms.div_euclid(86_400_000));
    if all_day {
        return format!("{y:04}{m:02}{d:02}");
    }
    let s = ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
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
        self.finish_events(out);
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
        let event = |e: &Event| e.props.iter().map(|p| p.value.len() + 64).sum::<usize>();
        self.lines.buffered()
            + self.event.as_ref().map_or(0, event)
            + [&self.series, &self.changed, &self.waiting]
                .into_iter()
                .flatten()
                .map(event)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_all, Format, ParserOptions};
    use super::*;

    /// Parsed whole, and the same in chunks of 1, 5 and 100 bytes.
    fn parse_with(input: &str, options: &ParserOptions) -> Vec<Parsed> {
        let whole = parse_all(Format::Ics, options, input.as_bytes(), 1 << 20).unwrap();
        for chunk in [1, 5, 100] {
            let p = parse_all(Format::Ics, options, input.as_bytes(), chunk).unwrap();
            assert_eq!(p, whole, "chunk {chunk}");
        }
        whole
    }

    fn parse(input: &str) -> Vec<Parsed> {
        parse_with(input, &ParserOptions::default())
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
        // A changed occurrence is read at the end of the file (its series
        // may follow it), keyed by the UTC instant it replaces.
        let Parsed::Interaction(b) = &out[3] else {
            panic!()
        };
        assert_eq!(b.source_id, "e1@x#20250115T090000Z");
        assert_eq!(
            b.timestamp,
            Timestamp::parse("2025-01-15T09:00:00Z").unwrap()
        );
        assert_eq!(b.duration_minutes, Some(60.0));
        let Parsed::Interaction(c) = &out[1] else {
            panic!()
        };
        assert_eq!(
            c.timestamp,
            Timestamp::parse("2025-03-10T00:00:00Z").unwrap()
        );
        assert_eq!(c.duration_minutes, None);
        // A cancelled event: what an earlier import stored goes, every
        // occurrence of it.
        assert_eq!(
            out[2],
            Parsed::Cancelled {
                line: 45,
                source_id: "gone".into(),
                listed: false,
                series: true,
            }
        );
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

    /// [`parse_with`], recurring events expanded up to `now`.
    fn parse_at(input: &str, now: &str) -> Vec<Parsed> {
        let options = ParserOptions {
            now: Some(Timestamp::parse(now).unwrap()),
            ..Default::default()
        };
        parse_with(input, &options)
    }

    fn meetings(out: &[Parsed]) -> Vec<(String, String)> {
        out.iter()
            .filter_map(|p| match p {
                Parsed::Interaction(i) => Some((i.source_id.clone(), i.timestamp.to_string())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_weekly_series_is_one_meeting_a_week_up_to_now() {
        // Mondays 10:00 Berlin time from 17 March 2025: the 31 March
        // occurrence is after the DST change (08:00 UTC, not 09:00); the
        // 24 March one is an EXDATE; 7 April was moved to Tuesday by a
        // VEVENT *before* the series, 14 April cancelled by one after it;
        // "now" is 22 April 12:00, so 21 April is the last.
        let ics = format!(
            "BEGIN:VCALENDAR\r\n{ZONE}\
             BEGIN:VEVENT\r\nUID:w@x\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250407T100000\r\n\
             DTSTART;TZID=Europe/Berlin:20250408T100000\r\nDURATION:PT30M\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:w@x\r\nDTSTART;TZID=Europe/Berlin:20250317T100000\r\nDURATION:PT30M\r\n\
             RRULE:FREQ=WEEKLY;BYDAY=MO\r\nEXDATE;TZID=Europe/Berlin:20250324T100000\r\n\
             ORGANIZER:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:w@x\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250414T100000\r\n\
             STATUS:CANCELLED\r\nDTSTART;TZID=Europe/Berlin:20250414T100000\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n"
        );
        let out = parse_at(&ics, "2025-04-22T12:00:00Z");
        let m = |id: &str, at: &str| (id.to_string(), at.to_string());
        assert_eq!(
            meetings(&out),
            [
                m("w@x", "2025-03-17T09:00:00.000Z"),
                m("w@x#20250331T080000Z", "2025-03-31T08:00:00.000Z"),
                m("w@x#20250421T080000Z", "2025-04-21T08:00:00.000Z"),
                // Moved to Tuesday, keyed by the Monday it replaces.
                m("w@x#20250407T080000Z", "2025-04-08T08:00:00.000Z"),
            ]
        );
        let last = out
            .iter()
            .find_map(|p| match p {
                Parsed::Interaction(it) if it.source_id == "w@x#20250421T080000Z" => Some(it),
                _ => None,
            })
            .unwrap();
        assert_eq!(last.duration_minutes, Some(30.0));
        assert_eq!(last.sender.as_deref(), Some("a@x.org"));
        assert_eq!(last.participants, ["a@x.org", "b@x.org"]);
        // The EXDATE and the cancelled occurrence cancel what an earlier
        // import may have stored for them.
        let cancelled: Vec<(&str, bool)> = out
            .iter()
            .filter_map(|p| match p {
                Parsed::Cancelled {
                    source_id, listed, ..
                } => Some((source_id.as_str(), *listed)),
                _ => None,
            })
            .collect();
        assert_eq!(
            cancelled,
            [
                ("w@x#20250324T090000Z", true),
                ("w@x#20250414T080000Z", false)
            ]
        );
        // A month later, the same file: the same meetings, and four more.
        let later = meetings(&parse_at(&ics, "2025-05-22T12:00:00Z"));
        assert_eq!(later.len(), 8);
        assert!(meetings(&out).iter().all(|m| later.contains(m)));
    }

    #[test]
    fn a_change_to_this_and_future_occurrences_moves_all_later_ones() {
        // Mondays 10:00 UTC from 6 January 2025. From 20 January on the
        // meeting is on Tuesdays at 11:00 with c as well (Apple Calendar's
        // "all future events"); a second series is cancelled from its
        // third occurrence on. "now" is 5 February 12:00.
        let ics = "BEGIN:VCALENDAR\r\n\
             BEGIN:VEVENT\r\nUID:w@x\r\nDTSTART:20250106T100000Z\r\nDURATION:PT30M\r\n\
             RRULE:FREQ=WEEKLY\r\nORGANIZER:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:w@x\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20250120T100000Z\r\n\
             DTSTART:20250121T110000Z\r\nDURATION:PT45M\r\nORGANIZER:mailto:a@x.org\r\n\
             ATTENDEE:mailto:b@x.org\r\nATTENDEE:mailto:c@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:c@x\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20250120T090000Z\r\n\
             STATUS:CANCELLED\r\nDTSTART:20250120T090000Z\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:c@x\r\nDTSTART:20250106T090000Z\r\nRRULE:FREQ=WEEKLY\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:d@x.org\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n";
        let out = parse_at(ics, "2025-02-05T12:00:00Z");
        let m = |id: &str, at: &str| (id.to_string(), at.to_string());
        assert_eq!(
            meetings(&out),
            [
                // Each keyed by the occurrence it replaces, so that the
                // change updates what an earlier import stored.
                m("w@x", "2025-01-06T10:00:00.000Z"),
                m("w@x#20250113T100000Z", "2025-01-13T10:00:00.000Z"),
                m("w@x#20250127T100000Z", "2025-01-28T11:00:00.000Z"),
                m("w@x#20250203T100000Z", "2025-02-04T11:00:00.000Z"),
                m("c@x", "2025-01-06T09:00:00.000Z"),
                m("c@x#20250113T090000Z", "2025-01-13T09:00:00.000Z"),
                m("w@x#20250120T100000Z", "2025-01-21T11:00:00.000Z"),
            ]
        );
        let people = |i: usize| match &out
            .iter()
            .filter(|p| matches!(p, Parsed::Interaction(_)))
            .nth(i)
        {
            Some(Parsed::Interaction(it)) => (it.participants.clone(), it.duration_minutes),
            _ => panic!(),
        };
        assert_eq!(
            people(1),
            (
                vec!["a@x.org".to_string(), "b@x.org".to_string()],
                Some(30.0)
            )
        );
        assert_eq!(
            people(2),
            (
                vec![
                    "a@x.org".to_string(),
                    "b@x.org".to_string(),
                    "c@x.org".to_string()
                ],
                Some(45.0)
            )
        );
    }

    #[test]
    fn zones_defined_late_moved_first_occurrences_periods_and_meetings_to_come() {
        // The VTIMEZONE comes last (RFC 5545 allows it); the series' first
        // occurrence is moved (its key stays the bare UID, as before the
        // move); an RDATE is a PERIOD; a one-off meeting is still to come.
        let ics = format!(
            "BEGIN:VCALENDAR\r\n\
             BEGIN:VEVENT\r\nUID:one\r\nDTSTART;TZID=Europe/Berlin:20250710T100000\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250707T100000\r\n\
             DTSTART;TZID=Europe/Berlin:20250708T100000\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:s\r\nDTSTART;TZID=Europe/Berlin:20250707T100000\r\n\
             RRULE:FREQ=WEEKLY;COUNT=2\r\nRDATE;VALUE=PERIOD:20250801T090000Z/PT1H\r\n\
             DESCRIPTION:{}\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:later\r\nDTSTART:20250901T090000Z\r\n\
             ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n\
             {ZONE}END:VCALENDAR\r\n",
            "long agenda ".repeat(500)
        );
        let out = parse_at(&ics, "2025-08-15T00:00:00Z");
        let m = |id: &str, at: &str| (id.to_string(), at.to_string());
        assert_eq!(
            meetings(&out),
            [
                m("s#20250714T080000Z", "2025-07-14T08:00:00.000Z"),
                m("s#20250801T090000Z", "2025-08-01T09:00:00.000Z"),
                m("s", "2025-07-08T08:00:00.000Z"),
                m("one", "2025-07-10T08:00:00.000Z"),
            ]
        );
        assert!(
            out.iter().any(|p| matches!(p, Parsed::Skipped { .. })),
            "{out:?}"
        );
        // Only the properties a meeting is read from are held until the end.
        let mut parser = IcsParser::new(Some(Timestamp::parse("2025-08-15T00:00:00Z").unwrap()));
        let mut sink = Vec::new();
        parser
            .feed(
                ics.split("BEGIN:VTIMEZONE").next().unwrap().as_bytes(),
                &mut sink,
            )
            .unwrap();
        let held = parser.buffered_bytes() - parser.lines.buffered();
        assert!(held < 2_000, "{held} bytes held");
    }

    /// An event with thousands of attendees was refused as "1998 entries"
    /// (the properties past the cap were dropped uncounted).
    #[test]
    fn an_event_over_the_property_cap_is_refused_with_its_real_size() {
        let attendees: String = (0..5_000)
            .map(|i| format!("ATTENDEE;PARTSTAT=ACCEPTED:mailto:a{i}@x.com\r\n"))
            .collect();
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:big\r\n\
             DTSTART:20240110T100000Z\r\nORGANIZER:mailto:o@x.com\r\n{attendees}END:VEVENT\r\n\
             END:VCALENDAR\r\n"
        );
        let out = parse_all(
            Format::Ics,
            &ParserOptions::default(),
            ics.as_bytes(),
            1 << 16,
        )
        .unwrap();
        assert!(meetings(&out).is_empty());
        let reasons: Vec<&str> = super::super::issues(&out)
            .iter()
            .map(|i| i.reason.as_str())
            .collect();
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].starts_with("5003 properties"), "{reasons:?}");
    }

    /// `TZOFFSETTO:+9999` moved a meeting by four days without a word
    /// (found by an adversarial review): an offset past 23:59 is no UTC
    /// offset; the observance is reported and left out.
    #[test]
    fn an_offset_that_is_no_utc_offset_is_reported_not_applied() {
        for (offset, at) in [
            ("+9999", "2024-01-10T10:00:00.000Z"),
            ("+0960", "2024-01-10T10:00:00.000Z"),
            ("+1400", "2024-01-09T20:00:00.000Z"),
            ("-053000", "2024-01-10T15:30:00.000Z"),
        ] {
            let ics = format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\n\
                 DTSTART:19700101T000000\r\nTZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\n\
                 END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:tz1\r\n\
                 DTSTART;TZID=X:20240110T100000\r\nORGANIZER:mailto:o@x.com\r\n\
                 ATTENDEE:mailto:p@x.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            );
            let out = parse(&ics);
            assert_eq!(
                meetings(&out),
                [("tz1".to_string(), at.to_string())],
                "{offset}"
            );
            let issues = out
                .iter()
                .filter(|p| matches!(p, Parsed::Issue(i) if i.reason.contains("TZOFFSETTO")))
                .count();
            assert_eq!(
                issues,
                usize::from(at.ends_with("T10:00:00.000Z")),
                "{offset}"
            );
        }
        assert!(
            crate::import::text::parse_rfc5322_date("Wed, 10 Jan 2024 10:00:00 +9999").is_none()
        );
        assert!(
            crate::import::text::parse_rfc5322_date("Wed, 10 Jan 2024 10:00:00 +0160").is_none()
        );
        assert!(
            crate::import::text::parse_rfc5322_date("Wed, 10 Jan 2024 10:00:00 +-123").is_none()
        );
        assert!(
            crate::import::text::parse_rfc5322_date("Wed, 10 Jan 2024 10:00:00 -0530").is_some()
        );
    }

    #[test]
    fn events_in_a_zone_never_defined_are_not_held_without_bound() {
        let mut parser = IcsParser::new(None);
        let mut out = Vec::new();
        parser.feed(b"BEGIN:VCALENDAR\r\n", &mut out).unwrap();
        for i in 0..MAX_WAITING + 500 {
            let ev = format!(
                "BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTART;TZID=Nowhere:20250101T100000\r\n\
                 ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n"
            );
            parser.feed(ev.as_bytes(), &mut out).unwrap();
        }
        parser.feed(b"END:VCALENDAR\r\n", &mut out).unwrap();
        assert_eq!(parser.waiting.len(), MAX_WAITING);
        assert_eq!(meetings(&out).len(), 500, "the rest read at once");
        parser.finish(&mut out).unwrap();
        let all = meetings(&out);
        assert_eq!(all.len(), MAX_WAITING + 500);
        assert!(
            all.iter().all(|(_, at)| at == "2025-01-01T10:00:00.000Z"),
            "read as UTC"
        );
    }

    #[test]
    fn zone_rules_by_weekday_on_or_after_a_day() {
        // Asia/Jerusalem as libical writes it: summer time from the Friday
        // before the last Sunday of March (28 March in 2025).
        let zone = "BEGIN:VTIMEZONE\r\nTZID:Asia/Jerusalem\r\nBEGIN:DAYLIGHT\r\n\
             TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0300\r\nDTSTART:19700327T020000\r\n\
             RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=23,24,25,26,27,28,29;BYDAY=FR\r\n\
             END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0200\r\n\
             DTSTART:19701025T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
             END:STANDARD\r\nEND:VTIMEZONE\r\n";
        let event = |uid: &str, at: &str| {
            format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;TZID=Asia/Jerusalem:{at}\r\n\
                 ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n"
            )
        };
        let ics = format!(
            "BEGIN:VCALENDAR\r\n{zone}{}{}END:VCALENDAR\r\n",
            event("before", "20250327T100000"),
            event("after", "20250401T100000")
        );
        let m = |id: &str, at: &str| (id.to_string(), at.to_string());
        assert_eq!(
            meetings(&parse(&ics)),
            [
                m("before", "2025-03-27T08:00:00.000Z"),
                m("after", "2025-04-01T07:00:00.000Z"),
            ]
        );
    }

    #[test]
    fn series_end_where_their_rule_does_and_say_what_was_left_out() {
        let event = |uid: &str, start: &str, rule: &str| {
            format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{start}\r\n{rule}\r\n\
                 ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n"
            )
        };
        let ics = [
            "BEGIN:VCALENDAR\r\n".to_string(),
            event("count", "20250101T090000Z", "RRULE:FREQ=DAILY;COUNT=3"),
            event(
                "until",
                "20250101T090000Z",
                "RRULE:FREQ=DAILY;UNTIL=20250103T090000Z",
            ),
            event(
                "day",
                "20250101",
                "RRULE:FREQ=MONTHLY\r\nEXDATE;VALUE=DATE:20250201",
            ),
            event(
                "rdate",
                "20250101T090000Z",
                "RDATE:20250105T090000Z,20991231T090000Z",
            ),
            event(
                "setpos",
                "20250101T090000Z",
                "RRULE:FREQ=MONTHLY;BYWEEKNO=2",
            ),
            event("daily", "20000101T090000Z", "RRULE:FREQ=DAILY"),
            "END:VCALENDAR\r\n".to_string(),
        ]
        .concat();
        let out = parse_at(&ics, "2025-03-31T12:00:00Z");
        let ids = |uid: &str| {
            meetings(&out)
                .into_iter()
                .filter(|(id, _)| id.split('#').next() == Some(uid))
                .map(|(id, _)| id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids("count"),
            ["count", "count#20250102T090000Z", "count#20250103T090000Z"]
        );
        assert_eq!(ids("until").len(), 3);
        assert_eq!(ids("day"), ["day", "day#20250301"]);
        assert_eq!(ids("rdate"), ["rdate", "rdate#20250105T090000Z"]);
        assert_eq!(ids("setpos"), ["setpos"]);
        assert_eq!(ids("daily").len(), MAX_OCCURRENCES);
        let issues: Vec<&str> = super::super::issues(&out)
            .iter()
            .map(|i| i.reason.as_str())
            .collect();
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(
            issues[0].contains("BYWEEKNO") && issues[0].contains("first occurrence of 'setpos'")
        );
        assert!(issues[1].contains("'daily' cut at 5000"));
    }

    #[test]
    fn a_file_expands_a_bounded_number_of_occurrences() {
        let per = MAX_FILE_OCCURRENCES / MAX_OCCURRENCES;
        let mut ics = String::from("BEGIN:VCALENDAR\r\n");
        for i in 0..=per {
            ics += &format!(
                "BEGIN:VEVENT\r\nUID:s{i}\r\nDTSTART:20000101T090000Z\r\nRRULE:FREQ=DAILY\r\n\
                 ATTENDEE:mailto:a@x.org\r\nATTENDEE:mailto:b@x.org\r\nEND:VEVENT\r\n"
            );
        }
        ics += "END:VCALENDAR\r\n";
        let options = ParserOptions {
            now: Some(Timestamp::parse("2030-01-01T00:00:00Z").unwrap()),
            ..Default::default()
        };
        let out = parse_all(Format::Ics, &options, ics.as_bytes(), 1 << 16).unwrap();
        let meetings = out
            .iter()
            .filter(|p| matches!(p, Parsed::Interaction(_)))
            .count();
        // Every series keeps its first occurrence; the expanded ones stop at the bound.
        assert_eq!(meetings, MAX_FILE_OCCURRENCES + per + 1);
        let issues: Vec<&str> = super::super::issues(&out)
            .iter()
            .map(|i| i.reason.as_str())
            .collect();
        assert_eq!(issues.len(), per + 1);
        assert!(
            issues[per].contains("the file's recurring events reached 250000"),
            "{}",
            issues[per]
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
        assert_eq!(parse_byday("-1SU"), Some((Some(-1), 0)));
        assert_eq!(parse_byday("SU"), Some((None, 0)));
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
