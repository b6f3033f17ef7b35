//! Reading alerts back: the one filtered query, paged by alert id in either
//! direction, that `vigie alerts` and `GET /v1/alerts` both run.

use super::eve_codec::Decoder;
use super::rollup::hour_of;
use super::{AlertRow, StoreError};
use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};
use serde::Serialize;
use std::net::IpAddr;

/// Which alerts: every field optional, all given ones must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertFilter {
    /// Alert time at or after this (microseconds since the epoch).
    pub since: Option<i64>,
    /// Alert time before this.
    pub until: Option<i64>,
    pub sid: Option<u32>,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// Severity at most this (1 is the most severe).
    pub severity: Option<u8>,
    pub sensor: Option<String>,
}

/// Where a page starts: ids are the keys, so pages hold still while the
/// writer appends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The first `limit` matches with an id above this (0: from the start).
    After(i64),
    /// The last `limit` matches with an id below this.
    Before(i64),
    /// The last `limit` matches.
    Newest,
}

/// An alert with its id in the store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredAlert {
    pub id: i64,
    #[serde(flatten)]
    pub row: AlertRow,
}

const COLUMNS: &str = "id, ts, timestamp, sensor, run_id, flow_id, pcap_cnt, src_ip, src_port, dest_ip, dest_port,
    proto, app_proto, direction, action, gid, sid, rev, signature, category, severity, eve, eve_dict";

fn stored(r: &rusqlite::Row<'_>, packed: &mut Decoder<'_>) -> Result<StoredAlert, StoreError> {
    let eve = match (r.get::<_, Option<i64>>(22)?, r.get_ref(21)?) {
        (Some(dict), ValueRef::Blob(bytes)) => packed.unpack(dict, bytes)?,
        (_, ValueRef::Text(text)) => String::from_utf8_lossy(text).into_owned(),
        (dict, _) => {
            let id: i64 = r.get(0)?;
            return Err(StoreError::Corrupt(format!(
                "alert {id}: EVE record neither text nor packed (dictionary {dict:?})"
            )));
        }
    };
    Ok(StoredAlert {
        id: r.get(0)?,
        row: AlertRow {
            ts_micros: r.get(1)?,
            timestamp: r.get(2)?,
            sensor: r.get(3)?,
            run_id: r.get(4)?,
            flow_id: r.get::<_, Option<i64>>(5)?.unwrap_or(0) as u64,
            pcap_cnt: r.get::<_, Option<i64>>(6)?.map(|c| c as u64),
            src_ip: r.get(7)?,
            src_port: r.get(8)?,
            dest_ip: r.get(9)?,
            dest_port: r.get(10)?,
            proto: r.get(11)?,
            app_proto: r.get(12)?,
            direction: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
            action: r.get(14)?,
            gid: r.get(15)?,
            sid: r.get(16)?,
            rev: r.get(17)?,
            signature: r.get(18)?,
            category: r.get(19)?,
            severity: r.get(20)?,
            eve,
        },
    })
}

/// The WHERE clause of `filter` (and of the page's bound), its values
/// numbered after `values` already bound.
fn conditions(filter: &AlertFilter, page: Page, mut values: Vec<Value>) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut add = |clause: &str, v: Value| {
        values.push(v);
        clauses.push(format!("{clause} ?{}", values.len()));
    };
    match page {
        Page::After(id) => add("id >", id.into()),
        Page::Before(id) => add("id <", id.into()),
        Page::Newest => {}
    }
    if let Some(t) = filter.since {
        add("ts >=", t.into());
    }
    if let Some(t) = filter.until {
        add("ts <", t.into());
    }
    if let Some(s) = filter.sid {
        add("sid =", i64::from(s).into());
    }
    if let Some(ip) = filter.src {
        add("src_ip =", ip.to_string().into());
    }
    if let Some(ip) = filter.dst {
        add("dest_ip =", ip.to_string().into());
    }
    if let Some(s) = filter.severity {
        add("severity <=", i64::from(s).into());
    }
    if let Some(s) = &filter.sensor {
        add("sensor =", s.clone().into());
    }
    (clauses.join(" AND "), values)
}

/// The hours an alert matching `filter` can lie in, or None when the store
/// holds none there.
fn hours(conn: &Connection, filter: &AlertFilter) -> Result<Option<(i64, i64)>, StoreError> {
    let edge = |sql: &str| -> Result<Option<i64>, StoreError> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row([], |r| r.get::<_, Option<i64>>(0))?)
    };
    let first = match filter.since {
        Some(t) => Some(t),
        None => edge("SELECT min(ts) FROM alerts")?,
    };
    let last = match filter.until {
        Some(t) => Some(t.saturating_sub(1)),
        None => edge("SELECT max(ts) FROM alerts")?,
    };
    Ok(match (first, last) {
        (Some(a), Some(b)) if a <= b => Some((hour_of(a), hour_of(b))),
        _ => None,
    })
}

/// Matches in a time range up to which reading the range from the time
/// index beats walking the table in id order.
const SMALL_RANGE: i64 = 20_000;

