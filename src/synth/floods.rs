//! Floods against one victim: spoofed TCP SYN flood, UDP and ICMP echo floods, and an HTTP GET flood.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use super::addresses::{HTTP_FLOODERS, ICMP_FLOODER, TICKET_API, UDP_FLOODER, WEB, WEB_HOST, sock};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::http;
use super::http_conn::{Exchange, HttpConnection};
use super::link::ip_frame_between;
use super::pacing::paced;
use super::packet::{Icmpv4Builder, IpBuilder, Ipv4Builder, TcpBuilder, TcpOption, UdpBuilder, tcp_flags, tcp_options};
use super::ports::EphemeralPorts;
use super::rng::Rng;
use super::spoof::SpoofedSources;

/// Receive windows flood tools put in their SYNs.
const SYN_WINDOWS: [u16; 8] = [512, 1024, 5840, 8192, 14600, 29200, 64240, 65535];

/// `count` distinct spoofed IPv4 sources drawn from `rng`.
fn spoofed_pool(rng: &mut Rng, count: usize) -> Vec<Ipv4Addr> {
    SpoofedSources::new(rng.next_u64()).take(count).collect()
}

/// A SYN without options from a spoofed `src` (random port, sequence, TTL,
/// IP id and window, as flood tools send them) and its source port and sequence.
fn spoofed_syn_parts(rng: &mut Rng, time: FrameTime, src: Ipv4Addr, victim: SocketAddr) -> (Frame, u16, u32) {
    let sport = rng.range(1024, 65536) as u16;
    let seq = rng.next_u32();
    let ip = IpBuilder::between(src.into(), victim.ip())
        .with_ttl(rng.range(32, 256) as u8)
        .with_id(rng.next_u32() as u16, false);
    let tcp = TcpBuilder {
        seq,
        flags: tcp_flags::SYN,
        window: SYN_WINDOWS[rng.index(SYN_WINDOWS.len())],
        ..TcpBuilder::new(sport, victim.port())
    };
    let data = ip_frame_between(src.into(), victim.ip(), &tcp.packet(&ip, &[]));
    (Frame::new(time, data), sport, seq)
}

/// One spoofed SYN from `src` to `victim` at `time`.
pub fn spoofed_syn(rng: &mut Rng, time: FrameTime, src: Ipv4Addr, victim: SocketAddr) -> Frame {
    spoofed_syn_parts(rng, time, src, victim).0
}

/// Parameters of [`syn_flood`].
#[derive(Clone, Debug, PartialEq)]
pub struct SynFloodParams {
    /// Default: the ticketing API, 10.10.0.81:443.
    pub victim: SocketAddr,
    /// SYNs per second. Default 1,500.
    pub rate: f64,
    /// Default 10 s.
    pub duration_secs: f64,
    /// Distinct spoofed sources, used in turn; 0 (default) gives every SYN its own source.
    pub sources: u64,
    /// Share of SYNs the victim answers with a SYN/ACK (the rest find the backlog full). Default 10.
    pub answered_percent: u64,
}

impl Default for SynFloodParams {
    fn default() -> Self {
        SynFloodParams {
            victim: sock(TICKET_API, 443),
            rate: 1500.0,
            duration_secs: 10.0,
            sources: 0,
            answered_percent: 10,
        }
    }
}

