//! The workers of a run. One worker runs inline on the reading thread. With
//! more, each runs on a thread of its own: the reader copies frames into
//! per-worker batches (a frame's lane is a symmetric hash of its address
//! pair), sends one batch to every worker per round, and settles finished
//! rounds in capture order through the sequencer, a few rounds behind, so
//! workers never wait for the reader and the alerts come out in order.
//! Live capture may instead give each worker sockets of its own (see
//! `fanout`): then no frame passes through the run's thread.

use super::fanout::Fanout;
use super::flow_hash::lane_of;
use super::live::InterfaceStats;
use super::sequencer::Sequencer;
use super::worker::Worker;
use crate::alert::Alert;
use crate::capture::RawPacket;
use crate::capture::live::LiveSource;
use crate::rate::{RateBatch, RateOp};
use crate::timestamp::Timestamp;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Frames per round (all lanes together).
const ROUND: usize = 512;
/// Rounds in flight before the reader settles the oldest.
const DEPTH: u64 = 4;

#[derive(Debug, thiserror::Error)]
#[error("worker {0} stopped unexpectedly")]
pub struct WorkerLost(pub usize);

pub struct Lanes {
    kind: Kind,
    pub sequencer: Sequencer,
}

enum Kind {
    Inline { worker: Box<Worker>, raised: Vec<Alert> },
    Threads(Threads),
    Fanout(Fanout),
}

/// What a run's workers leave when they end.
pub struct Finished {
    pub workers: Vec<Worker>,
    pub sequencer: Sequencer,
    /// Counters of the sockets the workers read themselves, by interface,
    /// and the packets and bytes read from them not yet counted.
    pub interfaces: Vec<InterfaceStats>,
    pub captured: (u64, u64),
}

impl Lanes {
    /// Runs `workers` (one: inline; more: a thread each) into `sequencer`.
    pub fn new(mut workers: Vec<Worker>, mut sequencer: Sequencer) -> Lanes {
        let kind = if workers.len() <= 1 {
            match workers.pop() {
                Some(mut worker) => {
                    // Alone, the worker sees matches in capture order: it
                    // keeps the threshold state and decides at once.
                    worker.detect.thresholds = sequencer.thresholds.take();
                    Kind::Inline {
                        worker: Box::new(worker),
                        raised: Vec::new(),
                    }
                }
                None => Kind::Threads(Threads::start(Vec::new())),
            }
        } else {
            Kind::Threads(Threads::start(workers))
        };
        Lanes { kind, sequencer }
    }

