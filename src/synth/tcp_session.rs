//! Stateful TCP conversations and UDP exchanges that emit timestamped Ethernet frames.

use std::net::{IpAddr, SocketAddr};

use super::frame::{Frame, FrameTime};
use super::link::{Ethernet, Mac, VlanTag, mac_for_ip};
use super::packet::{IpBuilder, TcpBuilder, TcpOption, UdpBuilder, tcp_flags, tcp_options};
use super::rng::Rng;

/// Which way a segment travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToServer,
    ToClient,
}

/// Default gap between consecutive frames of one conversation: 200 µs.
pub const DEFAULT_STEP_NANOS: u64 = 200_000;

/// Per-side state: address, MAC, IP id counter and TCP send sequence.
#[derive(Clone, Debug)]
struct Endpoint {
    addr: SocketAddr,
    mac: Mac,
    ttl: u8,
    ip_id: u16,
    next_seq: u32,
}

impl Endpoint {
    fn new(addr: SocketAddr, seed: &mut Rng) -> Self {
        Endpoint {
            addr,
            mac: mac_for_ip(addr.ip()),
            ttl: 64,
            ip_id: seed.next_u32() as u16,
            next_seq: seed.next_u32(),
        }
    }

    /// IP header from this endpoint to `to`, consuming one IP id.
    fn ip_to(&mut self, to: &Endpoint) -> IpBuilder {
        let id = self.ip_id;
        self.ip_id = self.ip_id.wrapping_add(1);
        match IpBuilder::between(self.addr.ip(), to.addr.ip()) {
            IpBuilder::V4(h) => IpBuilder::V4(super::packet::Ipv4Builder {
                ttl: self.ttl,
                id,
                dont_fragment: true,
                ..h
            }),
            IpBuilder::V6(h) => IpBuilder::V6(super::packet::Ipv6Builder {
                hop_limit: self.ttl,
                ..h
            }),
        }
    }
}

/// A deterministic default seed from the two socket addresses.
fn seed_for(a: SocketAddr, b: SocketAddr) -> Rng {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
        }
    };
    for s in [a, b] {
        match s.ip() {
            IpAddr::V4(v4) => eat(&v4.octets()),
            IpAddr::V6(v6) => eat(&v6.octets()),
        }
        eat(&s.port().to_be_bytes());
    }
    Rng::new(h)
}

/// The two endpoints, a clock and the frames emitted so far.
#[derive(Clone, Debug)]
struct Wire {
    client: Endpoint,
    server: Endpoint,
    vlans: Vec<VlanTag>,
    time: FrameTime,
    step_nanos: u64,
    frames: Vec<Frame>,
}

impl Wire {
    fn new(client: SocketAddr, server: SocketAddr, start: FrameTime) -> Self {
        let mut seed = seed_for(client, server);
        Wire {
            client: Endpoint::new(client, &mut seed),
            server: Endpoint::new(server, &mut seed),
            vlans: Vec::new(),
            time: start,
            step_nanos: DEFAULT_STEP_NANOS,
            frames: Vec::new(),
        }
    }

    fn sides(&mut self, dir: Direction) -> (&mut Endpoint, &mut Endpoint) {
        match dir {
            Direction::ToServer => (&mut self.client, &mut self.server),
            Direction::ToClient => (&mut self.server, &mut self.client),
        }
    }

    /// Wraps an IP packet in Ethernet and records it at the current time.
    fn push(&mut self, src: Mac, dst: Mac, ip_packet: &[u8]) {
        let eth = Ethernet {
            dst,
            src,
            vlans: self.vlans.clone(),
        };
        self.frames.push(Frame::new(self.time, eth.ip_frame(ip_packet)));
        self.time = self.time.plus_nanos(self.step_nanos);
    }
}

/// A TCP conversation that tracks both sides' sequence numbers.
///
/// Every emitted segment is stamped with the session clock, which then
/// advances by the step (default [`DEFAULT_STEP_NANOS`]).
#[derive(Clone, Debug)]
pub struct TcpSession {
    wire: Wire,
    mss: usize,
}

impl TcpSession {
    /// A session with initial sequence numbers derived from the addresses.
    pub fn new(client: SocketAddr, server: SocketAddr, start: FrameTime) -> Self {
        TcpSession {
            wire: Wire::new(client, server, start),
            mss: 1460,
        }
    }

    /// Sets the initial sequence numbers (the SYNs carry these values).
    pub fn with_isns(mut self, client: u32, server: u32) -> Self {
        self.wire.client.next_seq = client;
        self.wire.server.next_seq = server;
        self
    }

    /// Sets the gap between consecutive frames.
    pub fn with_step(mut self, nanos: u64) -> Self {
        self.wire.step_nanos = nanos;
        self
    }

    /// Sets the maximum payload per segment (at least 1).
    pub fn with_mss(mut self, mss: usize) -> Self {
        self.mss = mss.max(1);
        self
    }

