//! Benign "venue network" traffic: web browsing over HTTP and TLS, DNS lookups and NTP from guest clients.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::dns;
use super::frame::{Frame, FrameTime, sort_by_time};
use super::http;
use super::ntp;
use super::rng::Rng;
use super::tcp_session::{Direction, TcpSession, UdpFlow};
use super::tls;

/// The venue's DNS resolver.
pub const RESOLVER: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 53);
/// The venue's internal web server (ticketing intranet).
pub const INTRANET_WEB: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 80);
/// The venue's NTP server.
pub const NTP_SERVER: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 123);

/// Sites the guests visit: host name and the address the resolver returns.
const EXTERNAL_SITES: [(&str, [u8; 4]); 8] = [
    ("www.example.com", [93, 184, 216, 34]),
    ("api.example.com", [93, 184, 216, 80]),
    ("maps.example.com", [93, 184, 216, 90]),
    ("static.example.net", [151, 101, 1, 69]),
    ("news.example.net", [151, 101, 65, 10]),
    ("cdn.example.org", [151, 101, 129, 2]),
    ("updates.example.net", [151, 101, 193, 44]),
    ("video.example.org", [151, 101, 2, 133]),
];

/// Internal sites, all in 10.10.0.0/24.
const INTERNAL_SITES: [(&str, [u8; 4]); 3] = [
    ("tickets.venue.example", [10, 10, 0, 80]),
    ("wiki.venue.example", [10, 10, 0, 81]),
    ("menu.venue.example", [10, 10, 0, 82]),
];

const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
];

const PATHS: [&str; 8] = [
    "/",
    "/index.html",
    "/news/today",
    "/events?day=saturday",
    "/api/v1/schedule",
    "/tickets/status",
    "/menu/drinks",
    "/search?q=parking",
];

const WORDS: [&str; 12] = [
    "stage", "doors", "open", "at", "seven", "tonight", "parking", "level", "tickets", "schedule", "updated", "welcome",
];

/// Shared state while generating: the random source and per-client port counters.
struct Venue {
    rng: Rng,
    clients: Vec<Ipv4Addr>,
    next_port: BTreeMap<Ipv4Addr, u16>,
}

impl Venue {
    fn client(&mut self) -> Ipv4Addr {
        self.clients[self.rng.index(self.clients.len())]
    }

    /// Next ephemeral port for a client (sequential, like many stacks).
    fn port(&mut self, client: Ipv4Addr) -> u16 {
        let start = 49152 + self.rng.range(0, 16000) as u16;
        let port = self.next_port.entry(client).or_insert(start);
        *port = if *port == u16::MAX { 49152 } else { *port + 1 };
        *port
    }

