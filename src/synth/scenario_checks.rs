//! Tests of the scenario catalog: every frame valid, each attack visible as its rate rule would see it, determinism and sizes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::addresses::{
    EXFIL_CLIENT, EXFIL_SERVER, HOST_SWEEPER, HTTP_FLOODERS, ICMP_FLOODER, RDP_GUESSER, SCANNER, SSH_GUESSER,
    TICKET_API, TUNNEL_CLIENT, UDP_FLOODER, WEB,
};
use super::attacks::{SQLI_PATH, TRAVERSAL_PATH};
use super::frame::{Frame, FrameTime};
use super::pcap_writer::{PcapWriter, TsResolution, linktype};
use super::rng::Rng;
use super::scenario::{ScenarioOptions, attack_frames, build, pcap_size, scenario_info, scenarios};
use super::test_support::{L4, Summary, check_frame, check_frames, parse_dns};
use super::web_attacks::{CMD_INJECTION_CAT_PATH, CMD_INJECTION_SUBST_PATH, XSS_ENCODED_PATH, XSS_PATH};

fn ip(a: std::net::Ipv4Addr) -> IpAddr {
    IpAddr::V4(a)
}

fn parsed(frames: &[Frame]) -> Vec<(IpAddr, IpAddr, L4)> {
    frames.iter().map(|f| check_frame(&f.data).unwrap()).collect()
}

fn pcap_bytes(frames: &[Frame]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET, TsResolution::Micros).unwrap();
    for f in frames {
        w.write_frame(f).unwrap();
    }
    w.into_inner().unwrap()
}

/// UDP datagrams from `service_port` to `victim`: (count, distinct sources, payload bytes, payloads).
fn reflected(pkts: &[(IpAddr, IpAddr, L4)], service_port: u16, victim: IpAddr) -> (usize, usize, usize, Vec<&[u8]>) {
    let mut sources = BTreeSet::new();
    let mut payloads = Vec::new();
    for (src, dst, l4) in pkts {
        if let L4::Udp { sport, payload, .. } = l4
            && *sport == service_port
            && *dst == victim
        {
            sources.insert(*src);
            payloads.push(payload.as_slice());
        }
    }
    let bytes = payloads.iter().map(|p| p.len()).sum();
    (payloads.len(), sources.len(), bytes, payloads)
}

