//! Hourly alert counts per signature, source and target (`alert_counts`):
//! added to by the writer in the transaction that inserts the alerts, taken
//! from by retention in the one that deletes them, read by the top view so
//! a day of alerts is summed, not scanned. Owns no alert rows.

use foldhash::fast::FixedState;
use rusqlite::{Transaction, params};
use std::collections::HashMap;
use std::net::IpAddr;

type Map<K> = HashMap<K, i64, FixedState>;

/// Microseconds in a bucket.
pub const HOUR: i64 = 3_600_000_000;

/// What a count is kept by (the `kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Signature = 0,
    Source = 1,
    Target = 2,
}

/// The bucket of an alert time (the migration's `ts / 3600000000`).
pub fn hour_of(ts_micros: i64) -> i64 {
    ts_micros / HOUR
}

/// An address as a count's key: parsed when its text is the canonical
/// form (as every stored alert's is), so counting hashes a few bytes in
/// place instead of following a pointer to text; the text otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AddrKey {
    Ip(IpAddr),
    Text(Box<str>),
}

impl AddrKey {
    pub fn of(text: &str) -> AddrKey {
        match text.parse::<IpAddr>() {
            // IPv4 parsing admits only the canonical form; IPv6 text has
            // several (case, zero runs), so only the one Display writes.
            Ok(ip @ IpAddr::V4(_)) => AddrKey::Ip(ip),
            Ok(ip) if ip.to_string() == text => AddrKey::Ip(ip),
            _ => AddrKey::Text(text.into()),
        }
    }

    /// The key as stored in `alert_counts` (the alert's own text).
    fn text(&self) -> String {
        match self {
            AddrKey::Ip(ip) => ip.to_string(),
            AddrKey::Text(t) => t.to_string(),
        }
    }
}

#[derive(Default)]
struct HourCounts {
    sids: Map<u32>,
    sources: Map<AddrKey>,
    targets: Map<AddrKey>,
}

/// Counts gathered over a batch of alerts, written in one go.
#[derive(Default)]
pub struct Tally {
    hours: HashMap<i64, HourCounts, FixedState>,
}

impl Tally {
    pub fn add(&mut self, ts_micros: i64, sid: u32, src: AddrKey, dst: AddrKey) {
        let h = self.hours.entry(hour_of(ts_micros)).or_default();
        *h.sids.entry(sid).or_default() += 1;
        *h.sources.entry(src).or_default() += 1;
        *h.targets.entry(dst).or_default() += 1;
    }

    /// Adds the tally to the stored counts (`sign` 1), or takes it from them
    /// (`sign` -1, dropping the counts that reach zero).
    pub fn apply(&self, tx: &Transaction<'_>, sign: i64) -> rusqlite::Result<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO alert_counts (kind, hour, key, n) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, hour, key) DO UPDATE SET n = n + excluded.n",
        )?;
        let mut drop_empty =
            tx.prepare_cached("DELETE FROM alert_counts WHERE kind = ?1 AND hour = ?2 AND key = ?3 AND n <= 0")?;
        let mut put = |kind: Dimension, hour: i64, key: &str, n: i64| -> rusqlite::Result<()> {
            upsert.execute(params![kind as i64, hour, key, n * sign])?;
            if sign < 0 {
                drop_empty.execute(params![kind as i64, hour, key])?;
            }
            Ok(())
        };
        for (&hour, h) in &self.hours {
            for (sid, &n) in &h.sids {
                put(Dimension::Signature, hour, &sid.to_string(), n)?;
            }
            for (ip, &n) in &h.sources {
                put(Dimension::Source, hour, &ip.text(), n)?;
            }
            for (ip, &n) in &h.targets {
                put(Dimension::Target, hour, &ip.text(), n)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_keys_give_back_the_alert_text() {
        for text in [
            "10.0.0.1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "2001:DB8::1",
            "2001:db8:0:0::1",
            "10.0.0.01",
            "host",
        ] {
            assert_eq!(AddrKey::of(text).text(), text);
        }
        assert!(matches!(AddrKey::of("2001:db8::1"), AddrKey::Ip(_)));
        assert!(matches!(AddrKey::of("2001:DB8::1"), AddrKey::Text(_)));
    }
}