/// SYNs from spoofed IPv4 sources to one victim port, nothing else from the
/// sources; the victim answers some with a SYN/ACK that goes unanswered.
pub fn syn_flood(rng: &mut Rng, start: FrameTime, p: &SynFloodParams) -> Vec<Frame> {
    let times = paced(rng, start, p.rate, p.duration_secs);
    let wanted = usize::try_from(p.sources).unwrap_or(usize::MAX);
    let pool = spoofed_pool(
        rng,
        if wanted == 0 {
            times.len()
        } else {
            wanted.min(times.len())
        },
    );
    let mut frames = Vec::with_capacity(times.len() + times.len() / 8);
    let synack_opts = tcp_options(&[
        TcpOption::Mss(1460),
        TcpOption::Nop,
        TcpOption::Nop,
        TcpOption::SackPermitted,
        TcpOption::Nop,
        TcpOption::WindowScale(7),
    ]);
    for (i, &t) in times.iter().enumerate() {
        let Some(&src) = pool.get(i % pool.len().max(1)) else {
            break;
        };
        let (syn, sport, seq) = spoofed_syn_parts(rng, t, src, p.victim);
        frames.push(syn);
        if rng.percent(p.answered_percent) {
            let ip = IpBuilder::between(p.victim.ip(), src.into()).with_id(rng.next_u32() as u16, true);
            let tcp = TcpBuilder {
                seq: rng.next_u32(),
                ack: seq.wrapping_add(1),
                flags: tcp_flags::SYN | tcp_flags::ACK,
                options: synack_opts.clone(),
                ..TcpBuilder::new(p.victim.port(), sport)
            };
            let data = ip_frame_between(p.victim.ip(), src.into(), &tcp.packet(&ip, &[]));
            frames.push(Frame::new(t.plus_micros(rng.range(20, 120)), data));
        }
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`udp_flood`].
#[derive(Clone, Debug, PartialEq)]
pub struct UdpFloodParams {
    /// Default 198.51.100.40.
    pub attacker: IpAddr,
    /// 0 or 1 (default): only `attacker`; more: that many spoofed sources (at most one per packet), used at random.
    pub sources: u64,
    /// Default the web server 10.10.0.80.
    pub victim: IpAddr,
    /// Datagrams per second. Default 500.
    pub rate: f64,
    pub duration_secs: f64,
    /// Payload sizes, drawn uniformly. Default 64..=256.
    pub payload_len: RangeInclusive<usize>,
}

impl Default for UdpFloodParams {
    fn default() -> Self {
        UdpFloodParams {
            attacker: UDP_FLOODER.into(),
            sources: 1,
            victim: WEB.into(),
            rate: 500.0,
            duration_secs: 10.0,
            payload_len: 64..=256,
        }
    }
}

/// Datagrams with random payloads from random high ports to random high
/// ports of the victim; the victim does not answer.
pub fn udp_flood(rng: &mut Rng, start: FrameTime, p: &UdpFloodParams) -> Vec<Frame> {
    let times = paced(rng, start, p.rate, p.duration_secs);
    let sources: Vec<IpAddr> = if p.sources <= 1 {
        vec![p.attacker]
    } else {
        let n = usize::try_from(p.sources).unwrap_or(usize::MAX).min(times.len());
        spoofed_pool(rng, n).into_iter().map(IpAddr::V4).collect()
    };
    let ttl = rng.range(40, 60) as u8;
    let mut ip_id = rng.next_u32() as u16;
    let mut frames = Vec::with_capacity(times.len());
    for t in times {
        let src = sources[rng.index(sources.len())];
        ip_id = ip_id.wrapping_add(1);
        let ip = IpBuilder::between(src, p.victim).with_ttl(ttl).with_id(ip_id, false);
        let udp = UdpBuilder::new(rng.range(1024, 65536) as u16, rng.range(1024, 65536) as u16);
        let len = rng.size_in(&p.payload_len);
        let packet = udp.packet(&ip, &rng.byte_vec(len));
        frames.push(Frame::new(t, ip_frame_between(src, p.victim, &packet)));
    }
    frames
}

/// Parameters of [`icmp_flood`].
#[derive(Clone, Debug, PartialEq)]
pub struct IcmpFloodParams {
    /// Default 198.51.100.41.
    pub attacker: Ipv4Addr,
    /// 0 or 1 (default): only `attacker`; more: that many spoofed sources (at most one per packet), used at random.
    pub sources: u64,
    /// Default the web server 10.10.0.80.
    pub victim: Ipv4Addr,
    /// Echo requests per second. Default 80.
    pub rate: f64,
    pub duration_secs: f64,
    /// Echo payload size. Default 1,000 bytes.
    pub payload_len: usize,
    /// Share of requests the victim still answers. Default 20.
    pub reply_percent: u64,
}

impl Default for IcmpFloodParams {
    fn default() -> Self {
        IcmpFloodParams {
            attacker: ICMP_FLOODER,
            sources: 1,
            victim: WEB,
            rate: 80.0,
            duration_secs: 10.0,
            payload_len: 1000,
            reply_percent: 20,
        }
    }
}

/// Large echo requests to the victim, some of them answered.
pub fn icmp_flood(rng: &mut Rng, start: FrameTime, p: &IcmpFloodParams) -> Vec<Frame> {
    let times = paced(rng, start, p.rate, p.duration_secs);
    let sources = if p.sources <= 1 {
        vec![p.attacker]
    } else {
        spoofed_pool(rng, usize::try_from(p.sources).unwrap_or(usize::MAX).min(times.len()))
    };
    let echo_id = rng.next_u32() as u16;
    let mut ip_id = rng.next_u32() as u16;
    let mut victim_ip_id = rng.next_u32() as u16;
    let len = p.payload_len.min(65_507);
    let mut frames = Vec::new();
    for (seq, t) in times.into_iter().enumerate() {
        let src = sources[rng.index(sources.len())];
        let payload = rng.byte_vec(len);
        ip_id = ip_id.wrapping_add(1);
        let ip = Ipv4Builder {
            id: ip_id,
            ttl: 51,
            ..Ipv4Builder::new(src, p.victim)
        };
        let seq = seq as u16;
        let request = Icmpv4Builder::echo_request(echo_id, seq).packet(&ip, &payload);
        frames.push(Frame::new(t, ip_frame_between(src.into(), p.victim.into(), &request)));
        if rng.percent(p.reply_percent) {
            victim_ip_id = victim_ip_id.wrapping_add(1);
            let ip = Ipv4Builder {
                id: victim_ip_id,
                ..Ipv4Builder::new(p.victim, src)
            };
            let reply = Icmpv4Builder::echo_reply(echo_id, seq).packet(&ip, &payload);
            let data = ip_frame_between(p.victim.into(), src.into(), &reply);
            frames.push(Frame::new(t.plus_micros(rng.range(40, 200)), data));
        }
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`http_flood`].
#[derive(Clone, Debug, PartialEq)]
pub struct HttpFloodParams {
    /// Default 198.51.100.81-83.
    pub sources: Vec<IpAddr>,
    /// Default the web server 10.10.0.80:80.
    pub server: SocketAddr,
    pub host: String,
    /// GET requests per second over all sources. Default 80.
    pub rate: f64,
    pub duration_secs: f64,
    /// Requests each keep-alive connection carries before the client closes it. Default 10.
    pub requests_per_connection: usize,
}

impl Default for HttpFloodParams {
    fn default() -> Self {
        HttpFloodParams {
            sources: HTTP_FLOODERS.iter().map(|&a| IpAddr::V4(a)).collect(),
            server: sock(WEB, 80),
            host: WEB_HOST.to_string(),
            rate: 80.0,
            duration_secs: 10.0,
            requests_per_connection: 10,
        }
    }
}

const FLOOD_PATHS: [&str; 4] = ["/", "/tickets/status", "/events", "/search"];
const FLOOD_AGENTS: [&str; 3] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "python-requests/2.31.0",
];

/// GETs (with cache-busting query strings) from a few sources over
/// keep-alive connections, each answered 200 with a small page.
pub fn http_flood(rng: &mut Rng, start: FrameTime, p: &HttpFloodParams) -> Vec<Frame> {
    if p.sources.is_empty() {
        return Vec::new();
    }
    let per_conn = p.requests_per_connection.max(1);
    let mut ports: Vec<EphemeralPorts> = p.sources.iter().map(|_| EphemeralPorts::new(rng)).collect();
    let mut pending: Vec<Vec<Exchange>> = vec![Vec::new(); p.sources.len()];
    let mut frames = Vec::new();
    let times = paced(rng, start, p.rate, p.duration_secs);
    let last = times.len().saturating_sub(1);
    for (i, t) in times.into_iter().enumerate() {
        let who = i % p.sources.len();
        let path = format!("{}?r={:08x}", FLOOD_PATHS[rng.index(FLOOD_PATHS.len())], rng.next_u32());
        let agent = FLOOD_AGENTS[who % FLOOD_AGENTS.len()];
        let body = http::html_page("Tickets", "Doors open at seven. Check the schedule for updates.");
        pending[who].push(Exchange {
            at: t,
            request: http::get_request(&p.host, &path, agent, &[]),
            response: http::response(200, "OK", "text/html; charset=utf-8", &body),
        });
        for (k, batch) in pending.iter_mut().enumerate() {
            if batch.len() >= per_conn || (i == last && !batch.is_empty()) {
                let conn = HttpConnection {
                    client: SocketAddr::new(p.sources[k], ports[k].take()),
                    server: p.server,
                    rtt_nanos: rng.range(8_000_000, 30_000_000),
                    client_ttl: 50,
                };
                frames.extend(conn.frames(rng, batch));
                batch.clear();
            }
        }
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames};
    use super::*;
    use std::collections::HashSet;

    fn start() -> FrameTime {
        FrameTime::new(1_717_264_805, 0)
    }

    #[test]
    fn syn_flood_sources_and_answers() {
        let p = SynFloodParams {
            rate: 2000.0,
            duration_secs: 2.0,
            ..SynFloodParams::default()
        };
        let frames = syn_flood(&mut Rng::new(1), start(), &p);
        let s = check_frames(&frames);
        assert_eq!(s.tcp, frames.len());
        let (mut syns, mut synacks, mut sources) = (0, 0, HashSet::new());
        for f in &frames {
            let (src, dst, l4) = check_frame(&f.data).unwrap();
            let L4::Tcp {
                flags, dport, sport, ..
            } = l4
            else {
                panic!()
            };
            if flags == tcp_flags::SYN {
                assert_eq!((dst, dport), (p.victim.ip(), 443));
                sources.insert(src);
                syns += 1;
            } else {
                assert_eq!(
                    (flags, src, sport),
                    (tcp_flags::SYN | tcp_flags::ACK, p.victim.ip(), 443)
                );
                synacks += 1;
            }
        }
        assert_eq!((syns, sources.len()), (4000, 4000));
        assert!((250..=550).contains(&synacks), "{synacks}");
        assert!(frames.last().unwrap().time < FrameTime::new(1_717_264_807, 1_000_000));
        let few = syn_flood(&mut Rng::new(1), start(), &SynFloodParams { sources: 7, ..p });
        let distinct: HashSet<IpAddr> = few.iter().map(|f| check_frame(&f.data).unwrap().0).collect();
        assert_eq!(distinct.len(), 8); // seven sources and the victim
    }

    #[test]
    fn udp_and_icmp_floods() {
        let frames = udp_flood(&mut Rng::new(2), start(), &UdpFloodParams::default());
        assert_eq!(frames.len(), 5000);
        assert_eq!(check_frames(&frames).udp, 5000);
        let mut ports = HashSet::new();
        for f in &frames {
            let (src, dst, l4) = check_frame(&f.data).unwrap();
            let L4::Udp { dport, payload, .. } = l4 else { panic!() };
            assert_eq!((src, dst), (IpAddr::V4(UDP_FLOODER), IpAddr::V4(WEB)));
            assert!(dport >= 1024 && (64..=256).contains(&payload.len()));
            ports.insert(dport);
        }
        assert!(ports.len() > 4000);
        let spoofed = udp_flood(
            &mut Rng::new(2),
            start(),
            &UdpFloodParams {
                sources: 50,
                duration_secs: 1.0,
                ..UdpFloodParams::default()
            },
        );
        let srcs: HashSet<IpAddr> = spoofed.iter().map(|f| check_frame(&f.data).unwrap().0).collect();
        assert!(srcs.len() > 40 && !srcs.contains(&IpAddr::V4(UDP_FLOODER)));

        let frames = icmp_flood(&mut Rng::new(3), start(), &IcmpFloodParams::default());
        let s = check_frames(&frames);
        let requests = frames
            .iter()
            .filter(|f| matches!(check_frame(&f.data), Ok((_, _, L4::Icmp { icmp_type: 8 }))))
            .count();
        assert_eq!((s.icmp, requests), (frames.len(), 800));
        assert!((100..=230).contains(&(frames.len() - 800)));
        assert!(frames.iter().all(|f| f.data.len() == 14 + 20 + 8 + 1000));
    }

    #[test]
    fn http_flood_requests_and_answers() {
        let p = HttpFloodParams {
            duration_secs: 2.0,
            ..HttpFloodParams::default()
        };
        let frames = http_flood(&mut Rng::new(4), start(), &p);
        let s = check_frames(&frames);
        assert_eq!(s.http_requests.len(), 160);
        assert_eq!(s.http_responses.len(), 160);
        assert!(s.http_responses.iter().all(|(status, _)| *status == 200));
        let mut per_source = std::collections::BTreeMap::new();
        for f in &frames {
            let (src, _, l4) = check_frame(&f.data).unwrap();
            if let L4::Tcp { flags, dport: 80, .. } = l4
                && flags == tcp_flags::SYN
            {
                *per_source.entry(src).or_insert(0) += 1;
            }
        }
        // 160 requests over 3 sources, 10 per connection.
        assert_eq!(per_source.values().sum::<i32>(), 18);
        assert_eq!(per_source.len(), 3);
    }
}
