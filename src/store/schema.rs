//! The store's schema and its migrations: each migration runs once, in
//! order, inside a transaction, and bumps `schema_version`.

use rusqlite::Connection;

/// Migrations in order; index + 1 is the version they produce.
const MIGRATIONS: &[&str] = &[
    // 1: alerts with the EVE fields as columns plus the full record; runs.
    "CREATE TABLE alerts (
        id         INTEGER PRIMARY KEY,
        ts         INTEGER NOT NULL,
        timestamp  TEXT    NOT NULL,
        sensor     TEXT    NOT NULL,
        run_id     INTEGER,
        flow_id    INTEGER,
        pcap_cnt   INTEGER,
        src_ip     TEXT    NOT NULL,
        src_port   INTEGER,
        dest_ip    TEXT    NOT NULL,
        dest_port  INTEGER,
        proto      TEXT    NOT NULL,
        app_proto  TEXT,
        direction  TEXT,
        action     TEXT    NOT NULL,
        gid        INTEGER NOT NULL,
        sid        INTEGER NOT NULL,
        rev        INTEGER NOT NULL,
        signature  TEXT    NOT NULL,
        category   TEXT    NOT NULL,
        severity   INTEGER NOT NULL,
        eve        TEXT    NOT NULL
    );
    CREATE INDEX alerts_ts   ON alerts (ts);
    CREATE INDEX alerts_sid  ON alerts (sid, ts);
    CREATE INDEX alerts_src  ON alerts (src_ip, ts);
    CREATE INDEX alerts_dst  ON alerts (dest_ip, ts);
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT    NOT NULL,
        sensor      TEXT    NOT NULL,
        started_at  INTEGER NOT NULL,
        finished_at INTEGER,
        inputs      TEXT    NOT NULL,
        summary     TEXT
    );",
    // 2: policy decisions (block, quarantine, step_up, monitor) with their
    // reasons, expiry and revocation; named cursors (how far the policy
    // engine has read the alerts, what each bouncer has been sent).
    "CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER,
        revoked_at  INTEGER,
        scope       TEXT    NOT NULL,
        value       TEXT    NOT NULL,
        type        TEXT    NOT NULL,
        origin      TEXT    NOT NULL,
        policy      TEXT,
        reason      TEXT    NOT NULL,
        sids        TEXT    NOT NULL DEFAULT '[]',
        alert_ids   TEXT    NOT NULL DEFAULT '[]',
        offence     INTEGER NOT NULL DEFAULT 1,
        sensor      TEXT    NOT NULL
    );
    CREATE INDEX decisions_value   ON decisions (value, created_at);
    CREATE INDEX decisions_created ON decisions (created_at);
    CREATE INDEX decisions_ended   ON decisions (revoked_at, expires_at);
    CREATE TABLE cursors (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );",
];

pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let v: Option<i64> = conn.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?;
    Ok(v.unwrap_or(0))
}

/// Brings the schema up to date; refuses a store written by a newer vigie.
pub fn migrate(conn: &mut Connection) -> Result<i64, String> {
    let current = version(conn).map_err(|e| e.to_string())?;
    if current > CURRENT_VERSION {
        return Err(format!(
            "store schema version {current} is newer than this vigie understands ({CURRENT_VERSION})"
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let v = i as i64 + 1;
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(sql).map_err(|e| format!("migration {v}: {e}"))?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [v])
            .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(CURRENT_VERSION)
}
