//! What every network sink (Unix socket, syslog, Redis) shares: its own
//! thread fed by a bounded queue, so a slow or dead peer costs the output
//! thread one `try_send`; reconnection with exponential backoff; and the
//! counters. A record is either delivered (written; for Redis, acknowledged)
//! or counted as dropped, never both and never silently. The transports
//! (how a batch goes over the wire) live in the sinks' own modules.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Records a sink's queue holds by default before new ones are dropped.
pub const DEFAULT_QUEUE: usize = 10_000;
/// The first wait after a failed connection; it doubles up to `BACKOFF_MAX`.
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one write or one reply may take before the peer counts as dead.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// At shutdown, how long a sink may go on delivering its queue.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
const MAX_BATCH: usize = 512;
const MAX_BATCH_BYTES: usize = 1 << 20;

/// One EVE record on its way to the network sinks: the rendered line,
/// shared by all of them, and the facts a sink may need beside it.
#[derive(Clone, Debug)]
pub struct Record {
    pub line: Arc<str>,
    /// The alert's severity (1 is the highest).
    pub severity: u8,
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{sink}: {context}: {source}")]
    Io {
        sink: String,
        context: &'static str,
        source: std::io::Error,
    },
    #[error("{sink}: {message}")]
    Protocol { sink: String, message: String },
    #[error("{sink}: {message}")]
    Config { sink: String, message: String },
}

/// What one delivery attempt of a batch achieved.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Records the peer took: written whole, or acknowledged by Redis.
    pub delivered: usize,
    /// Records the peer refused (a Redis error reply, a datagram too large);
    /// the connection is still good.
    pub refused: usize,
    /// What went wrong, if anything.
    pub error: Option<SinkError>,
    /// The connection is unusable: the rest of the batch was not delivered.
    pub broken: bool,
}

/// How a sink talks to its peer.
pub trait Transport: Send + 'static {
    /// Opens the connection (called again after `disconnect`).
    fn connect(&mut self) -> Result<(), SinkError>;
    /// Whether the open connection is known to be closed by the peer
    /// (checked before a batch, so a peer that went away while the sink was
    /// idle costs a reconnection, not the batch).
    fn peer_closed(&mut self) -> bool {
        false
    }
    /// Sends `batch` in order over the open connection.
    fn deliver(&mut self, batch: &[Record]) -> Delivery;
    fn disconnect(&mut self);
}

/// A sink's counters, as the run summary reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SinkStats {
    /// The sink's name in the config (`name`), its kind by default.
    pub name: String,
    /// `eve_socket`, `syslog` or `redis`.
    pub kind: String,
    /// Where it sends, e.g. `127.0.0.1:6379 list vigie`.
    pub target: String,
    /// Records delivered.
    pub sent: u64,
    /// Records not delivered: queue full, connection lost, peer refused.
    pub dropped: u64,
    /// Connections re-established after one was lost or refused.
    pub reconnects: u64,
    /// The most records the queue held at once.
    pub queue_high_water: u64,
    /// The last error, if any.
    pub last_error: Option<String>,
}

struct Shared {
    name: String,
    kind: &'static str,
    target: String,
    sent: AtomicU64,
    dropped: AtomicU64,
    reconnects: AtomicU64,
    queued: AtomicU64,
    high_water: AtomicU64,
    last_error: Mutex<Option<String>>,
    closing: AtomicBool,
}

impl Shared {
    fn stats(&self) -> SinkStats {
        SinkStats {
            name: self.name.clone(),
            kind: self.kind.to_string(),
            target: self.target.clone(),
            sent: self.sent.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            queue_high_water: self.high_water.load(Ordering::Relaxed),
            last_error: self.last_error.lock().map(|e| e.clone()).unwrap_or_default(),
        }
    }

