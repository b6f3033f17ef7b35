//! Health, statistics and Prometheus metrics: alerts by severity and active
//! decisions from the store, packets and alerts of a run in this process,
//! and the last run's sink counters.

use super::auth::Scope;
use super::{ApiError, ApiState};
use crate::store::decisions;
use crate::timestamp::Timestamp;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::Ordering;

/// What the store says, gathered in one blocking call.
#[derive(Default)]
struct StoreFacts {
    schema: i64,
    by_severity: Vec<(i64, i64)>,
    decisions_active: Vec<(String, u64)>,
    runs: i64,
    last_run: Option<serde_json::Value>,
}

async fn facts(state: &ApiState) -> Result<StoreFacts, ApiError> {
    let now = Timestamp::now().as_micros();
    state
        .db(move |c| {
            let schema = c.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?;
            let mut stmt =
                c.prepare_cached("SELECT severity, count(*) FROM alerts GROUP BY severity ORDER BY severity")?;
            let by_severity = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut decisions_active: Vec<(String, u64)> = Vec::new();
            for d in decisions::active(c, now)? {
                match decisions_active.iter_mut().find(|(k, _)| k == d.kind.name()) {
                    Some(e) => e.1 += 1,
                    None => decisions_active.push((d.kind.name().to_string(), 1)),
                }
            }
            let runs = c.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?;
            let last_run: Option<String> = c
                .query_row(
                    "SELECT summary FROM runs WHERE summary IS NOT NULL ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .ok();
            Ok(StoreFacts {
                schema,
                by_severity,
                decisions_active,
                runs,
                last_run: last_run.and_then(|s| serde_json::from_str(&s).ok()),
            })
        })
        .await
}

pub async fn healthz(State(state): State<ApiState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    state.require(&headers, Scope::Read)?;
    let schema: i64 = state
        .db(|c| Ok(c.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?))
        .await?;
    Ok(Json(
        serde_json::json!({ "status": "ok", "sensor": state.sensor(), "store_schema": schema }),
    ))
}

pub async fn stats(State(state): State<ApiState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    state.require(&headers, Scope::Read)?;
    let f = facts(&state).await?;
    let live = state.live();
    let by_severity: serde_json::Map<String, serde_json::Value> = f
        .by_severity
        .iter()
        .map(|(s, n)| (s.to_string(), (*n).into()))
        .collect();
    let active: serde_json::Map<String, serde_json::Value> = f
        .decisions_active
        .iter()
        .map(|(k, n)| (k.clone(), (*n).into()))
        .collect();
    Ok(Json(serde_json::json!({
        "sensor": state.sensor(),
        "store_schema": f.schema,
        "alerts": f.by_severity.iter().map(|(_, n)| n).sum::<i64>(),
        "alerts_by_severity": by_severity,
        "decisions_active": active,
        "runs": f.runs,
        "live": {
            "packets": live.packets.load(Ordering::Relaxed),
            "bytes": live.bytes.load(Ordering::Relaxed),
            "alerts": live.alerts.load(Ordering::Relaxed),
        },
        "last_run": f.last_run,
    })))
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, v) in samples {
        let _ = writeln!(out, "{name}{labels} {v}");
    }
}

fn label(key: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    format!("{{{key}=\"{escaped}\"}}")
}

/// `vigie_detection_latency_seconds`, a Prometheus histogram.
fn latency_histogram(out: &mut String, latency: &crate::pipeline::Latency) {
    use std::fmt::Write;
    let name = "vigie_detection_latency_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} From a packet's capture (or, in a paced replay, its due time) to its alert reaching the outputs."
    );
    let _ = writeln!(out, "# TYPE {name} histogram");
    let cumulative = latency.cumulative();
    for (bound, count) in &cumulative {
        let le = bound.map_or("+Inf".to_string(), |us| format!("{}", us as f64 / 1e6));
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_sum {}", latency.sum_us() as f64 / 1e6);
    let _ = writeln!(out, "{name}_count {}", cumulative.last().map_or(0, |c| c.1));
}

pub async fn prometheus(State(state): State<ApiState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    state.require(&headers, Scope::Read)?;
    let f = facts(&state).await?;
    let live = state.live();
    let mut out = String::new();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as f64;
    metric(
        &mut out,
        "vigie_packets_total",
        "counter",
        "Packets read by the run in this process.",
        &[(String::new(), load(&live.packets))],
    );
    metric(
        &mut out,
        "vigie_bytes_total",
        "counter",
        "Bytes read by the run in this process.",
        &[(String::new(), load(&live.bytes))],
    );
    metric(
        &mut out,
        "vigie_run_alerts_total",
        "counter",
        "Alerts raised by the run in this process.",
        &[(String::new(), load(&live.alerts))],
    );
    latency_histogram(&mut out, &live.latency);
    let sev: Vec<(String, f64)> = f
        .by_severity
        .iter()
        .map(|(s, n)| (label("severity", &s.to_string()), *n as f64))
        .collect();
    metric(
        &mut out,
        "vigie_alerts_stored",
        "gauge",
        "Alerts in the store, by severity.",
        &sev,
    );
    let kinds = ["block", "quarantine", "step_up", "monitor"];
    let active: Vec<(String, f64)> = kinds
        .iter()
        .map(|k| {
            let n = f.decisions_active.iter().find(|(name, _)| name == k).map_or(0, |e| e.1);
            (label("type", k), n as f64)
        })
        .collect();
    metric(
        &mut out,
        "vigie_decisions_active",
        "gauge",
        "Decisions in force, by type.",
        &active,
    );
    metric(
        &mut out,
        "vigie_runs_total",
        "counter",
        "Runs recorded in the store.",
        &[(String::new(), f.runs as f64)],
    );
    if let Some(run) = &f.last_run {
        let num = |k: &str| run.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
        metric(
            &mut out,
            "vigie_last_run_packets",
            "gauge",
            "Packets of the last finished run.",
            &[(String::new(), num("packets"))],
        );
        metric(
            &mut out,
            "vigie_last_run_anomalies",
            "gauge",
            "Decoder anomalies of the last finished run.",
            &[(String::new(), num("anomalies_total"))],
        );
        metric(
            &mut out,
            "vigie_last_run_flows_evicted",
            "gauge",
            "Flows evicted at the cap in the last finished run.",
            &[(String::new(), num("flows_evicted"))],
        );
        if let Some(sinks) = run.get("sinks").and_then(serde_json::Value::as_array) {
            let dropped: Vec<(String, f64)> = sinks
                .iter()
                .map(|s| {
                    let name = s.get("name").and_then(serde_json::Value::as_str).unwrap_or("?");
                    (
                        label("sink", name),
                        s.get("dropped").and_then(serde_json::Value::as_f64).unwrap_or(0.0),
                    )
                })
                .collect();
            metric(
                &mut out,
                "vigie_sink_dropped",
                "gauge",
                "Records a sink dropped in the last finished run.",
                &dropped,
            );
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}
