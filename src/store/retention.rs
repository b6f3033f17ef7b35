//! Retention: alerts older than a maximum age (by alert time) or beyond a
//! maximum count (the oldest first) are deleted, with their hourly counts,
//! in small transactions so the writer never waits long; decisions that
//! have ended go once older than the maximum age, those in force never. On
//! demand (`vigie store prune`) or from a thread while a run lasts.

use super::rollup::{AddrKey, Tally};
use super::{StoreError, open_connection};
use crate::timestamp::Timestamp;
use rusqlite::{Connection, TransactionBehavior, params};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

/// Alerts deleted per transaction.
const BATCH: i64 = 5000;

/// What to keep; zero means no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Microseconds.
    pub max_age: i64,
    pub max_rows: u64,
}

impl Retention {
    pub fn is_off(&self) -> bool {
        self.max_age <= 0 && self.max_rows == 0
    }
}

/// What a pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    pub alerts_by_age: u64,
    pub alerts_by_rows: u64,
    pub decisions: u64,
}

impl Pruned {
    pub fn alerts(&self) -> u64 {
        self.alerts_by_age + self.alerts_by_rows
    }

    fn add(&mut self, other: Pruned) {
        self.alerts_by_age += other.alerts_by_age;
        self.alerts_by_rows += other.alerts_by_rows;
        self.decisions += other.decisions;
    }
}

/// Deletes the alerts `select` names (`id, ts, sid, src_ip, dest_ip` of at
/// most a batch) and their counts, in one write transaction. Returns how
/// many went.
fn delete_batch(conn: &mut Connection, select: &str, args: impl rusqlite::Params) -> Result<u64, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut tally = Tally::default();
    let mut ids = Vec::new();
    {
        let mut stmt = tx.prepare_cached(select)?;
        let mut rows = stmt.query(args)?;
        while let Some(r) = rows.next()? {
            ids.push(r.get::<_, i64>(0)?);
            let (src, dst): (String, String) = (r.get(3)?, r.get(4)?);
            tally.add(r.get(1)?, r.get(2)?, AddrKey::of(&src), AddrKey::of(&dst));
        }
        let mut delete = tx.prepare_cached("DELETE FROM alerts WHERE id = ?1")?;
        for id in &ids {
            delete.execute([id])?;
        }
    }
    tally.apply(&tx, -1)?;
    tx.commit()?;
    Ok(ids.len() as u64)
}

/// One pass of `keep` over the store at `now` (microseconds), pausing
/// `pause` between transactions.
pub fn prune(conn: &mut Connection, keep: Retention, now: i64, pause: Duration) -> Result<Pruned, StoreError> {
    let mut out = Pruned::default();
    if keep.max_age > 0 {
        let cutoff = now.saturating_sub(keep.max_age);
        loop {
            let n = delete_batch(
                conn,
                "SELECT id, ts, sid, src_ip, dest_ip FROM alerts WHERE ts < ?1 ORDER BY ts LIMIT ?2",
                params![cutoff, BATCH],
            )?;
            out.alerts_by_age += n;
            if n < BATCH as u64 {
                break;
            }
            std::thread::sleep(pause);
        }
        out.decisions = conn.execute(
            "DELETE FROM decisions WHERE created_at < ?1
             AND (revoked_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at <= ?2))",
            params![cutoff, now],
        )? as u64;
    }
    if keep.max_rows > 0 {
        let count: i64 = conn.query_row("SELECT count(*) FROM alerts", [], |r| r.get(0))?;
        let mut excess = count.saturating_sub(i64::try_from(keep.max_rows).unwrap_or(i64::MAX));
        while excess > 0 {
            // The oldest first, a batch at a time.
            let n = delete_batch(
                conn,
                "SELECT id, ts, sid, src_ip, dest_ip FROM alerts ORDER BY id LIMIT ?1",
                [excess.min(BATCH)],
            )?;
            if n == 0 {
                break;
            }
            out.alerts_by_rows += n;
            excess -= n as i64;
            std::thread::sleep(pause);
        }
    }
    Ok(out)
}

/// Retention as a thread for the length of a run: a pass at once, one
/// every `every`, and a last one when the run ends.
pub struct Pruner {
    stop: Option<Sender<()>>,
    handle: Option<JoinHandle<Pruned>>,
}

impl Pruner {
    pub fn start(store: PathBuf, keep: Retention, every: Duration) -> Result<Pruner, StoreError> {
        let mut conn = open_connection(&store)?;
        let (stop, stopped) = channel::<()>();
        let handle = std::thread::Builder::new()
            .name("vigie-retention".into())
            .spawn(move || {
                let mut every = every;
                let mut total = Pruned::default();
                loop {
                    match prune(&mut conn, keep, Timestamp::now().as_micros(), Duration::from_millis(20)) {
                        Ok(p) if p != Pruned::default() => {
                            tracing::info!(
                                by_age = p.alerts_by_age,
                                by_rows = p.alerts_by_rows,
                                decisions = p.decisions,
                                "retention: pruned"
                            );
                            total.add(p);
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!("retention: {e}"),
                    }
                    match stopped.recv_timeout(every) {
                        Err(RecvTimeoutError::Timeout) => {}
                        // Asked to stop: one last pass over what the run stored.
                        Ok(()) => every = Duration::ZERO,
                        Err(RecvTimeoutError::Disconnected) => return total,
                    }
                }
            })
            .map_err(|e| StoreError::Thread(e.to_string()))?;
        Ok(Pruner {
            stop: Some(stop),
            handle: Some(handle),
        })
    }

    /// Makes a last pass and stops; returns all the thread removed.
    pub fn finish(mut self) -> Result<Pruned, StoreError> {
        self.halt()
    }

    fn halt(&mut self) -> Result<Pruned, StoreError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| StoreError::Thread("retention thread panicked".into())),
            None => Ok(Pruned::default()),
        }
    }
}