    /// Workers reading their own live `sources` (`sources[i]` for worker
    /// `i`, one per interface).
    pub fn capturing(workers: Vec<Worker>, sequencer: Sequencer, sources: Vec<Vec<Box<dyn LiveSource>>>) -> Lanes {
        Lanes {
            kind: Kind::Fanout(Fanout::start(workers, sources)),
            sequencer,
        }
    }

    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Inline { .. } => 1,
            Kind::Threads(t) => t.inputs.len(),
            Kind::Fanout(f) => f.len(),
        }
    }

    /// Workers reading their own sockets: waits at most `wait` for what
    /// they raise and settles it. False once every one of them has ended.
    pub fn await_capture(&mut self, wait: std::time::Duration, out: &mut Vec<Alert>) -> bool {
        match &mut self.kind {
            Kind::Fanout(f) => {
                f.settle(wait, &mut self.sequencer, out);
                !f.all_ended()
            }
            _ => false,
        }
    }

    /// Packets and bytes the workers read from their own sockets since the
    /// last call.
    pub fn take_captured(&mut self) -> (u64, u64) {
        match &mut self.kind {
            Kind::Fanout(f) => std::mem::take(&mut f.counted),
            _ => (0, 0),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inspects frame number `seq`; settled alerts (of this frame or, with
    /// threads, of earlier ones) are appended to `out`.
    pub fn push(&mut self, raw: &RawPacket<'_>, seq: u64, out: &mut Vec<Alert>) -> Result<(), WorkerLost> {
        match &mut self.kind {
            Kind::Inline { worker, raised } => {
                worker.process(raw, seq, raised);
                let batch = &mut worker.rate_ops;
                self.sequencer
                    .settle(raised.drain(..), batch.ops.drain(..), &batch.sites, out);
                batch.sites.clear();
                Ok(())
            }
            Kind::Threads(t) => t.push(raw, seq, &mut self.sequencer, out),
            // Its workers read their own sockets: nothing is handed to them.
            Kind::Fanout(_) => Ok(()),
        }
    }

    /// Settles everything handed out so far, a partly filled round
    /// included: for live input, when it goes quiet or a latency bound
    /// passes, so alerts never wait for more traffic.
    pub fn flush(&mut self, out: &mut Vec<Alert>) -> Result<(), WorkerLost> {
        match &mut self.kind {
            Kind::Inline { .. } => Ok(()),
            Kind::Threads(t) => {
                if t.in_round > 0 {
                    t.send_round()?;
                }
                while t.settled < t.sent {
                    t.settle_round(&mut self.sequencer, out)?;
                }
                Ok(())
            }
            Kind::Fanout(f) => {
                f.settle(std::time::Duration::ZERO, &mut self.sequencer, out);
                Ok(())
            }
        }
    }

    /// End of input: every flow of every worker ends and is inspected, all
    /// is settled into `out`; the workers come back for their counters.
    pub fn finish(self, out: &mut Vec<Alert>) -> Result<Finished, WorkerLost> {
        let Lanes { kind, mut sequencer } = self;
        let workers = match kind {
            Kind::Inline { mut worker, mut raised } => {
                worker.finish(&mut raised);
                let batch = &mut worker.rate_ops;
                sequencer.settle(raised.drain(..), batch.ops.drain(..), &batch.sites, out);
                batch.sites.clear();
                sequencer.thresholds = worker.detect.thresholds.take();
                vec![*worker]
            }
            Kind::Threads(t) => t.finish(&mut sequencer, out)?,
            Kind::Fanout(f) => return f.finish(sequencer, out),
        };
        Ok(Finished {
            workers,
            sequencer,
            interfaces: Vec::new(),
            captured: (0, 0),
        })
    }
}

struct Frame {
    ts: Timestamp,
    linktype: u32,
    wire_len: u32,
    seq: u64,
    start: usize,
    len: usize,
}

/// Frames for one worker in one round, copied out of the reader's buffer.
#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    frames: Vec<Frame>,
}

/// Where the output of frame `seq` ends in a worker's output vectors.
pub(super) struct Mark {
    seq: u64,
    alerts_end: usize,
    ops_end: usize,
}

/// What a worker raised over one batch, marked frame by frame.
#[derive(Default)]
pub(super) struct Output {
    alerts: Vec<Alert>,
    rate: RateBatch,
    marks: Vec<Mark>,
}

struct Threads {
    inputs: Vec<SyncSender<Batch>>,
    outputs: Vec<Receiver<Output>>,
    handles: Vec<JoinHandle<Worker>>,
    filling: Vec<Batch>,
    in_round: usize,
    sent: u64,
    settled: u64,
}

impl Threads {
    fn start(workers: Vec<Worker>) -> Threads {
        let n = workers.len();
        let mut inputs = Vec::with_capacity(n);
        let mut outputs = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for (i, worker) in workers.into_iter().enumerate() {
            // Room for every round in flight, so neither side blocks the other.
            let (to_worker, batches) = sync_channel::<Batch>(DEPTH as usize + 1);
            let (results, from_worker) = sync_channel::<Output>(DEPTH as usize + 2);
            let handle = std::thread::Builder::new()
                .name(format!("vigie-worker-{i}"))
                .spawn(move || run_worker(worker, batches, results));
            match handle {
                Ok(h) => {
                    inputs.push(to_worker);
                    outputs.push(from_worker);
                    handles.push(h);
                }
                Err(e) => tracing::error!("cannot start worker {i}: {e}"),
            }
        }
        let filling = (0..inputs.len()).map(|_| Batch::default()).collect();
        Threads {
            inputs,
            outputs,
            handles,
            filling,
            in_round: 0,
            sent: 0,
            settled: 0,
        }
    }

    fn push(
        &mut self,
        raw: &RawPacket<'_>,
        seq: u64,
        sequencer: &mut Sequencer,
        out: &mut Vec<Alert>,
    ) -> Result<(), WorkerLost> {
        let lane = lane_of(raw.linktype, raw.data, self.inputs.len());
        let Some(batch) = self.filling.get_mut(lane) else {
            return Err(WorkerLost(lane));
        };
        batch.frames.push(Frame {
            ts: raw.ts,
            linktype: raw.linktype,
            wire_len: raw.wire_len,
            seq,
            start: batch.data.len(),
            len: raw.data.len(),
        });
        batch.data.extend_from_slice(raw.data);
        self.in_round += 1;
        if self.in_round >= ROUND {
            self.send_round()?;
            while self.sent - self.settled > DEPTH {
                self.settle_round(sequencer, out)?;
            }
        }
        Ok(())
    }

    fn send_round(&mut self) -> Result<(), WorkerLost> {
        let per_lane = ROUND / self.inputs.len().max(1) * 2;
        for (i, input) in self.inputs.iter().enumerate() {
            let batch = std::mem::replace(
                &mut self.filling[i],
                Batch {
                    data: Vec::with_capacity(per_lane * 400),
                    frames: Vec::with_capacity(per_lane),
                },
            );
            input.send(batch).map_err(|_| WorkerLost(i))?;
        }
        self.in_round = 0;
        self.sent += 1;
        Ok(())
    }

    /// Takes the oldest round's output from every worker and settles it in
    /// capture order.
    fn settle_round(&mut self, sequencer: &mut Sequencer, out: &mut Vec<Alert>) -> Result<(), WorkerLost> {
        let mut round = Vec::with_capacity(self.outputs.len());
        for (i, rx) in self.outputs.iter().enumerate() {
            round.push(rx.recv().map_err(|_| WorkerLost(i))?);
        }
        merge(round, sequencer, out);
        self.settled += 1;
        Ok(())
    }

    fn finish(mut self, sequencer: &mut Sequencer, out: &mut Vec<Alert>) -> Result<Vec<Worker>, WorkerLost> {
        if self.in_round > 0 {
            self.send_round()?;
        }
        // Closing the inputs tells each worker to end its flows.
        self.inputs.clear();
        while self.settled < self.sent {
            self.settle_round(sequencer, out)?;
        }
        // The last output of each worker: what its flows held at the end.
        self.settle_round(sequencer, out)?;
        let mut workers = Vec::with_capacity(self.handles.len());
        for (i, h) in self.handles.into_iter().enumerate() {
            workers.push(h.join().map_err(|_| WorkerLost(i))?);
        }
        Ok(workers)
    }
}

fn run_worker(mut worker: Worker, batches: Receiver<Batch>, results: SyncSender<Output>) -> Worker {
    for batch in batches {
        let mut out = Output::default();
        for f in &batch.frames {
            let Some(data) = batch.data.get(f.start..f.start + f.len) else {
                continue;
            };
            let raw = RawPacket {
                ts: f.ts,
                linktype: f.linktype,
                data,
                wire_len: f.wire_len,
            };
            out.inspect(&mut worker, &raw, f.seq, f.seq);
        }
        if results.send(out).is_err() {
            return worker;
        }
    }
    let mut out = Output::default();
    out.end(&mut worker);
    let _ = results.send(out);
    worker
}

impl Output {
    /// Frame number `seq` through `worker`; what it raised is marked `key`
    /// (the order it is settled in).
    pub(super) fn inspect(&mut self, worker: &mut Worker, raw: &RawPacket<'_>, seq: u64, key: u64) {
        worker.process(raw, seq, &mut self.alerts);
        self.rate.append(&mut worker.rate_ops);
        mark(self, key);
    }

    /// The worker's flows end and are inspected; what they raise is settled
    /// after every frame.
    pub(super) fn end(&mut self, worker: &mut Worker) {
        worker.finish(&mut self.alerts);
        self.rate.append(&mut worker.rate_ops);
        mark(self, u64::MAX);
    }
}

/// Records where frame `seq`'s output ends, if it had any.
fn mark(out: &mut Output, seq: u64) {
    let (alerts_end, ops_end) = (out.alerts.len(), out.rate.ops.len());
    let grew = out.marks.last().map_or(alerts_end + ops_end > 0, |m| {
        m.alerts_end != alerts_end || m.ops_end != ops_end
    });
    if grew {
        out.marks.push(Mark {
            seq,
            alerts_end,
            ops_end,
        });
    }
}

/// Settles the outputs of one round, frame by frame in capture order (ties,
/// the end-of-input output, in worker order).
pub(super) fn merge(round: Vec<Output>, sequencer: &mut Sequencer, out: &mut Vec<Alert>) {
    let mut cursors: Vec<Cursor> = round.into_iter().map(Cursor::new).collect();
    settle_through(&mut cursors, u64::MAX, sequencer, out);
}

/// Settles, in order of their marks across `cursors` (ties in the order of
/// the cursors), the frames marked at or before `through`; drops the
/// cursors left with nothing.
pub(super) fn settle_through(cursors: &mut Vec<Cursor>, through: u64, sequencer: &mut Sequencer, out: &mut Vec<Alert>) {
    loop {
        let pick = cursors
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.next_mark().map(|m| (m, i)))
            .filter(|&(m, _)| m <= through)
            .min();
        let Some((_, i)) = pick else { break };
        cursors[i].settle_next(sequencer, out);
    }
    cursors.retain(|c| c.next_mark().is_some());
}