    /// Overrides the MACs derived from the addresses.
    pub fn with_macs(mut self, client: Mac, server: Mac) -> Self {
        self.wire.client.mac = client;
        self.wire.server.mac = server;
        self
    }

    /// Sets the TTL / hop limit each side sends with.
    pub fn with_ttls(mut self, client: u8, server: u8) -> Self {
        self.wire.client.ttl = client;
        self.wire.server.ttl = server;
        self
    }

    /// Adds a VLAN tag (outermost first) to every frame.
    pub fn with_vlan(mut self, tag: VlanTag) -> Self {
        self.wire.vlans.push(tag);
        self
    }

    /// Time the next frame will carry.
    pub fn now(&self) -> FrameTime {
        self.wire.time
    }

    /// Lets time pass without traffic.
    pub fn wait(&mut self, nanos: u64) -> &mut Self {
        self.wire.time = self.wire.time.plus_nanos(nanos);
        self
    }

    /// Next sequence number each side will send: (client, server).
    pub fn next_seqs(&self) -> (u32, u32) {
        (self.wire.client.next_seq, self.wire.server.next_seq)
    }

    /// Emits one segment with the given flags. The sequence number is the
    /// sender's next one, the acknowledgment (when ACK is set) the receiver's;
    /// payload, SYN and FIN then advance the sender's sequence.
    pub fn segment(&mut self, dir: Direction, flags: u8, payload: &[u8]) -> &mut Self {
        self.segment_with_options(dir, flags, Vec::new(), payload)
    }

    fn segment_with_options(&mut self, dir: Direction, flags: u8, options: Vec<u8>, payload: &[u8]) -> &mut Self {
        let (from, to) = self.wire.sides(dir);
        let ip = from.ip_to(to);
        let ack = if flags & tcp_flags::ACK != 0 { to.next_seq } else { 0 };
        let tcp = TcpBuilder {
            seq: from.next_seq,
            ack,
            flags,
            window: if flags & tcp_flags::SYN != 0 { 64240 } else { 502 },
            options,
            ..TcpBuilder::new(from.addr.port(), to.addr.port())
        };
        let used = payload.len() as u32 + u32::from(flags & (tcp_flags::SYN | tcp_flags::FIN) != 0);
        from.next_seq = from.next_seq.wrapping_add(used);
        let (src, dst) = (from.mac, to.mac);
        let packet = tcp.packet(&ip, payload);
        self.wire.push(src, dst, &packet);
        self
    }

    /// SYN, SYN/ACK, ACK, with MSS / SACK-permitted / window-scale options on the SYNs.
    pub fn handshake(&mut self) -> &mut Self {
        let opts = tcp_options(&[
            TcpOption::Mss(u16::try_from(self.mss).unwrap_or(u16::MAX)),
            TcpOption::Nop,
            TcpOption::Nop,
            TcpOption::SackPermitted,
            TcpOption::Nop,
            TcpOption::WindowScale(7),
        ]);
        self.segment_with_options(Direction::ToServer, tcp_flags::SYN, opts.clone(), &[]);
        self.segment_with_options(Direction::ToClient, tcp_flags::SYN | tcp_flags::ACK, opts, &[]);
        self.segment(Direction::ToServer, tcp_flags::ACK, &[])
    }

    /// Sends `data` split into MSS-sized segments (PSH on the last one);
    /// with `acked`, the peer acknowledges each segment.
    pub fn send(&mut self, dir: Direction, data: &[u8], acked: bool) -> &mut Self {
        let back = match dir {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        };
        let count = data.len().div_ceil(self.mss);
        for (i, chunk) in data.chunks(self.mss).enumerate() {
            let psh = if i + 1 == count { tcp_flags::PSH } else { 0 };
            self.segment(dir, tcp_flags::ACK | psh, chunk);
            if acked {
                self.segment(back, tcp_flags::ACK, &[]);
            }
        }
        self
    }

    /// Client data, each segment acknowledged.
    pub fn client_data(&mut self, data: &[u8]) -> &mut Self {
        self.send(Direction::ToServer, data, true)
    }

    /// Server data, each segment acknowledged.
    pub fn server_data(&mut self, data: &[u8]) -> &mut Self {
        self.send(Direction::ToClient, data, true)
    }

    /// Orderly close: FIN/ACK from `initiator`, FIN/ACK back, final ACK.
    pub fn close(&mut self, initiator: Direction) -> &mut Self {
        let other = match initiator {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        };
        let fin = tcp_flags::FIN | tcp_flags::ACK;
        self.segment(initiator, fin, &[]);
        self.segment(other, fin, &[]);
        self.segment(initiator, tcp_flags::ACK, &[])
    }

    /// Abort: one RST/ACK in `dir`.
    pub fn reset(&mut self, dir: Direction) -> &mut Self {
        self.segment(dir, tcp_flags::RST | tcp_flags::ACK, &[])
    }

    /// Frames emitted so far.
    pub fn frames(&self) -> &[Frame] {
        &self.wire.frames
    }

    pub fn into_frames(self) -> Vec<Frame> {
        self.wire.frames
    }
}