    fn drop_records(&self, n: usize) {
        if n > 0 {
            self.dropped.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// Keeps `e` as the last error; logs it when it differs from the last.
    fn note(&self, e: &SinkError) {
        let text = e.to_string();
        if let Ok(mut last) = self.last_error.lock()
            && last.as_deref() != Some(text.as_str())
        {
            tracing::warn!("{text}");
            *last = Some(text);
        }
    }

    fn closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Sleeps for `d`, or less if the sink is told to close.
    fn pause(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.closing() {
            let now = Instant::now();
            if now >= end {
                break;
            }
            std::thread::park_timeout(end - now);
        }
    }
}

/// Reads a sink's counters while it runs.
#[derive(Clone)]
pub struct SinkMonitor(Arc<Shared>);

impl SinkMonitor {
    pub fn stats(&self) -> SinkStats {
        self.0.stats()
    }
}

/// A running network sink: the queue's sending end and the thread.
pub struct Sink {
    tx: Option<SyncSender<Record>>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Starts the sink's thread with a queue of `queue` records; `name`
    /// defaults to `kind`.
    pub fn start(
        kind: &'static str,
        name: Option<&str>,
        target: String,
        queue: usize,
        transport: impl Transport,
    ) -> Result<Sink, SinkError> {
        let name = name.filter(|n| !n.is_empty()).unwrap_or(kind);
        let shared = Arc::new(Shared {
            name: name.to_string(),
            kind,
            target,
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            high_water: AtomicU64::new(0),
            last_error: Mutex::new(None),
            closing: AtomicBool::new(false),
        });
        let (tx, rx) = sync_channel(queue.max(1));
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("vigie-sink-{name}"))
            .spawn(move || run(transport, rx, queue.max(1), &thread_shared))
            .map_err(|source| SinkError::Io {
                sink: format!("{name} {}", shared.target),
                context: "starting its thread",
                source,
            })?;
        Ok(Sink {
            tx: Some(tx),
            shared,
            thread: Some(thread),
        })
    }

    /// Queues `rec` without waiting; a full queue drops it (counted).
    pub fn offer(&self, rec: Record) {
        let Some(tx) = &self.tx else {
            self.shared.drop_records(1);
            return;
        };
        // Counted before the send so the thread's decrement never comes first.
        let depth = self.shared.queued.fetch_add(1, Ordering::Relaxed) + 1;
        match tx.try_send(rec) {
            Ok(()) => {
                self.shared.high_water.fetch_max(depth, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                self.shared.drop_records(1);
            }
        }
    }

    pub fn monitor(&self) -> SinkMonitor {
        SinkMonitor(Arc::clone(&self.shared))
    }

    /// Tells the thread no more records come: it delivers what is queued
    /// (within a grace period; one failed reconnection ends it) and stops.
    pub fn close(&mut self) {
        self.tx.take();
        self.shared.closing.store(true, Ordering::Release);
        if let Some(t) = &self.thread {
            t.thread().unpark();
        }
    }

    /// Closes, waits for the thread and returns the final counters.
    pub fn finish(mut self) -> SinkStats {
        self.close();
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("sink {} {}: thread panicked", self.shared.name, self.shared.target);
        }
        self.shared.stats()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.close();
    }
}

/// The wait between connection attempts: doubles from `BACKOFF_MIN` to
/// `BACKOFF_MAX`, back to the start once a record gets through.
struct Backoff(Duration);

impl Backoff {
    fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        d
    }

    fn reset(&mut self) {
        self.0 = BACKOFF_MIN;
    }
}