/// How the ids of a filter without a sid or an address are found. Time
/// bounds are read from the time index when the range is small, or when
/// the matches may lie anywhere in id order; a large range open towards
/// now, read newest first, is found quickest by walking ids down, since
/// alerts are stored roughly in time order.
fn time_access(conn: &Connection, filter: &AlertFilter, page: Page) -> Result<&'static str, StoreError> {
    if filter.since.is_none() && filter.until.is_none() {
        return Ok("");
    }
    let in_range: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM alerts INDEXED BY alerts_ts WHERE ts >= ?1 AND ts < ?2 LIMIT ?3)",
        )?
        .query_row(
            [
                filter.since.unwrap_or(i64::MIN),
                filter.until.unwrap_or(i64::MAX),
                SMALL_RANGE,
            ],
            |r| r.get(0),
        )?;
    let newest_first = matches!(page, Page::Newest | Page::Before(_));
    Ok(if in_range < SMALL_RANGE || !newest_first || filter.until.is_some() {
        "INDEXED BY alerts_ts"
    } else {
        "NOT INDEXED"
    })
}

fn statement(
    conn: &Connection,
    filter: &AlertFilter,
    page: Page,
    limit: usize,
) -> Result<Option<(String, Vec<Value>)>, StoreError> {
    let order = match page {
        Page::After(_) => "ASC",
        Page::Before(_) | Page::Newest => "DESC",
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let (with, access, cond, values) = if filter.sid.is_some() || filter.src.is_some() || filter.dst.is_some() {
        // The sid, source and target indexes lead with the hour: each hour
        // of the period is one seek.
        let Some((first, last)) = hours(conn, filter)? else {
            return Ok(None);
        };
        let with = "WITH RECURSIVE hours(h) AS (SELECT ?1 UNION ALL SELECT h + 1 FROM hours WHERE h < ?2)";
        let (cond, values) = conditions(filter, page, vec![first.into(), last.into()]);
        (with, "", format!("ts / 3600000000 IN hours AND {cond}"), values)
    } else {
        let (cond, values) = conditions(filter, page, Vec::new());
        ("", time_access(conn, filter, page)?, cond, values)
    };
    let cond = if cond.is_empty() { cond } else { format!("WHERE {cond}") };
    let sql = format!(
        "{with} SELECT {COLUMNS} FROM alerts WHERE id IN
            (SELECT id FROM alerts {access} {cond} ORDER BY id {order} LIMIT {limit})
         ORDER BY id"
    );
    Ok(Some((sql, values)))
}

/// Up to `limit` alerts matching `filter` from `page`, in id order (oldest
/// first whatever the direction). The ids are found first, from an index
/// alone where one covers the filter, then only those rows are read.
pub fn alerts(
    conn: &Connection,
    filter: &AlertFilter,
    page: Page,
    limit: usize,
) -> Result<Vec<StoredAlert>, StoreError> {
    let Some((sql, values)) = statement(conn, filter, page, limit)? else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
    let mut packed = Decoder::new(conn);
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(stored(r, &mut packed)?);
    }
    Ok(out)
}

