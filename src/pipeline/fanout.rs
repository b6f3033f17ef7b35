//! Live capture with a socket per worker: each worker thread reads its own
//! sockets (one per interface, all of an interface's sockets in one kernel
//! fanout group, so a flow's packets reach one worker) and inspects what
//! they deliver; no thread copies frames between capture and inspection.
//!
//! The run's thread settles what the workers raised through the sequencer
//! in capture-time order, as replay does in file order, so cross-flow
//! counts (thresholds, rate rules) see the packets as the link carried
//! them. Each worker reports, with its output, a time before which it will
//! hand over nothing more (its sockets are drained and the kernel's ring
//! blocks hand packets over within a known delay); frames are settled up
//! to the earliest of those times.

use super::lanes::{Cursor, Finished, Output, WorkerLost, settle_through};
use super::live::{InterfaceStats, interface_stats, source_failed};
use super::sequencer::Sequencer;
use super::worker::Worker;
use crate::alert::Alert;
use crate::capture::live::LiveSource;
use crate::timestamp::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a busy worker hands over what it raised: the longest an alert
/// waits in a worker.
const HAND_OVER_EVERY: Duration = Duration::from_millis(2);
/// A busy worker also hands over after this many packets, so a round stays
/// small whatever the rate.
const HAND_OVER_PACKETS: u64 = 4096;
/// How long a worker waits on a quiet socket: also how often an idle
/// worker tells the run how far it has read.
const POLL: Duration = Duration::from_millis(2);
/// Added to a socket's delivery delay: the kernel's block timer runs late
/// by up to a few ticks.
const TIMER_SLACK: Duration = Duration::from_millis(4);

/// What a capture worker hands over: its output (frames marked by capture
/// time in microseconds), the packets and bytes it read, the capture time
/// before which it will hand over nothing more, and whether this is its
/// last.
struct Report {
    worker: usize,
    output: Output,
    packets: u64,
    bytes: u64,
    through: u64,
    last: bool,
}

impl Report {
    fn new(worker: usize, through: u64) -> Report {
        Report {
            worker,
            output: Output::default(),
            packets: 0,
            bytes: 0,
            through,
            last: false,
        }
    }
}

/// What a capture worker thread gives back when it ends.
type Ended = (Worker, Vec<InterfaceStats>);

pub(super) struct Fanout {
    reports: Receiver<Report>,
    handles: Vec<JoinHandle<Ended>>,
    quit: Arc<AtomicBool>,
    running: usize,
    /// Outputs handed over and not wholly settled yet.
    pending: Vec<Cursor>,
    /// Per worker: the capture time before which it will hand nothing more.
    through: Vec<u64>,
    /// Packets and bytes the workers read that the run has not counted yet.
    pub(super) counted: (u64, u64),
}

impl Fanout {
    /// Starts one thread per worker, each reading its `sources`.
    pub(super) fn start(workers: Vec<Worker>, sources: Vec<Vec<Box<dyn LiveSource>>>) -> Fanout {
        let (to_run, reports) = channel();
        let quit = Arc::new(AtomicBool::new(false));
        // Frame numbers for the alerts' `pcap_cnt`, unique across workers.
        let numbering = Arc::new(AtomicU64::new(0));
        let mut handles = Vec::new();
        for (i, (worker, sources)) in workers.into_iter().zip(sources).enumerate() {
            let (to_run, quit, numbering) = (to_run.clone(), quit.clone(), numbering.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("vigie-capture-{i}"))
                .spawn(move || capture_worker(i, worker, sources, &to_run, &quit, &numbering));
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => tracing::error!("cannot start capture worker {i}: {e}"),
            }
        }
        Fanout {
            reports,
            running: handles.len(),
            through: vec![0; handles.len()],
            handles,
            quit,
            pending: Vec::new(),
            counted: (0, 0),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.handles.len()
    }

    /// Takes what the workers handed over, waiting at most `wait` for the
    /// first report, and settles the frames every worker is past.
    pub(super) fn settle(&mut self, wait: Duration, sequencer: &mut Sequencer, out: &mut Vec<Alert>) {
        // Threads already gone before the reports are taken: whatever they
        // sent is among them.
        let gone: Vec<bool> = self.handles.iter().map(JoinHandle::is_finished).collect();
        let first = if self.running == 0 {
            None
        } else {
            match self.reports.recv_timeout(wait) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    self.running = 0;
                    None
                }
            }
        };
        for report in first
            .into_iter()
            .chain(std::iter::from_fn(|| self.reports.try_recv().ok()))
        {
            self.counted.0 += report.packets;
            self.counted.1 += report.bytes;
            if report.last {
                self.running = self.running.saturating_sub(1);
            }
            if let Some(t) = self.through.get_mut(report.worker) {
                *t = (*t).max(if report.last { u64::MAX } else { report.through });
            }
            self.pending.push(Cursor::new(report.output));
        }
        // A worker whose thread ended without its last report (it failed)
        // holds nothing back: the others' alerts must not wait for it.
        for (t, _) in self
            .through
            .iter_mut()
            .zip(&gone)
            .filter(|(t, gone)| **gone && **t != u64::MAX)
        {
            tracing::error!("a capture worker stopped unexpectedly; the others go on");
            *t = u64::MAX;
        }
        let through = if self.running == 0 {
            u64::MAX
        } else {
            self.through.iter().copied().min().unwrap_or(u64::MAX)
        };
        settle_through(&mut self.pending, through, sequencer, out);
    }

    /// Whether every worker has ended (its sources all failed, or it was
    /// asked to stop).
    pub(super) fn all_ended(&self) -> bool {
        self.running == 0
    }

    /// Asks the workers to stop, settles everything they still hand over
    /// (their flows end and are inspected) and gives the workers back with
    /// their interfaces' counters.
    pub(super) fn finish(mut self, mut sequencer: Sequencer, out: &mut Vec<Alert>) -> Result<Finished, WorkerLost> {
        self.quit.store(true, Ordering::Relaxed);
        while !self.all_ended() {
            self.settle(Duration::from_millis(100), &mut sequencer, out);
        }
        let mut workers = Vec::with_capacity(self.handles.len());
        let mut interfaces: Vec<InterfaceStats> = Vec::new();
        for (i, h) in std::mem::take(&mut self.handles).into_iter().enumerate() {
            let (worker, stats) = h.join().map_err(|_| WorkerLost(i))?;
            workers.push(worker);
            for s in stats {
                add_interface(&mut interfaces, s);
            }
        }
        Ok(Finished {
            workers,
            sequencer,
            interfaces,
            captured: self.counted,
        })
    }
}