/// Datagrams between a client and a server socket.
#[derive(Clone, Debug)]
pub struct UdpFlow {
    wire: Wire,
}

impl UdpFlow {
    pub fn new(client: SocketAddr, server: SocketAddr, start: FrameTime) -> Self {
        UdpFlow {
            wire: Wire::new(client, server, start),
        }
    }

    /// Sets the gap between consecutive datagrams.
    pub fn with_step(mut self, nanos: u64) -> Self {
        self.wire.step_nanos = nanos;
        self
    }

    /// Sets the TTL / hop limit each side sends with.
    pub fn with_ttls(mut self, client: u8, server: u8) -> Self {
        self.wire.client.ttl = client;
        self.wire.server.ttl = server;
        self
    }

    pub fn now(&self) -> FrameTime {
        self.wire.time
    }

    /// Lets time pass without traffic.
    pub fn wait(&mut self, nanos: u64) -> &mut Self {
        self.wire.time = self.wire.time.plus_nanos(nanos);
        self
    }

    /// Emits one datagram.
    pub fn send(&mut self, dir: Direction, payload: &[u8]) -> &mut Self {
        let (from, to) = self.wire.sides(dir);
        let ip = from.ip_to(to);
        let udp = UdpBuilder::new(from.addr.port(), to.addr.port());
        let (src, dst) = (from.mac, to.mac);
        let packet = udp.packet(&ip, payload);
        self.wire.push(src, dst, &packet);
        self
    }

    pub fn into_frames(self) -> Vec<Frame> {
        self.wire.frames
    }
}

/// One request and its response, `rtt_nanos` apart.
pub fn udp_exchange(
    client: SocketAddr,
    server: SocketAddr,
    start: FrameTime,
    rtt_nanos: u64,
    request: &[u8],
    response: &[u8],
) -> Vec<Frame> {
    let mut flow = UdpFlow::new(client, server, start).with_step(rtt_nanos);
    flow.send(Direction::ToServer, request)
        .send(Direction::ToClient, response);
    flow.into_frames()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames};
    use super::*;

    fn sock(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn full_session(client: &str, server: &str) -> TcpSession {
        let mut s = TcpSession::new(sock(client), sock(server), FrameTime::new(1000, 0))
            .with_isns(u32::MAX - 1, 5000)
            .with_mss(100)
            .with_step(1_000);
        s.handshake()
            .client_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .send(Direction::ToClient, &[b'a'; 250], false)
            .close(Direction::ToServer);
        s
    }

    #[test]
    fn sequence_numbers_track_both_sides() {
        let s = full_session("10.20.0.5:50000", "10.10.0.80:8080");
        let frames = s.frames();
        // 3 handshake + 1 data + 1 ack + 3 unacked segments + 3 close.
        assert_eq!(frames.len(), 11);
        let summary = check_frames(frames);
        assert_eq!(summary.tcp, 11);
        let seqs: Vec<(u32, u32, u8, usize)> = frames
            .iter()
            .map(|f| match check_frame(&f.data).unwrap().2 {
                L4::Tcp {
                    seq,
                    ack,
                    flags,
                    payload,
                    ..
                } => (seq, ack, flags, payload.len()),
                _ => panic!("not TCP"),
            })
            .collect();
        assert_eq!(seqs[0], (u32::MAX - 1, 0, tcp_flags::SYN, 0));
        assert_eq!(seqs[1], (5000, u32::MAX, tcp_flags::SYN | tcp_flags::ACK, 0));
        assert_eq!(seqs[2], (u32::MAX, 5001, tcp_flags::ACK, 0));
        // Client seq wraps past zero after the request.
        assert_eq!(seqs[4], (5001, 26, tcp_flags::ACK, 0));
        assert_eq!(seqs[5].3, 100);
        assert_eq!(seqs[7], (5201, 26, tcp_flags::ACK | tcp_flags::PSH, 50));
        assert_eq!(s.next_seqs(), (27, 5252));
        assert_eq!(frames[10].time, FrameTime::new(1000, 10_000));
    }

    #[test]
    fn ipv6_session_and_vlan() {
        let mut s = TcpSession::new(
            sock("[2001:db8::5]:40000"),
            sock("[2001:db8::80]:8443"),
            FrameTime::new(1, 0),
        )
        .with_vlan(VlanTag::dot1q(20));
        s.handshake().client_data(b"hi").reset(Direction::ToClient);
        let frames = s.into_frames();
        assert_eq!(&frames[0].data[12..14], &[0x81, 0x00]);
        assert_eq!(check_frames(&frames).tcp, 6);
    }

    #[test]
    fn udp_exchange_frames() {
        let frames = udp_exchange(
            sock("10.20.0.9:40000"),
            sock("10.10.0.1:9999"),
            FrameTime::new(5, 0),
            3_000_000,
            b"ping",
            b"pong",
        );
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].time, FrameTime::new(5, 3_000_000));
        assert_eq!(check_frames(&frames).udp, 2);
    }
}