/// TCP segments with exactly `flags` from `src` (any source when `None`) to port `dport`:
/// (count, distinct sources, distinct destination hosts, distinct destination ports).
fn tcp_with(pkts: &[(IpAddr, IpAddr, L4)], src: Option<IpAddr>, dport: Option<u16>, flags: u8) -> [usize; 4] {
    let (mut n, mut srcs, mut dsts, mut ports) = (0, BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for (s, d, l4) in pkts {
        if let L4::Tcp { dport: p, flags: f, .. } = l4
            && *f == flags
            && src.is_none_or(|x| x == *s)
            && dport.is_none_or(|x| x == *p)
        {
            n += 1;
            srcs.insert(*s);
            dsts.insert(*d);
            ports.insert(*p);
        }
    }
    [n, srcs.len(), dsts.len(), ports.len()]
}

/// Client-to-server TCP payload bytes and the first payload of each connection from `src`.
fn uploads(pkts: &[(IpAddr, IpAddr, L4)], src: IpAddr, dst: IpAddr) -> (usize, Vec<Vec<u8>>) {
    let mut total = 0;
    let mut first: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
    for (s, d, l4) in pkts {
        if let L4::Tcp { sport, payload, .. } = l4
            && *s == src
            && *d == dst
            && !payload.is_empty()
        {
            total += payload.len();
            first.entry(*sport).or_insert_with(|| payload.clone());
        }
    }
    (total, first.into_values().collect())
}

const SYN: u8 = 0x02;

/// What a rate rule keyed on the attack would count, checked against a floor.
fn check_invariants(name: &str, pkts: &[(IpAddr, IpAddr, L4)], s: &Summary) {
    match name {
        "port-scan" => {
            let [_, _, _, ports] = tcp_with(pkts, Some(ip(SCANNER)), None, SYN);
            assert!(ports >= 500, "{ports} ports");
        }
        "host-sweep" => {
            let [n, _, hosts, _] = tcp_with(pkts, Some(ip(HOST_SWEEPER)), Some(445), SYN);
            assert_eq!((n, hosts), (254, 254));
        }
        "syn-flood" => {
            let [n, sources, _, _] = tcp_with(pkts, None, Some(443), SYN);
            assert!(n >= 14_000 && sources >= 14_000, "{n} SYNs from {sources}");
            let [answered, _, _, _] = tcp_with(pkts, Some(ip(TICKET_API)), None, 0x12);
            assert!(answered >= 1000, "{answered} SYN/ACKs");
        }
        "udp-flood" => {
            let mut ports = BTreeSet::new();
            let mut n = 0;
            for (src, dst, l4) in pkts {
                if let L4::Udp { dport, .. } = l4
                    && *src == ip(UDP_FLOODER)
                    && *dst == ip(WEB)
                {
                    n += 1;
                    ports.insert(*dport);
                }
            }
            assert!(n >= 4500 && ports.len() >= 1000, "{n} {}", ports.len());
        }
        "icmp-flood" => {
            let n = pkts
                .iter()
                .filter(|(src, _, l4)| *src == ip(ICMP_FLOODER) && matches!(l4, L4::Icmp { icmp_type: 8 }))
                .count();
            assert!(n >= 700, "{n}");
        }
        "dns-amplification" => {
            let (n, resolvers, bytes, _) = reflected(pkts, 53, ip(WEB));
            let queries: usize = pkts
                .iter()
                .filter_map(|(src, _, l4)| match l4 {
                    L4::Udp { dport: 53, payload, .. } if *src == ip(WEB) => Some(payload.len()),
                    _ => None,
                })
                .sum();
            assert!(n >= 850 && resolvers >= 100, "{n} {resolvers}");
            assert!(bytes >= 10 * queries, "{bytes} vs {queries}");
        }
        "ntp-reflection" => {
            let (n, servers, _, payloads) = reflected(pkts, 123, ip(TICKET_API));
            assert!(n >= 1500 && servers >= 50 && payloads.iter().all(|p| p[0] & 7 == 7 && p.len() == 440));
        }
        "ssdp-reflection" => {
            let (n, devices, _, payloads) = reflected(pkts, 1900, ip(WEB));
            assert!(n >= 2000 && devices >= 100);
            assert!(payloads.iter().all(|p| p.starts_with(b"HTTP/1.1 200 OK\r\n")));
        }
        "memcached-reflection" => {
            let (n, servers, _, payloads) = reflected(pkts, 11211, ip(TICKET_API));
            let values = payloads.iter().filter(|p| p[8..].starts_with(b"VALUE ")).count();
            assert!(n >= 700 && servers >= 50 && values >= 80, "{n} {servers} {values}");
        }
        "cldap-reflection" => {
            let (n, servers, bytes, _) = reflected(pkts, 389, ip(WEB));
            assert!(n >= 700 && servers >= 100 && bytes >= 1300 * n);
        }
        "ssh-brute-force" => {
            assert!(tcp_with(pkts, Some(ip(SSH_GUESSER)), Some(22), SYN)[0] >= 40);
        }
        "rdp-brute-force" => {
            assert!(tcp_with(pkts, Some(ip(RDP_GUESSER)), Some(3389), SYN)[0] >= 25);
            let (_, firsts) = uploads(pkts, ip(RDP_GUESSER), ip(super::addresses::RDP_HOST));
            assert!(firsts.len() >= 25 && firsts.iter().all(|p| p.starts_with(&[3, 0])));
        }
        "http-flood" => {
            let gets: usize = HTTP_FLOODERS
                .iter()
                .map(|&a| uploads(pkts, ip(a), ip(WEB)).1.len())
                .sum();
            let requests = pkts
                .iter()
                .filter(|(src, _, l4)| {
                    HTTP_FLOODERS.iter().any(|&a| ip(a) == *src)
                        && matches!(l4, L4::Tcp { payload, .. } if payload.starts_with(b"GET "))
                })
                .count();
            assert!(requests >= 700 && gets >= 70, "{requests} {gets}");
        }
        "web-login-brute-force" => {
            let denied = s.http_responses.iter().filter(|r| r.0 == 401 || r.0 == 403).count();
            assert!(denied >= 20 && s.http_posts.len() >= 90, "{denied}");
        }
        "dns-tunnel" => {
            let mut names = BTreeSet::new();
            for (src, _, l4) in pkts {
                if let L4::Udp { dport: 53, payload, .. } = l4
                    && *src == ip(TUNNEL_CLIENT)
                {
                    let (qname, _) = parse_dns(payload).unwrap().questions[0].clone();
                    if qname.ends_with(".t.exfil.test") {
                        names.insert(qname);
                    }
                }
            }
            assert!(names.len() >= 100, "{}", names.len());
        }
        "bulk-exfil" => {
            let (bytes, conns) = uploads(pkts, ip(EXFIL_CLIENT), ip(EXFIL_SERVER));
            assert!(bytes >= 1_000_000 && conns.len() == 2, "{bytes}");
            assert!(s.tls_snis.iter().any(|n| n == "sync.example.net"));
        }
        "web-attacks" => {
            let targets: BTreeSet<&str> = s.http_requests.iter().map(|(t, _)| t.as_str()).collect();
            for want in [
                SQLI_PATH,
                XSS_PATH,
                XSS_ENCODED_PATH,
                TRAVERSAL_PATH,
                CMD_INJECTION_CAT_PATH,
                CMD_INJECTION_SUBST_PATH,
            ] {
                assert!(targets.contains(want), "{want} missing");
            }
        }
        other => panic!("no invariant for {other}"),
    }
}

#[test]
fn catalog_is_complete() {
    let names: Vec<&str> = scenarios().iter().map(|s| s.name).collect();
    assert_eq!(names.len(), 17);
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 17);
    for s in scenarios() {
        assert!(
            s.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{}",
            s.name
        );
        assert!(!s.description.is_empty() && !s.description.contains('\n'));
        assert_eq!(scenario_info(s.name), Some(s));
    }
    assert!(build("no-such-attack", 1, &ScenarioOptions::default()).is_none());
    assert!(scenario_info("no-such-attack").is_none());
}

