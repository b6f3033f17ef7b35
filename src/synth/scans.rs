//! Scans: a rate-paced vertical SYN port scan of one host and a horizontal SYN sweep of one port across a /24.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use super::addresses::{HOST_SWEEPER, SCANNER, SERVER_NET, WEB};
use super::attacks::syn_port_scan;
use super::frame::{Frame, FrameTime, sort_by_time};
use super::pacing::paced;
use super::packet::tcp_flags;
use super::rng::Rng;
use super::tcp_session::{Direction, TcpSession};

/// Parameters of [`port_scan`].
#[derive(Clone, Debug, PartialEq)]
pub struct PortScanParams {
    /// Default 203.0.113.7.
    pub scanner: IpAddr,
    /// Default the web server 10.10.0.80.
    pub target: IpAddr,
    /// Ports probed, in random order. Default 1..=1024.
    pub ports: RangeInclusive<u16>,
    /// Ports that answer SYN/ACK (the rest answer RST/ACK). Default 22, 80, 443.
    pub open: Vec<u16>,
    /// Probes per second. Default 150.
    pub rate: f64,
    /// The scan stops at the end of the window even if ports remain.
    pub duration_secs: f64,
}

impl Default for PortScanParams {
    fn default() -> Self {
        PortScanParams {
            scanner: SCANNER.into(),
            target: WEB.into(),
            ports: 1..=1024,
            open: vec![22, 80, 443],
            rate: 150.0,
            duration_secs: 10.0,
        }
    }
}

/// Half-open SYN probes of one host's ports in shuffled order at the given
/// rate (each probe as [`syn_port_scan`] makes it); ends when the ports or
/// the window run out.
pub fn port_scan(rng: &mut Rng, start: FrameTime, p: &PortScanParams) -> Vec<Frame> {
    let mut ports: Vec<u16> = p.ports.clone().collect();
    for i in (1..ports.len()).rev() {
        ports.swap(i, rng.index(i + 1));
    }
    let mut frames = Vec::new();
    for (t, port) in paced(rng, start, p.rate, p.duration_secs).into_iter().zip(ports) {
        frames.extend(syn_port_scan(rng, t, p.scanner, p.target, port..=port, &p.open));
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`host_sweep`].
#[derive(Clone, Debug, PartialEq)]
pub struct HostSweepParams {
    /// Default 203.0.113.12.
    pub scanner: Ipv4Addr,
    /// Any address of the /24 swept (hosts .1 to .254). Default 10.10.0.0.
    pub network: Ipv4Addr,
    /// Default 445.
    pub port: u16,
    /// Hosts (last octet) listening on the port: they answer SYN/ACK. Default .33.
    pub listening: Vec<u8>,
    /// Hosts that are up without the service: they answer RST/ACK. The
    /// rest do not answer. Default the other venue servers.
    pub closed: Vec<u8>,
    /// Probes per second. Default 30.
    pub rate: f64,
    pub duration_secs: f64,
}

impl Default for HostSweepParams {
    fn default() -> Self {
        HostSweepParams {
            scanner: HOST_SWEEPER,
            network: SERVER_NET,
            port: 445,
            listening: vec![33],
            closed: vec![1, 22, 53, 80, 81, 82, 123],
            rate: 30.0,
            duration_secs: 10.0,
        }
    }
}

/// SYNs from one source port to one port of every host of a /24, in
/// address order; listening hosts answer SYN/ACK (and get a RST), closed
/// ones RST/ACK, absent ones nothing.
pub fn host_sweep(rng: &mut Rng, start: FrameTime, p: &HostSweepParams) -> Vec<Frame> {
    let [a, b, c, _] = p.network.octets();
    let src_port = rng.range(40_000, 65_000) as u16;
    let mut frames = Vec::new();
    for (t, host) in paced(rng, start, p.rate, p.duration_secs).into_iter().zip(1u8..=254) {
        let target = IpAddr::V4(Ipv4Addr::new(a, b, c, host));
        if p.listening.contains(&host) || p.closed.contains(&host) {
            let open: &[u16] = if p.listening.contains(&host) { &[p.port] } else { &[] };
            frames.extend(syn_port_scan(rng, t, p.scanner.into(), target, p.port..=p.port, open));
        } else {
            let mut s = TcpSession::new(
                SocketAddr::new(p.scanner.into(), src_port),
                SocketAddr::new(target, p.port),
                t,
            )
            .with_isns(rng.next_u32(), 0)
            .with_ttls(45, 64);
            s.segment(Direction::ToServer, tcp_flags::SYN, &[]);
            frames.extend(s.into_frames());
        }
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames};
    use super::*;
    use std::collections::BTreeSet;

    fn start() -> FrameTime {
        FrameTime::new(1_717_264_805, 0)
    }

    #[test]
    fn port_scan_rate_and_coverage() {
        let frames = port_scan(&mut Rng::new(1), start(), &PortScanParams::default());
        check_frames(&frames);
        let mut ports = BTreeSet::new();
        let mut synacks = BTreeSet::new();
        for f in &frames {
            let (
                src,
                _,
                L4::Tcp {
                    dport, sport, flags, ..
                },
            ) = check_frame(&f.data).unwrap()
            else {
                panic!()
            };
            if flags == tcp_flags::SYN {
                assert_eq!(src, IpAddr::V4(SCANNER));
                ports.insert(dport);
            } else if flags == tcp_flags::SYN | tcp_flags::ACK {
                synacks.insert(sport);
            }
        }
        assert_eq!(ports.len(), 1024);
        assert_eq!(synacks.into_iter().collect::<Vec<_>>(), [22, 80, 443]);
        // 1024 probes at 150/s: done after about 6.8 s.
        let span = frames.last().unwrap().time.as_nanos() - start().as_nanos();
        assert!((6_700_000_000..7_000_000_000).contains(&span), "{span}");
        let short = port_scan(
            &mut Rng::new(1),
            start(),
            &PortScanParams {
                duration_secs: 2.0,
                ..PortScanParams::default()
            },
        );
        let probes = short.iter().filter(|f| f.data[47] == tcp_flags::SYN).count();
        assert_eq!(probes, 300);
    }

    #[test]
    fn sweep_answers() {
        let p = HostSweepParams::default();
        let frames = host_sweep(&mut Rng::new(2), start(), &p);
        check_frames(&frames);
        let (mut targets, mut rst, mut synack) = (BTreeSet::new(), 0, 0);
        for f in &frames {
            let (_, dst, L4::Tcp { dport, flags, .. }) = check_frame(&f.data).unwrap() else {
                panic!()
            };
            match flags {
                tcp_flags::SYN => {
                    assert_eq!(dport, 445);
                    targets.insert(dst);
                }
                0x14 => rst += 1,
                0x12 => synack += 1,
                _ => {}
            }
        }
        assert_eq!((targets.len(), rst, synack), (254, 7, 1));
        assert_eq!(frames.len(), 254 + 7 + 2);
    }
}
