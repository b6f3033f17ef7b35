//! One run of the sensor, whatever feeds it: the store's run record, the
//! outputs, the policy runner, the workers and sequencer, the counters and
//! the closing summary. Replay and live capture drive it packet by packet.

use super::lanes::Finished;
use super::lanes::Lanes;
use super::latency::Latency;
use super::pacing::Pacer;
use super::summary::{SignatureTally, Summary};
use super::{InterfaceStats, ReplayError, ReplayHooks, peak_rss_bytes};
use crate::alert::Alert;
use crate::capture::RawPacket;
use crate::config::Config;
use crate::output::{OutputConfig, Outputs};
use crate::policy::PolicyRunner;
use crate::store::{Pruner, RunCounters, Store};
use crate::timestamp::Timestamp;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often store retention runs during a run (and once at its end).
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Whose clock a packet's time is measured against, for pacing and latency.
pub enum Clock {
    /// A replay: packets are due as the pacer says (never, unpaced).
    Paced(Pacer),
    /// Live capture: packet times are wall-clock capture times.
    Live,
}

impl Clock {
    pub fn wait_for(&mut self, ts: Timestamp) -> Duration {
        match self {
            Clock::Paced(p) => p.wait_for(ts),
            Clock::Live => Duration::ZERO,
        }
    }

    /// How long ago packet `ts` was captured (live) or due (paced).
    fn age(&self, ts: Timestamp, now: Instant) -> Option<Duration> {
        match self {
            Clock::Paced(p) => p.due(ts).map(|due| now.saturating_duration_since(due)),
            Clock::Live => {
                let age_us = Timestamp::now().as_micros() - ts.as_micros();
                Some(Duration::from_micros(age_us.max(0) as u64))
            }
        }
    }
}

pub fn stop_requested(hooks: &ReplayHooks<'_>) -> bool {
    hooks.stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
}

pub struct Run {
    started: Instant,
    store_path: Option<PathBuf>,
    run_id: Option<i64>,
    outputs: Outputs,
    policy: Option<PolicyRunner>,
    pruner: Option<Pruner>,
    lanes: Lanes,
    tally: SignatureTally,
    alerts: Vec<Alert>,
    pub clock: Clock,
    latency: Arc<Latency>,
    pub summary: Summary,
}

