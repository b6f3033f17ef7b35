//! Decisions in the store: what the policy engine or an analyst decided
//! about an address or range, until when, and why; and the named cursors
//! that remember how far a reader (the policy engine, a bouncer) has got.

use super::StoreError;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

/// What an enforcement point should do with the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionType {
    Block,
    Quarantine,
    /// Require re-authentication.
    StepUp,
    /// Watch only: recorded and listed, never enforced.
    Monitor,
}

impl DecisionType {
    pub fn name(self) -> &'static str {
        match self {
            DecisionType::Block => "block",
            DecisionType::Quarantine => "quarantine",
            DecisionType::StepUp => "step_up",
            DecisionType::Monitor => "monitor",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionType> {
        Some(match s {
            "block" => DecisionType::Block,
            "quarantine" => DecisionType::Quarantine,
            "step_up" => DecisionType::StepUp,
            "monitor" => DecisionType::Monitor,
            _ => return None,
        })
    }
}

/// A decision to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDecision {
    pub created_at: i64,
    /// None: until revoked.
    pub expires_at: Option<i64>,
    /// `ip` or `range`.
    pub scope: String,
    pub value: String,
    pub kind: DecisionType,
    /// `policy` or `analyst`.
    pub origin: String,
    pub policy: Option<String>,
    pub reason: String,
    pub sids: Vec<u32>,
    pub alert_ids: Vec<i64>,
    /// 1 for a first decision on the value, 2 for the next, ...
    pub offence: u32,
    pub sensor: String,
}

/// A stored decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub id: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub scope: String,
    pub value: String,
    #[serde(rename = "type")]
    pub kind: DecisionType,
    pub origin: String,
    pub policy: Option<String>,
    pub reason: String,
    pub sids: Vec<u32>,
    pub alert_ids: Vec<i64>,
    pub offence: u32,
    pub sensor: String,
}

impl Decision {
    /// In force at `now`: not revoked, not expired.
    pub fn active_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }

    /// When it stopped being in force, if it has by `now`.
    pub fn ended_at(&self, now: i64) -> Option<i64> {
        match (self.revoked_at, self.expires_at) {
            (Some(r), Some(e)) => Some(r.min(e)).filter(|&t| t <= now),
            (Some(r), None) => Some(r),
            (None, Some(e)) => Some(e).filter(|&t| t <= now),
            (None, None) => None,
        }
    }
}

const COLUMNS: &str = "id, created_at, expires_at, revoked_at, scope, value, type, origin, policy, reason, \
                       sids, alert_ids, offence, sensor";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Decision> {
    let kind: String = r.get(6)?;
    let sids: String = r.get(10)?;
    let alert_ids: String = r.get(11)?;
    Ok(Decision {
        id: r.get(0)?,
        created_at: r.get(1)?,
        expires_at: r.get(2)?,
        revoked_at: r.get(3)?,
        scope: r.get(4)?,
        value: r.get(5)?,
        kind: DecisionType::parse(&kind).unwrap_or(DecisionType::Monitor),
        origin: r.get(7)?,
        policy: r.get(8)?,
        reason: r.get(9)?,
        sids: serde_json::from_str(&sids).unwrap_or_default(),
        alert_ids: serde_json::from_str(&alert_ids).unwrap_or_default(),
        offence: r.get(12)?,
        sensor: r.get(13)?,
    })
}

/// Records a decision; returns its id.
pub fn insert(conn: &Connection, d: &NewDecision) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO decisions (created_at, expires_at, scope, value, type, origin, policy, reason, sids,
            alert_ids, offence, sensor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            d.created_at,
            d.expires_at,
            d.scope,
            d.value,
            d.kind.name(),
            d.origin,
            d.policy,
            d.reason,
            serde_json::to_string(&d.sids).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&d.alert_ids).unwrap_or_else(|_| "[]".into()),
            d.offence,
            d.sensor,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Decision>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM decisions WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Revokes decision `id` at `now`; false when it does not exist or already ended.
pub fn revoke(conn: &Connection, id: i64, now: i64) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE decisions SET revoked_at = ?2
         WHERE id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
        params![id, now],
    )?;
    Ok(n == 1)
}

