//! One flow's application layer: identifies the protocol from the first
//! bytes of each direction, then feeds its parser and reports the
//! transactions that reached a point where rules should look at them.

use super::Detection;
use super::dns::{self, DnsParser, Transport};
use super::http::{self, HttpLimits, HttpParser};
use super::ssh::{self, SshParser, SshState};
use super::tls::{self, TlsParser};
use crate::detect::TxBuffers;
use crate::flow::Direction;
use crate::rules::buffer::AppProto;

/// Bytes of each direction kept while the protocol is unknown.
const PROBE_LIMIT: usize = 4096;

enum State {
    Probing,
    Failed,
    Http(Box<HttpParser>),
    Tls(Box<TlsParser>),
    Dns(Box<DnsParser>),
    Ssh(Box<SshParser>),
    /// Identified by port only: rules on the protocol's payload apply, no parser.
    Opaque(AppProto),
}

/// A transaction at a point worth inspecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InspectionPoint {
    pub tx_id: u64,
    /// The flow direction of the bytes that reached the point.
    pub dir: Direction,
    /// The same, as the protocol sees it (client to server is `ToServer`).
    pub side: Direction,
}

impl std::fmt::Debug for AppLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppLayer")
            .field("proto", &self.proto())
            .field("failed", &self.failed())
            .finish()
    }
}

pub struct AppLayer {
    state: State,
    probe: [Vec<u8>; 2],
    /// Progress bits per transaction, to see which points are new.
    progress: Vec<(u64, u8)>,
    server_port: u16,
    /// The flow's first packet came from the protocol's server (a capture
    /// that started mid-connection): directions are swapped at the parser.
    reversed: bool,
}

/// Protocols recognised by their server port when their content says nothing.
fn by_port(port: u16) -> Option<AppProto> {
    match port {
        25 | 587 | 465 | 2525 => Some(AppProto::Smtp),
        21 => Some(AppProto::Ftp),
        139 | 445 => Some(AppProto::Smb),
        135 => Some(AppProto::Dcerpc),
        _ => None,
    }
}

impl AppLayer {
    pub fn new(server_port: u16) -> Self {
        AppLayer {
            state: State::Probing,
            probe: [Vec::new(), Vec::new()],
            progress: Vec::new(),
            server_port,
            reversed: false,
        }
    }

    pub fn proto(&self) -> Option<AppProto> {
        match &self.state {
            State::Http(_) => Some(AppProto::Http),
            State::Tls(_) => Some(AppProto::Tls),
            State::Dns(_) => Some(AppProto::Dns),
            State::Ssh(_) => Some(AppProto::Ssh),
            State::Opaque(p) => Some(*p),
            State::Probing | State::Failed => None,
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.state, State::Failed)
    }

    /// The stream carries only encrypted application data from here on.
    pub fn encrypted(&self) -> bool {
        matches!(&self.state, State::Tls(p) if p.state().encrypted_data_flowing())
    }

    /// In-order bytes of a TCP stream.
    pub fn stream_data(&mut self, dir: Direction, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if matches!(self.state, State::Probing) {
            let probe = &mut self.probe[dir.index()];
            let room = PROBE_LIMIT.saturating_sub(probe.len());
            probe.extend_from_slice(&data[..data.len().min(room)]);
            self.identify_stream();
            return;
        }
        self.feed(dir, data);
    }

    /// The protocol's view of a flow direction.
    fn side(&self, dir: Direction) -> Direction {
        if self.reversed { dir.reverse() } else { dir }
    }

    /// Bytes of a TCP stream that were never captured.
    pub fn stream_gap(&mut self, dir: Direction) {
        let dir = self.side(dir);
        match &mut self.state {
            State::Http(p) => p.gap(dir, 0),
            State::Tls(p) => p.gap(dir),
            State::Dns(p) => p.gap(dir),
            State::Ssh(p) => p.gap(dir),
            State::Probing => self.state = State::Failed,
            State::Failed | State::Opaque(_) => {}
        }
    }

    /// One UDP datagram's payload.
    pub fn datagram(&mut self, dir: Direction, payload: &[u8]) {
        if matches!(self.state, State::Probing) {
            let dns_port = self.server_port == 53 || self.server_port == 5353;
            self.state = match (dns_port, dns::detect_udp(payload)) {
                (true, Detection::Yes | Detection::NeedMore) => State::Dns(Box::new(DnsParser::new(Transport::Udp))),
                _ => State::Failed,
            };
        }
        self.feed(dir, payload);
    }