/// `queue`: the queue's capacity; a batch takes at most that many records,
/// so what the thread holds and what waits are each at most a queue's worth.
fn run(mut t: impl Transport, rx: Receiver<Record>, queue: usize, sh: &Shared) {
    let max_batch = MAX_BATCH.min(queue);
    let mut connected = false;
    let mut ever_connected = false;
    let mut backoff = Backoff(BACKOFF_MIN);
    // Records taken from the queue wait here until a connection takes them.
    let mut batch: Vec<Record> = Vec::with_capacity(MAX_BATCH);
    let mut deadline: Option<Instant> = None;
    loop {
        if sh.closing() && *deadline.get_or_insert_with(|| Instant::now() + DRAIN_GRACE) <= Instant::now() {
            break;
        }
        if batch.is_empty() {
            let Ok(first) = rx.recv() else { break };
            // Each record leaves the depth count as it leaves the queue, so
            // the count (and its high water) is the queue's, not the queue's
            // plus a batch being gathered while offers refill it.
            sh.queued.fetch_sub(1, Ordering::Relaxed);
            let mut bytes = first.line.len();
            batch.push(first);
            while batch.len() < max_batch && bytes < MAX_BATCH_BYTES {
                match rx.try_recv() {
                    Ok(r) => {
                        sh.queued.fetch_sub(1, Ordering::Relaxed);
                        bytes += r.line.len();
                        batch.push(r);
                    }
                    Err(_) => break,
                }
            }
        }
        if connected && t.peer_closed() {
            t.disconnect();
            connected = false;
        }
        if !connected {
            match t.connect() {
                Ok(()) => {
                    if ever_connected {
                        sh.reconnects.fetch_add(1, Ordering::Relaxed);
                        tracing::info!("sink {} {}: reconnected", sh.name, sh.target);
                    }
                    connected = true;
                    ever_connected = true;
                }
                Err(e) => {
                    sh.note(&e);
                    if sh.closing() {
                        break;
                    }
                    // Newer records wait in the queue meanwhile, or are
                    // dropped when it is full.
                    sh.pause(backoff.next());
                    continue;
                }
            }
        }
        let d = t.deliver(&batch);
        let delivered = d.delivered.min(batch.len());
        sh.sent.fetch_add(delivered as u64, Ordering::Relaxed);
        sh.drop_records(batch.len() - delivered);
        batch.clear();
        if delivered > 0 {
            backoff.reset();
        }
        if let Some(e) = &d.error {
            sh.note(e);
        }
        if d.broken {
            t.disconnect();
            connected = false;
        }
    }
    t.disconnect();
    // Whatever is held or still queued could not be delivered.
    let rest = rx.try_iter().count();
    sh.queued.fetch_sub(rest as u64, Ordering::Relaxed);
    sh.drop_records(batch.len() + rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A transport whose peer is up or down on command and records what it got.
    #[derive(Clone, Default)]
    struct Fake {
        up: Arc<AtomicBool>,
        got: Arc<Mutex<Vec<String>>>,
        connects: Arc<AtomicUsize>,
        slow: Option<Duration>,
    }

    impl Transport for Fake {
        fn connect(&mut self) -> Result<(), SinkError> {
            self.connects.fetch_add(1, Ordering::Relaxed);
            if self.up.load(Ordering::Relaxed) {
                Ok(())
            } else {
                Err(SinkError::Protocol {
                    sink: "fake".into(),
                    message: "down".into(),
                })
            }
        }
        fn deliver(&mut self, batch: &[Record]) -> Delivery {
            if let Some(d) = self.slow {
                std::thread::sleep(d);
            }
            if !self.up.load(Ordering::Relaxed) {
                return Delivery {
                    broken: true,
                    ..Default::default()
                };
            }
            let mut got = self.got.lock().unwrap();
            got.extend(batch.iter().map(|r| r.line.to_string()));
            Delivery {
                delivered: batch.len(),
                ..Default::default()
            }
        }
        fn disconnect(&mut self) {}
    }

    fn rec(i: usize) -> Record {
        Record {
            line: Arc::from(format!("r{i}")),
            severity: 1,
        }
    }

    #[test]
    fn delivers_in_order_and_counts() {
        let fake = Fake::default();
        fake.up.store(true, Ordering::Relaxed);
        let sink = Sink::start("fake", None, "t".into(), 100, fake.clone()).unwrap();
        for i in 0..50 {
            sink.offer(rec(i));
        }
        let s = sink.finish();
        assert_eq!(s.sent, 50);
        assert_eq!(s.dropped, 0);
        let got = fake.got.lock().unwrap().clone();
        assert_eq!(got, (0..50).map(|i| format!("r{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn slow_peer_fills_the_queue_and_drops_without_blocking() {
        let fake = Fake {
            slow: Some(Duration::from_millis(50)),
            ..Default::default()
        };
        fake.up.store(true, Ordering::Relaxed);
        let sink = Sink::start("fake", None, "t".into(), 10, fake.clone()).unwrap();
        let t = Instant::now();
        for i in 0..1000 {
            sink.offer(rec(i));
        }
        // Waiting on the peer would take 50 ms a record, about 50 s in
        // all: a bound far from both keeps this true on a loaded machine.
        let offering = t.elapsed();
        assert!(offering < Duration::from_secs(5), "offer waited {offering:?}");
        let s = sink.finish();
        assert_eq!(s.sent + s.dropped, 1000);
        // At most the queue, the batch the thread had already taken off it
        // (up to a queue's worth, plus what arrived while it gathered), and
        // what the peer took while offers ran. The depth counter is the
        // queue's (a record is counted just before it is sent), so it stays
        // within the capacity give or take a record in flight.
        let could_send = 3 * 10 + offering.as_millis() as u64 / 50 + 2;
        assert!(s.sent <= could_send, "{s:?}");
        assert!(s.queue_high_water <= 2 * 10 && s.queue_high_water > 0, "{s:?}");
        assert_eq!(fake.got.lock().unwrap().len() as u64, s.sent);
    }

    #[test]
    fn dead_peer_drops_everything_and_shutdown_is_prompt() {
        let fake = Fake::default();
        let sink = Sink::start("fake", None, "t".into(), 100, fake.clone()).unwrap();
        for i in 0..500 {
            sink.offer(rec(i));
        }
        std::thread::sleep(Duration::from_millis(350));
        let t = Instant::now();
        let s = sink.finish();
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!((s.sent, s.dropped), (0, 500));
        assert_eq!(s.last_error.as_deref(), Some("fake: down"));
        // Backoff, not a busy loop: at 0, 100 and 300 ms, then one more at
        // shutdown; fewer when the machine is slow to schedule the thread.
        let n = fake.connects.load(Ordering::Relaxed);
        assert!((1..=5).contains(&n), "{n} connection attempts");
    }

    #[test]
    fn reconnects_after_the_peer_returns() {
        let fake = Fake::default();
        let sink = Sink::start("fake", None, "t".into(), 100, fake.clone()).unwrap();
        fake.up.store(true, Ordering::Relaxed);
        sink.offer(rec(0));
        let m = sink.monitor();
        let wait = |n: u64| {
            let end = Instant::now() + Duration::from_secs(5);
            while m.stats().sent + m.stats().dropped < n && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        wait(1);
        fake.up.store(false, Ordering::Relaxed);
        sink.offer(rec(1));
        wait(2);
        fake.up.store(true, Ordering::Relaxed);
        sink.offer(rec(2));
        let s = sink.finish();
        assert_eq!((s.sent, s.dropped), (2, 1), "{s:?}");
        assert_eq!(*fake.got.lock().unwrap(), vec!["r0".to_string(), "r2".to_string()]);
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let mut b = Backoff(BACKOFF_MIN);
        let waits: Vec<u128> = (0..8).map(|_| b.next().as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        b.reset();
        assert_eq!(b.next(), BACKOFF_MIN);
    }
}
