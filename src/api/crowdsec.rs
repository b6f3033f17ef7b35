//! The CrowdSec local API as bouncers use it, so existing bouncers
//! (firewall, custom) enforce vigie's decisions unchanged:
//! `GET /v1/decisions/stream?startup=true` (everything in force), then
//! `GET /v1/decisions/stream` (what was added and what ended since that
//! bouncer's last poll), and `GET /v1/decisions?ip=`. Block and quarantine
//! are sent as `ban`, step-up as `captcha`; monitor decisions stay home.

use super::auth::Caller;
use super::{ApiError, ApiState};
use crate::store::decisions::{self, Decision, DecisionType};
use crate::timestamp::Timestamp;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::IpAddr;

#[derive(Debug, Default, Deserialize)]
pub struct StreamQuery {
    pub startup: Option<bool>,
}

/// Go's duration text (`1h0m0s`, `59m59s`, `0s`), which bouncers parse.
pub fn go_duration(micros: i64) -> String {
    let secs = (micros.max(0) + 999_999) / 1_000_000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

fn crowdsec_type(k: DecisionType) -> Option<&'static str> {
    match k {
        DecisionType::Block | DecisionType::Quarantine => Some("ban"),
        DecisionType::StepUp => Some("captcha"),
        DecisionType::Monitor => None,
    }
}

/// A decision as CrowdSec writes one; None for those bouncers never see.
pub fn to_crowdsec(d: &Decision, now: i64) -> Option<serde_json::Value> {
    let kind = crowdsec_type(d.kind)?;
    // Until revoked: a year, as long-lived CrowdSec bans are written.
    let remaining = d.expires_at.map_or(365 * 86_400 * 1_000_000, |e| e - now);
    Some(serde_json::json!({
        "id": d.id,
        "origin": "vigie",
        "scenario": format!("vigie/{}", d.policy.as_deref().unwrap_or(&d.origin)),
        "scope": if d.scope == "range" { "Range" } else { "Ip" },
        "value": d.value,
        "type": kind,
        "duration": go_duration(remaining),
        "simulated": false,
    }))
}

fn bouncer_name(caller: &Caller) -> String {
    match caller {
        Caller::Bouncer { name } => format!("bouncer:{name}"),
        Caller::Token { name, .. } => format!("token:{name}"),
    }
}

pub async fn stream(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let caller = state.require_bouncer(&headers)?;
    let cursor = bouncer_name(&caller);
    let startup = q.startup.unwrap_or(false);
    let now = Timestamp::now().as_micros();
    let (new, deleted) = state
        .db(move |c| {
            let since = decisions::cursor(c, &cursor)?;
            let out = match since {
                Some(since) if !startup => decisions::changes(c, since, now)?,
                _ => (decisions::active(c, now)?, Vec::new()),
            };
            decisions::set_cursor(c, &cursor, now)?;
            Ok(out)
        })
        .await?;
    let new: Vec<_> = new.iter().filter_map(|d| to_crowdsec(d, now)).collect();
    let deleted: Vec<_> = deleted.iter().filter_map(|d| to_crowdsec(d, now)).collect();
    tracing::debug!(
        new = new.len(),
        deleted = deleted.len(),
        startup,
        "decision stream poll"
    );
    Ok(Json(serde_json::json!({ "new": new, "deleted": deleted })))
}

/// `GET /v1/decisions?ip=…` with a bouncer key: the decisions covering the
/// address, or `null` when there are none (as CrowdSec answers).
pub async fn by_ip(state: ApiState, headers: HeaderMap, ip: Option<String>) -> Result<Response, ApiError> {
    state.require_bouncer(&headers)?;
    let ip: IpAddr = ip
        .as_deref()
        .map(str::trim)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::BadRequest("ip=ADDRESS is needed".into()))?;
    let now = Timestamp::now().as_micros();
    let list: Vec<serde_json::Value> = super::decisions::covering(&state, ip)
        .await?
        .iter()
        .filter_map(|d| to_crowdsec(d, now))
        .collect();
    if list.is_empty() {
        return Ok(Json(serde_json::Value::Null).into_response());
    }
    Ok(Json(list).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(go_duration(3_600_000_000), "1h0m0s");
        assert_eq!(go_duration(3_599_000_001), "1h0m0s");
        assert_eq!(go_duration(59 * 60 * 1_000_000 + 59_000_000), "59m59s");
        assert_eq!(go_duration(5_000_000), "5s");
        assert_eq!(go_duration(-5), "0s");
    }
}
