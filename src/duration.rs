//! Spans of time written as people write them (`500ms`, `30s`, `5m`, `1h`,
//! `7d`, `2w`, or a bare number of seconds): the one parser and printer for
//! rate rules, policies, decisions, store retention and `--since`. Owns no
//! clock.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Units parsed, largest first.
const UNITS: &[(&str, i64)] = &[
    ("w", 7 * 86_400_000_000),
    ("d", 86_400_000_000),
    ("h", 3_600_000_000),
    ("m", 60_000_000),
    ("s", 1_000_000),
    ("ms", 1_000),
];

/// Microseconds in `text` (`30s`, `1h`, `7d`, `90` = 90 s); `None` when it
/// is not a span or overflows.
pub fn parse_micros(text: &str) -> Option<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    let mult = if unit.is_empty() {
        1_000_000
    } else {
        UNITS.iter().find(|(u, _)| *u == unit)?.1
    };
    num.parse::<i64>().ok()?.checked_mul(mult)
}

/// Microseconds in a span that must be longer than zero (a window, a
/// decision's duration).
pub fn parse_positive(text: &str) -> Result<i64, String> {
    match parse_micros(text) {
        Some(us) if us > 0 => Ok(us),
        Some(_) => Err(format!("'{}' must be longer than zero", text.trim())),
        None => Err(format!(
            "'{}' is not a duration like 500ms, 30s, 10m, 1h, 7d",
            text.trim()
        )),
    }
}

/// The largest unit that writes `micros` exactly: `30d`, `90m`, `1500ms`
/// (days at most, so a week reads `7d`).
pub fn format_micros(micros: i64) -> String {
    if micros == 0 {
        return "0s".into();
    }
    match UNITS[1..].iter().find(|(_, m)| micros % m == 0) {
        Some((unit, m)) => format!("{}{unit}", micros / m),
        None => format!("{micros}us"),
    }
}

/// A span in the configuration; zero means "no limit" where a limit is asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub micros: i64,
}

impl Span {
    pub const ZERO: Span = Span { micros: 0 };

    pub fn from_secs(secs: i64) -> Span {
        Span {
            micros: secs.saturating_mul(1_000_000),
        }
    }

    pub fn parse(text: &str) -> Result<Span, String> {
        parse_micros(text)
            .map(|micros| Span { micros })
            .ok_or_else(|| format!("'{text}' is not a duration like 30s, 15m, 1h, 7d or 2w"))
    }

    pub fn is_zero(&self) -> bool {
        self.micros == 0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_micros(self.micros))
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => i64::try_from(s)
                .ok()
                .and_then(|s| s.checked_mul(1_000_000))
                .map(|micros| Span { micros })
                .ok_or_else(|| serde::de::Error::custom("duration too large")),
            Raw::Text(t) => Span::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_micros("500ms"), Some(500_000));
        assert_eq!(parse_micros("30s"), Some(30_000_000));
        assert_eq!(parse_micros(" 5m "), Some(300_000_000));
        assert_eq!(parse_micros("1h"), Some(3_600_000_000));
        assert_eq!(parse_micros("7d"), Some(7 * 86_400_000_000));
        assert_eq!(parse_micros("2w"), Some(14 * 86_400_000_000));
        assert_eq!(parse_micros("90"), Some(90_000_000));
        assert_eq!(parse_micros("10 s"), Some(10_000_000));
        for bad in ["", "h", "-5s", "1y", "1.5h", "99999999999999999999d"] {
            assert_eq!(parse_micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn positive_spans() {
        assert_eq!(parse_positive("10m"), Ok(600_000_000));
        assert!(parse_positive("0s").unwrap_err().contains("longer than zero"));
        assert!(parse_positive("soon").unwrap_err().contains("'soon' is not a duration"));
    }

    #[test]
    fn display_round_trips() {
        for s in ["30d", "14d", "90m", "1500ms", "0s", "45s"] {
            assert_eq!(Span::parse(s).map(|d| d.to_string()).ok(), Some(s.into()), "{s}");
        }
        assert_eq!(Span::parse("2w").map(|d| d.to_string()), Ok("14d".into()));
        assert_eq!(Span::from_secs(86_400).to_string(), "1d");
        assert_eq!(format_micros(250), "250us");
    }
}
