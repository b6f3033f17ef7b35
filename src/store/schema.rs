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
    // 3: the sid, source and target indexes lead with the alert's hour, so
    // a batch of new alerts lands in a few pages at the end of each index
    // instead of thousands across it (queries name the hours they want);
    // each run's counters as columns; hourly alert counts per signature
    // (kind 0, key: the sid), source (1) and target (2) for the top view,
    // filled from the alerts already stored.
    "DROP INDEX alerts_sid;
    DROP INDEX alerts_src;
    DROP INDEX alerts_dst;
    CREATE INDEX alerts_hour_sid ON alerts (ts / 3600000000, sid, ts);
    CREATE INDEX alerts_hour_src ON alerts (ts / 3600000000, src_ip, ts);
    CREATE INDEX alerts_hour_dst ON alerts (ts / 3600000000, dest_ip, ts);
    ALTER TABLE runs ADD COLUMN packets INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN alerts  INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN drops   INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE alert_counts (
        kind INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        key  TEXT    NOT NULL,
        n    INTEGER NOT NULL,
        PRIMARY KEY (kind, hour, key)
    ) WITHOUT ROWID;
    INSERT INTO alert_counts (kind, hour, key, n)
        SELECT 0, ts / 3600000000, CAST(sid AS TEXT), count(*) FROM alerts GROUP BY 2, 3;
    INSERT INTO alert_counts (kind, hour, key, n)
        SELECT 1, ts / 3600000000, src_ip, count(*) FROM alerts GROUP BY 2, 3;
    INSERT INTO alert_counts (kind, hour, key, n)
        SELECT 2, ts / 3600000000, dest_ip, count(*) FROM alerts GROUP BY 2, 3;",
    // 4: EVE records packed with a dictionary the store trains on its own
    // first alerts (see eve_codec); `eve_dict` names it, NULL for a record
    // kept as text.
    "CREATE TABLE eve_dictionaries (
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        bytes      BLOB    NOT NULL
    );
    ALTER TABLE alerts ADD COLUMN eve_dict INTEGER;",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{counts, recounted};

    #[test]
    fn version_3_counts_the_alerts_already_stored_and_adds_run_counters() {
        let mut conn = Connection::open_in_memory().unwrap();
        version(&conn).unwrap();
        for (i, sql) in MIGRATIONS[..2].iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.execute("INSERT INTO schema_version (version) VALUES (?1)", [i as i64 + 1])
                .unwrap();
        }
        for (ts, sid, src) in [
            (0i64, 5, "10.0.0.1"),
            (10, 5, "10.0.0.2"),
            (3_600_000_000, 6, "10.0.0.1"),
        ] {
            conn.execute(
                "INSERT INTO alerts (ts, timestamp, sensor, src_ip, dest_ip, proto, action, gid, sid, rev,
                    signature, category, severity, eve)
                 VALUES (?1, '', 's', ?2, '10.9.0.1', 'TCP', 'allowed', 1, ?3, 1, 'x', '', 2, '{}')",
                rusqlite::params![ts, src, sid],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO runs (kind, sensor, started_at, inputs) VALUES ('replay', 's', 0, '')",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), CURRENT_VERSION);
        let c = counts(&conn);
        assert_eq!(c, recounted(&conn));
        assert!(
            c.contains(&(0, 0, "5".into(), 2)) && c.contains(&(1, 1, "10.0.0.1".into(), 1)),
            "{c:?}"
        );
        let run: (i64, i64, i64) = conn
            .query_row("SELECT packets, alerts, drops FROM runs", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(run, (0, 0, 0));
    }
}
