//! The local alert store (SQLite, WAL): schema and migrations, the batched
//! writer thread, and the queries analysts and tests run against it.

pub mod decisions;
mod schema;
mod writer;

pub use schema::CURRENT_VERSION;
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
}

/// One alert as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRow {
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

    pub fn finish_run(&self, id: i64, finished_micros: i64, summary_json: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE runs SET finished_at = ?1, summary = ?2 WHERE id = ?3",
            params![finished_micros, summary_json, id],
        )?;
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vigie-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("vigie.db")
    }

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
        let w = StoreWriter::start(path.clone(), 16).unwrap();
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
    }

    #[test]
    fn bad_path_is_a_clear_error() {
        let e = Store::open(Path::new("/proc/nope/vigie.db")).err().unwrap();
        assert!(e.to_string().contains("/proc/nope/vigie.db"), "{e}");
    }
}
