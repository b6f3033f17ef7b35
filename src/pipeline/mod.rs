//! Wires sources to workers to sinks: the replay of capture files through
//! the workers and the sequencer, the output thread, the run record in the
//! store, the summary.

mod flow_hash;
mod lanes;
mod latency;
mod memory;
mod pacing;
mod sequencer;
mod stop;
mod summary;
mod worker;

pub use lanes::{Lanes, WorkerLost};
pub use latency::{Latency, LatencySummary};
pub use memory::peak_rss_bytes;
pub use sequencer::Sequencer;
pub use stop::StopSignal;

pub use summary::{SignatureTally, Summary};
pub use worker::Worker;

use crate::alert::Alert;
use crate::capture::{CaptureError, CaptureFile, RawPacket};
use crate::config::Config;
use crate::detect::Engine;
use crate::output::{OutputConfig, OutputError, Outputs};
use crate::store::{Store, StoreError};
use crate::timestamp::Timestamp;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

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
}

/// Called as the replay advances: (bytes read so far, packets so far).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Observers of a replay beside its outputs (a progress bar, a drill's
/// traffic timeline and alert check).
#[derive(Default)]
pub struct ReplayHooks<'a> {
    /// Every 4096 packets and at the end.
    pub progress: Option<Progress<'a>>,
    /// Every packet read, before inspection.
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
}

/// Replays `inputs` in order through one worker. A damaged file stops that
/// file (reported in the summary) and the run goes on with the next.
pub fn replay(
    cfg: &Config,
    engine: Arc<Engine>,
    rate_rules: Vec<crate::rate::RateRule>,
    inputs: &[PathBuf],
    mut hooks: ReplayHooks<'_>,
) -> Result<Summary, ReplayError> {
    let started = Instant::now();
    let sensor = cfg.sensor();
    let store_path = cfg
        .outputs
        .store
        .enabled
        .then(|| cfg.in_log_dir(&cfg.outputs.store.path));
    let run_id = match &store_path {
        Some(p) => {
            let store = Store::open(p)?;
            let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
            Some(store.begin_run("replay", &sensor, &names.join(" "), Timestamp::now().as_micros())?)
        }
        None => None,
    };
    let outputs = Outputs::start(OutputConfig {
        eve: cfg
            .outputs
            .eve
            .enabled
            .then(|| cfg.in_log_dir(&cfg.outputs.eve.filename)),
        fast_log: cfg
            .outputs
            .fast_log
            .enabled
            .then(|| cfg.in_log_dir(&cfg.outputs.fast_log.filename)),
        store: store_path.clone(),
        sensor: sensor.clone(),
        run_id,
        queue: cfg.outputs.queue,
        reopen_on_sighup: cfg.outputs.reopen_on_sighup,
        sinks: cfg.outputs.network_sinks(),
    })?;

    let policy = match (&store_path, cfg.policy.enabled) {
        (Some(p), true) => {
            let set = crate::policy::load_configured(cfg)?;
            let engine = crate::policy::PolicyEngine::new(set, cfg.policy.max_windows);
            Some(crate::policy::PolicyRunner::start(
                p.clone(),
                engine,
                sensor.clone(),
                std::time::Duration::from_millis(250),
            )?)
        }
        _ => None,
    };

    let mut lanes = build_lanes(cfg, engine, rate_rules);
    let mut summary = Summary {
        files: inputs.len(),
        ..Default::default()
    };
    let mut tally = SignatureTally::default();
    let mut alerts = Vec::new();
    let mut pcap_cnt = 0u64;
    let mut bytes_read = 0u64;
    let stop_requested =
        |hooks: &ReplayHooks<'_>| hooks.stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed));
    let mut pacer = pacing::Pacer::new(hooks.speed.unwrap_or(0.0));
    let latency = hooks.latency.clone().unwrap_or_default();
    'files: for path in inputs {
        let mut file = match CaptureFile::open(path) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!("{e}");
                summary.failed_files.push(e.to_string());
                continue;
            }
        };
        loop {
            let raw = match file.next_packet() {
                Ok(Some(raw)) => raw,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!("{e}");
                    summary.failed_files.push(e.to_string());
                    break;
                }
            };
            if stop_requested(&hooks) {
                summary.interrupted = true;
                tracing::warn!("stop requested: inspecting what was read, then stopping");
                break 'files;
            }
            pcap_cnt += 1;
            summary.packets += 1;
            summary.bytes += u64::from(raw.wire_len);
            bytes_read += raw.data.len() as u64 + 16;
            let wait = pacer.wait_for(raw.ts);
            if !wait.is_zero() {
                // Nothing to do until this packet is due: settle what the
                // workers hold, so alerts leave now, not with the next round.
                lanes.flush(&mut alerts)?;
                emit(
                    &mut alerts,
                    (&pacer, &latency),
                    &mut hooks,
                    &mut tally,
                    &mut summary,
                    &outputs,
                )?;
                std::thread::sleep(wait);
            }
            if let Some(f) = hooks.packet.as_mut() {
                f(&raw);
            }
            lanes.push(&raw, pcap_cnt, &mut alerts)?;
            emit(
                &mut alerts,
                (&pacer, &latency),
                &mut hooks,
                &mut tally,
                &mut summary,
                &outputs,
            )?;
            if pcap_cnt.is_multiple_of(4096)
                && let Some(f) = hooks.progress.as_mut()
            {
                f(bytes_read, pcap_cnt);
            }
        }
        if let Some(reason) = file.truncation() {
            tracing::warn!(file = %path.display(), "{reason}");
            summary.truncated_files.push(format!("{}: {reason}", path.display()));
        }
    }
    if let Some(f) = hooks.progress.as_mut() {
        f(bytes_read, pcap_cnt);
    }
    let (workers, sequencer) = lanes.finish(&mut alerts)?;
    emit(
        &mut alerts,
        (&pacer, &latency),
        &mut hooks,
        &mut tally,
        &mut summary,
        &outputs,
    )?;
    let out_stats = outputs.finish()?;
    // Every alert is stored now: the policy makes its last pass over them.
    if let Some(p) = policy {
        summary.policy = Some(p.finish()?);
    }

    summary.add_workers(&workers);
    summary.top_signatures = tally.top(10);
    summary.threshold_evictions = sequencer.thresholds.stats.evicted;
    summary.set_outputs(&out_stats);
    if let Some(r) = &sequencer.rate {
        summary.rate = Some(r.stats.clone());
    }
    summary.latency = latency.summary();
    summary.set_elapsed(started.elapsed());
    summary.peak_rss_bytes = peak_rss_bytes();
    if let (Some(p), Some(id)) = (&store_path, run_id) {
        let store = Store::open(p)?;
        let json = serde_json::to_string(&summary).unwrap_or_default();
        store.finish_run(id, Timestamp::now().as_micros(), &json)?;
    }
    Ok(summary)
}

