//! The per-packet path: decode, follow tunnels, track the flow, reassemble
//! TCP, detect; and, when flows end, inspect what their streams still hold.
//! One worker owns its decoder, flow table and detection state; nothing on
//! this path locks. What counts across flows (thresholds, rate rules) leaves
//! as alerts to settle and rate operations, for the sequencer.

use crate::alert::Alert;
use crate::app::AppLayer;
use crate::capture::RawPacket;
use crate::config::Config;
use crate::decode::{Decoder, Packet, TcpHeader, Transport, VlanIds, origin, tcp_flags};
use crate::defrag::{Defragmenter, fragment_of};
use crate::detect::{DetectCtx, Engine, StreamWindow, Subject, TxSubject};
use crate::flow::{Direction, Flow, FlowTable, StreamOptions, TcpState};
use crate::rate::{RateBatch, RateMatcher};
use crate::stream::{Delivered, ReassemblyLimits, TcpStream};
use std::sync::Arc;

pub struct Worker {
    pub decoder: Decoder,
    pub flows: FlowTable,
    pub detect: DetectCtx,
    engine: Arc<Engine>,
    /// Where a reloaded rule set comes from, if rules can be reloaded.
    pub engine_source: super::reload::EngineHandle,
    vlan_tracking: bool,
    /// Content rules go on reading TLS flows after their handshake.
    inspect_encrypted: bool,
    reassembly: ReassemblyLimits,
    pub defrag: Defragmenter,
    /// Rate rules, when enabled: what each packet and transaction matched.
    pub rate: Option<RateMatcher>,
    /// Rate matches since the caller last took them, in order.
    pub rate_ops: RateBatch,
    /// Packets decoded to an inspectable IP layer (tunnel layers counted once).
    pub decoded: u64,
    pub tunnelled: u64,
    /// Reassembly counters summed over ended flows.
    pub stream_gaps: u64,
    pub stream_overlaps_different: u64,
    scratch: Scratch,
}

/// One stream window being inspected: its bytes, where the new ones
/// start, their stream range, and the rules earlier scans found in the rest.
#[derive(Default)]
struct Window {
    data: Vec<u8>,
    new_from: usize,
    range: (u64, u64),
    recent: Vec<u32>,
}

/// Buffers reused from packet to packet.
#[derive(Default)]
struct Scratch {
    same: Delivered,
    other: Delivered,
    /// Inspection windows: buffers kept between packets, the first
    /// `windows_used` of them filled for this one.
    windows: Vec<Window>,
    windows_used: usize,
}

impl Worker {
    /// Adds rate rules to this worker.
    pub fn with_rate(mut self, matcher: Option<RateMatcher>) -> Worker {
        self.rate = matcher.filter(|m| !m.is_empty());
        self
    }

    pub fn new(cfg: &Config, engine: Arc<Engine>) -> Worker {
        let stream = StreamOptions {
            midstream: cfg.stream.midstream,
            async_oneside: cfg.stream.async_oneside,
        };
        Worker {
            decoder: Decoder::new(cfg.capture.checksum),
            flows: FlowTable::new(cfg.flow.max_flows, cfg.flow.timeouts, stream),
            detect: DetectCtx::new(),
            engine,
            engine_source: super::reload::EngineHandle::fixed(),
            vlan_tracking: cfg.flow.vlan_tracking,
            inspect_encrypted: cfg.detect.inspect_encrypted,
            reassembly: cfg.stream.reassembly_limits(),
            defrag: Defragmenter::new(cfg.defrag),
            rate: None,
            rate_ops: RateBatch::default(),
            decoded: 0,
            tunnelled: 0,
            stream_gaps: 0,
            stream_overlaps_different: 0,
            scratch: Scratch::default(),
        }
    }