/// Adds one socket's counters to its interface's.
fn add_interface(all: &mut Vec<InterfaceStats>, s: InterfaceStats) {
    match all.iter_mut().find(|i| i.interface == s.interface) {
        Some(i) => {
            i.received += s.received;
            i.delivered += s.delivered;
            i.kernel_drops += s.kernel_drops;
            i.sockets += s.sockets;
            i.error = i.error.take().or(s.error);
        }
        None => all.push(s),
    }
}

/// One worker's thread: reads its sources in turn until asked to quit or
/// until none is left, inspecting every packet and handing its output over
/// every few milliseconds; then ends its flows and hands over the rest.
fn capture_worker(
    id: usize,
    mut worker: Worker,
    mut sources: Vec<Box<dyn LiveSource>>,
    to_run: &Sender<Report>,
    quit: &AtomicBool,
    numbering: &AtomicU64,
) -> Ended {
    let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    let mut numbers = FrameNumbers::new(numbering);
    let mut ended = Vec::new();
    let mut report = Report::new(id, 0);
    let mut handed = Instant::now();
    while !sources.is_empty() && !quit.load(Ordering::Relaxed) {
        let pass_start = Timestamp::now().as_micros().max(0) as u64;
        let mut through = u64::MAX;
        let mut i = 0;
        while i < sources.len() {
            let mut last_ts = None;
            let got = sources[i].next_batch(POLL, &mut |raw| {
                // Rounds are settled by capture time across workers.
                let ts = raw.ts.as_micros().max(0) as u64;
                report.output.inspect(&mut worker, raw, numbers.take(), ts);
                last_ts = Some(ts);
                report.packets += 1;
                report.bytes += u64::from(raw.wire_len);
            });
            if let Err(e) = got {
                ended.push(source_failed(&mut sources, i, &e));
                continue;
            }
            // Drained: whatever the kernel still holds was captured after
            // the pass began, less the delay it may keep a packet. Behind:
            // only what follows the last packet handed.
            let source = &sources[i];
            let source_through = if source.behind() {
                last_ts.unwrap_or(report.through)
            } else {
                pass_start.saturating_sub(micros(source.delivery_delay() + TIMER_SLACK))
            };
            through = through.min(source_through);
            i += 1;
        }
        report.through = report.through.max(through.min(pass_start));
        let due = handed.elapsed() >= HAND_OVER_EVERY || report.packets >= HAND_OVER_PACKETS;
        if due {
            let next = Report::new(id, report.through);
            if to_run.send(std::mem::replace(&mut report, next)).is_err() {
                break;
            }
            handed = Instant::now();
        }
    }
    for s in &mut sources {
        ended.push(interface_stats(s.as_mut()));
    }
    report.output.end(&mut worker);
    report.last = true;
    let _ = to_run.send(report);
    (worker, ended)
}

/// Frame numbers (the alerts' `pcap_cnt`), unique across workers: each
/// worker takes them from the shared count a block at a time, so numbering
/// a packet writes nothing the other workers read.
struct FrameNumbers<'a> {
    shared: &'a AtomicU64,
    next: u64,
    end: u64,
}

impl<'a> FrameNumbers<'a> {
    const BLOCK: u64 = 4096;

    fn new(shared: &'a AtomicU64) -> Self {
        FrameNumbers {
            shared,
            next: 0,
            end: 0,
        }
    }

    fn take(&mut self) -> u64 {
        if self.next == self.end {
            self.next = self.shared.fetch_add(Self::BLOCK, Ordering::Relaxed) + 1;
            self.end = self.next + Self::BLOCK;
        }
        self.next += 1;
        self.next - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_numbers_are_unique_across_workers_and_start_at_one() {
        let shared = AtomicU64::new(0);
        let (mut a, mut b) = (FrameNumbers::new(&shared), FrameNumbers::new(&shared));
        let mut seen: Vec<u64> = (0..10_000).flat_map(|_| [a.take(), b.take()]).collect();
        assert_eq!(seen[0], 1);
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 20_000);
        assert_eq!(seen.first(), Some(&1));
    }

    #[test]
    fn sockets_of_one_interface_add_up() {
        let socket = |iface: &str, received, drops, error: Option<&str>| InterfaceStats {
            interface: iface.into(),
            received,
            delivered: received - drops,
            kernel_drops: drops,
            sockets: 1,
            error: error.map(String::from),
        };
        let mut all = Vec::new();
        add_interface(&mut all, socket("eth0", 10, 1, None));
        add_interface(&mut all, socket("eth1", 5, 0, None));
        add_interface(&mut all, socket("eth0", 20, 2, Some("link removed")));
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].received, all[0].delivered, all[0].kernel_drops, all[0].sockets),
            (30, 27, 3, 2)
        );
        assert_eq!(all[0].error.as_deref(), Some("link removed"));
        assert_eq!((all[1].received, all[1].sockets), (5, 1));
    }
}