impl Drop for Pruner {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::decisions::{self, DecisionType, NewDecision};
    use crate::store::testing::{counts, recounted, row, store_with};

    const MIN: i64 = 60_000_000;
    const DAY: i64 = 86_400_000_000;

    fn decision(conn: &Connection, created_at: i64, expires_at: Option<i64>) -> i64 {
        decisions::insert(
            conn,
            &NewDecision {
                created_at,
                expires_at,
                scope: "ip".into(),
                value: "203.0.113.5".into(),
                kind: DecisionType::Block,
                origin: "analyst".into(),
                policy: None,
                reason: "test".into(),
                sids: vec![],
                alert_ids: vec![],
                offence: 1,
                sensor: "s1".into(),
            },
        )
        .unwrap()
    }

    fn ids(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn.prepare("SELECT id FROM alerts ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn by_age_with_counts_and_decisions() {
        let now = 100 * DAY;
        // An alert every 3 hours over the last 10 days, 80 of them.
        let rows = (0..80)
            .map(|i| {
                row(
                    now - 10 * DAY + i * 180 * MIN,
                    (i % 5) as u32 + 1,
                    "10.0.0.1",
                    "10.9.0.1",
                )
            })
            .collect();
        let (_p, mut conn) = store_with("retention-age", rows);
        let ended_old = decision(&conn, now - 9 * DAY, Some(now - 8 * DAY));
        let forever_old = decision(&conn, now - 9 * DAY, None);
        let running_old = decision(&conn, now - 9 * DAY, Some(now + DAY));
        let revoked_old = decision(&conn, now - 9 * DAY, None);
        decisions::revoke(&conn, revoked_old, now - 8 * DAY).unwrap();
        let ended_new = decision(&conn, now - DAY, Some(now - DAY / 2));
        let keep = Retention {
            max_age: 5 * DAY,
            max_rows: 0,
        };
        let done = prune(&mut conn, keep, now, Duration::ZERO).unwrap();
        // Alerts at now - 10d + 3h * i older than now - 5d: i < 40.
        assert_eq!(done.alerts_by_age, 40);
        assert_eq!(ids(&conn), (41..=80).collect::<Vec<_>>());
        assert_eq!(counts(&conn), recounted(&conn));
        assert_eq!(done.decisions, 2);
        let left: Vec<i64> = decisions::recent(&conn, 10).unwrap().iter().map(|d| d.id).collect();
        for id in [forever_old, running_old, ended_new] {
            assert!(left.contains(&id), "decision {id} must stay");
        }
        assert!(!left.contains(&ended_old) && !left.contains(&revoked_old));
        // Nothing more to do the second time.
        assert_eq!(prune(&mut conn, keep, now, Duration::ZERO).unwrap(), Pruned::default());
    }

    #[test]
    fn by_rows_in_batches_oldest_first() {
        let n = 2 * BATCH + 123;
        let rows = (0..n)
            .map(|i| {
                row(
                    i * MIN,
                    (i % 7) as u32,
                    &format!("10.0.{}.{}", i % 3, i % 200),
                    "10.9.0.1",
                )
            })
            .collect();
        let (_p, mut conn) = store_with("retention-rows", rows);
        let keep = Retention {
            max_age: 0,
            max_rows: 1000,
        };
        let done = prune(&mut conn, keep, 0, Duration::ZERO).unwrap();
        assert_eq!(done.alerts_by_rows, (n - 1000) as u64);
        assert_eq!(done.alerts_by_age, 0);
        assert_eq!(ids(&conn), (n - 999..=n).collect::<Vec<_>>());
        assert_eq!(counts(&conn), recounted(&conn));
    }

    #[test]
    fn the_thread_prunes_while_alerts_arrive_and_once_more_at_the_end() {
        let (path, conn) = store_with("retention-thread", vec![]);
        let keep = Retention {
            max_age: 0,
            max_rows: 50,
        };
        let pruner = Pruner::start(path.clone(), keep, Duration::from_millis(10)).unwrap();
        let mut w = crate::store::StoreWriter::start(path, 16).unwrap();
        for i in 0..400 {
            w.insert(row(i * MIN, 1, "10.0.0.1", "10.9.0.1")).unwrap();
            if i % 100 == 0 {
                w.flush().unwrap();
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        w.finish().unwrap();
        let done = pruner.finish().unwrap();
        assert_eq!(done.alerts_by_rows, 350);
        assert_eq!(ids(&conn), (351..=400).collect::<Vec<_>>());
        assert_eq!(counts(&conn), recounted(&conn));
    }
}
