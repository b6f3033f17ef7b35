//! Decisions over HTTP: list (`GET /v1/decisions`), add (`POST`, admin),
//! revoke (`DELETE /v1/decisions/{id}`, admin), and the check an
//! enforcement point asks before letting an address in (`GET /v1/check`).

use super::auth::Scope;
use super::{ApiError, ApiState};
use crate::store::decisions::{self, Decision, DecisionType, NewDecision};
use crate::timestamp::Timestamp;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::IpAddr;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Include decisions that ended (the most recent 1,000).
    pub all: Option<bool>,
    /// CrowdSec's form, with a bouncer key: decisions covering this address.
    pub ip: Option<String>,
}

/// `GET /v1/decisions`: vigie's list with a bearer token; CrowdSec's
/// per-address lookup with a bouncer key.
pub async fn list_or_crowdsec(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    if headers.get("x-api-key").is_some() && headers.get("authorization").is_none() {
        return super::crowdsec::by_ip(state, headers, q.ip).await;
    }
    state.require(&headers, Scope::Read)?;
    let all = q.all.unwrap_or(false);
    let now = Timestamp::now().as_micros();
    let list = state
        .db(move |c| {
            if all {
                decisions::recent(c, 1000)
            } else {
                decisions::active(c, now)
            }
        })
        .await?;
    Ok(Json(serde_json::json!({ "decisions": list })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddDecision {
    /// An address or a CIDR range.
    pub value: String,
    #[serde(rename = "type")]
    pub kind: DecisionType,
    /// `30m`, `4h`, `7d`; absent: until revoked.
    pub duration: Option<String>,
    pub reason: String,
    /// Needed to act on an address inside a protected range.
    #[serde(default)]
    pub force: bool,
}

/// What a value is: an address (`ip`) or a range (`range`), normalised.
pub fn scope_of(value: &str) -> Result<(&'static str, String), ApiError> {
    let value = value.trim();
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Ok(("ip", ip.to_string()));
    }
    let bad = || ApiError::BadRequest(format!("'{value}' is neither an address nor a CIDR range"));
    let (addr, bits) = value.split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let bits: u8 = bits.parse().map_err(|_| bad())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if bits > max {
        return Err(bad());
    }
    if bits == max {
        return Ok(("ip", ip.to_string()));
    }
    Ok(("range", format!("{ip}/{bits}")))
}

pub async fn add(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Result<Json<AddDecision>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let caller = state.require(&headers, Scope::Admin)?;
    let Json(req) = body?;
    let (scope, value) = scope_of(&req.value)?;
    let first = value.split('/').next().and_then(|a| a.parse::<IpAddr>().ok());
    if let Some(range) = first.and_then(|ip| state.protected_by(ip))
        && !req.force
        && req.kind != DecisionType::Monitor
    {
        return Err(ApiError::BadRequest(format!(
            "{value} is in the protected range '{range}': send \"force\": true to act on it anyway"
        )));
    }
    let now = Timestamp::now().as_micros();
    let expires_at = match &req.duration {
        Some(d) => Some(now + crate::duration::parse_positive(d).map_err(ApiError::BadRequest)?),
        None => None,
    };
    let who = match caller {
        super::auth::Caller::Token { name, .. } | super::auth::Caller::Bouncer { name } => name,
    };
    let d = NewDecision {
        created_at: now,
        expires_at,
        scope: scope.to_string(),
        value: value.clone(),
        kind: req.kind,
        origin: "analyst".into(),
        policy: None,
        reason: format!("{} (by {who})", req.reason),
        sids: Vec::new(),
        alert_ids: Vec::new(),
        offence: 1,
        sensor: state.sensor().to_string(),
    };
    let stored = state
        .db(move |c| {
            let offence = decisions::count_for(c, &d.value)?.saturating_add(1);
            let id = decisions::insert(c, &NewDecision { offence, ..d })?;
            decisions::get(c, id)
        })
        .await?;
    tracing::info!(value = %value, kind = req.kind.name(), "decision added through the API");
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "decision": stored }))).into_response())
}

pub async fn revoke(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.require(&headers, Scope::Admin)?;
    let now = Timestamp::now().as_micros();
    let done = state.db(move |c| decisions::revoke(c, id, now)).await?;
    if !done {
        return Err(ApiError::NotFound);
    }
    Ok(Json(serde_json::json!({ "revoked": id })))
}

#[derive(Debug, Deserialize)]
pub struct CheckQuery {
    pub ip: String,
}

/// Active decisions covering `ip`, strongest first.
pub async fn covering(state: &ApiState, ip: IpAddr) -> Result<Vec<Decision>, ApiError> {
    let now = Timestamp::now().as_micros();
    let mut list: Vec<Decision> = state
        .db(move |c| decisions::active(c, now))
        .await?
        .into_iter()
        .filter(|d| crate::policy::runner::covers(&d.value, ip))
        .collect();
    list.sort_by_key(|d| std::cmp::Reverse(matches!(d.kind, DecisionType::Block | DecisionType::Quarantine)));
    Ok(list)
}

pub async fn check(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<CheckQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.require(&headers, Scope::Read)?;
    let ip: IpAddr =
        q.ip.trim()
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("'{}' is not an IP address", q.ip)))?;
    let list = covering(&state, ip).await?;
    let has = |k: DecisionType| list.iter().any(|d| d.kind == k);
    Ok(Json(serde_json::json!({
        "ip": ip.to_string(),
        "allowed": !(has(DecisionType::Block) || has(DecisionType::Quarantine)),
        "step_up": has(DecisionType::StepUp),
        "protected": state.protected_by(ip),
        "decisions": list,
    })))
}