/// Decisions in force at `now`, oldest first.
pub fn active(conn: &Connection, now: i64) -> Result<Vec<Decision>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM decisions
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1) ORDER BY id"
    ))?;
    let rows = stmt.query_map([now], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The most recent decisions, whatever their state, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Decision>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM decisions ORDER BY id DESC LIMIT ?1"))?;
    let rows = stmt.query_map([limit as i64], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many decisions were ever made about `value` (for escalation).
pub fn count_for(conn: &Connection, value: &str) -> Result<u32, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM decisions WHERE value = ?1", [value], |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// What changed in `(since, now]`: decisions made and in force at `now`,
/// and decisions that ended (revoked or expired) in that interval and
/// were made at or before `since` (a reader never saw the others).
pub fn changes(conn: &Connection, since: i64, now: i64) -> Result<(Vec<Decision>, Vec<Decision>), StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM decisions
         WHERE created_at > ?1
            OR (revoked_at > ?1 AND revoked_at <= ?2)
            OR (expires_at > ?1 AND expires_at <= ?2)
         ORDER BY id"
    ))?;
    let rows: Vec<Decision> = stmt
        .query_map(params![since, now], from_row)?
        .collect::<Result<_, _>>()?;
    let mut new = Vec::new();
    let mut deleted = Vec::new();
    for d in rows {
        if d.created_at > since {
            if d.active_at(now) {
                new.push(d);
            }
        } else if d.ended_at(now).is_some_and(|t| t > since) {
            deleted.push(d);
        }
    }
    Ok((new, deleted))
}

/// The value of cursor `name`, if set.
pub fn cursor(conn: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM cursors WHERE name = ?1", [name], |r| r.get(0))
        .optional()?)
}

pub fn set_cursor(conn: &Connection, name: &str, value: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO cursors (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = ?2",
        params![name, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(tag: &str) -> Connection {
        let dir = std::env::temp_dir().join(format!("vigie-decisions-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        super::super::open_connection(&dir.join("vigie.db")).unwrap()
    }

    fn block(value: &str, created: i64, expires: Option<i64>) -> NewDecision {
        NewDecision {
            created_at: created,
            expires_at: expires,
            scope: "ip".into(),
            value: value.into(),
            kind: DecisionType::Block,
            origin: "policy".into(),
            policy: Some("p".into()),
            reason: "test".into(),
            sids: vec![9100001],
            alert_ids: vec![1, 2],
            offence: 1,
            sensor: "s".into(),
        }
    }

    #[test]
    fn insert_get_revoke_and_active() {
        let c = conn("basic");
        let a = insert(&c, &block("203.0.113.7", 100, Some(1_000))).unwrap();
        let b = insert(&c, &block("203.0.113.8", 100, None)).unwrap();
        let got = get(&c, a).unwrap().unwrap();
        assert_eq!(
            (got.value.as_str(), got.kind, got.sids.clone(), got.alert_ids.clone()),
            ("203.0.113.7", DecisionType::Block, vec![9100001], vec![1, 2])
        );
        assert_eq!(active(&c, 500).unwrap().len(), 2);
        assert_eq!(active(&c, 1_000).unwrap().len(), 1, "expired at 1000");
        assert!(revoke(&c, b, 600).unwrap());
        assert!(!revoke(&c, b, 700).unwrap(), "already revoked");
        assert!(!revoke(&c, a, 2_000).unwrap(), "already expired");
        assert!(active(&c, 650).unwrap().iter().all(|d| d.id != b));
        assert_eq!(count_for(&c, "203.0.113.7").unwrap(), 1);
    }

    #[test]
    fn changes_report_each_decision_once_as_new_then_deleted() {
        let c = conn("changes");
        let a = insert(&c, &block("203.0.113.7", 100, Some(1_000))).unwrap();
        let (new, deleted) = changes(&c, 0, 200).unwrap();
        assert_eq!((new.len(), deleted.len()), (1, 0));
        let (new, deleted) = changes(&c, 200, 900).unwrap();
        assert_eq!((new.len(), deleted.len()), (0, 0));
        let (new, deleted) = changes(&c, 900, 1_100).unwrap();
        assert_eq!((new.len(), deleted.len(), deleted[0].id), (0, 1, a));
        let (new, deleted) = changes(&c, 1_100, 2_000).unwrap();
        assert_eq!((new.len(), deleted.len()), (0, 0));
        // Made and revoked between two polls: never sent, so never deleted either.
        let b = insert(&c, &block("203.0.113.9", 2_100, None)).unwrap();
        revoke(&c, b, 2_200).unwrap();
        let (new, deleted) = changes(&c, 2_000, 2_300).unwrap();
        assert_eq!((new.len(), deleted.len()), (0, 0));
    }

    #[test]
    fn cursors_remember() {
        let c = conn("cursor");
        assert_eq!(cursor(&c, "policy").unwrap(), None);
        set_cursor(&c, "policy", 5).unwrap();
        set_cursor(&c, "policy", 9).unwrap();
        assert_eq!(cursor(&c, "policy").unwrap(), Some(9));
    }
}
