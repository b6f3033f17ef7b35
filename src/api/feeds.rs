//! Feeds enforcement points pull: a plain-text block list (one address or
//! CIDR a line, the External Dynamic List format firewalls and SASE edges
//! poll) and OpenC2 `deny` commands for stateless packet filters (SLPF).

use super::{ApiError, ApiState};
use crate::store::decisions::{self, Decision, DecisionType};
use crate::timestamp::Timestamp;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;

fn enforced(d: &Decision) -> bool {
    matches!(d.kind, DecisionType::Block | DecisionType::Quarantine)
}

async fn in_force(state: &ApiState) -> Result<Vec<Decision>, ApiError> {
    let now = Timestamp::now().as_micros();
    Ok(state
        .db(move |c| decisions::active(c, now))
        .await?
        .into_iter()
        .filter(enforced)
        .collect())
}

/// `GET /v1/feeds/blocklist.txt`: every address and range blocked or
/// quarantined now, each once.
pub async fn blocklist(State(state): State<ApiState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    state.require_bouncer(&headers)?;
    let mut values: Vec<String> = in_force(&state).await?.into_iter().map(|d| d.value).collect();
    values.sort();
    values.dedup();
    let mut body = values.join("\n");
    if !body.is_empty() {
        body.push('\n');
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body))
}

/// The OpenC2 target for a decision value.
fn target(d: &Decision) -> serde_json::Value {
    let v6 = d.value.contains(':');
    let net = if d.value.contains('/') {
        d.value.clone()
    } else if v6 {
        format!("{}/128", d.value)
    } else {
        format!("{}/32", d.value)
    };
    if v6 {
        serde_json::json!({ "ipv6_net": net })
    } else {
        serde_json::json!({ "ipv4_net": net })
    }
}

/// `GET /v1/feeds/openc2`: one `deny` command per decision in force.
pub async fn openc2(State(state): State<ApiState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    state.require_bouncer(&headers)?;
    let commands: Vec<serde_json::Value> = in_force(&state)
        .await?
        .iter()
        .map(|d| {
            let mut args = serde_json::json!({
                "start_time": d.created_at / 1000,
                "response_requested": "none",
                "slpf": { "drop_process": "none", "direction": "both" },
            });
            if let Some(e) = d.expires_at {
                args["stop_time"] = serde_json::json!(e / 1000);
            }
            serde_json::json!({
                "action": "deny",
                "target": target(d),
                "args": args,
                "actuator": { "slpf": {} },
                "command_id": format!("vigie-decision-{}", d.id),
            })
        })
        .collect();
    Ok(Json(commands))
}
