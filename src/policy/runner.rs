//! Runs the policy engine over the store: reads the alerts written since
//! its cursor, turns proposals into stored decisions (escalated for repeat
//! offenders, not duplicated while one is in force), and moves the cursor.
//! A thread while a run lasts; one last pass when it ends.

use super::engine::{AlertFacts, PolicyEngine, PolicyStats, Proposal, escalated};
use crate::store::decisions::{self, DecisionType, NewDecision};
use crate::store::{StoreError, open_connection};
use crate::timestamp::Timestamp;
use rusqlite::Connection;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

const CURSOR: &str = "policy";
const BATCH: i64 = 5000;

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunnerStats {
    #[serde(flatten)]
    pub engine: PolicyStats,
    pub decisions: u64,
    /// Proposals skipped because an equal or stronger decision was in force.
    pub already_in_force: u64,
}

/// How strongly a decision acts, to avoid stacking a weaker one on a stronger.
fn strength(k: DecisionType) -> u8 {
    match k {
        DecisionType::Monitor => 0,
        DecisionType::StepUp => 1,
        DecisionType::Quarantine => 2,
        DecisionType::Block => 3,
    }
}

fn facts(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertFacts> {
    let src: String = r.get(6)?;
    let dst: String = r.get(7)?;
    let eve: String = r.get(8)?;
    let metadata = serde_json::from_str::<serde_json::Value>(&eve)
        .ok()
        .and_then(|v| v.get("alert")?.get("metadata")?.as_object().cloned())
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| {
                    let values = v
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                        .unwrap_or_default();
                    (k, values)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(AlertFacts {
        id: r.get(0)?,
        ts: r.get(1)?,
        gid: r.get(2)?,
        sid: r.get(3)?,
        severity: r.get(4)?,
        category: r.get(5)?,
        src: src.parse().ok(),
        dst: dst.parse().ok(),
        metadata,
    })
}

/// One pass: every alert after the cursor, in id order. Returns how many.
pub fn pass(
    conn: &Connection,
    engine: &mut PolicyEngine,
    stats: &mut RunnerStats,
    sensor: &str,
) -> Result<u64, StoreError> {
    let mut seen = 0u64;
    loop {
        let after = decisions::cursor(conn, CURSOR)?.unwrap_or(0);
        let rows: Vec<AlertFacts> = {
            let mut stmt = conn.prepare_cached(
                "SELECT id, ts, gid, sid, severity, category, src_ip, dest_ip, eve FROM alerts
                 WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            stmt.query_map([after, BATCH], facts)?.collect::<Result<_, _>>()?
        };
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(seen);
        };
        for a in &rows {
            for p in engine.observe(a) {
                decide(conn, &p, stats, sensor)?;
            }
        }
        decisions::set_cursor(conn, CURSOR, last)?;
        seen += rows.len() as u64;
    }
}

/// Stores the decision a proposal asks for, unless one as strong is in force.
pub fn decide(
    conn: &Connection,
    p: &Proposal,
    stats: &mut RunnerStats,
    sensor: &str,
) -> Result<Option<i64>, StoreError> {
    let now = Timestamp::now().as_micros();
    let value = p.value.to_string();
    let in_force = decisions::active(conn, now)?
        .into_iter()
        .any(|d| covers(&d.value, p.value) && strength(d.kind) >= strength(p.kind));
    if in_force {
        stats.already_in_force += 1;
        return Ok(None);
    }
    let offence = decisions::count_for(conn, &value)?.saturating_add(1);
    let duration = escalated(p, offence);
    let reason = if offence > 1 {
        format!("{} (offence {offence})", p.reason)
    } else {
        p.reason.clone()
    };
    let id = decisions::insert(
        conn,
        &NewDecision {
            created_at: now,
            expires_at: Some(now.saturating_add(duration)),
            scope: "ip".into(),
            value,
            kind: p.kind,
            origin: "policy".into(),
            policy: Some(p.policy.clone()),
            reason,
            sids: p.sids.clone(),
            alert_ids: p.alert_ids.clone(),
            offence,
            sensor: sensor.to_string(),
        },
    )?;
    stats.decisions += 1;
    tracing::info!(id, address = %p.value, kind = p.kind.name(), policy = %p.policy, "decision");
    Ok(Some(id))
}

/// Whether a stored decision value (address or CIDR) covers `ip`.
pub fn covers(value: &str, ip: IpAddr) -> bool {
    match crate::rules::address::IpSet::parse_atom(value) {
        Ok(set) => set.contains(ip),
        Err(_) => false,
    }
}

/// The policy engine as a thread over a store for the length of a run.
pub struct PolicyRunner {
    /// Dropped to stop the thread: it wakes at once, where a sleep would
    /// hold the end of every run for up to a whole period.
    stop: Option<Sender<()>>,
    handle: Option<JoinHandle<Result<RunnerStats, StoreError>>>,
}

impl PolicyRunner {
    pub fn start(
        store: PathBuf,
        mut engine: PolicyEngine,
        sensor: String,
        every: Duration,
    ) -> Result<Self, StoreError> {
        let conn = open_connection(&store)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("vigie-policy".into())
            .spawn(move || {
                let mut stats = RunnerStats::default();
                loop {
                    if let Err(e) = pass(&conn, &mut engine, &mut stats, &sensor) {
                        tracing::warn!("policy pass: {e}");
                    }
                    if stopped.recv_timeout(every) != Err(RecvTimeoutError::Timeout) {
                        break;
                    }
                }
                // A last pass over everything stored before the stop.
                if let Err(e) = pass(&conn, &mut engine, &mut stats, &sensor) {
                    tracing::warn!("policy pass: {e}");
                }
                stats.engine = engine.stats.clone();
                Ok(stats)
            })
            .map_err(|e| StoreError::Thread(e.to_string()))?;
        Ok(PolicyRunner {
            stop: Some(stop),
            handle: Some(handle),
        })
    }

    /// Makes a last pass over what is stored and stops.
    pub fn finish(mut self) -> Result<RunnerStats, StoreError> {
        self.stop.take();
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| StoreError::Thread("policy thread panicked".into()))?,
            None => Ok(RunnerStats::default()),
        }
    }
}

impl Drop for PolicyRunner {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Stopping wakes the thread at once: the end of a run does not wait
    /// out the rest of a period (a replay's end used to be rounded up to
    /// the next quarter second).
    #[test]
    fn finish_does_not_wait_for_the_next_period() {
        let dir = std::env::temp_dir().join(format!("vigie-policy-runner-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let set = crate::policy::load_configured(&Config::default()).unwrap();
        let hour = Duration::from_secs(3600);
        let runner = PolicyRunner::start(dir.join("store.db"), PolicyEngine::new(set, 1024), "t".into(), hour).unwrap();
        let asked = std::time::Instant::now();
        let stats = runner.finish().unwrap();
        assert!(asked.elapsed() < hour / 60, "finish took {:?}", asked.elapsed());
        assert_eq!(stats.decisions, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
