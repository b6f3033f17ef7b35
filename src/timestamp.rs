//! Packet time: one type for capture timestamps, flow timeouts and EVE
//! output, and the reading of times people type (RFC 3339, "1h ago").

use std::fmt;

/// A point in time with nanosecond resolution, as read from a capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub const ZERO: Timestamp = Timestamp { secs: 0, nanos: 0 };

    pub fn new(secs: i64, nanos: u32) -> Self {
        // Normalise nanoseconds that overflow a second (seen in hand-made captures).
        let extra = i64::from(nanos / 1_000_000_000);
        Timestamp {
            secs: secs.saturating_add(extra),
            nanos: nanos % 1_000_000_000,
        }
    }

    pub fn from_micros(micros: i64) -> Self {
        Timestamp {
            secs: micros.div_euclid(1_000_000),
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
        }
    }

    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }

    pub fn as_micros(&self) -> i64 {
        self.secs
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(self.nanos / 1000))
    }

    pub fn as_secs_f64(&self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }

    /// Whole seconds elapsed since `earlier` (0 if `earlier` is later).
    pub fn secs_since(&self, earlier: Timestamp) -> u64 {
        if *self <= earlier {
            return 0;
        }
        let mut secs = self.secs - earlier.secs;
        if self.nanos < earlier.nanos {
            secs -= 1;
        }
        secs.max(0) as u64
    }

    /// Microseconds elapsed since `earlier` (0 if `earlier` is later).
    pub fn micros_since(&self, earlier: Timestamp) -> u64 {
        (self.as_micros() - earlier.as_micros()).max(0) as u64
    }

    pub fn plus_secs(&self, secs: u64) -> Timestamp {
        Timestamp {
            secs: self.secs.saturating_add(secs.min(i64::MAX as u64) as i64),
            nanos: self.nanos,
        }
    }

    /// The EVE form: `2023-09-18T06:13:41.532140+0000` (UTC, microseconds).
    pub fn eve(&self) -> EveTime {
        EveTime(*self)
    }

    /// The RFC 3339 form syslog (RFC 5424) wants: `2023-09-18T06:13:41.532140Z`.
    pub fn rfc3339(&self) -> Rfc3339Time {
        Rfc3339Time(*self)
    }

    /// The fast.log form: `09/18/2023-06:13:41.532140`.
    pub fn fastlog(&self) -> FastLogTime {
        FastLogTime(*self)
    }

    /// A terminal's form: `2023-09-18 06:13:41` (UTC, whole seconds).
    pub fn short(&self) -> ShortTime {
        ShortTime(*self)
    }

    /// A point written as a span back from `now` (`1h`, `30m`, `7d`) or as
    /// an RFC 3339 time.
    pub fn parse_point(text: &str, now: Timestamp) -> Result<Timestamp, String> {
        if let Some(micros) = crate::duration::parse_micros(text) {
            return Ok(Timestamp::from_micros(now.as_micros().saturating_sub(micros)));
        }
        parse_rfc3339(text).map(Timestamp::from_micros).ok_or_else(|| {
            format!("'{text}' is neither a duration (30m, 1h, 7d) nor an RFC 3339 time (2024-06-01T12:00:00Z)")
        })
    }
}

fn days_in_month(year: i64, month: u32) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian calendar).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Microseconds since the epoch of an RFC 3339 time
/// (`2024-06-01T18:00:03.5Z`, `…+02:00`, EVE's `…+0000`); None if malformed.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |a: usize, b: usize| -> Option<i64> {
        let part = s.get(a..b)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| s.as_bytes().get(i) != Some(&c))
        || !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' '))
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month as u32)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<6}", &frac[..digits.min(6)]);
        micros = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = digits[2..].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month as u32, day as u32);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1_000_000 + micros)
}

/// Civil date (year, month, day) from days since 1970-01-01 (proleptic
/// Gregorian calendar).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
}

fn parts(ts: Timestamp) -> Parts {
    let days = ts.secs.div_euclid(86_400);
    let rem = ts.secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem / 60 % 60,
        second: rem % 60,
        micros: ts.nanos / 1000,
    }
}

