//! The top view: the busiest signatures, sources and targets over a period,
//! summed from the hourly counts, so a period is counted in whole hours.

use super::StoreError;
use super::rollup::{Dimension, HOUR, hour_of};
use foldhash::fast::FixedState;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopSignature {
    pub sid: u32,
    pub msg: String,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopAddress {
    pub ip: String,
    pub count: u64,
}

/// What `vigie alerts top` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopView {
    /// The hours counted: from the start of `since`'s hour to the end of
    /// the hour before `until` (microseconds).
    pub from: i64,
    pub to: i64,
    pub signatures: Vec<TopSignature>,
    pub sources: Vec<TopAddress>,
    pub targets: Vec<TopAddress>,
}

/// The `limit` busiest keys of one dimension over hours `[first, end)`,
/// summed here rather than by SQLite's GROUP BY (half the time).
fn busiest(
    conn: &Connection,
    dim: Dimension,
    first: i64,
    end: i64,
    limit: usize,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT key, n FROM alert_counts WHERE kind = ?1 AND hour >= ?2 AND hour < ?3")?;
    let mut totals: HashMap<String, i64, FixedState> = HashMap::default();
    let mut rows = stmt.query([dim as i64, first, end])?;
    while let Some(r) = rows.next()? {
        let key = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        let n: i64 = r.get(1)?;
        match totals.get_mut(key) {
            Some(t) => *t += n,
            None => {
                totals.insert(key.to_string(), n);
            }
        }
    }
    let mut list: Vec<(String, u64)> = totals.into_iter().map(|(k, n)| (k, n.max(0) as u64)).collect();
    let busier = |a: &(String, u64), b: &(String, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    if list.len() > limit {
        list.select_nth_unstable_by(limit, busier);
        list.truncate(limit);
    }
    list.sort_unstable_by(busier);
    Ok(list)
}

/// The top `limit` of each kind for alerts between `since` and `until`
/// (microseconds), widened to whole hours.
pub fn top(conn: &Connection, since: i64, until: i64, limit: usize) -> Result<TopView, StoreError> {
    let first = hour_of(since);
    // The hour holding `until - 1` is the last one counted.
    let end = hour_of(until.saturating_sub(1)).saturating_add(1).max(first);
    // A signature's message from its latest alert of the period, found
    // through the hour-led sid index, an hour at a time from the last.
    let mut msg =
        conn.prepare_cached("SELECT signature FROM alerts WHERE ts / 3600000000 = ?1 AND sid = ?2 LIMIT 1")?;
    let mut signatures = Vec::new();
    for (key, count) in busiest(conn, Dimension::Signature, first, end, limit)? {
        let Ok(sid) = key.parse::<u32>() else { continue };
        let mut text = String::new();
        for hour in (first..end).rev() {
            if let Some(m) = msg
                .query_row(params![hour, sid], |r| r.get::<_, String>(0))
                .optional()?
            {
                text = m;
                break;
            }
        }
        signatures.push(TopSignature { sid, msg: text, count });
    }
    let addresses = |dim| -> Result<Vec<TopAddress>, StoreError> {
        Ok(busiest(conn, dim, first, end, limit)?
            .into_iter()
            .map(|(ip, count)| TopAddress { ip, count })
            .collect())
    };
    Ok(TopView {
        from: first.saturating_mul(HOUR),
        to: end.saturating_mul(HOUR),
        signatures,
        sources: addresses(Dimension::Source)?,
        targets: addresses(Dimension::Target)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{row, store_with};

    #[test]
    fn busiest_of_each_in_whole_hours() {
        // Hour 500: sid 7 from .1 three times, sid 8 from .2 once; hour 501:
        // sid 8 from .2 twice; hour 503: sid 9 from .3 once.
        let at = |h: i64, min: i64| h * HOUR + min * 60_000_000;
        let rows = vec![
            row(at(500, 1), 7, "10.0.0.1", "10.9.0.1"),
            row(at(500, 2), 7, "10.0.0.1", "10.9.0.1"),
            row(at(500, 59), 7, "10.0.0.1", "10.9.0.2"),
            row(at(500, 30), 8, "10.0.0.2", "10.9.0.2"),
            row(at(501, 0), 8, "10.0.0.2", "10.9.0.2"),
            row(at(501, 5), 8, "10.0.0.2", "10.9.0.3"),
            row(at(503, 0), 9, "10.0.0.3", "10.9.0.3"),
        ];
        let (_p, conn) = store_with("top", rows);
        // From the middle of hour 500 to the middle of hour 501: both hours whole.
        let v = top(&conn, at(500, 30), at(501, 30), 10).unwrap();
        assert_eq!((v.from, v.to), (500 * HOUR, 502 * HOUR));
        let sigs: Vec<(u32, u64)> = v.signatures.iter().map(|s| (s.sid, s.count)).collect();
        assert_eq!(sigs, vec![(7, 3), (8, 3)]);
        assert_eq!(v.signatures[0].msg, "signature 7");
        let srcs: Vec<(&str, u64)> = v.sources.iter().map(|a| (a.ip.as_str(), a.count)).collect();
        assert_eq!(srcs, vec![("10.0.0.1", 3), ("10.0.0.2", 3)]);
        let dsts: Vec<(&str, u64)> = v.targets.iter().map(|a| (a.ip.as_str(), a.count)).collect();
        assert_eq!(dsts, vec![("10.9.0.2", 3), ("10.9.0.1", 2), ("10.9.0.3", 1)]);
        // An until on an hour's boundary leaves that hour out; a limit cuts.
        let v = top(&conn, at(501, 0), at(503, 0), 1).unwrap();
        assert_eq!(v.signatures.len(), 1);
        assert_eq!((v.signatures[0].sid, v.signatures[0].count), (8, 2));
        let v = top(&conn, at(504, 0), at(600, 0), 10).unwrap();
        assert!(v.signatures.is_empty() && v.sources.is_empty() && v.targets.is_empty());
    }
}
