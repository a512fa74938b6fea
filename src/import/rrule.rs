//! RFC 5545 recurrence rules (`RRULE`) of events, expanded into the local
//! date-times of their occurrences — the forms calendar apps write for
//! meetings: DAILY, WEEKLY (BYDAY), MONTHLY (BYMONTHDAY, or BYDAY with or
//! without an ordinal: "the 2nd Tuesday", "the last Friday") and YEARLY
//! (BYMONTH with either), each with INTERVAL, COUNT, UNTIL and WKST.
//!
//! BYSETPOS picks among a period's dates (Outlook's "the second Tuesday",
//! "the last weekday of the month").
//!
//! A rule with a part this does not expand (BYWEEKNO,
//! BYYEARDAY, BYHOUR…, an HOURLY or finer FREQ) is refused with the reason,
//! so the importer can say what it left out instead of guessing.
//!
//! Expansion works on the written (local) date-time: a 10:00 meeting stays
//! at 10:00 local across a DST change; the importer converts each
//! occurrence with the event's time zone.
//!
//! ```
//! use wig_graph::import::rrule;
//! let rule = rrule::parse("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4").unwrap();
//! let (dates, cut) = rrule::expand(&rule, (2025, 1, 7, 10, 0, 0), |_| false, 100);
//! // DTSTART (Tuesday 7 January) is the first of the four.
//! assert_eq!(dates, [(2025, 1, 9, 10, 0, 0), (2025, 1, 14, 10, 0, 0), (2025, 1, 16, 10, 0, 0)]);
//! assert!(!cut);
//! ```

use crate::model::{civil_from_days, days_from_civil, days_in_month};

use super::text::weekday;

