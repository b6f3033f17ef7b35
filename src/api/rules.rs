//! `POST /v1/rules/reload` (admin): compiles the run's rules again beside
//! the ones in use and swaps them in; answers once it is done, with the
//! number of rules, or with why the new set was refused (the old one stays).

use super::auth::Scope;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use std::time::Duration;

pub async fn reload(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<serde_json::Value>, ApiError> {
    state.require(&headers, Scope::Admin)?;
    let Some(reload) = state.live().reload.get().cloned() else {
        return Err(ApiError::Conflict(
            "no rules run in this process (vigie serve): reload the sensor that runs them".into(),
        ));
    };
    let outcome = tokio::task::spawn_blocking(move || {
        let r = reload.request_and_wait(Duration::from_secs(120));
        (r, reload.generation(), reload.status())
    })
    .await
    .map_err(|e| ApiError::Store(format!("reload task: {e}")))?;
    match outcome {
        (Ok(rules), generation, status) => Ok(Json(serde_json::json!({
            "rules": rules,
            "generation": generation,
            "compile_ms": status.last_compile_ms,
        }))),
        (Err(e), _, _) => Err(ApiError::Unprocessable(format!(
            "the new rules were refused, the old ones stay: {e}"
        ))),
    }
}