    /// Processes one captured frame; alerts are appended to `alerts`.
    pub fn process(&mut self, raw: &RawPacket<'_>, pcap_cnt: u64, alerts: &mut Vec<Alert>) {
        if let Some(engine) = self.engine_source.newer() {
            self.engine = engine;
        }
        if let Some(pkt) = self.decoder.decode(raw, pcap_cnt) {
            self.decoded += 1;
            self.handle(pkt, alerts);
        }
        let ended: Vec<Flow> = self.flows.take_ended().collect();
        for flow in ended {
            self.end_flow(flow, alerts);
        }
    }

    /// Inspects a packet, then what it carries: the datagram its fragment
    /// completes, or the packet inside its tunnel.
    fn handle(&mut self, mut pkt: Packet<'_>, alerts: &mut Vec<Alert>) {
        loop {
            if self.inspect(&pkt, alerts) {
                return;
            }
            if let Some(frag) = fragment_of(&pkt.ip, pkt.vlan) {
                if let Some(datagram) = self.defrag.add(&frag, pkt.ts) {
                    let src = if pkt.ip.version == 4 {
                        origin::IPV4_DEFRAG
                    } else {
                        origin::IPV6_DEFRAG
                    };
                    if let Some(whole) = self.decoder.decode_datagram(&datagram, &pkt, src) {
                        self.handle(whole, alerts);
                    }
                }
                return;
            }
            match self.decoder.decode_inner(&pkt) {
                Some(inner) => {
                    self.tunnelled += 1;
                    pkt = inner;
                }
                None => return,
            }
        }
    }

    fn inspect(&mut self, pkt: &Packet<'_>, alerts: &mut Vec<Alert>) -> bool {
        let (flow, dir) = if self.vlan_tracking {
            self.flows.update(pkt)
        } else {
            let mut keyed = *pkt;
            keyed.vlan = VlanIds::default();
            self.flows.update(&keyed)
        };
        let scratch = &mut self.scratch;
        scratch.windows_used = 0;
        let mut payload_in_stream = false;
        let mut app = flow.app.take();
        let server_port = flow.server.1;
        let mut payload_inspection_over = flow.payload_inspection_over;
        if let Some((stream, tcp)) = reassembly_for(flow, pkt) {
            scratch.same.runs.clear();
            scratch.same.gaps.clear();
            scratch.other.runs.clear();
            scratch.other.gaps.clear();
            let depth_before = stream.dirs[dir.index()].depth_reached;
            stream.packet(
                dir,
                &tcp,
                pkt.payload,
                &self.reassembly,
                &mut scratch.same,
                &mut scratch.other,
            );
            let app = app.get_or_insert_with(|| Box::new(AppLayer::new(server_port)));
            feed_app(app, dir.reverse(), &scratch.other);
            feed_app(app, dir, &scratch.same);
            payload_inspection_over |= !self.inspect_encrypted && app.encrypted();
            stream.queue(dir.reverse(), &mut scratch.other.runs);
            payload_in_stream = !pkt.payload.is_empty() && tcp.flags & tcp_flags::RST == 0 && !depth_before;
            let mut runs = stream.take_queued(dir);
            runs.append(&mut scratch.same.runs);
            if payload_inspection_over {
                // Nothing will read the windows: not even built.
                runs.clear();
            }
            for (start, data) in runs {
                if scratch.windows.len() == scratch.windows_used {
                    scratch.windows.push(Window::default());
                }
                let w = &mut scratch.windows[scratch.windows_used];
                w.new_from = stream.window(dir, start, &data, &mut w.data);
                w.range = (start, start + data.len() as u64);
                w.recent = stream.recent_hits(dir, start, w.new_from);
                scratch.windows_used += 1;
            }
        } else if let Transport::Udp(_) = pkt.transport
            && !pkt.payload.is_empty()
        {
            let app = app.get_or_insert_with(|| Box::new(AppLayer::new(server_port)));
            app.datagram(dir, pkt.payload);
        }
        flow.payload_inspection_over = payload_inspection_over;
        let mut app_identified = false;
        if let Some(a) = &app {
            app_identified = flow.app_proto.is_none() && a.proto().is_some();
            flow.app_proto = a.proto();
            flow.app_failed = a.failed();
        }
        let windows: Vec<StreamWindow<'_>> = scratch.windows[..scratch.windows_used]
            .iter()
            .map(|w| StreamWindow {
                data: &w.data,
                new_from: w.new_from,
                recent: &w.recent,
            })
            .collect();
        let subject = Subject {
            pkt,
            dir,
            stream: &windows,
            payload_in_stream,
            pseudo: false,
            app_identified,
            payload_inspection: !payload_inspection_over,
        };
        let mut passed = self.engine.inspect(&mut self.detect, &subject, flow, alerts);
        if let Some(r) = self.rate.as_ref()
            && !passed
        {
            r.on_packet(pkt, flow, dir, &mut self.rate_ops);
        }
        if let Some(stream) = flow.stream.as_mut() {
            for (w, hits) in scratch.windows[..scratch.windows_used]
                .iter()
                .zip(&self.detect.window_hits)
            {
                stream.record_hits(dir, w.range.0, w.range.1, hits);
            }
        }
        if let Some(a) = app.as_mut()
            && !passed
        {
            passed = inspect_transactions(
                &self.engine,
                &mut self.detect,
                self.rate.as_ref().map(|r| (r, &mut self.rate_ops)),
                a,
                &subject,
                flow,
                alerts,
            );
        }
        flow.app = app;
        passed
    }