/// An output being settled frame by frame.
pub(super) struct Cursor {
    marks: Vec<Mark>,
    next: usize,
    alerts: std::vec::IntoIter<Alert>,
    ops: std::vec::IntoIter<RateOp>,
    sites: Vec<crate::alert::AlertSite>,
    alerts_taken: usize,
    ops_taken: usize,
}

impl Cursor {
    pub(super) fn new(o: Output) -> Cursor {
        Cursor {
            marks: o.marks,
            next: 0,
            alerts: o.alerts.into_iter(),
            ops: o.rate.ops.into_iter(),
            sites: o.rate.sites,
            alerts_taken: 0,
            ops_taken: 0,
        }
    }

    /// The mark of the next frame to settle.
    fn next_mark(&self) -> Option<u64> {
        self.marks.get(self.next).map(|m| m.seq)
    }

    fn settle_next(&mut self, sequencer: &mut Sequencer, out: &mut Vec<Alert>) {
        let Some(m) = self.marks.get(self.next) else { return };
        let (na, no) = (m.alerts_end - self.alerts_taken, m.ops_end - self.ops_taken);
        self.alerts_taken = m.alerts_end;
        self.ops_taken = m.ops_end;
        self.next += 1;
        sequencer.settle(
            self.alerts.by_ref().take(na),
            self.ops.by_ref().take(no),
            &self.sites,
            out,
        );
    }
}
