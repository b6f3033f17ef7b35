//! Wires sources to workers to sinks: the replay of capture files or the
//! capture of live interfaces through the workers and the sequencer, the
//! output thread, the run record in the store, the summary.

mod fanout;
mod flow_hash;
mod lanes;
mod latency;
mod live;
mod memory;
mod pacing;
mod reload;
mod run;
mod sequencer;
mod stop;
mod summary;
mod worker;

pub use lanes::{Finished, Lanes, WorkerLost};
pub use latency::{Latency, LatencySummary};
pub use live::{InterfaceStats, LiveSources, live};
pub use memory::peak_rss_bytes;
pub use reload::{Compile, ReloadStatus, RuleReload};
pub use run::PRUNE_EVERY;
pub use sequencer::Sequencer;
pub use stop::StopSignal;

pub use summary::{SignatureTally, Summary};
pub use worker::Worker;

use crate::alert::Alert;
use crate::capture::{CaptureError, CaptureFile, RawPacket};
use crate::config::Config;
use crate::detect::Engine;
use crate::output::OutputError;
use crate::store::StoreError;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error(transparent)]
    Worker(#[from] WorkerLost),
    #[error(transparent)]
    Live(#[from] crate::capture::live::LiveError),
}

/// Called as the replay advances: (bytes read so far, packets so far).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Observers of a replay beside its outputs (a progress bar, a drill's
/// traffic timeline and alert check).
#[derive(Default)]
pub struct ReplayHooks<'a> {
    /// Every 4096 packets and at the end.
    pub progress: Option<Progress<'a>>,
    /// Every packet read, before inspection (not called when live workers
    /// read their own sockets).
    pub packet: Option<&'a mut dyn FnMut(&RawPacket<'_>)>,
    /// Every alert raised, before it goes to the outputs.
    pub alert: Option<&'a mut dyn FnMut(&Alert)>,
    /// Raised to stop reading: what was read is still inspected to the end.
    pub stop: Option<&'a std::sync::atomic::AtomicBool>,
    /// Replay speed relative to the capture (1.0: as captured); None or
    /// 0: as fast as possible.
    pub speed: Option<f64>,
    /// Where a paced replay records detection latency (its own otherwise).
    pub latency: Option<Arc<Latency>>,
    /// Rule reloads the workers follow.
    pub reload: Option<Arc<RuleReload>>,
}

/// Replays `inputs` in order through the workers. A damaged file stops that
/// file (reported in the summary) and the run goes on with the next.
pub fn replay(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    inputs: &[PathBuf],
    mut hooks: ReplayHooks<'_>,
) -> Result<Summary, ReplayError> {
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let clock = run::Clock::Paced(pacing::Pacer::new(hooks.speed.unwrap_or(0.0)));
    let lanes = build_lanes_following(cfg, engine, rate_rules, hooks.reload.as_ref());
    let mut run = run::Run::start(cfg, lanes, "replay", &names.join(" "), clock, &hooks)?;
    run.summary.files = inputs.len();
    let mut bytes_read = 0u64;
    'files: for path in inputs {
        let mut file = match CaptureFile::open(path) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!("{e}");
                run.summary.failed_files.push(e.to_string());
                continue;
            }
        };
        loop {
            let raw = match file.next_packet() {
                Ok(Some(raw)) => raw,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!("{e}");
                    run.summary.failed_files.push(e.to_string());
                    break;
                }
            };
            if run::stop_requested(&hooks) {
                run.summary.interrupted = true;
                tracing::warn!("stop requested: inspecting what was read, then stopping");
                break 'files;
            }
            bytes_read += raw.data.len() as u64 + 16;
            let wait = run.clock.wait_for(raw.ts);
            if !wait.is_zero() {
                // Nothing to do until this packet is due: settle what the
                // workers hold, so alerts leave now, not with the next round.
                run.flush(&mut hooks)?;
                std::thread::sleep(wait);
            }
            run.packet(&raw, &mut hooks)?;
            if run.packets().is_multiple_of(4096)
                && let Some(f) = hooks.progress.as_mut()
            {
                f(bytes_read, run.packets());
            }
        }
        if let Some(reason) = file.truncation() {
            tracing::warn!(file = %path.display(), "{reason}");
            run.summary
                .truncated_files
                .push(format!("{}: {reason}", path.display()));
        }
    }
    if let Some(f) = hooks.progress.as_mut() {
        f(bytes_read, run.packets());
    }
    run.finish(&mut hooks, Vec::new())
}

/// The workers of a run (`workers`, flows shared out among them) and the
/// sequencer that settles their thresholds and rate counts.
pub fn build_lanes(cfg: &Config, engine: Arc<Engine>, rate_rules: Vec<crate::rate::RateRule>) -> Lanes {
    build_lanes_following(cfg, engine, rate_rules, None)
}

/// As [`build_lanes`], the workers taking up each rule set `reload` swaps in.
pub fn build_lanes_following(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    reload: Option<&Arc<RuleReload>>,
) -> Lanes {
    let (workers, sequencer) = build_workers(cfg, engine, rate_rules, reload);
    Lanes::new(workers, sequencer)
}

/// `cfg.worker_count()` workers, flows shared out among them, following
/// `reload`, and the sequencer for their thresholds and rate counts.
pub fn build_workers(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    reload: Option<&Arc<RuleReload>>,
) -> (Vec<Worker>, Sequencer) {
    let n = cfg.worker_count().max(1);
    let (matcher, counter) = if rate_rules.is_empty() {
        (None, None)
    } else {
        let (m, c) = crate::rate::rate_engine(rate_rules, cfg.rate.max_trackers);
        (Some(m), Some(c))
    };
    let mut per_worker = cfg.clone();
    per_worker.flow.max_flows = (cfg.flow.max_flows / n).max(1);
    let workers = (0..n)
        .map(|_| {
            let mut w = Worker::new(&per_worker, engine.clone()).with_rate(matcher.clone());
            if let Some(r) = reload {
                w.engine_source = reload::EngineHandle::following(r.clone());
            }
            w
        })
        .collect();
    (workers, Sequencer::new(cfg.detect.threshold_trackers, counter))
}
