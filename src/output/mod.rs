//! Alert sinks: EVE JSON, fast.log and the store, fed by one output thread
//! so packet processing never waits on a disk write.

pub mod eve;
pub mod fastlog;

use crate::alert::Alert;
use crate::store::{AlertRow, StoreError, StoreWriter};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("output thread stopped: {0}")]
    Gone(String),
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
}

/// Per-sink counters reported at the end of a run.
#[derive(Clone, Debug, Default)]
pub struct OutputStats {
    pub alerts: u64,
    pub eve_records: u64,
    pub fast_log_lines: u64,
    pub stored: u64,
}

pub struct Outputs {
    tx: Option<SyncSender<Alert>>,
    handle: Option<JoinHandle<Result<OutputStats, OutputError>>>,
}

fn open_append(path: &Path) -> Result<BufWriter<File>, OutputError> {
    let io = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let f = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    Ok(BufWriter::with_capacity(256 << 10, f))
}

impl Outputs {
    pub fn start(cfg: OutputConfig) -> Result<Outputs, OutputError> {
        let eve = cfg.eve.as_deref().map(open_append).transpose()?;
        let fast = cfg.fast_log.as_deref().map(open_append).transpose()?;
        let store = cfg.store.clone().map(|p| StoreWriter::start(p, 8192)).transpose()?;
        let (tx, rx) = sync_channel(cfg.queue.max(1));
        let handle = std::thread::Builder::new()
            .name("vigie-output".into())
            .spawn(move || run(cfg, rx, eve, fast, store))
            .map_err(|e| OutputError::Gone(e.to_string()))?;
        Ok(Outputs {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Hands an alert to the sinks; blocks while the queue is full.
    pub fn send(&self, alert: Alert) -> Result<(), OutputError> {
        let tx = self.tx.as_ref().ok_or_else(|| OutputError::Gone("closed".into()))?;
        tx.send(alert)
            .map_err(|_| OutputError::Gone("output thread ended early".into()))
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

fn run(
    cfg: OutputConfig,
    rx: Receiver<Alert>,
    mut eve: Option<BufWriter<File>>,
    mut fast: Option<BufWriter<File>>,
    store: Option<StoreWriter>,
) -> Result<OutputStats, OutputError> {
    let mut stats = OutputStats::default();
    let io = |p: &Option<PathBuf>| {
        let path = p.clone().unwrap_or_default();
        move |source| OutputError::Io { path, source }
    };
    for alert in rx {
        stats.alerts += 1;
        let line = eve::render(&alert, Some(&cfg.sensor));
        if let Some(w) = eve.as_mut() {
            w.write_all(line.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(io(&cfg.eve))?;
            stats.eve_records += 1;
        }
        if let Some(w) = fast.as_mut() {
            w.write_all(fastlog::render(&alert).as_bytes())
                .map_err(io(&cfg.fast_log))?;
            stats.fast_log_lines += 1;
        }
        if let Some(s) = &store {
            s.insert(AlertRow::from_alert(&alert, line, &cfg.sensor, cfg.run_id))?;
        }
    }
    if let Some(mut w) = eve {
        w.flush().map_err(io(&cfg.eve))?;
    }
    if let Some(mut w) = fast {
        w.flush().map_err(io(&cfg.fast_log))?;
    }
    if let Some(s) = store {
        stats.stored = s.finish()?;
    }
    Ok(stats)
}
