//! DNS tunnelling: a guest device sends many queries with long random labels under one domain and gets TXT/NULL answers.

use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use super::addresses::{RESOLVER, TUNNEL_CLIENT};
use super::dns::{self, Record, qtype};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::pacing::paced;
use super::ports::EphemeralPorts;
use super::rng::Rng;
use super::tcp_session::{Direction, UdpFlow};

/// Lower-case base32 alphabet (RFC 4648) used for the encoded labels.
const BASE32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Parameters of [`dns_tunnel`].
#[derive(Clone, Debug, PartialEq)]
pub struct DnsTunnelParams {
    /// Default the guest 10.20.3.44.
    pub client: Ipv4Addr,
    /// Default the venue resolver 10.10.0.53.
    pub resolver: Ipv4Addr,
    /// Domain the encoded labels sit under. Default `t.exfil.test`.
    pub domain: String,
    /// Queries per second. Default 20.
    pub rate: f64,
    pub duration_secs: f64,
    /// Length of each encoded label. Default 40..=60.
    pub label_len: RangeInclusive<usize>,
    /// Encoded labels per name. Default 2..=3.
    pub labels: RangeInclusive<usize>,
    /// Share of NULL queries (the rest ask for TXT). Default 20.
    pub null_percent: u64,
}

impl Default for DnsTunnelParams {
    fn default() -> Self {
        DnsTunnelParams {
            client: TUNNEL_CLIENT,
            resolver: RESOLVER,
            domain: "t.exfil.test".to_string(),
            rate: 20.0,
            duration_secs: 10.0,
            label_len: 40..=60,
            labels: 2..=3,
            null_percent: 20,
        }
    }
}

fn encoded(rng: &mut Rng, alphabet: &[u8], len: usize) -> Vec<u8> {
    (0..len).map(|_| alphabet[rng.index(alphabet.len())]).collect()
}

/// Queries whose names carry base32 data in long labels, TXT or NULL, to
/// the resolver; it answers each (after the upstream round trip) with a
/// TXT record of base64 text or a NULL record of raw bytes.
pub fn dns_tunnel(rng: &mut Rng, start: FrameTime, p: &DnsTunnelParams) -> Vec<Frame> {
    let mut ports = EphemeralPorts::new(rng);
    let mut frames = Vec::new();
    for t in paced(rng, start, p.rate, p.duration_secs) {
        let labels = rng.size_in(&p.labels).max(1);
        let mut name = String::new();
        for _ in 0..labels {
            let len = rng.size_in(&p.label_len).clamp(1, 63);
            name.extend(encoded(rng, BASE32, len).iter().map(|&b| char::from(b)));
            name.push('.');
        }
        name.push_str(&p.domain);
        let id = rng.next_u32() as u16;
        let (qt, rdata) = if rng.percent(p.null_percent) {
            let len = rng.range(40, 220) as usize;
            (qtype::NULL, rng.byte_vec(len))
        } else {
            let len = rng.range(40, 240) as usize;
            (qtype::TXT, dns::txt_rdata(&[encoded(rng, BASE64, len)]))
        };
        let answer = dns::records_response(
            id,
            &name,
            qt,
            &[Record {
                rtype: qt,
                ttl: 0,
                rdata,
            }],
            None,
        );
        let client = SocketAddr::new(p.client.into(), ports.take());
        let mut flow = UdpFlow::new(client, SocketAddr::new(p.resolver.into(), 53), t)
            .with_step(rng.range(8_000_000, 40_000_000))
            .with_ttls(64, 64);
        flow.send(Direction::ToServer, &dns::query(id, &name, qt))
            .send(Direction::ToClient, &answer);
        frames.extend(flow.into_frames());
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames, parse_dns};
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn long_labels_under_one_domain() {
        let p = DnsTunnelParams::default();
        let frames = dns_tunnel(&mut Rng::new(1), FrameTime::new(1_717_264_805, 0), &p);
        let s = check_frames(&frames);
        assert_eq!(s.dns, 400);
        let mut names = HashSet::new();
        let (mut txt, mut null) = (0, 0);
        for f in &frames {
            let (src, _, L4::Udp { dport, payload, .. }) = check_frame(&f.data).unwrap() else {
                panic!()
            };
            let m = parse_dns(&payload).unwrap();
            let (name, qt) = m.questions[0].clone();
            let prefix = name.strip_suffix(".t.exfil.test").unwrap();
            let labels: Vec<&str> = prefix.split('.').collect();
            assert!((2..=3).contains(&labels.len()));
            assert!(
                labels
                    .iter()
                    .all(|l| (40..=60).contains(&l.len()) && l.bytes().all(|b| BASE32.contains(&b)))
            );
            if dport == 53 {
                assert_eq!(src, std::net::IpAddr::V4(TUNNEL_CLIENT));
                names.insert(name);
            } else {
                assert_eq!(m.answers[0].1, qt);
                if qt == qtype::TXT {
                    txt += 1;
                } else {
                    assert_eq!(qt, qtype::NULL);
                    null += 1;
                }
            }
        }
        assert_eq!(names.len(), 200);
        assert!(txt > 120 && null > 15, "{txt} {null}");
    }
}