pub struct EveTime(Timestamp);

/// `2023-09-18T06:13:41.532140` then the UTC offset as `zone` writes it.
fn write_iso(f: &mut fmt::Formatter<'_>, ts: Timestamp, zone: &str) -> fmt::Result {
    let p = parts(ts);
    write!(
        f,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{zone}",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.micros
    )
}

impl fmt::Display for EveTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_iso(f, self.0, "+0000")
    }
}

pub struct Rfc3339Time(Timestamp);

impl fmt::Display for Rfc3339Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_iso(f, self.0, "Z")
    }
}

pub struct FastLogTime(Timestamp);

pub struct ShortTime(Timestamp);

impl fmt::Display for ShortTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = parts(self.0);
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            p.year, p.month, p.day, p.hour, p.minute, p.second
        )
    }
}

impl fmt::Display for FastLogTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = parts(self.0);
        write!(
            f,
            "{:02}/{:02}/{:04}-{:02}:{:02}:{:02}.{:06}",
            p.month, p.day, p.year, p.hour, p.minute, p.second, p.micros
        )
    }
}

#[cfg(test)]
mod rfc3339_tests {
    use super::*;

    #[test]
    fn parses_what_eve_and_people_write() {
        let t = Timestamp::new(1_717_264_803, 532_140_000);
        let eve = t.eve().to_string();
        assert_eq!(parse_rfc3339(&eve), Some(t.as_micros()));
        assert_eq!(parse_rfc3339("2024-06-01T18:00:03Z"), Some(1_717_264_803_000_000));
        assert_eq!(
            parse_rfc3339("2024-06-01T20:00:03.5+02:00"),
            Some(1_717_264_803_500_000)
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1_000_000));
        for bad in [
            "",
            "2024-06-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-06-01T18:00:03",
            "2024-06-01T18:00:03+2",
            "２０２４-06-01T18:00:03Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for days in [-800_000i64, -1, 0, 19_875, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eve_format_matches_suricata() {
        // 2023-09-18T06:13:41.532140 UTC
        let ts = Timestamp::new(1_695_017_621, 532_140_123);
        assert_eq!(ts.eve().to_string(), "2023-09-18T06:13:41.532140+0000");
        assert_eq!(ts.fastlog().to_string(), "09/18/2023-06:13:41.532140");
        assert_eq!(ts.rfc3339().to_string(), "2023-09-18T06:13:41.532140Z");
    }

    #[test]
    fn epoch_and_leap_day() {
        assert_eq!(Timestamp::ZERO.eve().to_string(), "1970-01-01T00:00:00.000000+0000");
        // 2024-02-29T12:00:00
        assert_eq!(
            Timestamp::new(1_709_208_000, 0).eve().to_string(),
            "2024-02-29T12:00:00.000000+0000"
        );
    }

    #[test]
    fn nanos_overflow_is_normalised() {
        let ts = Timestamp::new(10, 2_500_000_000);
        assert_eq!((ts.secs, ts.nanos), (12, 500_000_000));
    }

    #[test]
    fn points_back_from_now() {
        let now = Timestamp::new(1_000_000, 0);
        assert_eq!(
            Timestamp::parse_point("1h", now),
            Ok(Timestamp::new(1_000_000 - 3600, 0))
        );
        assert_eq!(
            Timestamp::parse_point("1970-01-02T00:00:00Z", now),
            Ok(Timestamp::new(86_400, 0))
        );
        let e = Timestamp::parse_point("soon", now).unwrap_err();
        assert!(e.contains("soon") && e.contains("RFC 3339"), "{e}");
        assert_eq!(
            Timestamp::new(1_695_017_621, 9).short().to_string(),
            "2023-09-18 06:13:41"
        );
    }

    #[test]
    fn elapsed() {
        let a = Timestamp::new(100, 900_000_000);
        let b = Timestamp::new(102, 100_000_000);
        assert_eq!(b.secs_since(a), 1);
        assert_eq!(a.secs_since(b), 0);
        assert_eq!(b.micros_since(a), 1_200_000);
    }
}
