//! Live capture through the workers: either each worker reads sockets of
//! its own (AF_PACKET fanout, see `fanout`), or one reader takes frames
//! from each interface's ring in turn and hands them to the workers. Every
//! few milliseconds, and when an interface is quiet, what the workers hold
//! is settled, so an alert never waits for more traffic. Runs until a stop
//! is requested; kernel drop counters end up in the summary.

use super::run::{Clock, Run, stop_requested};
use super::{Lanes, ReplayError, ReplayHooks, Summary, build_lanes_following, build_workers};
use crate::capture::live::{LiveError, LiveSource};
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
    /// Sockets it was read through (one per worker when the workers read
    /// it themselves, in a fanout group).
    pub sockets: u32,
    /// Why capture on it ended before the run did, if it did.
    pub error: Option<String>,
}

/// The sockets a live run reads.
pub enum LiveSources {
    /// One per interface, read in turn by the run's thread, which hands
    /// the frames to the workers.
    Shared(Vec<Box<dyn LiveSource>>),
    /// `sockets[i]` for worker `i`, one per interface; an interface's
    /// sockets share a fanout group, so the kernel gives each flow to one
    /// worker and the workers read their sockets themselves.
    PerWorker(Vec<Vec<Box<dyn LiveSource>>>),
}

/// Captures from `sources` until a stop is requested (or every source is
/// gone), then ends the run as a replay ends.
pub fn live(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    sources: LiveSources,
    hooks: ReplayHooks<'_>,
) -> Result<Summary, ReplayError> {
    match sources {
        LiveSources::Shared(sources) => shared(cfg, engine, rate_rules, sources, hooks),
        LiveSources::PerWorker(sockets) => per_worker(cfg, engine, rate_rules, sockets, hooks),
    }
}

/// The workers read their own sockets; the run's thread settles what they
/// raise every few milliseconds.
fn per_worker(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    sockets: Vec<Vec<Box<dyn LiveSource>>>,
    mut hooks: ReplayHooks<'_>,
) -> Result<Summary, ReplayError> {
    let names: Vec<&str> = sockets.first().into_iter().flatten().map(|s| s.interface()).collect();
    let source = names.join(" ");
    let cfg = Config {
        workers: sockets.len(),
        ..cfg.clone()
    };
    let (workers, sequencer) = build_workers(&cfg, engine, rate_rules, hooks.reload.as_ref());
    let lanes = Lanes::capturing(workers, sequencer, sockets);
    let mut run = Run::start(&cfg, lanes, "live", &source, Clock::Live, &hooks)?;
    while !stop_requested(&hooks) && run.await_capture(SETTLE_EVERY, &mut hooks)? {}
    if stop_requested(&hooks) {
        tracing::info!("stop requested: inspecting what was captured, then stopping");
    }
    run.finish(&mut hooks, Vec::new())
}

/// One reader takes frames from each interface in turn and hands them to
/// the workers.
fn shared(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    mut sources: Vec<Box<dyn LiveSource>>,
    mut hooks: ReplayHooks<'_>,
) -> Result<Summary, ReplayError> {
    let names: Vec<&str> = sources.iter().map(|s| s.interface()).collect();
    let source = names.join(" ");
    let lanes = build_lanes_following(cfg, engine, rate_rules, hooks.reload.as_ref());
    let mut run = Run::start(cfg, lanes, "live", &source, Clock::Live, &hooks)?;
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
                    ended.push(source_failed(&mut sources, i, &e));
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

/// Source `i` failed with `e`: it is dropped, and its counters and the
/// reason are what the summary will report of it.
pub(super) fn source_failed(sources: &mut Vec<Box<dyn LiveSource>>, i: usize, e: &LiveError) -> InterfaceStats {
    tracing::error!("{e}");
    let mut source = sources.remove(i);
    let mut stats = interface_stats(source.as_mut());
    stats.error = Some(e.to_string());
    stats
}

/// A source's counters as the summary reports them.
pub(super) fn interface_stats(source: &mut dyn LiveSource) -> InterfaceStats {
    let interface = source.interface().to_string();
    match source.stats() {
        Ok(s) => InterfaceStats {
            interface,
            received: s.received,
            delivered: s.delivered,
            kernel_drops: s.kernel_drops,
            sockets: 1,
            error: None,
        },
        Err(e) => InterfaceStats {
            interface,
            sockets: 1,
            error: Some(format!("reading its counters: {e}")),
            ..InterfaceStats::default()
        },
    }
}
