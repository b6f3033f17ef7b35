//! `GET /v1/alerts`: stored alerts, filtered, oldest first, paged by id
//! (`after` = the `next` of the previous page), through the store's query.

use super::auth::Scope;
use super::{ApiError, ApiState};
use crate::store::{AlertFilter, Page, query};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct AlertQuery {
    /// Only alerts after this id (the previous page's `next`).
    pub after: Option<i64>,
    pub limit: Option<usize>,
    pub sid: Option<u32>,
    pub src: Option<String>,
    pub dst: Option<String>,
    /// Severity at most this (1 is the most severe).
    pub severity: Option<u8>,
    /// Alert time bounds: RFC 3339, or a duration back from now (`1h`).
    pub since: Option<String>,
    pub until: Option<String>,
    /// Only this sensor's alerts.
    pub sensor: Option<String>,
}

/// Microseconds for `1h`-style durations (back from now) or RFC 3339 times.
pub fn parse_time(s: &str) -> Result<i64, ApiError> {
    crate::timestamp::Timestamp::parse_point(s, crate::timestamp::Timestamp::now())
        .map(|t| t.as_micros())
        .map_err(ApiError::BadRequest)
}

/// The store's filter for the query's fields.
pub fn filter(q: &AlertQuery) -> Result<AlertFilter, ApiError> {
    let ip = |s: &Option<String>| -> Result<Option<std::net::IpAddr>, ApiError> {
        s.as_deref()
            .map(|t| {
                t.parse()
                    .map_err(|_| ApiError::BadRequest(format!("'{t}' is not an IP address")))
            })
            .transpose()
    };
    Ok(AlertFilter {
        since: q.since.as_deref().map(parse_time).transpose()?,
        until: q.until.as_deref().map(parse_time).transpose()?,
        sid: q.sid,
        src: ip(&q.src)?,
        dst: ip(&q.dst)?,
        severity: q.severity,
        sensor: q.sensor.clone(),
    })
}

pub async fn list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<AlertQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.require(&headers, Scope::Read)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let filter = filter(&q)?;
    let page = Page::After(q.after.unwrap_or(0));
    let rows = state.db(move |conn| query::alerts(conn, &filter, page, limit)).await?;
    let next = rows.last().map(|r| r.id);
    let alerts: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|a| {
            let record: serde_json::Value = serde_json::from_str(&a.row.eve).unwrap_or(serde_json::Value::Null);
            serde_json::json!({ "id": a.id, "eve": record })
        })
        .collect();
    let full = alerts.len() == limit;
    Ok(Json(serde_json::json!({
        "alerts": alerts,
        "next": if full { next } else { None },
    })))
}