/// The workers of a run (`workers`, flows shared out among them) and the
/// sequencer that settles their thresholds and rate counts.
pub fn build_lanes(cfg: &Config, engine: Arc<Engine>, rate_rules: Vec<crate::rate::RateRule>) -> Lanes {
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
        .map(|_| Worker::new(&per_worker, engine.clone()).with_rate(matcher.clone()))
        .collect();
    Lanes::new(workers, Sequencer::new(engine, cfg.detect.threshold_trackers, counter))
}

/// Hands the alerts just raised to the alert hook, the tally and the outputs.
fn emit(
    alerts: &mut Vec<Alert>,
    timing: (&pacing::Pacer, &Latency),
    hooks: &mut ReplayHooks<'_>,
    tally: &mut SignatureTally,
    summary: &mut Summary,
    outputs: &Outputs,
) -> Result<(), ReplayError> {
    let (pacer, latency) = timing;
    let now = std::time::Instant::now();
    for a in alerts.drain(..) {
        if let Some(due) = pacer.due(a.ts) {
            latency.record(now.saturating_duration_since(due));
        }
        if let Some(f) = hooks.alert.as_mut() {
            f(&a);
        }
        tally.add(a.signature.gid, a.signature.sid, &a.signature.msg);
        summary.alerts += 1;
        outputs.send(a)?;
    }
    Ok(())
}
