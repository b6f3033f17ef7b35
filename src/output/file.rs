//! The log files (eve.json, fast.log): opened for appending, buffered, and
//! reopened in place when SIGHUP arrives, so logrotate can rename them and
//! the next records land in a fresh file, as with Suricata. Owns only the
//! file handles and the SIGHUP flag; what is written is the output thread's.

use super::OutputError;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An append-mode log file that can be reopened under the same name.
pub struct LogFile {
    path: PathBuf,
    w: BufWriter<File>,
}

impl LogFile {
    /// Opens `path` for appending, creating it and its directory if needed.
    pub fn open(path: &Path) -> Result<LogFile, OutputError> {
        let io = |source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let f = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        Ok(LogFile {
            path: path.to_path_buf(),
            w: BufWriter::with_capacity(256 << 10, f),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.w.write_all(bytes).map_err(|e| self.err(e))
    }

    pub fn flush(&mut self) -> Result<(), OutputError> {
        self.w.flush().map_err(|e| self.err(e))
    }

    /// Flushes what was written to the old file, then opens the name anew
    /// (after a rename, a new file).
    pub fn reopen(&mut self) -> Result<(), OutputError> {
        self.flush()?;
        *self = LogFile::open(&self.path)?;
        Ok(())
    }

    fn err(&self, source: std::io::Error) -> OutputError {
        OutputError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// A request to reopen the log files, raised by SIGHUP (Unix) while
/// registered; the registration ends when this is dropped.
pub struct ReopenSignal {
    flag: Arc<AtomicBool>,
    #[cfg(unix)]
    id: Option<signal_hook::SigId>,
}

impl ReopenSignal {
    /// A flag nothing raises.
    pub fn none() -> ReopenSignal {
        ReopenSignal {
            flag: Arc::new(AtomicBool::new(false)),
            #[cfg(unix)]
            id: None,
        }
    }

    /// A flag SIGHUP raises (on Unix; elsewhere, as `none`).
    pub fn on_sighup() -> Result<ReopenSignal, OutputError> {
        #[cfg(unix)]
        {
            let flag = Arc::new(AtomicBool::new(false));
            let id = signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&flag))
                .map_err(|e| OutputError::Gone(format!("registering the SIGHUP handler: {e}")))?;
            Ok(ReopenSignal { flag, id: Some(id) })
        }
        #[cfg(not(unix))]
        Ok(ReopenSignal::none())
    }

    /// Whether a reopen was requested since the last call.
    pub fn take(&self) -> bool {
        self.flag.load(Ordering::Relaxed) && self.flag.swap(false, Ordering::Relaxed)
    }
}

impl Drop for ReopenSignal {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(id) = self.id.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}
