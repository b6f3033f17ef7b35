//! `GET /v1/alerts`: stored alerts, filtered, oldest first, paged by id
//! (`after` = the `next` of the previous page).

use super::auth::Scope;
use super::{ApiError, ApiState};
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
}

/// Microseconds for `1h`-style durations (back from now) or RFC 3339 times.
pub fn parse_time(s: &str) -> Result<i64, ApiError> {
    crate::timestamp::Timestamp::parse_point(s, crate::timestamp::Timestamp::now())
        .map(|t| t.as_micros())
        .map_err(ApiError::BadRequest)
}

pub async fn list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<AlertQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.require(&headers, Scope::Read)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let since = q.since.as_deref().map(parse_time).transpose()?;
    let until = q.until.as_deref().map(parse_time).transpose()?;
    for ip in [&q.src, &q.dst].into_iter().flatten() {
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(ApiError::BadRequest(format!("'{ip}' is not an IP address")));
        }
    }
    let rows = state
        .db(move |conn| {
            let mut sql = String::from("SELECT id, eve FROM alerts WHERE id > ?1");
            let mut args: Vec<rusqlite::types::Value> = vec![q.after.unwrap_or(0).into()];
            let mut add = |clause: &str, v: rusqlite::types::Value| {
                args.push(v);
                sql.push_str(&format!(" AND {clause} ?{}", args.len()));
            };
            if let Some(s) = q.sid {
                add("sid =", i64::from(s).into());
            }
            if let Some(s) = &q.src {
                add("src_ip =", s.clone().into());
            }
            if let Some(d) = &q.dst {
                add("dest_ip =", d.clone().into());
            }
            if let Some(sev) = q.severity {
                add("severity <=", i64::from(sev).into());
            }
            if let Some(t) = since {
                add("ts >=", t.into());
            }
            if let Some(t) = until {
                add("ts <", t.into());
            }
            sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    let next = rows.last().map(|r| r.0);
    let alerts: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(id, eve)| {
            let record: serde_json::Value = serde_json::from_str(&eve).unwrap_or(serde_json::Value::Null);
            serde_json::json!({ "id": id, "eve": record })
        })
        .collect();
    let full = alerts.len() == limit;
    Ok(Json(serde_json::json!({
        "alerts": alerts,
        "next": if full { next } else { None },
    })))
}