/// A local date-time as written: (y, m, d, h, min, s).
pub type Civil = (i64, i64, i64, i64, i64, i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// Where a rule ends, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// `…Z`: an instant (compared in UTC).
    Utc(Civil),
    /// A floating date-time: compared with the local time.
    Local(Civil),
    /// A date: occurrences on that day are in.
    Date(i64, i64, i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: i64,
    /// Occurrences in all, DTSTART's included.
    pub count: Option<u64>,
    pub until: Option<Until>,
    /// (n, weekday 0 = SU); n = 0: every such weekday of the period.
    pub by_day: Vec<(i64, i64)>,
    pub by_month_day: Vec<i64>,
    pub by_month: Vec<i64>,
    /// Positions among each period's dates (1 = first, -1 = last).
    pub by_set_pos: Vec<i64>,
    /// The week's first day (0 = SU; default MO).
    pub week_start: i64,
}

const DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

/// Parses an RRULE value. Err: why it is not expanded.
pub fn parse(value: &str) -> Result<Rule, String> {
    let mut freq = None;
    let mut rule = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        by_day: Vec::new(),
        by_month_day: Vec::new(),
        by_month: Vec::new(),
        by_set_pos: Vec::new(),
        week_start: 1,
    };
    let bad = |part: &str| format!("RRULE part '{}' is malformed", clip(part));
    for part in value.trim().split(';').filter(|p| !p.trim().is_empty()) {
        let (name, v) = part.split_once('=').ok_or_else(|| bad(part))?;
        let v = v.trim();
        match name.trim().to_ascii_uppercase().as_str() {
            "FREQ" => {
                freq = Some(match v.to_ascii_uppercase().as_str() {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "YEARLY" => Freq::Yearly,
                    other => return Err(format!("FREQ={} is not expanded", clip(other))),
                })
            }
            "INTERVAL" => {
                rule.interval = v
                    .parse()
                    .ok()
                    .filter(|&i| (1..=10_000).contains(&i))
                    .ok_or_else(|| bad(part))?
            }
            "COUNT" => {
                rule.count = Some(
                    v.parse()
                        .ok()
                        .filter(|&c| c >= 1)
                        .ok_or_else(|| bad(part))?,
                )
            }
            "UNTIL" => {
                let c = super::ics::parse_ics_civil(v).ok_or_else(|| bad(part))?;
                rule.until = Some(if v.ends_with(['Z', 'z']) {
                    Until::Utc(c)
                } else if v.len() == 8 {
                    Until::Date(c.0, c.1, c.2)
                } else {
                    Until::Local(c)
                });
            }
            "BYDAY" => {
                for d in v.split(',') {
                    rule.by_day.push(by_day(d.trim()).ok_or_else(|| bad(part))?);
                }
            }
            "BYMONTHDAY" => {
                for d in v.split(',') {
                    let n: i64 = d
                        .trim()
                        .trim_start_matches('+')
                        .parse()
                        .map_err(|_| bad(part))?;
                    if n == 0 || !(-31..=31).contains(&n) {
                        return Err(bad(part));
                    }
                    rule.by_month_day.push(n);
                }
            }
            "BYMONTH" => {
                for m in v.split(',') {
                    let m: i64 = m.trim().parse().map_err(|_| bad(part))?;
                    if !(1..=12).contains(&m) {
                        return Err(bad(part));
                    }
                    rule.by_month.push(m);
                }
            }
            "BYSETPOS" => {
                for n in v.split(',') {
                    let n: i64 = n
                        .trim()
                        .trim_start_matches('+')
                        .parse()
                        .map_err(|_| bad(part))?;
                    if n == 0 || !(-366..=366).contains(&n) {
                        return Err(bad(part));
                    }
                    rule.by_set_pos.push(n);
                }
            }
            "WKST" => {
                rule.week_start = DAYS
                    .iter()
                    .position(|d| d.eq_ignore_ascii_case(v))
                    .ok_or_else(|| bad(part))? as i64
            }
            other => return Err(format!("RRULE part {} is not expanded", clip(other))),
        }
    }
    rule.freq = freq.ok_or("RRULE without FREQ")?;
    let ordinal = rule.by_day.iter().any(|&(n, _)| n != 0);
    match rule.freq {
        Freq::Daily | Freq::Weekly if ordinal => {
            return Err("BYDAY with an ordinal in a DAILY or WEEKLY rule".into())
        }
        Freq::Weekly if !rule.by_month_day.is_empty() => {
            return Err("BYMONTHDAY in a WEEKLY rule".into())
        }
        Freq::Yearly
            if rule.by_month.is_empty()
                && (!rule.by_day.is_empty() || !rule.by_month_day.is_empty()) =>
        {
            return Err(
                "a YEARLY rule with BYDAY or BYMONTHDAY but no BYMONTH is not expanded".into(),
            )
        }
        _ => {}
    }
    Ok(rule)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// `TU`, `2TU`, `-1FR`, `+1MO` → (n, weekday).
fn by_day(d: &str) -> Option<(i64, i64)> {
    let cut = d.len().checked_sub(2)?;
    let (n, wd) = (d.get(..cut)?, d.get(cut..)?);
    let wd = DAYS.iter().position(|w| w.eq_ignore_ascii_case(wd))? as i64;
    let n: i64 = if n.is_empty() {
        0
    } else {
        n.trim_start_matches('+').parse().ok()?
    };
    ((-53..=53).contains(&n)).then_some((n, wd))
}

/// Periods in a row without an occurrence before giving up (a rule no date
/// satisfies, such as the 30th of February every year).
const IDLE_PERIODS: u32 = 5_000;

/// The occurrences after DTSTART (`start`), in order: DTSTART is always the
/// first occurrence (and counts in COUNT), so it is not repeated here.
/// Stops at COUNT, at the first occurrence `past` says is beyond the
/// limit (UNTIL, the time of the import: the caller decides, in UTC), or at
/// `max` occurrences: then the flag is true (the series was cut).
pub fn expand(
    rule: &Rule,
    start: Civil,
    past: impl Fn(Civil) -> bool,
    max: usize,
) -> (Vec<Civil>, bool) {
    let mut out = Vec::new();
    let wanted = rule.count.map_or(u64::MAX, |c| c - 1);
    if wanted == 0 {
        return (out, false);
    }
    let first = days_from_civil(start.0, start.1, start.2);
    let at = |day: i64| {
        let (y, m, d) = civil_from_days(day);
        (y, m, d, start.3, start.4, start.5)
    };
    let mut idle = 0;
    for period in 0.. {
        let days = period_days(rule, start, first, period * rule.interval);
        if days.is_empty() {
            idle += 1;
            if idle > IDLE_PERIODS {
                break;
            }
            continue;
        }
        idle = 0;
        for day in days.into_iter().filter(|&d| d > first) {
            let c = at(day);
            let after_until = match rule.until {
                Some(Until::Local(l)) => c > l,
                Some(Until::Date(y, m, d)) => (c.0, c.1, c.2) > (y, m, d),
                _ => false,
            };
            if c.0 > 9999 || after_until || past(c) {
                return (out, false);
            }
            if out.len() >= max {
                return (out, true);
            }
            out.push(c);
            if out.len() as u64 >= wanted {
                return (out, false);
            }
        }
    }
    (out, false)
}

/// The days (since 1970) of the `step`-th period from DTSTART's, ascending.
fn period_days(rule: &Rule, start: Civil, first: i64, step: i64) -> Vec<i64> {
    let month_ok = |m: i64| rule.by_month.is_empty() || rule.by_month.contains(&m);
    let mut days = match rule.freq {
        Freq::Daily => {
            let day = first + step;
            let (y, m, d) = civil_from_days(day);
            let len = days_in_month(y, m);
            let md_ok = rule.by_month_day.is_empty()
                || rule
                    .by_month_day
                    .iter()
                    .any(|&md| month_day(md, len) == Some(d));
            let wd_ok =
                rule.by_day.is_empty() || rule.by_day.iter().any(|&(_, wd)| wd == weekday(day));
            if month_ok(m) && md_ok && wd_ok {
                vec![day]
            } else {
                Vec::new()
            }
        }
        Freq::Weekly => {
            let into_week = |wd: i64| (wd - rule.week_start).rem_euclid(7);
            let week = first - into_week(weekday(first)) + step * 7;
            let mut days: Vec<i64> = if rule.by_day.is_empty() {
                vec![week + into_week(weekday(first))]
            } else {
                rule.by_day
                    .iter()
                    .map(|&(_, wd)| week + into_week(wd))
                    .collect()
            };
            days.retain(|&d| month_ok(civil_from_days(d).1));
            days
        }
        Freq::Monthly => {
            let months = start.0 * 12 + (start.1 - 1) + step;
            let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
            if month_ok(m) {
                month_days(rule, y, m, start.2)
            } else {
                Vec::new()
            }
        }
        Freq::Yearly => {
            let y = start.0 + step;
            if rule.by_month.is_empty() {
                month_days(rule, y, start.1, start.2)
            } else {
                rule.by_month
                    .iter()
                    .flat_map(|&m| month_days(rule, y, m, start.2))
                    .collect()
            }
        }
    };
    days.sort_unstable();
    days.dedup();
    if rule.by_set_pos.is_empty() {
        return days;
    }
    let len = days.len() as i64;
    let mut picked: Vec<i64> = rule
        .by_set_pos
        .iter()
        .filter_map(|&n| {
            let i = if n > 0 { n - 1 } else { len + n };
            (0..len).contains(&i).then(|| days[i as usize])
        })
        .collect();
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// The days of month `m` of year `y` a MONTHLY (or YEARLY, per month) rule
/// names: BYMONTHDAY and BYDAY (intersected when both are given), else
/// DTSTART's day of the month — skipped where the month is too short.
fn month_days(rule: &Rule, y: i64, m: i64, start_day: i64) -> Vec<i64> {
    if !(1000..=9999).contains(&y) {
        return Vec::new();
    }
    let len = days_in_month(y, m);
    let base = days_from_civil(y, m, 1) - 1;
    let by_weekday = |d: i64| {
        rule.by_day.iter().any(|&(n, wd)| {
            weekday(base + d) == wd
                && match n {
                    0 => true,
                    n if n > 0 => (d - 1) / 7 + 1 == n,
                    n => (len - d) / 7 + 1 == -n,
                }
        })
    };
    let by_month_day = |d: i64| {
        rule.by_month_day
            .iter()
            .any(|&md| month_day(md, len) == Some(d))
    };
    (1..=len)
        .filter(
            |&d| match (rule.by_month_day.is_empty(), rule.by_day.is_empty()) {
                (true, true) => d == start_day,
                (false, true) => by_month_day(d),
                (true, false) => by_weekday(d),
                (false, false) => by_month_day(d) && by_weekday(d),
            },
        )
        .map(|d| base + d)
        .collect()
}

/// BYMONTHDAY `md` (negative: from the end) in a month of `len` days.
fn month_day(md: i64, len: i64) -> Option<i64> {
    let d = if md > 0 { md } else { len + 1 + md };
    (1..=len).contains(&d).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(rule: &str, start: Civil, max: usize) -> Vec<Date> {
        let r = parse(rule).unwrap();
        expand(&r, start, |_| false, max)
            .0
            .iter()
            .map(|c| (c.0, c.1, c.2))
            .collect()
    }

    type Date = (i64, i64, i64);

    /// Each rule from its DTSTART (a date, at 09:00) gives these dates
    /// after DTSTART, in order.
    fn expands_to(cases: &[(&str, Date, &[Date])]) {
        for &(rule, (y, m, d), want) in cases {
            assert_eq!(
                dates(rule, (y, m, d, 9, 0, 0), 100),
                want,
                "{rule} from {y}-{m}-{d}"
            );
        }
    }

    #[test]
    fn weekly_rules_count_dtstart_and_follow_wkst() {
        expands_to(&[
            // Tue 7 Jan 2025 is DTSTART: the first of four.
            (
                "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4",
                (2025, 1, 7),
                &[(2025, 1, 9), (2025, 1, 14), (2025, 1, 16)],
            ),
            // RFC 5545's example: every other week on Tu and Su, WKST=MO vs SU.
            (
                "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
                (1997, 8, 5),
                &[(1997, 8, 10), (1997, 8, 19), (1997, 8, 24)],
            ),
            (
                "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
                (1997, 8, 5),
                &[(1997, 8, 17), (1997, 8, 19), (1997, 8, 31)],
            ),
        ]);
    }

    #[test]
    fn monthly_and_yearly_rules_by_day_ordinal_month_day_and_set_position() {
        expands_to(&[
            // The 2nd Tuesday; the last Friday; the 31st (short months skipped); the last day.
            (
                "FREQ=MONTHLY;BYDAY=2TU;COUNT=3",
                (2025, 1, 14),
                &[(2025, 2, 11), (2025, 3, 11)],
            ),
            (
                "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
                (2025, 1, 31),
                &[(2025, 2, 28), (2025, 3, 28)],
            ),
            (
                "FREQ=MONTHLY;COUNT=3",
                (2025, 1, 31),
                &[(2025, 3, 31), (2025, 5, 31)],
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",
                (2025, 1, 31),
                &[(2025, 2, 28), (2025, 3, 31)],
            ),
            // Outlook's forms: the second Tuesday; the last weekday of the month.
            (
                "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=3",
                (2025, 1, 14),
                &[(2025, 2, 11), (2025, 3, 11)],
            ),
            (
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4",
                (2025, 1, 31),
                &[(2025, 2, 28), (2025, 3, 31), (2025, 4, 30)],
            ),
            (
                "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=3",
                (2024, 3, 31),
                &[(2025, 3, 30), (2026, 3, 29)],
            ),
            // 29 February, every year: leap years only.
            (
                "FREQ=YEARLY;COUNT=3",
                (2024, 2, 29),
                &[(2028, 2, 29), (2032, 2, 29)],
            ),
            // Weekdays only, from a Friday.
            (
                "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=4",
                (2025, 1, 3),
                &[(2025, 1, 6), (2025, 1, 7), (2025, 1, 8)],
            ),
        ]);
        assert!(parse("FREQ=MONTHLY;BYSETPOS=0").is_err());
    }

    #[test]
    fn ends_at_until_the_limit_or_the_cap() {
        let r = parse("FREQ=DAILY;UNTIL=20250105").unwrap();
        let (d, cut) = expand(&r, (2025, 1, 1, 9, 0, 0), |_| false, 100);
        assert_eq!((d.len(), cut), (4, false));
        let r = parse("FREQ=DAILY").unwrap();
        let (d, cut) = expand(&r, (2025, 1, 1, 9, 0, 0), |c| c.2 > 10, 100);
        assert_eq!((d.len(), cut), (9, false));
        let (d, cut) = expand(&r, (2025, 1, 1, 9, 0, 0), |_| false, 50);
        assert_eq!((d.len(), cut), (50, true));
        // No date satisfies it: ends, empty.
        let r = parse("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30").unwrap();
        assert_eq!(
            expand(&r, (2025, 1, 1, 9, 0, 0), |_| false, 50),
            (vec![], false)
        );
        // Times keep DTSTART's.
        let r = parse("FREQ=WEEKLY;COUNT=2").unwrap();
        assert_eq!(
            expand(&r, (2025, 3, 25, 10, 30, 0), |_| false, 9).0,
            [(2025, 4, 1, 10, 30, 0)]
        );
    }

    #[test]
    fn unexpanded_parts_are_refused_with_the_reason() {
        for (rule, why) in [
            ("FREQ=HOURLY", "FREQ=HOURLY"),
            ("FREQ=MONTHLY;BYWEEKNO=20", "BYWEEKNO"),
            ("FREQ=WEEKLY;BYDAY=2TU", "ordinal"),
            ("FREQ=YEARLY;BYDAY=20MO", "no BYMONTH"),
            ("COUNT=3", "without FREQ"),
            ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0"),
            ("FREQ=DAILY;COUNT=x", "COUNT=x"),
            ("FREQ=DAILY;BYMONTH=13", "BYMONTH=13"),
        ] {
            let e = parse(rule).unwrap_err();
            assert!(e.contains(why), "{rule}: {e}");
        }
    }
}
