//! Reflection and amplification as seen at the victim: many reflectors
//! answer spoofed requests with large UDP responses (DNS, NTP monlist, SSDP,
//! memcached, CLDAP). The spoofed requests never cross the victim's link.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use super::addresses::{TICKET_API, WEB, reflector};
use super::cldap::{self, CLDAP_PORT};
use super::dns::{self, Record, qtype, record_len};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::memcached::{self, MEMCACHED_PORT};
use super::ntp::{self, MONLIST_ITEMS_PER_PACKET, MonitorEntry};
use super::pacing::{event_count, spread};
use super::rng::Rng;
use super::ssdp::{self, GATEWAY_SEARCH_TARGETS, SSDP_PORT};
use super::tcp_session::{Direction, UdpFlow};

/// Largest UDP payload that fits an unfragmented IPv4 packet on Ethernet.
pub const MAX_UNFRAGMENTED_PAYLOAD: usize = 1472;

/// Who reflects to whom, and how fast: common to every reflection attack.
#[derive(Clone, Debug, PartialEq)]
pub struct Reflection {
    pub victim: IpAddr,
    /// Distinct reflectors, used in turn.
    pub reflectors: u32,
    /// Pool index (see [`reflector`]) of the first reflector.
    pub first_reflector: u32,
    /// Response datagrams per second reaching the victim.
    pub rate: f64,
    pub duration_secs: f64,
}

impl Reflection {
    /// The reflector addresses this attack uses.
    pub fn reflector_addrs(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        (0..self.reflectors.max(1)).map(|i| reflector(self.first_reflector.wrapping_add(i)))
    }
}

/// One spoofed request's worth of answers: when, from which reflector, to
/// which victim port, and how many datagrams.
struct Shot {
    time: FrameTime,
    reflector: Ipv4Addr,
    victim_port: u16,
    datagrams: usize,
}

/// Spreads `rate × duration` datagrams over the window in bursts of `burst`
/// (the last one possibly shorter), cycling through the reflectors.
fn plan(rng: &mut Rng, start: FrameTime, r: &Reflection, burst: usize) -> Vec<Shot> {
    let total = event_count(r.rate, r.duration_secs);
    let burst = burst.max(1) as u64;
    let times = spread(rng, start, total.div_ceil(burst), r.duration_secs);
    let pool = r.reflectors.max(1);
    times
        .into_iter()
        .enumerate()
        .map(|(i, time)| Shot {
            time,
            reflector: reflector(r.first_reflector.wrapping_add(i as u32 % pool)),
            victim_port: rng.range(1024, 65536) as u16,
            datagrams: (total - i as u64 * burst).min(burst) as usize,
        })
        .collect()
}

/// A reflector's TTL as seen at the victim: a fixed number of hops away.
fn reflector_ttl(addr: Ipv4Addr) -> u8 {
    let o = addr.octets();
    44 + (o[2] ^ o[3]) % 16
}

impl Shot {
    /// The flow between the victim port and the reflector's service port, starting at `at`.
    fn flow(&self, victim: IpAddr, service_port: u16, at: FrameTime, gap_nanos: u64) -> UdpFlow {
        let v = SocketAddr::new(victim, self.victim_port);
        let refl = SocketAddr::new(self.reflector.into(), service_port);
        UdpFlow::new(v, refl, at)
            .with_step(gap_nanos)
            .with_ttls(64, reflector_ttl(self.reflector))
    }

    /// The reflector's datagrams to the victim, `gap_nanos` apart.
    fn answers(&self, victim: IpAddr, service_port: u16, gap_nanos: u64, payloads: &[Vec<u8>]) -> Vec<Frame> {
        let mut flow = self.flow(victim, service_port, self.time, gap_nanos);
        for p in payloads.iter().take(self.datagrams) {
            flow.send(Direction::ToClient, p);
        }
        flow.into_frames()
    }
}

const TEXT_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_text(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| TEXT_CHARS[rng.index(TEXT_CHARS.len())]).collect()
}

/// TXT RDATA of exactly `size` bytes: key-like strings of up to 255 characters.
fn txt_of_size(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut strings = Vec::new();
    let mut left = size;
    while left > 0 {
        let take = left.min(256);
        strings.push(random_text(rng, take - 1));
        left -= take;
    }
    dns::txt_rdata(&strings)
}

