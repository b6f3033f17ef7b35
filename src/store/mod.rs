//! The local alert store (SQLite, WAL): schema and migrations, the batched
//! writer thread, the queries analysts and the API run against it, the top
//! view and retention.

pub mod decisions;
mod eve_codec;
pub mod query;
pub mod retention;
mod rollup;
mod schema;
pub mod top;
mod writer;

pub use query::{AlertFilter, Page, StoredAlert};
pub use retention::{Pruned, Pruner, Retention};
pub use schema::CURRENT_VERSION;
pub use top::TopView;
pub use writer::StoreWriter;

use crate::alert::{Alert, proto_name};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("store writer stopped")]
    WriterGone,
    #[error("store: {0}")]
    Thread(String),
    #[error("store: {0}")]
    Corrupt(String),
}

/// One alert as stored; serialised as its columns, without the EVE record.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AlertRow {
    #[serde(rename = "ts")]
    pub ts_micros: i64,
    pub timestamp: String,
    pub sensor: String,
    pub run_id: Option<i64>,
    pub flow_id: u64,
    pub pcap_cnt: Option<u64>,
    pub src_ip: String,
    pub src_port: Option<u16>,
    pub dest_ip: String,
    pub dest_port: Option<u16>,
    pub proto: String,
    pub app_proto: Option<String>,
    pub direction: String,
    pub action: String,
    pub gid: u32,
    pub sid: u32,
    pub rev: u32,
    pub signature: String,
    pub category: String,
    pub severity: u8,
    #[serde(skip)]
    pub eve: String,
}

impl AlertRow {
    pub fn from_alert(a: &Alert, eve: String, sensor: &str, run_id: Option<i64>) -> AlertRow {
        let port = |p: u16| a.has_ports.then_some(p);
        AlertRow {
            ts_micros: a.ts.as_micros(),
            timestamp: a.ts.eve().to_string(),
            sensor: sensor.to_string(),
            run_id,
            flow_id: a.flow_id,
            pcap_cnt: (a.pcap_cnt > 0).then_some(a.pcap_cnt),
            src_ip: a.src_ip.to_string(),
            src_port: port(a.src_port),
            dest_ip: a.dest_ip.to_string(),
            dest_port: port(a.dest_port),
            proto: proto_name(a.proto).into_owned(),
            app_proto: a.app_proto.map(str::to_string),
            direction: a.direction.eve_name().to_string(),
            action: a.action.to_string(),
            gid: a.signature.gid,
            sid: a.signature.sid,
            rev: a.signature.rev,
            signature: a.signature.msg.clone(),
            category: a.signature.category.clone(),
            severity: a.signature.severity,
            eve,
        }
    }
}

/// A run's counters, kept as columns of `runs` beside its JSON summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounters {
    pub packets: u64,
    pub alerts: u64,
    /// Packets the sensor did not inspect (capture drops; none in a replay).
    pub drops: u64,
}

/// One row of `runs` (times in microseconds since the epoch).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub kind: String,
    pub sensor: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub inputs: String,
    #[serde(flatten)]
    pub counters: RunCounters,
}

/// Opens the store with the settings every connection uses, migrating it.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let fail = |reason: String| StoreError::Open {
        path: path.display().to_string(),
        reason,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    }
    let mut conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| fail(e.to_string()))?;
    // 8 KiB pages for a new store (an existing one keeps its own): a fifth
    // less work per alert written than 4 KiB in the store benchmark.
    conn.pragma_update(None, "page_size", 8192)
        .map_err(|e| fail(e.to_string()))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| fail(e.to_string()))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| fail(e.to_string()))?;
    schema::migrate(&mut conn).map_err(fail)?;
    Ok(conn)
}