    /// A flow ended: deliver what its streams still hold and inspect it,
    /// then let the application layer finish its transactions.
    fn end_flow(&mut self, mut flow: Flow, alerts: &mut Vec<Alert>) {
        let mut app = flow.app.take();
        if let Some(mut stream) = flow.stream.take() {
            self.end_stream(&mut flow, &mut stream, app.as_deref_mut(), alerts);
        }
        if let Some(a) = app.as_mut() {
            a.finish();
            let (src, dst) = flow.endpoints(Direction::ToServer);
            let pkt = Packet::pseudo(flow.last, src, dst, flow.proto, flow.vlan);
            let subject = Subject {
                pkt: &pkt,
                dir: Direction::ToServer,
                stream: &[],
                payload_in_stream: false,
                pseudo: true,
                app_identified: false,
                payload_inspection: !flow.payload_inspection_over,
            };
            inspect_transactions(
                &self.engine,
                &mut self.detect,
                self.rate.as_ref().map(|r| (r, &mut self.rate_ops)),
                a,
                &subject,
                &mut flow,
                alerts,
            );
        }
    }

    fn end_stream(
        &mut self,
        flow: &mut Flow,
        stream: &mut TcpStream,
        mut app: Option<&mut AppLayer>,
        alerts: &mut Vec<Alert>,
    ) {
        for dir in [Direction::ToServer, Direction::ToClient] {
            let mut rest = Delivered::default();
            stream.flush(dir, &self.reassembly, &mut rest);
            if let Some(a) = app.as_deref_mut() {
                feed_app(a, dir, &rest);
            }
            let mut runs = stream.take_queued(dir);
            runs.append(&mut rest.runs);
            if runs.is_empty() || flow.payload_inspection_over {
                continue;
            }
            let mut bufs = Vec::new();
            for (start, data) in runs {
                let mut buf = Vec::new();
                let new_from = stream.window(dir, start, &data, &mut buf);
                let recent = stream.recent_hits(dir, start, new_from);
                bufs.push((buf, new_from, recent));
            }
            let windows: Vec<StreamWindow<'_>> = bufs
                .iter()
                .map(|(data, new_from, recent)| StreamWindow {
                    data,
                    new_from: *new_from,
                    recent,
                })
                .collect();
            let (src, dst) = flow.endpoints(dir);
            let pkt = Packet::pseudo(flow.last, src, dst, flow.proto, flow.vlan);
            let subject = Subject {
                pkt: &pkt,
                dir,
                stream: &windows,
                payload_in_stream: false,
                pseudo: true,
                app_identified: false,
                payload_inspection: !flow.payload_inspection_over,
            };
            self.engine.inspect(&mut self.detect, &subject, flow, alerts);
        }
        for dir in [Direction::ToServer, Direction::ToClient] {
            let stats = stream.stats(dir);
            self.stream_gaps += stats.gaps;
            self.stream_overlaps_different += stats.overlaps_different;
        }
    }

