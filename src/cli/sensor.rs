//! What `replay` and `run` share: loading the signatures and rate rules,
//! the API served beside the run with its live counters, the stop signal,
//! and the closing summary.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use vigie::api::ApiServer as Server;
use vigie::config::Config;
use vigie::detect::{Engine, EngineOptions};
use vigie::pipeline::{self, ReplayError, ReplayHooks, RuleReload, Summary};
use vigie::rate::RateRule;
use vigie::rules::sources::{load_rules, load_rules_keeping};

/// The compiled signatures (`rules`, else the configured or bundled ones)
/// and the rate rules (`rate_rules`, else the configured or bundled ones).
pub fn load_detection(
    cfg: &Config,
    rules: &[PathBuf],
    rate_rules: &[PathBuf],
    quiet: bool,
) -> anyhow::Result<(Arc<Engine>, Vec<RateRule>)> {
    let set = load_rules(cfg, rules).context("loading rules")?;
    for d in &set.diagnostics {
        tracing::warn!("{d}");
    }
    if !set.diagnostics.is_empty() && !quiet {
        eprintln!(
            "vigie: {} rules loaded, {} rejected (see `vigie rules check`)",
            set.rules.len(),
            set.rejected()
        );
    }
    let engine = Arc::new(Engine::build(set, EngineOptions::default()));
    let rate = vigie::rate::load_configured(cfg, rate_rules).context("loading rate rules")?;
    Ok((engine, rate))
}

/// Reloads of the rules a run started with (`rules`, else the configured
/// ones): on SIGHUP or SIGUSR2, or `POST /v1/rules/reload`.
pub fn reloader(cfg: &Config, rules: &[PathBuf], engine: Arc<Engine>) -> Arc<RuleReload> {
    let cfg = cfg.clone();
    let rules = rules.to_vec();
    let compile: pipeline::Compile = Box::new(move |names| {
        let set = load_rules_keeping(&cfg, &rules, Some(names)).map_err(|e| e.to_string())?;
        for d in &set.diagnostics {
            tracing::warn!("reload: {d}");
        }
        if set.rules.is_empty() {
            return Err(format!(
                "no rule loaded ({} rejected; see `vigie rules check`)",
                set.rejected()
            ));
        }
        Ok(Engine::build(set, EngineOptions::default()))
    });
    RuleReload::new(engine, compile)
}

/// Runs `body` with the hooks every run gets (stop signal, latency, rule
/// reloads, the API's live counters when `serve`); the API, when served,
/// is returned still running.
pub fn run_sensor(
    cfg: &Config,
    serve: bool,
    speed: f64,
    reload: Option<Arc<RuleReload>>,
    mut progress: Option<&mut dyn FnMut(u64, u64)>,
    body: impl for<'h> FnOnce(ReplayHooks<'h>) -> Result<Summary, ReplayError>,
) -> anyhow::Result<(Summary, Option<Server>)> {
    let live = Arc::new(vigie::api::LiveCounters::default());
    let watch_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut watcher = None;
    #[cfg(unix)]
    let mut signal_ids = Vec::new();
    if let Some(r) = &reload {
        let _ = live.reload.set(r.clone());
        #[cfg(unix)]
        for sig in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGUSR2] {
            match signal_hook::flag::register(sig, r.request_flag()) {
                Ok(id) => signal_ids.push(id),
                Err(e) => tracing::warn!("cannot handle signal {sig} for rule reloads: {e}"),
            }
        }
        watcher = Some(r.watch(watch_stop.clone()).context("starting the rule reload thread")?);
    }
    let server = if serve {
        Some(super::serve::start(cfg, live.clone())?)
    } else {
        None
    };
    let mut count_packet = |raw: &vigie::capture::RawPacket<'_>| {
        live.packets.fetch_add(1, Ordering::Relaxed);
        live.bytes.fetch_add(u64::from(raw.wire_len), Ordering::Relaxed);
    };
    let mut count_alert = |_: &vigie::alert::Alert| {
        live.alerts.fetch_add(1, Ordering::Relaxed);
    };
    let stop = pipeline::StopSignal::install();
    let hooks = ReplayHooks {
        stop: Some(stop.flag()),
        speed: Some(speed),
        latency: Some(live.latency.clone()),
        reload,
        progress: progress.as_mut().map(|p| &mut **p as &mut dyn FnMut(u64, u64)),
        packet: server
            .is_some()
            .then_some(&mut count_packet as &mut dyn FnMut(&vigie::capture::RawPacket<'_>)),
        alert: server
            .is_some()
            .then_some(&mut count_alert as &mut dyn FnMut(&vigie::alert::Alert)),
    };
    let summary = body(hooks);
    drop(stop);
    watch_stop.store(true, Ordering::Relaxed);
    if let Some(w) = watcher {
        let _ = w.join();
    }
    #[cfg(unix)]
    for id in signal_ids {
        signal_hook::low_level::unregister(id);
    }
    Ok((summary?, server))
}

/// Prints the summary (text or JSON); with the API served and
/// `keep_serving`, serves on until interrupted.
pub fn report(
    cfg: &Config,
    summary: &Summary,
    json: bool,
    server: Option<Server>,
    keep_serving: bool,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
    } else {
        print!("{}", summary.to_text());
        println!("logs       {}", cfg.outputs.log_dir.display());
    }
    if let Some(server) = server {
        if !keep_serving {
            server.stop();
            return Ok(());
        }
        eprintln!(
            "vigie: run done; API still serving on http://{} until interrupted",
            server.addr
        );
        vigie::api::wait_for_signal();
        server.stop();
    }
    Ok(())
}