/// Read access and run bookkeeping.
pub struct Store {
    conn: Connection,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            conn: open_connection(path)?,
        })
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(schema::version(&self.conn)?)
    }

    pub fn begin_run(&self, kind: &str, sensor: &str, inputs: &str, started_micros: i64) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO runs (kind, sensor, started_at, inputs) VALUES (?1, ?2, ?3, ?4)",
            params![kind, sensor, started_micros, inputs],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_run(
        &self,
        id: i64,
        finished_micros: i64,
        counters: RunCounters,
        summary_json: &str,
    ) -> Result<(), StoreError> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.conn.execute(
            "UPDATE runs SET finished_at = ?1, summary = ?2, packets = ?3, alerts = ?4, drops = ?5 WHERE id = ?6",
            params![
                finished_micros,
                summary_json,
                n(counters.packets),
                n(counters.alerts),
                n(counters.drops),
                id
            ],
        )?;
        Ok(())
    }

    /// One run's record.
    pub fn run(&self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, kind, sensor, started_at, finished_at, inputs, packets, alerts, drops FROM runs WHERE id = ?1",
                [id],
                |r| {
                    Ok(RunRecord {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        sensor: r.get(2)?,
                        started_at: r.get(3)?,
                        finished_at: r.get(4)?,
                        inputs: r.get(5)?,
                        counters: RunCounters {
                            packets: r.get::<_, i64>(6)?.max(0) as u64,
                            alerts: r.get::<_, i64>(7)?.max(0) as u64,
                            drops: r.get::<_, i64>(8)?.max(0) as u64,
                        },
                    })
                },
            )
            .optional()?)
    }

    pub fn run_summary(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT summary FROM runs WHERE id = ?1", [id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    pub fn count_alerts(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM alerts", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Alerts of one run as (sid, src_ip, dest_ip), in insertion order.
    pub fn run_alerts(&self, run_id: i64) -> Result<Vec<(u32, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT sid, src_ip, dest_ip FROM alerts WHERE run_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Scratch stores and made-up alerts for the store's tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vigie-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("vigie.db")
    }

    /// An alert at `ts` (microseconds) of `sid` from `src` to `dst`.
    pub fn row(ts: i64, sid: u32, src: &str, dst: &str) -> AlertRow {
        let mut a = crate::output::eve::tests::sample();
        a.ts = crate::timestamp::Timestamp::from_micros(ts);
        a.src_ip = src.parse().unwrap();
        a.dest_ip = dst.parse().unwrap();
        let mut sig = (*a.signature).clone();
        sig.sid = sid;
        sig.msg = format!("signature {sid}");
        sig.severity = (sid % 3 + 1) as u8;
        a.signature = std::sync::Arc::new(sig);
        let eve = crate::output::eve::render(&a, Some("s1"));
        AlertRow::from_alert(&a, eve, "s1", None)
    }

    /// A store at `name` holding `rows`, written by the writer.
    pub fn store_with(name: &str, rows: Vec<AlertRow>) -> (std::path::PathBuf, Connection) {
        let path = temp_db(name);
        let mut w = StoreWriter::start(path.clone(), 64).unwrap();
        for r in rows {
            w.insert(r).unwrap();
        }
        w.finish().unwrap();
        let conn = open_connection(&path).unwrap();
        (path, conn)
    }

    /// The hourly counts as (kind, hour, key, n), sorted.
    pub fn counts(conn: &Connection) -> Vec<(i64, i64, String, i64)> {
        let mut stmt = conn
            .prepare("SELECT kind, hour, key, n FROM alert_counts ORDER BY kind, hour, key")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The hourly counts recomputed from the alerts, as `counts` lists them.
    pub fn recounted(conn: &Connection) -> Vec<(i64, i64, String, i64)> {
        let mut stmt = conn
            .prepare(
                "SELECT 0, ts / 3600000000, CAST(sid AS TEXT), count(*) FROM alerts GROUP BY 2, 3
                 UNION ALL SELECT 1, ts / 3600000000, src_ip, count(*) FROM alerts GROUP BY 2, 3
                 UNION ALL SELECT 2, ts / 3600000000, dest_ip, count(*) FROM alerts GROUP BY 2, 3
                 ORDER BY 1, 2, 3",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn migrates_and_reopens() {
        let path = temp_db("migrate");
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), CURRENT_VERSION);
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), CURRENT_VERSION);
    }

    #[test]
    fn refuses_newer_schema() {
        let path = temp_db("newer");
        let s = Store::open(&path).unwrap();
        s.connection()
            .execute("INSERT INTO schema_version (version) VALUES (999)", [])
            .unwrap();
        drop(s);
        let e = Store::open(&path).err().unwrap();
        assert!(e.to_string().contains("newer"), "{e}");
    }

    #[test]
    fn writer_batches_and_flushes() {
        let path = temp_db("writer");
        let store = Store::open(&path).unwrap();
        let run = store.begin_run("replay", "s1", "x.pcap", 0).unwrap();
        let mut w = StoreWriter::start(path.clone(), 16).unwrap();
        let a = crate::output::eve::tests::sample();
        for _ in 0..2500 {
            w.insert(AlertRow::from_alert(&a, "{}".into(), "s1", Some(run)))
                .unwrap();
        }
        w.flush().unwrap();
        assert_eq!(store.count_alerts().unwrap(), 2500);
        assert_eq!(w.finish().unwrap(), 2500);
        let rows = store.run_alerts(run).unwrap();
        assert_eq!(rows[0], (2100498, "10.0.0.2".to_string(), "10.0.0.1".to_string()));
        // The hourly counts went in with the alerts.
        assert_eq!(counts(store.connection()), recounted(store.connection()));
        assert_eq!(counts(store.connection()).len(), 3);
        let counters = RunCounters {
            packets: 10,
            alerts: 2500,
            drops: 1,
        };
        store.finish_run(run, 5, counters, "{}").unwrap();
        let rec = store.run(run).unwrap().unwrap();
        assert_eq!(
            (rec.kind.as_str(), rec.finished_at, rec.counters),
            ("replay", Some(5), counters)
        );
    }

    #[test]
    fn bad_path_is_a_clear_error() {
        let e = Store::open(Path::new("/proc/nope/vigie.db")).err().unwrap();
        assert!(e.to_string().contains("/proc/nope/vigie.db"), "{e}");
    }
}
