//! Timestamps: milliseconds since the Unix epoch inside, RFC 3339 (`…Z`) in JSON.
//!
//! Hand-written civil-date conversion (Howard Hinnant's algorithm, ~40 lines)
//! instead of `chrono`/`time`: we only need UTC formatting and parsing, and
//! those crates cost tens of KB of wasm.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use crate::error::{Error, ErrorCode, Result};

/// Earliest and latest accepted instants: years 1000..=9999, so every value
/// round-trips through a 4-digit-year RFC 3339 string.
const MIN_MS: i64 = -30_610_224_000_000; // 1000-01-01T00:00:00Z
const MAX_MS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms.clamp(MIN_MS, MAX_MS))
    }

    /// Checked constructor for input: out-of-range and non-finite values are errors.
    pub fn try_from_millis_f64(ms: f64) -> Result<Self> {
        if !ms.is_finite() || ms < MIN_MS as f64 || ms > MAX_MS as f64 {
            return Err(Error::new(
                ErrorCode::InvalidTimestamp,
                "",
                format!(
                    "{} is not a time between years 1000 and 9999",
                    crate::model::JsNumber(ms)
                ),
            ));
        }
        Ok(Timestamp(ms as i64))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn parse(s: &str) -> Result<Self> {
        parse_rfc3339(s).ok_or_else(|| {
            let shown: String = s.chars().take(40).collect();
            // A well-formed time whose year is outside 1000..9999 is said so.
            // (It reads as one with another year.)
            let out_of_range = s.get(..4).is_some_and(|y| {
                y.bytes().all(|b| b.is_ascii_digit())
                    && !("1000"..="9999").contains(&y)
                    && s.get(4..)
                        .is_some_and(|rest| parse_rfc3339(&format!("2000{rest}")).is_some())
            });
            let reason = if out_of_range {
                format!("'{shown}' is not a time between years 1000 and 9999")
            } else {
                format!("'{shown}' is not an RFC 3339 timestamp such as 2024-05-01T12:00:00Z")
            };
            Error::new(ErrorCode::InvalidTimestamp, "", reason)
        })
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses a calendar date `YYYY-MM-DD`, returning (y, m, d) when it exists.
pub(crate) fn parse_date(s: &str) -> Option<(i64, i64, i64)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    (y >= 1000 && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0')))
}

fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.len() < 10 || s.len() > 40 || !s.is_ascii() {
        return None;
    }
    let (y, mo, d) = parse_date(&s[..10])?;
    let days = days_from_civil(y, mo, d);
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(Timestamp::from_millis(days * 86_400_000));
    }
    let rb = rest.as_bytes();
    if !(rb[0] == b'T' || rb[0] == b't' || rb[0] == b' ')
        || rb.len() < 9
        || rb[3] != b':'
        || rb[6] != b':'
    {
        return None;
    }
    let hh = digits(&rb[1..3])?;
    let mm = digits(&rb[4..6])?;
    let ss = digits(&rb[7..9])?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut i = 9;
    let mut ms = 0i64;
    if i < rb.len() && rb[i] == b'.' {
        let start = i + 1;
        let mut end = start;
        while end < rb.len() && rb[end].is_ascii_digit() {
            end += 1;
        }
        if end == start || end - start > 9 {
            return None;
        }
        let frac = &rest[start..end];
        let padded = format!("{frac:0<3}");
        ms = digits(&padded.as_bytes()[..3])?;
        i = end;
    }
    let offset_min = match &rest[i..] {
        "Z" | "z" => 0,
        tz if tz.len() == 6
            && (tz.starts_with('+') || tz.starts_with('-'))
            && tz.as_bytes()[3] == b':' =>
        {
            let oh = digits(&tz.as_bytes()[1..3])?;
            let om = digits(&tz.as_bytes()[4..6])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    let total =
        days * 86_400_000 + (hh * 3600 + mm * 60 + ss.min(59)) * 1000 + ms - offset_min * 60_000;
    (MIN_MS..=MAX_MS)
        .contains(&total)
        .then_some(Timestamp(total))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.rem_euclid(1000);
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            sod / 3600,
            (sod % 3600) / 60,
            sod % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if !d.is_human_readable() {
            return i64::deserialize(d).map(Timestamp);
        }
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string or milliseconds since the epoch")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Timestamp, E> {
                Timestamp::parse(v).map_err(|e| E::custom(e.reason))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Timestamp, E> {
                Timestamp::try_from_millis_f64(v).map_err(|e| E::custom(e.reason))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Timestamp, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Timestamp, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        for ms in [
            0i64,
            1_700_000_000_123,
            -86_400_000,
            951_782_400_000, /* 2000-02-29 */
            MIN_MS,
            MAX_MS,
        ] {
            let t = Timestamp::from_millis(ms);
            assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t, "{t}");
        }
        assert_eq!(
            Timestamp::from_millis(0).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_offsets_fractions_and_dates() {
        let z = Timestamp::parse("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(Timestamp::parse("2024-05-01T14:00:00+02:00").unwrap(), z);
        assert_eq!(
            Timestamp::parse("2024-05-01T12:00:00.5Z").unwrap().millis(),
            z.millis() + 500
        );
        assert_eq!(
            Timestamp::parse("2024-05-01").unwrap().millis(),
            z.millis() - 12 * 3_600_000
        );
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "2024-13-01",
            "2023-02-29",
            "2024-05-01T25:00:00Z",
            "yesterday",
            "2024-05-01T12:00:00",
            "0999-01-01",
            "2024-05-01T12:00:00+2:00",
            "２０２４-05-01",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::try_from_millis_f64(f64::NAN).is_err());
        assert!(Timestamp::try_from_millis_f64(1e300).is_err());
    }
}