/// The plan SQLite follows for `alerts` (one line per step), for tests and
/// the benchmark.
pub fn plan(conn: &Connection, filter: &AlertFilter, page: Page, limit: usize) -> Result<Vec<String>, StoreError> {
    let Some((sql, values)) = statement(conn, filter, page, limit)? else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{row, store_with};

    const H: i64 = 3_600_000_000;

    /// 60 alerts, one a minute from hour 1000: sids 1..=3 in turn, sources
    /// 10.0.0.1..=4 in turn, all to 10.9.9.9 but every tenth to 2001:db8::1.
    fn sample_rows() -> Vec<AlertRow> {
        (0..60)
            .map(|i| {
                let dst = if i % 10 == 0 { "2001:db8::1" } else { "10.9.9.9" };
                row(
                    1000 * H + i * 60_000_000,
                    (i % 3 + 1) as u32,
                    &format!("10.0.0.{}", i % 4 + 1),
                    dst,
                )
            })
            .collect()
    }

    fn ids(rows: &[StoredAlert]) -> Vec<i64> {
        rows.iter().map(|r| r.id).collect()
    }

    #[test]
    fn filters_each_and_together() {
        let (_p, conn) = store_with("query-filters", sample_rows());
        let all = alerts(&conn, &AlertFilter::default(), Page::After(0), 1000).unwrap();
        assert_eq!(all.len(), 60);
        assert_eq!(all[5].row.src_ip, "10.0.0.2");
        let q = |f: AlertFilter| alerts(&conn, &f, Page::After(0), 1000).unwrap();
        let by_sid = q(AlertFilter {
            sid: Some(2),
            ..Default::default()
        });
        assert_eq!(by_sid.len(), 20);
        assert!(by_sid.iter().all(|r| r.row.sid == 2));
        let by_src = q(AlertFilter {
            src: "10.0.0.3".parse().ok(),
            ..Default::default()
        });
        assert_eq!(ids(&by_src), (0..15).map(|k| 3 + 4 * k).collect::<Vec<_>>());
        // An address matches however it was written.
        let v6 = q(AlertFilter {
            dst: "2001:0db8:0:0::1".parse().ok(),
            ..Default::default()
        });
        assert_eq!(ids(&v6), vec![1, 11, 21, 31, 41, 51]);
        let window = q(AlertFilter {
            since: Some(1000 * H + 10 * 60_000_000),
            until: Some(1000 * H + 20 * 60_000_000),
            ..Default::default()
        });
        assert_eq!(ids(&window), (11..=20).collect::<Vec<_>>());
        let severe = q(AlertFilter {
            severity: Some(1),
            ..Default::default()
        });
        assert!(!severe.is_empty() && severe.iter().all(|r| r.row.severity <= 1));
        let both = q(AlertFilter {
            sid: Some(1),
            src: "10.0.0.1".parse().ok(),
            since: Some(1000 * H + 30 * 60_000_000),
            ..Default::default()
        });
        // i % 3 == 0 and i % 4 == 0 and i >= 30: i = 36, 48.
        assert_eq!(ids(&both), vec![37, 49]);
        let other_sensor = q(AlertFilter {
            sensor: Some("s2".into()),
            ..Default::default()
        });
        assert!(other_sensor.is_empty());
        assert_eq!(
            q(AlertFilter {
                sensor: Some("s1".into()),
                ..Default::default()
            })
            .len(),
            60
        );
    }

    #[test]
    fn pages_in_both_directions() {
        let (_p, conn) = store_with("query-pages", sample_rows());
        let f = AlertFilter {
            sid: Some(1),
            ..Default::default()
        };
        // sid 1: ids 1, 4, 7, ..., 58.
        let newest = alerts(&conn, &f, Page::Newest, 3).unwrap();
        assert_eq!(ids(&newest), vec![52, 55, 58]);
        let before = alerts(&conn, &f, Page::Before(52), 3).unwrap();
        assert_eq!(ids(&before), vec![43, 46, 49]);
        let first = alerts(&conn, &f, Page::After(0), 3).unwrap();
        assert_eq!(ids(&first), vec![1, 4, 7]);
        let next = alerts(&conn, &f, Page::After(7), 3).unwrap();
        assert_eq!(ids(&next), vec![10, 13, 16]);
        // Paging forwards visits each match once.
        let mut seen = Vec::new();
        let mut after = 0;
        loop {
            let page = alerts(&conn, &f, Page::After(after), 7).unwrap();
            let Some(last) = page.last() else { break };
            after = last.id;
            seen.extend(ids(&page));
        }
        assert_eq!(seen, (0..20).map(|k| 1 + 3 * k).collect::<Vec<_>>());
        assert!(alerts(&conn, &f, Page::After(58), 3).unwrap().is_empty());
    }

    #[test]
    fn rows_come_back_as_stored() {
        let rows = sample_rows();
        let (_p, conn) = store_with("query-rows", rows.clone());
        let back = alerts(&conn, &AlertFilter::default(), Page::After(0), 100).unwrap();
        let mut want = rows[0].clone();
        want.run_id = None;
        assert_eq!(back[0].row, want);
        let json: serde_json::Value = serde_json::to_value(&back[0]).unwrap();
        assert_eq!(json["id"], 1);
        assert_eq!(json["ts"], 1000 * H);
        assert_eq!(json["sid"], 1);
        assert!(json.get("eve").is_none() && json.get("ts_micros").is_none());
    }

    #[test]
    fn plans_use_the_indexes() {
        let (_p, conn) = store_with("query-plans", sample_rows());
        let plan = |f: AlertFilter| plan(&conn, &f, Page::Newest, 100).unwrap().join("; ");
        let since = Some(1000 * H);
        let p = plan(AlertFilter {
            src: "10.0.0.1".parse().ok(),
            since,
            ..Default::default()
        });
        assert!(
            p.contains("COVERING INDEX alerts_hour_src (<expr>=? AND src_ip=? AND ts>?)"),
            "{p}"
        );
        let p = plan(AlertFilter {
            sid: Some(1),
            since,
            ..Default::default()
        });
        assert!(
            p.contains("COVERING INDEX alerts_hour_sid (<expr>=? AND sid=? AND ts>?)"),
            "{p}"
        );
        let p = plan(AlertFilter {
            dst: "10.9.9.9".parse().ok(),
            ..Default::default()
        });
        assert!(
            p.contains("COVERING INDEX alerts_hour_dst (<expr>=? AND dest_ip=?)"),
            "{p}"
        );
        // A small time range is read from the time index, never by a scan.
        let p = plan(AlertFilter {
            since,
            severity: Some(1),
            ..Default::default()
        });
        assert!(p.contains("INDEX alerts_ts (ts>?)") && !p.contains("SCAN"), "{p}");
        let p = plan(AlertFilter::default());
        assert!(p.contains("SCAN alerts"), "{p}");
    }
}