    fn text(&mut self, words: usize) -> String {
        (0..words)
            .map(|_| WORDS[self.rng.index(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A DNS lookup from `client`; returns the frames and when the answer arrived.
    fn lookup(&mut self, client: Ipv4Addr, t: FrameTime, name: &str, answer: IpAddr) -> (Vec<Frame>, FrameTime) {
        let qtype = if answer.is_ipv6() {
            dns::qtype::AAAA
        } else {
            dns::qtype::A
        };
        let id = self.rng.next_u32() as u16;
        let src = SocketAddr::new(client.into(), self.port(client));
        let rtt = self.rng.range(300_000, 4_000_000);
        let mut flow = UdpFlow::new(src, SocketAddr::new(RESOLVER.into(), 53), t).with_step(rtt);
        flow.send(Direction::ToServer, &dns::query(id, name, qtype));
        flow.send(Direction::ToClient, &dns::response(id, name, qtype, &[answer], 300));
        let done = flow.now();
        (flow.into_frames(), done)
    }

    /// A TCP session from `client` to `server`, with a latency matching the distance.
    fn session(&mut self, client: Ipv4Addr, server: SocketAddr, t: FrameTime) -> TcpSession {
        let internal = matches!(server.ip(), IpAddr::V4(v4) if v4.octets()[0] == 10);
        let (step, server_ttl) = if internal {
            (self.rng.range(100_000, 400_000), 64)
        } else {
            (self.rng.range(4_000_000, 20_000_000), self.rng.range(48, 58) as u8)
        };
        let client_ttl = if self.rng.percent(40) { 128 } else { 64 };
        let src = SocketAddr::new(client.into(), self.port(client));
        TcpSession::new(src, server, t)
            .with_isns(self.rng.next_u32(), self.rng.next_u32())
            .with_step(step)
            .with_ttls(client_ttl, server_ttl)
    }

    fn http_visit(&mut self, t: FrameTime, sites: &[(&str, [u8; 4])]) -> Vec<Frame> {
        let client = self.client();
        let (host, addr) = sites[self.rng.index(sites.len())];
        let (mut frames, t) = self.lookup(client, t, host, IpAddr::from(addr));
        let mut s = self.session(client, SocketAddr::new(addr.into(), 80), t.plus_micros(500));
        let ua = USER_AGENTS[self.rng.index(USER_AGENTS.len())];
        s.handshake();
        for _ in 0..self.rng.range(1, 3) {
            let path = PATHS[self.rng.index(PATHS.len())];
            let words = self.rng.range(10, 120) as usize;
            let body = if path.starts_with("/api/") {
                format!("{{\"status\":\"ok\",\"note\":\"{}\"}}\n", self.text(words)).into_bytes()
            } else {
                http::html_page(host, &self.text(words))
            };
            let ctype = if path.starts_with("/api/") {
                "application/json"
            } else {
                "text/html; charset=utf-8"
            };
            s.client_data(&http::get_request(
                host,
                path,
                ua,
                &[("Accept-Language", "en-US,en;q=0.9")],
            ));
            let acked = self.rng.percent(50);
            s.send(Direction::ToClient, &http::response(200, "OK", ctype, &body), acked);
        }
        s.close(Direction::ToServer);
        frames.extend(s.into_frames());
        frames
    }

    fn tls_visit(&mut self, t: FrameTime) -> Vec<Frame> {
        let client = self.client();
        let (host, addr) = EXTERNAL_SITES[self.rng.index(EXTERNAL_SITES.len())];
        let (mut frames, t) = self.lookup(client, t, host, IpAddr::from(addr));
        let mut s = self.session(client, SocketAddr::new(addr.into(), 443), t.plus_micros(500));
        let hello = tls::client_hello(&mut self.rng, host);
        let mut server_flight = tls::server_hello(&mut self.rng, &hello.session_id);
        let cert_len = self.rng.range(2000, 4000) as usize;
        server_flight.extend(tls::application_data(&mut self.rng, cert_len));
        let mut client_finish = tls::change_cipher_spec();
        client_finish.extend(tls::application_data(&mut self.rng, 53));
        let request_len = self.rng.range(150, 600) as usize;
        client_finish.extend(tls::application_data(&mut self.rng, request_len));
        let response_len = self.rng.range(300, 4000) as usize;
        let response = tls::application_data(&mut self.rng, response_len);
        s.handshake()
            .client_data(&hello.record)
            .send(Direction::ToClient, &server_flight, false)
            .client_data(&client_finish)
            .send(Direction::ToClient, &response, true)
            .close(Direction::ToServer);
        frames.extend(s.into_frames());
        frames
    }

    fn dns_only(&mut self, t: FrameTime) -> Vec<Frame> {
        let client = self.client();
        let (host, addr) = EXTERNAL_SITES[self.rng.index(EXTERNAL_SITES.len())];
        if self.rng.percent(25) {
            let id = self.rng.next_u32() as u16;
            let name = format!("{}.example.invalid", self.text(1));
            let src = SocketAddr::new(client.into(), self.port(client));
            let mut flow = UdpFlow::new(src, SocketAddr::new(RESOLVER.into(), 53), t).with_step(2_000_000);
            flow.send(Direction::ToServer, &dns::query(id, &name, dns::qtype::A));
            flow.send(Direction::ToClient, &dns::nxdomain(id, &name, dns::qtype::A));
            return flow.into_frames();
        }
        let [_, _, c, d] = addr;
        let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, u16::from(c), u16::from(d));
        let (mut frames, t) = self.lookup(client, t, host, IpAddr::V6(v6));
        frames.extend(self.lookup(client, t, host, IpAddr::from(addr)).0);
        frames
    }

    fn ntp_sync(&mut self, t: FrameTime) -> Vec<Frame> {
        let client = self.client();
        let src = SocketAddr::new(
            client.into(),
            if self.rng.percent(50) { 123 } else { self.port(client) },
        );
        let rtt = self.rng.range(200_000, 1_500_000);
        let mut flow = UdpFlow::new(src, SocketAddr::new(NTP_SERVER.into(), 123), t).with_step(rtt);
        let received = t.plus_nanos(rtt / 2);
        flow.send(Direction::ToServer, &ntp::client_request(t));
        let upstream = Ipv4Addr::new(192, 0, 2, 123);
        flow.send(
            Direction::ToClient,
            &ntp::server_response(t, received, received.plus_micros(20), upstream),
        );
        flow.into_frames()
    }
}

/// Benign traffic from guests in 10.20.0.0/16: flows start at roughly
/// `flows_per_sec` per second (uniform jitter) from `start` for
/// `duration_secs`; the last flows may run a little past the end.
/// Frames are time-ordered. The same arguments always give the same frames.
pub fn venue_traffic(seed: u64, start: FrameTime, duration_secs: u64, flows_per_sec: f64) -> Vec<Frame> {
    let mut rng = Rng::new(seed);
    let clients = (0..48)
        .map(|_| Ipv4Addr::new(10, 20, rng.range(0, 8) as u8, rng.range(2, 255) as u8))
        .collect();
    let mut venue = Venue {
        rng,
        clients,
        next_port: BTreeMap::new(),
    };
    // Rates are clamped to 1e-9..1e6 flows/s (NaN counts as the low end), so
    // the gap is at least 1 µs and a zero rate yields at most one flow.
    let mean_gap = (1e9 / flows_per_sec.clamp(1e-9, 1e6)) as u64;
    let end = start.plus_nanos(duration_secs.saturating_mul(1_000_000_000));
    let mut frames = Vec::new();
    let mut t = start.plus_nanos(venue.rng.range(0, mean_gap.max(1)));
    while t < end {
        let flow = match venue.rng.range(0, 100) {
            0..40 => venue.tls_visit(t),
            40..60 => venue.http_visit(t, &EXTERNAL_SITES),
            60..70 => venue.http_visit(t, &INTERNAL_SITES),
            70..90 => venue.dns_only(t),
            _ => venue.ntp_sync(t),
        };
        frames.extend(flow);
        t = t.plus_nanos(venue.rng.range(mean_gap / 2, mean_gap.saturating_mul(3) / 2 + 1));
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check_frames;
    use super::*;

    #[test]
    fn every_frame_and_message_is_valid() {
        let frames = venue_traffic(11, FrameTime::new(1_717_264_800, 0), 20, 6.0);
        let s = check_frames(&frames);
        assert!(s.tcp > 500 && s.udp > 50, "{s:?}");
        assert!(s.dns > 50 && s.ntp >= 2);
        assert!(!s.http_requests.is_empty() && s.http_requests.len() == s.http_responses.len());
        assert!(s.http_responses.iter().all(|(status, _)| *status == 200));
        assert!(s.tls_snis.len() > 20);
        assert!(s.tls_snis.iter().all(|n| EXTERNAL_SITES.iter().any(|(h, _)| h == n)));
        for f in &frames {
            let client_side = [&f.data[26..28], &f.data[30..32]];
            assert!(client_side.contains(&&[10u8, 20][..]) || client_side.contains(&&[10u8, 10][..]));
        }
    }

    #[test]
    fn deterministic_per_seed() {
        let t = FrameTime::new(1_717_264_800, 0);
        assert_eq!(venue_traffic(5, t, 5, 4.0), venue_traffic(5, t, 5, 4.0));
        assert_ne!(venue_traffic(5, t, 5, 4.0), venue_traffic(6, t, 5, 4.0));
    }

    #[test]
    fn degenerate_rates() {
        let t = FrameTime::new(1_717_264_800, 0);
        assert!(venue_traffic(1, t, 0, 4.0).is_empty());
        assert!(venue_traffic(1, t, 2, 0.0).len() < 40);
    }
}