#[test]
fn every_scenario_is_valid_small_and_shows_its_attack() {
    let opts = ScenarioOptions::default();
    for info in scenarios() {
        let sc = build(info.name, 7, &opts).unwrap();
        assert_eq!((sc.attacker, sc.victim), (info.attacker, info.victim));
        assert_eq!(sc.attack_start, FrameTime::new(1_717_264_805, 0));
        let size = pcap_size(&sc.frames);
        assert!(size < 2_000_000, "{}: {size} bytes", info.name);
        assert_eq!(size as usize, pcap_bytes(&sc.frames).len());
        let summary = check_frames(&sc.frames);
        check_invariants(info.name, &parsed(&sc.frames), &summary);
    }
}

#[test]
fn attacks_stay_in_their_window_and_scale() {
    let opts = ScenarioOptions::default();
    let start = FrameTime::new(1_717_264_805, 0);
    let end = start.plus_millis(11_000);
    for info in scenarios() {
        let one = attack_frames(info.name, &mut Rng::new(3), start, &opts).unwrap();
        assert!(one.first().unwrap().time >= start, "{}", info.name);
        assert!(one.last().unwrap().time < end, "{} ends late", info.name);
        if matches!(info.name, "port-scan" | "host-sweep") {
            continue; // bounded by the ports or hosts there are
        }
        let doubled = ScenarioOptions {
            rate_scale: 2.0,
            ..opts
        };
        let two = attack_frames(info.name, &mut Rng::new(3), start, &doubled).unwrap();
        let ratio = two.len() as f64 / one.len() as f64;
        assert!((1.7..2.3).contains(&ratio), "{}: ×{ratio}", info.name);
    }
}

#[test]
fn same_seed_same_bytes() {
    let opts = ScenarioOptions {
        background_secs: 10,
        attack_offset_secs: 2,
        attack_secs: 3,
        ..ScenarioOptions::default()
    };
    for info in scenarios() {
        let a = pcap_bytes(&build(info.name, 11, &opts).unwrap().frames);
        let b = pcap_bytes(&build(info.name, 11, &opts).unwrap().frames);
        let c = pcap_bytes(&build(info.name, 12, &opts).unwrap().frames);
        assert!(a == b, "{} differs between runs", info.name);
        assert!(a != c, "{} ignores the seed", info.name);
    }
}
