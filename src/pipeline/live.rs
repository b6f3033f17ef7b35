//! Live capture through the workers: one reader takes frames from each
//! interface's ring in turn and hands them to the run; when an interface is
//! quiet, or every few milliseconds while it is busy, what the workers hold
//! is settled, so an alert never waits for more traffic. Runs until a stop
//! is requested; kernel drop counters end up in the summary.

use super::run::{Clock, Run, stop_requested};
use super::{ReplayError, ReplayHooks, Summary};
use crate::capture::live::LiveSource;
use crate::config::Config;
use crate::detect::Engine;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest an alert waits in the workers before it is settled.
const SETTLE_EVERY: Duration = Duration::from_millis(10);

/// What one interface delivered and lost.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct InterfaceStats {
    pub interface: String,
    pub received: u64,
    pub delivered: u64,
    pub kernel_drops: u64,
    /// Why capture on it ended before the run did, if it did.
    pub error: Option<String>,
}

/// Captures from `sources` until a stop is requested (or every source is
/// gone), then ends the run as a replay ends.
pub fn live(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    mut sources: Vec<Box<dyn LiveSource>>,
    mut hooks: ReplayHooks<'_>,
) -> Result<Summary, ReplayError> {
    let names: Vec<&str> = sources.iter().map(|s| s.interface()).collect();
    let mut run = Run::start(cfg, engine, rate_rules, "live", &names.join(" "), Clock::Live, &hooks)?;
    let mut ended: Vec<InterfaceStats> = Vec::new();
    // With one interface the reader may block a while; with several it
    // must come back to the others soon.
    let timeout = if sources.len() > 1 {
        Duration::from_millis(5)
    } else {
        Duration::from_millis(50)
    };
    let mut last_settle = Instant::now();
    while !sources.is_empty() && !stop_requested(&hooks) {
        let mut i = 0;
        while i < sources.len() {
            let mut failure: Option<ReplayError> = None;
            let got = sources[i].next_batch(timeout, &mut |raw| {
                if failure.is_none()
                    && let Err(e) = run.packet(raw, &mut hooks)
                {
                    failure = Some(e);
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            match got {
                Ok(0) => run.flush(&mut hooks)?,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!("{e}");
                    let mut stats = interface_stats(sources[i].as_mut());
                    stats.error = Some(e.to_string());
                    ended.push(stats);
                    sources.remove(i);
                    continue;
                }
            }
            i += 1;
        }
        if last_settle.elapsed() >= SETTLE_EVERY {
            run.flush(&mut hooks)?;
            last_settle = Instant::now();
        }
    }
    if stop_requested(&hooks) {
        tracing::info!("stop requested: inspecting what was captured, then stopping");
    }
    for s in &mut sources {
        ended.push(interface_stats(s.as_mut()));
    }
    run.finish(&mut hooks, ended)
}

fn interface_stats(source: &mut dyn LiveSource) -> InterfaceStats {
    let interface = source.interface().to_string();
    match source.stats() {
        Ok(s) => InterfaceStats {
            interface,
            received: s.received,
            delivered: s.delivered,
            kernel_drops: s.kernel_drops,
            error: None,
        },
        Err(e) => InterfaceStats {
            interface,
            error: Some(format!("reading its counters: {e}")),
            ..InterfaceStats::default()
        },
    }
}
