//! Hourly alert counts per signature, source and target (`alert_counts`):
//! added to by the writer in the transaction that inserts the alerts, taken
//! from by retention in the one that deletes them, read by the top view so
//! a day of alerts is summed, not scanned. Owns no alert rows.

use foldhash::fast::FixedState;
use rusqlite::{Transaction, params};
use std::collections::HashMap;

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

#[derive(Default)]
struct HourCounts {
    sids: Map<u32>,
    sources: Map<String>,
    targets: Map<String>,
}

fn bump(map: &mut Map<String>, key: &str, by: i64) {
    match map.get_mut(key) {
        Some(n) => *n += by,
        None => {
            map.insert(key.to_string(), by);
        }
    }
}

/// Counts gathered over a batch of alerts, written in one go.
#[derive(Default)]
pub struct Tally {
    hours: HashMap<i64, HourCounts, FixedState>,
}

impl Tally {
    pub fn add(&mut self, ts_micros: i64, sid: u32, src: &str, dst: &str) {
        let h = self.hours.entry(hour_of(ts_micros)).or_default();
        *h.sids.entry(sid).or_default() += 1;
        bump(&mut h.sources, src, 1);
        bump(&mut h.targets, dst, 1);
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
                put(Dimension::Source, hour, ip, n)?;
            }
            for (ip, &n) in &h.targets {
                put(Dimension::Target, hour, ip, n)?;
            }
        }
        Ok(())
    }
}
