//! Bulk outbound transfer: a guest device uploads a large volume to one external host over a few TLS connections.

use std::net::{Ipv4Addr, SocketAddr};

use super::addresses::{EXFIL_CLIENT, EXFIL_SERVER, sock};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::pacing::{nanos_between, secs_to_nanos};
use super::packet::tcp_flags;
use super::ports::EphemeralPorts;
use super::rng::Rng;
use super::tcp_session::{Direction, TcpSession};
use super::tls;

/// Plaintext carried by each upload record (the TLS maximum).
const RECORD_PAYLOAD: u64 = 16_384;
/// Segment size of the upload; the receiver acknowledges every second segment.
const MSS: usize = 1460;
/// Gap between frames within a burst.
const STEP_NANOS: u64 = 100_000;

/// Parameters of [`bulk_exfil`].
#[derive(Clone, Debug, PartialEq)]
pub struct BulkExfilParams {
    /// Default the guest 10.20.5.17.
    pub client: Ipv4Addr,
    /// Default 198.51.100.200:443.
    pub server: SocketAddr,
    /// Server name in the ClientHello. Default `sync.example.net`.
    pub sni: String,
    /// Bytes uploaded (TLS record payload) over all connections. Default 20,000,000.
    pub bytes: u64,
    /// Time the upload is spread over. Default 60 s.
    pub duration_secs: f64,
    /// Parallel connections sharing the upload. Default 2.
    pub connections: usize,
}

impl Default for BulkExfilParams {
    fn default() -> Self {
        BulkExfilParams {
            client: EXFIL_CLIENT,
            server: sock(EXFIL_SERVER, 443),
            sni: "sync.example.net".to_string(),
            bytes: 20_000_000,
            duration_secs: 60.0,
            connections: 2,
        }
    }
}

/// Each connection: handshake, TLS handshake, then 16 KiB application-data
/// records paced evenly over the window (every second segment acknowledged),
/// a short answer from the server, and the client closes.
pub fn bulk_exfil(rng: &mut Rng, start: FrameTime, p: &BulkExfilParams) -> Vec<Frame> {
    let conns = p.connections.max(1) as u64;
    let window = secs_to_nanos(p.duration_secs);
    let mut ports = EphemeralPorts::new(rng);
    let mut frames = Vec::new();
    for c in 0..conns {
        let share = p.bytes / conns + u64::from(c < p.bytes % conns);
        let opened = start.plus_nanos(rng.range(0, 300_000_000).min(window / 10) + c * 1_000_000);
        let client = SocketAddr::new(p.client.into(), ports.take());
        let mut s = TcpSession::new(client, p.server, opened)
            .with_isns(rng.next_u32(), rng.next_u32())
            .with_step(STEP_NANOS)
            .with_ttls(64, 52)
            .with_mss(MSS);
        let hello = tls::client_hello(rng, &p.sni);
        let mut server_flight = tls::server_hello(rng, &hello.session_id);
        let cert_len = rng.range(2500, 4000) as usize;
        server_flight.extend(tls::application_data(rng, cert_len));
        let mut finished = tls::change_cipher_spec();
        finished.extend(tls::application_data(rng, 53));
        s.handshake()
            .client_data(&hello.record)
            .send(Direction::ToClient, &server_flight, true)
            .client_data(&finished);
        let data_start = s.now();
        let data_window = nanos_between(data_start, start.plus_nanos(window));
        let records = share.div_ceil(RECORD_PAYLOAD);
        for r in 0..records {
            let due = data_start.plus_nanos((u128::from(data_window) * u128::from(r) / u128::from(records)) as u64);
            let gap = nanos_between(s.now(), due);
            s.wait(gap);
            let len = RECORD_PAYLOAD.min(share - r * RECORD_PAYLOAD) as usize;
            let record = tls::application_data(rng, len);
            for pair in record.chunks(2 * MSS) {
                s.send(Direction::ToServer, pair, false)
                    .segment(Direction::ToClient, tcp_flags::ACK, &[]);
            }
        }
        let answer_len = rng.range(80, 300) as usize;
        s.server_data(&tls::application_data(rng, answer_len))
            .close(Direction::ToServer);
        frames.extend(s.into_frames());
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames};
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn upload_volume_and_pacing() {
        let start = FrameTime::new(1_717_264_805, 0);
        let p = BulkExfilParams {
            bytes: 1_000_000,
            duration_secs: 10.0,
            ..BulkExfilParams::default()
        };
        let frames = bulk_exfil(&mut Rng::new(1), start, &p);
        let s = check_frames(&frames);
        assert_eq!(s.tls_snis, ["sync.example.net", "sync.example.net"]);
        let (mut up, mut down, mut ports) = (0usize, 0usize, BTreeSet::new());
        for f in &frames {
            let (src, _, L4::Tcp { sport, payload, .. }) = check_frame(&f.data).unwrap() else {
                panic!()
            };
            if src == std::net::IpAddr::V4(EXFIL_CLIENT) {
                up += payload.len();
                ports.insert(sport);
            } else {
                down += payload.len();
            }
        }
        assert_eq!(ports.len(), 2);
        // Payload plus a 5-byte header per record, the handshake records on top.
        assert!(up > 1_000_000 + 5 * 61 && up < 1_003_000, "{up}");
        assert!(down < 10_000);
        let span = frames.last().unwrap().time.as_nanos() - start.as_nanos();
        assert!((9_000_000_000..10_500_000_000).contains(&span), "{span}");
        // Evenly paced: about a tenth of the upload in each second.
        let first_sec = frames.iter().filter(|f| f.time.secs == start.secs + 1).count();
        assert!((60..200).contains(&first_sec), "{first_sec}");
    }
}