/// A large answer for `name`: for ANY a few addresses first, then TXT
/// records until the message is `target` bytes (capped at
/// [`MAX_UNFRAGMENTED_PAYLOAD`]), with an EDNS(0) OPT record.
pub fn amplified_dns_answer(rng: &mut Rng, id: u16, name: &str, qtype: u16, target: usize) -> Vec<u8> {
    let target = target.min(MAX_UNFRAGMENTED_PAYLOAD);
    let mut used = dns::records_response(id, name, qtype, &[], Some(4096)).len();
    let mut records = Vec::new();
    if qtype == qtype::ANY {
        let [a, b, c, d] = reflector(rng.next_u32()).octets();
        for rdata in [vec![a, b, c, d], vec![a, b, c, d ^ 1], [0x20, 1, 0x0d, 0xb8].repeat(4)] {
            let rtype = if rdata.len() == 4 { qtype::A } else { qtype::AAAA };
            if used + record_len(rdata.len()) <= target {
                used += record_len(rdata.len());
                records.push(Record {
                    rtype,
                    ttl: 3600,
                    rdata,
                });
            }
        }
    }
    while target.saturating_sub(used) >= record_len(1) {
        let room = target - used - record_len(0);
        let mut size = room.min(rng.range(120, 500) as usize);
        if room - size < record_len(1) {
            size = room;
        }
        used += record_len(size);
        records.push(Record {
            rtype: qtype::TXT,
            ttl: 3600,
            rdata: txt_of_size(rng, size),
        });
    }
    dns::records_response(id, name, qtype, &records, Some(4096))
}

/// Parameters of [`dns_amplification`].
#[derive(Clone, Debug, PartialEq)]
pub struct DnsAmplificationParams {
    /// Default: 200 open resolvers from pool index 0, 90 responses/s for 10 s to 10.10.0.80.
    pub reflection: Reflection,
    /// Name the spoofed queries ask for. Default `amp.example.org`.
    pub domain: String,
    /// Response sizes (DNS message bytes, at most 1472). Default 1000..=1472.
    pub response_len: RangeInclusive<usize>,
    /// Share of responses preceded by a real query from the victim. Default 2.
    pub query_percent: u64,
}

impl Default for DnsAmplificationParams {
    fn default() -> Self {
        DnsAmplificationParams {
            reflection: Reflection {
                victim: WEB.into(),
                reflectors: 200,
                first_reflector: 0,
                rate: 90.0,
                duration_secs: 10.0,
            },
            domain: "amp.example.org".to_string(),
            response_len: 1000..=MAX_UNFRAGMENTED_PAYLOAD,
            query_percent: 2,
        }
    }
}

