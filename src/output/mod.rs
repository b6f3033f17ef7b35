//! Alert sinks, fed by one output thread so packet processing never waits
//! on a disk or a peer: EVE JSON and fast.log files (reopened on SIGHUP),
//! the store, and the network sinks (Unix socket, syslog, Redis), each on its
//! own thread behind a bounded queue. The output thread renders each EVE
//! record once and hands every sink the same line.

pub mod eve;
pub mod fastlog;
pub mod file;
pub mod link;
pub mod redis;
pub mod resp;
pub mod sink;
pub mod syslog;
pub mod unix_socket;

use crate::alert::Alert;
use crate::store::{AlertRow, StoreError, StoreWriter};
use file::{LogFile, ReopenSignal};
use sink::{Record, Sink, SinkMonitor};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

pub use redis::RedisConfig;
pub use sink::{SinkError, SinkStats};
pub use syslog::SyslogConfig;
pub use unix_socket::UnixSocketConfig;

/// With no alert for this long, the output thread flushes the log files
/// and looks for a reopen request.
const IDLE_FLUSH: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error("output thread stopped: {0}")]
    Gone(String),
}

/// A network sink to start, with its config.
#[derive(Clone, Debug)]
pub enum SinkSpec {
    UnixSocket(UnixSocketConfig),
    Syslog(SyslogConfig),
    Redis(RedisConfig),
}

impl SinkSpec {
    fn start(&self, sensor: &str) -> Result<Sink, SinkError> {
        match self {
            SinkSpec::UnixSocket(c) => unix_socket::start(c),
            SinkSpec::Syslog(c) => syslog::start(c, sensor),
            SinkSpec::Redis(c) => redis::start(c),
        }
    }
}

/// Where alerts go.
#[derive(Clone, Debug)]
pub struct OutputConfig {
    pub eve: Option<PathBuf>,
    pub fast_log: Option<PathBuf>,
    pub store: Option<PathBuf>,
    pub sensor: String,
    pub run_id: Option<i64>,
    /// Alerts that may wait for the output thread before detection blocks.
    pub queue: usize,
    /// Reopen eve.json and fast.log when SIGHUP arrives (Unix).
    pub reopen_on_sighup: bool,
    /// Network sinks, each fed a copy of every EVE record from its own queue.
    pub sinks: Vec<SinkSpec>,
}

/// Per-sink counters reported at the end of a run.
#[derive(Clone, Debug, Default)]
pub struct OutputStats {
    pub alerts: u64,
    pub eve_records: u64,
    pub fast_log_lines: u64,
    pub stored: u64,
    /// The log files were reopened this many times (SIGHUP).
    pub reopened: u64,
    pub sinks: Vec<SinkStats>,
}

pub struct Outputs {
    tx: Option<SyncSender<Alert>>,
    handle: Option<JoinHandle<Result<OutputStats, OutputError>>>,
    monitors: Vec<SinkMonitor>,
}

impl Outputs {
    pub fn start(cfg: OutputConfig) -> Result<Outputs, OutputError> {
        let eve = cfg.eve.as_deref().map(LogFile::open).transpose()?;
        let fast = cfg.fast_log.as_deref().map(LogFile::open).transpose()?;
        let reopen = if cfg.reopen_on_sighup {
            ReopenSignal::on_sighup()?
        } else {
            ReopenSignal::none()
        };
        let sinks = cfg
            .sinks
            .iter()
            .map(|s| s.start(&cfg.sensor))
            .collect::<Result<Vec<Sink>, SinkError>>()?;
        let monitors = sinks.iter().map(Sink::monitor).collect();
        let store = cfg
            .store
            .clone()
            .map(|p| StoreWriter::start(p, StoreWriter::QUEUE))
            .transpose()?;
        let (tx, rx) = sync_channel(cfg.queue.max(1));
        let files = Files { eve, fast, reopen };
        let handle = std::thread::Builder::new()
            .name("vigie-output".into())
            .spawn(move || run(cfg, rx, files, store, sinks))
            .map_err(|e| OutputError::Gone(e.to_string()))?;
        Ok(Outputs {
            tx: Some(tx),
            handle: Some(handle),
            monitors,
        })
    }