    fn identify_stream(&mut self) {
        let mut verdicts = Vec::new();
        for (d, probe) in self.probe.iter().enumerate() {
            if probe.is_empty() {
                continue;
            }
            let (http, http_reversed) = if d == 0 {
                (http::detect_request(probe), http::detect_response(probe))
            } else {
                (http::detect_response(probe), http::detect_request(probe))
            };
            if http_reversed == Detection::Yes && http != Detection::Yes {
                self.reversed = true;
            }
            let http = if http_reversed == Detection::Yes {
                Detection::Yes
            } else {
                http
            };
            let candidates: [(AppProto, Detection); 4] = [
                (AppProto::Http, http),
                (AppProto::Tls, tls::detect(probe)),
                (AppProto::Ssh, ssh::detect(probe)),
                (
                    AppProto::Dns,
                    if self.server_port == 53 {
                        dns::detect_tcp(probe)
                    } else {
                        Detection::No
                    },
                ),
            ];
            verdicts.push((d, candidates));
        }
        let found = verdicts
            .iter()
            .flat_map(|(_, c)| c.iter())
            .find(|(_, v)| *v == Detection::Yes)
            .map(|(p, _)| *p);
        let undecided = verdicts
            .iter()
            .flat_map(|(_, c)| c.iter())
            .any(|(_, v)| *v == Detection::NeedMore);
        let full = self.probe.iter().any(|p| p.len() >= PROBE_LIMIT);
        let state = match found {
            Some(AppProto::Http) => State::Http(Box::new(HttpParser::new(HttpLimits::default()))),
            Some(AppProto::Tls) => State::Tls(Box::default()),
            Some(AppProto::Ssh) => State::Ssh(Box::default()),
            Some(AppProto::Dns) => State::Dns(Box::new(DnsParser::new(Transport::Tcp))),
            Some(_) => return,
            None if undecided && !full => return,
            None => match by_port(self.server_port) {
                Some(p) => State::Opaque(p),
                None => State::Failed,
            },
        };
        self.state = state;
        let probes = std::mem::take(&mut self.probe);
        for (d, bytes) in probes.iter().enumerate() {
            let dir = if d == 0 {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            self.feed(dir, bytes);
        }
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        let dir = self.side(dir);
        match &mut self.state {
            State::Http(p) => p.feed(dir, data),
            State::Tls(p) => p.feed(dir, data),
            State::Dns(p) => p.feed(dir, data),
            State::Ssh(p) => p.feed(dir, data),
            State::Probing | State::Failed | State::Opaque(_) => {}
        }
    }

    /// End of the flow: parsers complete what they can.
    pub fn finish(&mut self) {
        match &mut self.state {
            State::Dns(p) => p.finish(),
            State::Http(p) => p.finish(),
            _ => {}
        }
    }

    /// Calls `visit` for every transaction point reached since the last
    /// call, then forgets transactions that are over; returns their ids.
    pub fn inspect(&mut self, mut visit: impl FnMut(&dyn TxBuffers, InspectionPoint)) -> Vec<u64> {
        let AppLayer {
            state,
            progress,
            reversed,
            ..
        } = self;
        // The points of one transaction: those its progress bits did not
        // have at the last call.
        let mut reach = |tx_id: u64, bits: u8, tx: &dyn TxBuffers| {
            let before = match progress.iter_mut().find(|(id, _)| *id == tx_id) {
                Some((_, b)) => std::mem::replace(b, bits),
                None => {
                    progress.push((tx_id, bits));
                    0
                }
            };
            let new = bits & !before;
            let point = |side: Direction| InspectionPoint {
                tx_id,
                dir: if *reversed { side.reverse() } else { side },
                side,
            };
            if new & TO_SERVER_BITS != 0 {
                visit(tx, point(Direction::ToServer));
            }
            if new & TO_CLIENT_BITS != 0 {
                visit(tx, point(Direction::ToClient));
            }
        };
        match &*state {
            State::Tls(p) => reach(0, tls_progress(p.state()), p.state()),
            State::Ssh(p) => reach(0, ssh_progress(p), p.as_ref()),
            State::Dns(p) => p
                .transactions()
                .iter()
                .for_each(|tx| reach(tx.id, dns_progress(tx), tx)),
            State::Http(p) => p
                .transactions()
                .iter()
                .for_each(|tx| reach(tx.id, http_progress(tx), tx)),
            State::Probing | State::Failed | State::Opaque(_) => return Vec::new(),
        }
        let mut done = Vec::new();
        match &mut self.state {
            State::Dns(p) => done.extend(p.drain().into_iter().map(|tx| tx.id)),
            State::Http(p) => done.extend(p.drain_finished().into_iter().map(|tx| tx.id)),
            _ => {}
        }
        self.progress.retain(|(id, _)| !done.contains(id));
        if self.progress.len() > 1024 {
            let excess = self.progress.len() - 1024;
            self.progress.drain(..excess);
        }
        done
    }
}

/// Progress bits: the low nibble belongs to the to-server side, the high
/// nibble to the to-client side.
const TO_SERVER_BITS: u8 = 0x0f;
const TO_CLIENT_BITS: u8 = 0xf0;

fn tls_progress(s: &tls::TlsState) -> u8 {
    let ts = &s.to_server;
    let tc = &s.to_client;
    u8::from(s.client_hello_seen)
        | u8::from(ts.key_exchange) << 1
        | u8::from(ts.change_cipher_spec || ts.application_data) << 2
        | u8::from(s.server_hello_seen) << 4
        | u8::from(s.certificate_seen) << 5
        | u8::from(tc.change_cipher_spec || tc.application_data) << 6
}

fn ssh_progress(p: &SshParser) -> u8 {
    let side = |d: Direction| match p.state(d) {
        SshState::None => 0u8,
        SshState::BannerDone => 1,
        SshState::KexInit => 3,
        SshState::NewKeys => 7,
    };
    side(Direction::ToServer) | side(Direction::ToClient) << 4
}

fn http_progress(tx: &http::HttpTx) -> u8 {
    u8::from(tx.request_headers_complete)
        | u8::from(tx.request_complete) << 1
        | u8::from(tx.response_headers_complete) << 4
        | u8::from(tx.response_complete) << 5
}

fn dns_progress(tx: &dns::DnsTx) -> u8 {
    u8::from(tx.request.is_some()) | u8::from(tx.response.is_some()) << 4
}
