//! Stopping a run from the keyboard or the service manager: the first
//! SIGINT or SIGTERM asks for a clean stop (the reader stops, workers drain,
//! every flow is inspected, sinks and the store are flushed, the summary is
//! printed); a second one exits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The stop request flag and, on Unix, the handlers that raise it
/// (removed when dropped).
pub struct StopSignal {
    flag: Arc<AtomicBool>,
    #[cfg(unix)]
    ids: Vec<signal_hook::SigId>,
}

/// Exit status of a run stopped by a second signal (128 + SIGINT).
const HARD_STOP_STATUS: i32 = 130;

impl StopSignal {
    /// Handles SIGINT and SIGTERM until dropped. Where handlers cannot be
    /// installed, the flag simply never rises.
    pub fn install() -> StopSignal {
        let flag = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let mut ids = Vec::new();
            for sig in [SIGINT, SIGTERM] {
                // Registered first, so it sees the flag as the earlier
                // signal left it: set means this is the second.
                match signal_hook::flag::register_conditional_shutdown(sig, HARD_STOP_STATUS, Arc::clone(&flag)) {
                    Ok(id) => ids.push(id),
                    Err(e) => tracing::warn!("cannot handle signal {sig}: {e}"),
                }
                match signal_hook::flag::register(sig, Arc::clone(&flag)) {
                    Ok(id) => ids.push(id),
                    Err(e) => tracing::warn!("cannot handle signal {sig}: {e}"),
                }
            }
            StopSignal { flag, ids }
        }
        #[cfg(not(unix))]
        StopSignal { flag }
    }

    /// The flag a run polls.
    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl Drop for StopSignal {
    fn drop(&mut self) {
        #[cfg(unix)]
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