    /// Hands an alert to the sinks; blocks while the queue is full.
    pub fn send(&self, alert: Alert) -> Result<(), OutputError> {
        let tx = self.tx.as_ref().ok_or_else(|| OutputError::Gone("closed".into()))?;
        tx.send(alert)
            .map_err(|_| OutputError::Gone("output thread ended early".into()))
    }

    /// The network sinks' counters so far.
    pub fn sink_stats(&self) -> Vec<SinkStats> {
        self.monitors.iter().map(SinkMonitor::stats).collect()
    }

    /// Flushes and closes every sink.
    pub fn finish(mut self) -> Result<OutputStats, OutputError> {
        self.tx.take();
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| OutputError::Gone("output thread panicked".into()))?,
            None => Ok(OutputStats::default()),
        }
    }
}

/// The log files and what asks for their reopening.
struct Files {
    eve: Option<LogFile>,
    fast: Option<LogFile>,
    reopen: ReopenSignal,
}

impl Files {
    /// Reopens the files if SIGHUP asked for it since the last look.
    fn reopen_if_asked(&mut self, stats: &mut OutputStats) -> Result<(), OutputError> {
        if !self.reopen.take() {
            return Ok(());
        }
        for f in [self.eve.as_mut(), self.fast.as_mut()].into_iter().flatten() {
            f.reopen()?;
            tracing::info!(file = %f.path().display(), "reopened");
        }
        stats.reopened += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        for f in [self.eve.as_mut(), self.fast.as_mut()].into_iter().flatten() {
            f.flush()?;
        }
        Ok(())
    }
}

fn run(
    cfg: OutputConfig,
    rx: Receiver<Alert>,
    mut files: Files,
    mut store: Option<StoreWriter>,
    mut sinks: Vec<Sink>,
) -> Result<OutputStats, OutputError> {
    let mut stats = OutputStats::default();
    loop {
        let alert = match rx.try_recv() {
            Ok(a) => a,
            Err(_) => {
                // Nothing more at once: what the store was given goes now,
                // so a lone alert does not wait for others.
                if let Some(s) = store.as_mut() {
                    s.send_pending()?;
                }
                match rx.recv_timeout(IDLE_FLUSH) {
                    Ok(a) => a,
                    Err(RecvTimeoutError::Timeout) => {
                        files.reopen_if_asked(&mut stats)?;
                        files.flush()?;
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        files.reopen_if_asked(&mut stats)?;
        stats.alerts += 1;
        let line = eve::render(&alert, Some(&cfg.sensor));
        if let Some(w) = files.eve.as_mut() {
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
            stats.eve_records += 1;
        }
        if let Some(w) = files.fast.as_mut() {
            w.write_all(fastlog::render(&alert).as_bytes())?;
            stats.fast_log_lines += 1;
        }
        if !sinks.is_empty() {
            let rec = Record {
                line: Arc::from(line.as_str()),
                severity: alert.signature.severity,
            };
            for s in &sinks {
                s.offer(rec.clone());
            }
        }
        if let Some(s) = store.as_mut() {
            s.insert(AlertRow::from_alert(&alert, line, &cfg.sensor, cfg.run_id))?;
        }
    }
    files.flush()?;
    if let Some(s) = store {
        stats.stored = s.finish()?;
    }
    // All sinks drain at once; then each is waited for.
    for s in &mut sinks {
        s.close();
    }
    stats.sinks = sinks.into_iter().map(Sink::finish).collect();
    for s in &stats.sinks {
        if s.dropped > 0 {
            tracing::error!(
                "{} {}: {} of {} records not delivered{}",
                s.name,
                s.target,
                s.dropped,
                s.sent + s.dropped,
                s.last_error
                    .as_deref()
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(stats)
}