    /// End of input: every flow ends, and what streams still hold is inspected.
    pub fn finish(&mut self, alerts: &mut Vec<Alert>) -> usize {
        let mut n = 0;
        for flow in self.flows.flush() {
            self.end_flow(flow, alerts);
            n += 1;
        }
        n
    }
}

/// Hands delivered stream bytes (and the holes before them) to the parser.
fn feed_app(app: &mut AppLayer, dir: Direction, delivered: &Delivered) {
    let mut gaps = delivered.gaps.iter().peekable();
    for (start, data) in &delivered.runs {
        while let Some((gap_start, _)) = gaps.peek() {
            if gap_start > start {
                break;
            }
            app.stream_gap(dir);
            gaps.next();
        }
        app.stream_data(dir, data);
    }
}

/// Runs the application rules on every transaction point the last bytes
/// reached; a point of the other direction is inspected as coming from
/// that side. Returns true when a pass rule matched.
fn inspect_transactions(
    engine: &Engine,
    ctx: &mut DetectCtx,
    mut rate: Option<(&RateMatcher, &mut RateBatch)>,
    app: &mut AppLayer,
    subject: &Subject<'_, '_>,
    flow: &mut Flow,
    alerts: &mut Vec<Alert>,
) -> bool {
    let mut passed = false;
    let done = app.inspect(|tx, point| {
        if passed {
            return;
        }
        let txs = TxSubject {
            tx,
            tx_id: point.tx_id,
            dir: point.dir,
            side: point.side,
        };
        // A point of the other direction is inspected as coming from that side.
        let other_pkt = (point.dir != subject.dir).then(|| {
            let (src, dst) = flow.endpoints(point.dir);
            let mut pkt = Packet::pseudo(subject.pkt.ts, src, dst, flow.proto, flow.vlan);
            pkt.pcap_cnt = subject.pkt.pcap_cnt;
            pkt
        });
        let other = other_pkt.as_ref().map(|pkt| Subject {
            pkt,
            dir: point.dir,
            stream: &[],
            payload_in_stream: false,
            pseudo: true,
            app_identified: false,
            payload_inspection: subject.payload_inspection,
        });
        let sub = other.as_ref().unwrap_or(subject);
        passed = engine.inspect_tx(ctx, sub, &txs, flow, alerts);
        if let Some((r, ops)) = rate.as_mut()
            && !passed
        {
            r.on_transaction(tx, point.side, sub.pkt, flow, point.dir, ops);
        }
    });
    for id in done {
        flow.tx_done(id);
    }
    passed
}

/// The flow's reassembler and the packet's TCP header, when this packet
/// takes part in a tracked TCP connection (a handshake was seen, or a
/// mid-stream pick-up allowed).
fn reassembly_for<'f>(flow: &'f mut Flow, pkt: &Packet<'_>) -> Option<(&'f mut TcpStream, TcpHeader)> {
    let Transport::Tcp(header) = pkt.transport else {
        return None;
    };
    if pkt.bad_checksum {
        return None;
    }
    let tcp = flow.tcp.as_ref().filter(|t| t.state != TcpState::Untracked)?;
    if flow.stream.is_none() {
        // A segment without data (a SYN, a bare ACK) has nothing to
        // reassemble. The stream is made with the first data, starting from
        // the initial sequence numbers the tracker kept, so a flood of
        // handshakes costs no reassembly or application state.
        if pkt.payload.is_empty() {
            return None;
        }
        let mut stream = Box::<TcpStream>::default();
        for dir in [Direction::ToServer, Direction::ToClient] {
            if let Some(isn) = tcp.ends[dir.index()].isn {
                stream.dirs[dir.index()].start(isn.wrapping_add(1));
            }
        }
        flow.stream = Some(stream);
    }
    flow.stream.as_deref_mut().map(|stream| (stream, header))
}