/// Large ANY/TXT answers (source port 53) from many resolvers to the victim.
pub fn dns_amplification(rng: &mut Rng, start: FrameTime, p: &DnsAmplificationParams) -> Vec<Frame> {
    let r = &p.reflection;
    let mut frames = Vec::new();
    for shot in plan(rng, start, r, 1) {
        let id = rng.next_u32() as u16;
        let qt = if rng.percent(70) { qtype::ANY } else { qtype::TXT };
        let len = rng.size_in(&p.response_len);
        let answer = amplified_dns_answer(rng, id, &p.domain, qt, len);
        if rng.percent(p.query_percent) {
            let rtt = rng.range(5_000_000, 40_000_000);
            let mut flow = shot.flow(r.victim, 53, shot.time, rtt);
            flow.send(Direction::ToServer, &dns::query_edns(id, &p.domain, qt, 4096))
                .send(Direction::ToClient, &answer);
            frames.extend(flow.into_frames());
        } else {
            frames.extend(shot.answers(r.victim, 53, 0, &[answer]));
        }
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`ntp_reflection`].
#[derive(Clone, Debug, PartialEq)]
pub struct NtpReflectionParams {
    /// Default: 100 servers from pool index 2000, 200 responses/s for 10 s to 10.10.0.81.
    pub reflection: Reflection,
    /// Monlist packets (6 entries each) answering one spoofed request. Default 10.
    pub packets_per_request: usize,
}

impl Default for NtpReflectionParams {
    fn default() -> Self {
        NtpReflectionParams {
            reflection: Reflection {
                victim: TICKET_API.into(),
                reflectors: 100,
                first_reflector: 2000,
                rate: 200.0,
                duration_secs: 10.0,
            },
            packets_per_request: 10,
        }
    }
}

/// A documentation-range host that talked to a reflector.
fn heard_from(rng: &mut Rng) -> Ipv4Addr {
    let nets = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
    let [a, b, c] = nets[rng.index(nets.len())];
    Ipv4Addr::new(a, b, c, rng.range(1, 255) as u8)
}

/// Mode 7 monlist responses (source port 123, 440-byte payloads: 468-byte
/// IP packets) from many NTP servers, several per spoofed request; the
/// first entry of each answer is the victim itself, as the requester.
pub fn ntp_reflection(rng: &mut Rng, start: FrameTime, p: &NtpReflectionParams) -> Vec<Frame> {
    let r = &p.reflection;
    let mut frames = Vec::new();
    for shot in plan(rng, start, r, p.packets_per_request) {
        let victim_v4 = match r.victim {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(_) => heard_from(rng),
        };
        let packets: Vec<Vec<u8>> = (0..shot.datagrams)
            .map(|k| {
                let entries: Vec<MonitorEntry> = (0..MONLIST_ITEMS_PER_PACKET)
                    .map(|e| {
                        let requester = k == 0 && e == 0;
                        MonitorEntry {
                            addr: if requester { victim_v4 } else { heard_from(rng) },
                            local: shot.reflector,
                            port: if requester { shot.victim_port } else { 123 },
                            count: if requester { 1 } else { rng.range(1, 50_000) as u32 },
                            avg_interval: rng.range(0, 4096) as u32,
                            last_interval: rng.range(0, 600) as u32,
                            mode: if requester { 7 } else { 3 },
                            version: if requester { 2 } else { 4 },
                        }
                    })
                    .collect();
                ntp::monlist_response(k as u8, k + 1 < shot.datagrams, &entries)
            })
            .collect();
        frames.extend(shot.answers(r.victim, 123, rng.range(15_000, 60_000), &packets));
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`ssdp_reflection`].
#[derive(Clone, Debug, PartialEq)]
pub struct SsdpReflectionParams {
    /// Default: 150 devices from pool index 4000, 250 responses/s for 10 s to 10.10.0.80.
    pub reflection: Reflection,
    /// Responses to one spoofed `ssdp:all` search (at most 8). Default 8.
    pub responses_per_request: usize,
}

impl Default for SsdpReflectionParams {
    fn default() -> Self {
        SsdpReflectionParams {
            reflection: Reflection {
                victim: WEB.into(),
                reflectors: 150,
                first_reflector: 4000,
                rate: 250.0,
                duration_secs: 10.0,
            },
            responses_per_request: 8,
        }
    }
}

const UPNP_SERVERS: [&str; 3] = [
    "Linux/3.14.77 UPnP/1.0 gateway/1.9",
    "Linux/4.4.60, UPnP/1.0, Portable SDK for UPnP devices/1.6.22",
    "Custom/1.0 UPnP/1.0 Proc/Ver",
];

/// "HTTP/1.1 200 OK" search responses (source port 1900) from many UPnP devices.
pub fn ssdp_reflection(rng: &mut Rng, start: FrameTime, p: &SsdpReflectionParams) -> Vec<Frame> {
    let r = &p.reflection;
    let burst = p.responses_per_request.clamp(1, GATEWAY_SEARCH_TARGETS.len());
    let mut frames = Vec::new();
    for shot in plan(rng, start, r, burst) {
        // Each device keeps its identity: derive it from the address.
        let mut dev = Rng::new(u64::from(u32::from(shot.reflector)));
        let uuid = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            dev.next_u32(),
            dev.next_u32() as u16,
            dev.next_u32() as u16,
            dev.next_u32() as u16,
            dev.next_u64() & 0xFFFF_FFFF_FFFF
        );
        let location = format!("http://{}:{}/rootDesc.xml", shot.reflector, 1024 + dev.range(0, 60_000));
        let server = UPNP_SERVERS[dev.index(UPNP_SERVERS.len())];
        let responses: Vec<Vec<u8>> = GATEWAY_SEARCH_TARGETS
            .iter()
            .map(|st| ssdp::search_response(&location, server, st, &uuid, 1800))
            .collect();
        frames.extend(shot.answers(r.victim, SSDP_PORT, rng.range(200_000, 2_000_000), &responses));
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`memcached_reflection`].
#[derive(Clone, Debug, PartialEq)]
pub struct MemcachedReflectionParams {
    /// Default: 80 servers from pool index 6000, 80 datagrams/s for 10 s to 10.10.0.81.
    pub reflection: Reflection,
    /// Size of the cached value each spoofed `get` fetches. Default 10,000 bytes (8 datagrams).
    pub value_len: usize,
    pub key: String,
}

impl Default for MemcachedReflectionParams {
    fn default() -> Self {
        MemcachedReflectionParams {
            reflection: Reflection {
                victim: TICKET_API.into(),
                reflectors: 80,
                first_reflector: 6000,
                rate: 80.0,
                duration_secs: 10.0,
            },
            value_len: 10_000,
            key: "a".to_string(),
        }
    }
}

/// `VALUE` responses (source port 11211, 8-byte UDP frame header, up to
/// 1,400-byte datagrams) from many memcached servers.
pub fn memcached_reflection(rng: &mut Rng, start: FrameTime, p: &MemcachedReflectionParams) -> Vec<Frame> {
    let r = &p.reflection;
    let burst = memcached::value_response(0, &p.key, 0, &vec![0; p.value_len]).len();
    let mut frames = Vec::new();
    for shot in plan(rng, start, r, burst) {
        let value = random_text(rng, p.value_len);
        let datagrams = memcached::value_response(rng.next_u32() as u16, &p.key, 0, &value);
        frames.extend(shot.answers(r.victim, MEMCACHED_PORT, rng.range(10_000, 40_000), &datagrams));
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`cldap_reflection`].
#[derive(Clone, Debug, PartialEq)]
pub struct CldapReflectionParams {
    /// Default: 120 directory servers from pool index 8000, 80 responses/s for 10 s to 10.10.0.80.
    pub reflection: Reflection,
    /// Largest response (UDP payload). Default 1472.
    pub max_response_len: usize,
}

impl Default for CldapReflectionParams {
    fn default() -> Self {
        CldapReflectionParams {
            reflection: Reflection {
                victim: WEB.into(),
                reflectors: 120,
                first_reflector: 8000,
                rate: 80.0,
                duration_secs: 10.0,
            },
            max_response_len: MAX_UNFRAGMENTED_PAYLOAD,
        }
    }
}

/// Root DSE search answers (source port 389, searchResEntry and
/// searchResDone in BER) from many directory servers.
pub fn cldap_reflection(rng: &mut Rng, start: FrameTime, p: &CldapReflectionParams) -> Vec<Frame> {
    let r = &p.reflection;
    let mut frames = Vec::new();
    for shot in plan(rng, start, r, 1) {
        let o = shot.reflector.octets();
        let host = format!("dc{:02}", o[3] % 40 + 1);
        let domain = format!("corp{}.example.com", o[2] % 50);
        let usn = rng.range(100_000, 90_000_000);
        let attrs = cldap::rootdse_attributes(&host, &domain, usn, &cldap::generalized_time(shot.time.secs));
        let response = cldap::rootdse_response(rng.range(1, 1000) as u32, &attrs, p.max_response_len);
        frames.extend(shot.answers(r.victim, CLDAP_PORT, 0, &[response]));
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::cldap::tests::ber_elements;
    use super::super::test_support::{L4, check_frame, check_frames, parse_dns};
    use super::*;
    use std::collections::HashSet;

    fn start() -> FrameTime {
        FrameTime::new(1_717_264_805, 0)
    }

    /// (source, source port, destination, destination port, payload) of every UDP frame.
    fn datagrams(frames: &[Frame]) -> Vec<(IpAddr, u16, IpAddr, u16, Vec<u8>)> {
        frames
            .iter()
            .map(|f| match check_frame(&f.data).unwrap() {
                (src, dst, L4::Udp { sport, dport, payload }) => (src, sport, dst, dport, payload),
                _ => panic!("not UDP"),
            })
            .collect()
    }

    #[test]
    fn dns_answers_are_large_and_valid() {
        let mut rng = Rng::new(1);
        for qt in [qtype::ANY, qtype::TXT] {
            for target in [600, 1000, 1234, 1472, 4000] {
                let a = amplified_dns_answer(&mut rng, 7, "amp.example.org", qt, target);
                let m = parse_dns(&a).unwrap();
                assert!(a.len() <= target.min(1472) && a.len() + 12 >= target.min(1472));
                assert_eq!(m.questions[0].1, qt);
                assert_eq!(m.edns_udp_size, Some(4096));
                assert!(m.answers.iter().any(|r| r.1 == qtype::TXT));
            }
        }
        let p = DnsAmplificationParams {
            query_percent: 20,
            ..DnsAmplificationParams::default()
        };
        let frames = dns_amplification(&mut Rng::new(2), start(), &p);
        let s = check_frames(&frames);
        assert_eq!(s.dns, frames.len());
        let (mut resp_bytes, mut query_bytes, mut responses) = (0, 0, 0);
        let mut resolvers = HashSet::new();
        for (src, sport, dst, _, payload) in datagrams(&frames) {
            if sport == 53 {
                assert_eq!(dst, p.reflection.victim);
                assert!((1000..=1472).contains(&payload.len()), "{}", payload.len());
                resolvers.insert(src);
                resp_bytes += payload.len();
                responses += 1;
            } else {
                query_bytes += payload.len();
            }
        }
        assert_eq!((responses, resolvers.len()), (900, 200));
        assert!(query_bytes > 0 && resp_bytes > 20 * query_bytes);
    }

    #[test]
    fn ntp_monlist_bursts() {
        let frames = ntp_reflection(&mut Rng::new(3), start(), &NtpReflectionParams::default());
        assert_eq!(check_frames(&frames).ntp, 2000);
        let d = datagrams(&frames);
        assert!(
            d.iter()
                .all(|x| x.1 == 123 && x.4.len() == 440 && x.4[0] & 0x87 == 0x87)
        );
        assert!(frames.iter().all(|f| f.data.len() == 14 + 468));
        let servers: HashSet<IpAddr> = d.iter().map(|x| x.0).collect();
        let pool = NtpReflectionParams::default().reflection;
        assert_eq!(servers, pool.reflector_addrs().map(IpAddr::V4).collect());
        assert_eq!(servers.len(), 100);
        // Ten packets per request: nine say "more", the last does not.
        let last_of_burst = d.iter().filter(|x| x.4[0] & 0x40 == 0).count();
        assert_eq!(last_of_burst, 200);
    }

    #[test]
    fn ssdp_memcached_cldap() {
        let frames = ssdp_reflection(&mut Rng::new(4), start(), &SsdpReflectionParams::default());
        check_frames(&frames);
        let d = datagrams(&frames);
        assert_eq!(d.len(), 2500);
        for x in &d {
            let text = std::str::from_utf8(&x.4).unwrap();
            assert!(x.1 == 1900 && text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("\r\n\r\n"));
        }

        let p = MemcachedReflectionParams::default();
        let frames = memcached_reflection(&mut Rng::new(5), start(), &p);
        check_frames(&frames);
        let d = datagrams(&frames);
        assert_eq!(d.len(), 800);
        let mut stream = Vec::new();
        for x in d.iter().take(8) {
            assert_eq!(x.1, MEMCACHED_PORT);
            assert!(x.4.len() <= 1400);
            stream.extend_from_slice(&x.4[8..]);
        }
        assert!(stream.starts_with(b"VALUE a 0 10000\r\n") && stream.ends_with(b"\r\nEND\r\n"));
        assert_eq!(stream.len(), 17 + 10_000 + 7);

        let frames = cldap_reflection(&mut Rng::new(6), start(), &CldapReflectionParams::default());
        check_frames(&frames);
        let d = datagrams(&frames);
        assert_eq!(d.len(), 800);
        let servers: HashSet<IpAddr> = d.iter().map(|x| x.0).collect();
        assert_eq!(servers.len(), 120);
        for x in &d {
            assert!(x.1 == 389 && (1350..=1472).contains(&x.4.len()), "{}", x.4.len());
            assert!(ber_elements(&x.4).is_some());
        }
    }
}