impl Run {
    /// Opens the run record (`kind`: replay or live; `source`: what is
    /// read), the outputs and the policy, and builds the workers.
    pub fn start(
        cfg: &Config,
        lanes: Lanes,
        kind: &str,
        source: &str,
        clock: Clock,
        hooks: &ReplayHooks<'_>,
    ) -> Result<Run, ReplayError> {
        let started = Instant::now();
        let sensor = cfg.sensor();
        let store_path = cfg
            .outputs
            .store
            .enabled
            .then(|| cfg.in_log_dir(&cfg.outputs.store.path));
        let run_id = match &store_path {
            Some(p) => Some(Store::open(p)?.begin_run(kind, &sensor, source, Timestamp::now().as_micros())?),
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
                Some(PolicyRunner::start(
                    p.clone(),
                    engine,
                    sensor,
                    Duration::from_millis(250),
                )?)
            }
            _ => None,
        };
        let retention = cfg.outputs.store.retention();
        let pruner = match &store_path {
            Some(p) if !retention.is_off() => Some(Pruner::start(p.clone(), retention, PRUNE_EVERY)?),
            _ => None,
        };
        Ok(Run {
            started,
            store_path,
            run_id,
            outputs,
            policy,
            pruner,
            lanes,
            tally: SignatureTally::default(),
            alerts: Vec::new(),
            clock,
            latency: hooks.latency.clone().unwrap_or_default(),
            summary: Summary::default(),
        })
    }

    pub fn packets(&self) -> u64 {
        self.summary.packets
    }

    /// Inspects one frame; what its workers settled goes out.
    pub fn packet(&mut self, raw: &RawPacket<'_>, hooks: &mut ReplayHooks<'_>) -> Result<(), ReplayError> {
        self.summary.packets += 1;
        self.summary.bytes += u64::from(raw.wire_len);
        if let Some(f) = hooks.packet.as_mut() {
            f(raw);
        }
        self.lanes.push(raw, self.summary.packets, &mut self.alerts)?;
        self.emit(hooks)
    }

    /// Workers reading their own sockets: waits at most `wait` for what
    /// they raise, counts what they read and sends the alerts out. False
    /// once every worker has ended.
    pub fn await_capture(&mut self, wait: Duration, hooks: &mut ReplayHooks<'_>) -> Result<bool, ReplayError> {
        let running = self.lanes.await_capture(wait, &mut self.alerts);
        self.count_captured();
        self.emit(hooks)?;
        Ok(running)
    }

    fn count_captured(&mut self) {
        let (packets, bytes) = self.lanes.take_captured();
        self.summary.packets += packets;
        self.summary.bytes += bytes;
    }

    /// Settles everything the workers hold and sends it out.
    pub fn flush(&mut self, hooks: &mut ReplayHooks<'_>) -> Result<(), ReplayError> {
        self.lanes.flush(&mut self.alerts)?;
        self.emit(hooks)
    }

    /// End of input: flows end and are inspected, outputs and the store are
    /// flushed, the policy and retention make their last pass, the summary
    /// (with the live `interfaces`' counters, if any) is recorded.
    pub fn finish(
        mut self,
        hooks: &mut ReplayHooks<'_>,
        mut interfaces: Vec<InterfaceStats>,
    ) -> Result<Summary, ReplayError> {
        self.count_captured();
        let Finished {
            workers,
            sequencer,
            interfaces: read_by_workers,
            captured,
        } = self.lanes.finish(&mut self.alerts)?;
        interfaces.extend(read_by_workers);
        let mut summary = std::mem::take(&mut self.summary);
        summary.packets += captured.0;
        summary.bytes += captured.1;
        emit_alerts(
            &mut self.alerts,
            (&self.clock, &self.latency),
            hooks,
            &mut self.tally,
            &mut summary,
            &self.outputs,
        )?;
        let out_stats = self.outputs.finish()?;
        // Every alert is stored now: the policy makes its last pass over them.
        if let Some(p) = self.policy {
            summary.policy = Some(p.finish()?);
        }
        if let Some(p) = self.pruner {
            summary.retention = Some(p.finish()?);
        }
        summary.kernel_drops = interfaces.iter().map(|s| s.kernel_drops).sum();
        summary.interfaces = interfaces;
        summary.add_workers(&workers);
        summary.top_signatures = self.tally.top(10);
        summary.threshold_evictions = sequencer.thresholds.as_ref().map_or(0, |t| t.stats.evicted);
        summary.xbits = sequencer.xbits.stats.clone();
        summary.set_outputs(&out_stats);
        if let Some(r) = &sequencer.rate {
            summary.rate = Some(r.stats.clone());
        }
        summary.latency = self.latency.summary();
        summary.set_elapsed(self.started.elapsed());
        summary.peak_rss_bytes = peak_rss_bytes();
        if let (Some(p), Some(id)) = (&self.store_path, self.run_id) {
            let store = Store::open(p)?;
            let json = serde_json::to_string(&summary).unwrap_or_default();
            let counters = RunCounters {
                packets: summary.packets,
                alerts: summary.alerts,
                drops: summary.kernel_drops,
            };
            store.finish_run(id, Timestamp::now().as_micros(), counters, &json)?;
        }
        Ok(summary)
    }

    fn emit(&mut self, hooks: &mut ReplayHooks<'_>) -> Result<(), ReplayError> {
        emit_alerts(
            &mut self.alerts,
            (&self.clock, &self.latency),
            hooks,
            &mut self.tally,
            &mut self.summary,
            &self.outputs,
        )
    }
}

/// Hands the alerts just settled to the latency histogram, the alert hook,
/// the tally and the outputs.
fn emit_alerts(
    alerts: &mut Vec<Alert>,
    timing: (&Clock, &Latency),
    hooks: &mut ReplayHooks<'_>,
    tally: &mut SignatureTally,
    summary: &mut Summary,
    outputs: &Outputs,
) -> Result<(), ReplayError> {
    if alerts.is_empty() {
        return Ok(());
    }
    let (clock, latency) = timing;
    let now = Instant::now();
    for a in alerts.drain(..) {
        if let Some(age) = clock.age(a.ts, now) {
            latency.record(age);
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
