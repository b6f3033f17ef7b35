//! `GET /v1/alerts/stream`: Server-Sent Events, one EVE record per event,
//! its `id` the alert's id in the store. A consumer that reconnects with
//! `Last-Event-ID` (or `?after=`) resumes right after the last record it
//! got: read from the store, so nothing is lost and nothing repeats.

use super::auth::Scope;
use super::{ApiError, ApiState};
use crate::store::{AlertFilter, Page, query};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

/// How often the store is asked for new alerts when there were none.
const POLL: Duration = Duration::from_millis(200);
/// Records read from the store at a time.
const PAGE: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct StreamQuery {
    /// Start after this alert id (`Last-Event-ID` wins when both are given).
    pub after: Option<i64>,
    /// Only alerts of severity at most this.
    pub severity: Option<u8>,
}

struct Cursor {
    state: ApiState,
    last: i64,
    severity: Option<u8>,
    pending: VecDeque<(i64, String)>,
}

pub async fn alerts(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    state.require(&headers, Scope::Read)?;
    let resume = match headers.get("last-event-id").map(|v| v.to_str().map(str::trim)) {
        Some(Ok(v)) => Some(
            v.parse::<i64>()
                .map_err(|_| ApiError::BadRequest(format!("Last-Event-ID '{v}' is not an alert id")))?,
        ),
        Some(Err(_)) => return Err(ApiError::BadRequest("Last-Event-ID is not text".into())),
        None => None,
    };
    let start = match resume.or(q.after) {
        Some(id) => id,
        // A new consumer starts with what arrives from now on.
        None => {
            state
                .db(|c| Ok(c.query_row("SELECT coalesce(max(id), 0) FROM alerts", [], |r| r.get(0))?))
                .await?
        }
    };
    let heartbeat = state.heartbeat();
    let cursor = Cursor {
        state,
        last: start,
        severity: q.severity,
        pending: VecDeque::new(),
    };
    let events = stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some((id, eve)) = c.pending.pop_front() {
                c.last = id;
                let event = Event::default().id(id.to_string()).event("alert").data(eve);
                return Some((Ok(event), c));
            }
            let after = c.last;
            let filter = AlertFilter {
                severity: c.severity,
                ..Default::default()
            };
            let page = c
                .state
                .db(move |conn| {
                    let rows = query::alerts(conn, &filter, Page::After(after), PAGE)?;
                    Ok(rows.into_iter().map(|a| (a.id, a.row.eve)).collect::<Vec<_>>())
                })
                .await;
            match page {
                Ok(rows) if !rows.is_empty() => c.pending.extend(rows),
                Ok(_) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!("alert stream: {e}");
                    tokio::time::sleep(POLL * 5).await;
                }
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}
