//! Changing the rules without a restart: a reload compiles the new set on
//! a thread of its own, beside the one in use; only when it loads does it
//! replace it, and each worker picks it up between two packets, so no
//! packet waits and none is dropped. A set that fails to load leaves the
//! old one running, and the reason is kept for whoever asked.

use crate::detect::Engine;
use crate::rules::flow_keywords::NameTable;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Compiles a new engine, keeping the flowbit ids of `names`.
pub type Compile = Box<dyn Fn(&NameTable) -> Result<Engine, String> + Send + Sync>;

/// The outcome of the last reload.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ReloadStatus {
    /// Rule sets swapped in since the start.
    pub reloads: u64,
    pub failures: u64,
    pub last_error: Option<String>,
    pub last_rules: usize,
    pub last_compile_ms: f64,
}

pub struct RuleReload {
    current: Mutex<Arc<Engine>>,
    generation: AtomicU64,
    requested: Arc<AtomicBool>,
    status: Mutex<ReloadStatus>,
    /// Bumped after every attempt, failed or not, for waiters.
    attempts: AtomicU64,
    compile: Compile,
}

impl RuleReload {
    pub fn new(engine: Arc<Engine>, compile: Compile) -> Arc<RuleReload> {
        Arc::new(RuleReload {
            current: Mutex::new(engine),
            generation: AtomicU64::new(0),
            requested: Arc::new(AtomicBool::new(false)),
            status: Mutex::new(ReloadStatus::default()),
            attempts: AtomicU64::new(0),
            compile,
        })
    }

    /// The flag a signal handler raises to ask for a reload.
    pub fn request_flag(&self) -> Arc<AtomicBool> {
        self.requested.clone()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The engine in use and its generation.
    pub fn current(&self) -> (Arc<Engine>, u64) {
        let engine = match self.current.lock() {
            Ok(e) => e.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        (engine, self.generation())
    }

    pub fn status(&self) -> ReloadStatus {
        match self.status.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Compiles and swaps in the rule set now (on the caller's thread).
    pub fn reload_now(&self) -> Result<usize, String> {
        let started = Instant::now();
        let (old, _) = self.current();
        let result = (self.compile)(old.names());
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let outcome = match result {
            Ok(engine) => {
                let n = engine.len();
                match self.current.lock() {
                    Ok(mut c) => *c = Arc::new(engine),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(engine),
                }
                self.generation.fetch_add(1, Ordering::AcqRel);
                tracing::warn!(rules = n, compile_ms = ms, "rules reloaded");
                Ok(n)
            }
            Err(e) => {
                tracing::error!("rule reload failed, the old rules stay: {e}");
                Err(e)
            }
        };
        if let Ok(mut s) = self.status.lock() {
            match &outcome {
                Ok(n) => {
                    s.reloads += 1;
                    s.last_rules = *n;
                    s.last_error = None;
                }
                Err(e) => {
                    s.failures += 1;
                    s.last_error = Some(e.clone());
                }
            }
            s.last_compile_ms = ms;
        }
        self.attempts.fetch_add(1, Ordering::AcqRel);
        outcome
    }

    /// Asks the watcher for a reload and waits for its outcome.
    pub fn request_and_wait(&self, limit: Duration) -> Result<usize, String> {
        let before = self.attempts.load(Ordering::Acquire);
        self.requested.store(true, Ordering::Release);
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.attempts.load(Ordering::Acquire) != before {
                let s = self.status();
                return match s.last_error {
                    Some(e) => Err(e),
                    None => Ok(s.last_rules),
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the reload did not finish in time".into())
    }

    /// Watches the request flag (raised by SIGHUP, SIGUSR2 or the API) and
    /// reloads on a thread of its own until `stop` rises.
    pub fn watch(self: &Arc<Self>, stop: Arc<AtomicBool>) -> std::io::Result<std::thread::JoinHandle<()>> {
        let me = self.clone();
        std::thread::Builder::new().name("vigie-reload".into()).spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if me.requested.swap(false, Ordering::AcqRel) {
                    let _ = me.reload_now();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    }
}

impl std::fmt::Debug for RuleReload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleReload")
            .field("generation", &self.generation())
            .field("status", &self.status())
            .finish()
    }
}

/// A worker's view: its engine, refreshed between packets when a newer
/// generation exists.
pub struct EngineHandle {
    reload: Option<Arc<RuleReload>>,
    generation: u64,
}

impl EngineHandle {
    pub fn fixed() -> EngineHandle {
        EngineHandle {
            reload: None,
            generation: 0,
        }
    }

    pub fn following(reload: Arc<RuleReload>) -> EngineHandle {
        let generation = reload.generation();
        EngineHandle {
            reload: Some(reload),
            generation,
        }
    }

    /// A newer engine, if one was swapped in since the last call.
    pub fn newer(&mut self) -> Option<Arc<Engine>> {
        let reload = self.reload.as_ref()?;
        if reload.generation() == self.generation {
            return None;
        }
        let (engine, generation) = reload.current();
        self.generation = generation;
        Some(engine)
    }
}
