//! Named attack scenarios: one attack mixed into benign venue background, with a catalog of names, addresses and descriptions.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use super::addresses::{
    EXFIL_CLIENT, EXFIL_SERVER, HOST_SWEEPER, HTTP_FLOODERS, ICMP_FLOODER, LOGIN_GUESSER, RDP_GUESSER, RDP_HOST,
    RESOLVER, SCANNER, SERVER_NET, SSH_BASTION, SSH_GUESSER, TICKET_API, TUNNEL_CLIENT, UDP_FLOODER, WEB, WEB_ATTACKER,
    reflector,
};
use super::brute_force::{
    RdpBruteForceParams, SshBruteForceParams, WebLoginBruteForceParams, rdp_brute_force, ssh_brute_force,
    web_login_brute_force,
};
use super::bundle::{FLOWS_PER_SEC, START};
use super::exfil::{BulkExfilParams, bulk_exfil};
use super::floods::{
    HttpFloodParams, IcmpFloodParams, SynFloodParams, UdpFloodParams, http_flood, icmp_flood, syn_flood, udp_flood,
};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::pcap_writer::write_ethernet_pcap;
use super::reflection::{
    CldapReflectionParams, DnsAmplificationParams, MemcachedReflectionParams, NtpReflectionParams,
    SsdpReflectionParams, cldap_reflection, dns_amplification, memcached_reflection, ntp_reflection, ssdp_reflection,
};
use super::rng::Rng;
use super::scans::{HostSweepParams, PortScanParams, host_sweep, port_scan};
use super::tunnel::{DnsTunnelParams, dns_tunnel};
use super::venue::venue_traffic;
use super::web_attacks::{WebAttackParams, web_attack_mix};

/// One entry of the scenario catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScenarioInfo {
    /// Stable kebab-case name; also the capture's file stem.
    pub name: &'static str,
    pub description: &'static str,
    /// Source of the attack traffic. For reflection attacks the first
    /// reflector of the set; for bulk-exfil the uploading guest device;
    /// 0.0.0.0 for the SYN flood, whose sources are all spoofed.
    pub attacker: IpAddr,
    /// Target of the attack; for host-sweep the swept network 10.10.0.0/24;
    /// for bulk-exfil the external host receiving the upload.
    pub victim: IpAddr,
}

/// How a scenario is put together.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScenarioOptions {
    /// Length of the benign background. Default 30 s.
    pub background_secs: u64,
    /// When the attack starts, from the capture start. Default 5 s.
    pub attack_offset_secs: u64,
    /// How long the attack lasts. Default 10 s.
    pub attack_secs: u64,
    /// Multiplies the attack's rates (packets, attempts, bytes or requests per second). Default 1.
    pub rate_scale: f64,
    /// Background flows per second. Default 4, as in the bundled captures.
    pub flows_per_sec: f64,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        ScenarioOptions {
            background_secs: 30,
            attack_offset_secs: 5,
            attack_secs: 10,
            rate_scale: 1.0,
            flows_per_sec: FLOWS_PER_SEC,
        }
    }
}

/// A built scenario: time-ordered frames of background and attack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub frames: Vec<Frame>,
    pub attack_start: FrameTime,
    pub attacker: IpAddr,
    pub victim: IpAddr,
}

const fn v4(a: Ipv4Addr) -> IpAddr {
    IpAddr::V4(a)
}

/// Bytes per second of the bulk-exfil scenario at rate scale 1 (the upload
/// generator's own default, 20 MB in 60 s, would not fit a small capture).
pub const EXFIL_SCENARIO_BYTES_PER_SEC: f64 = 100_000.0;

static SCENARIOS: [ScenarioInfo; 17] = [
    ScenarioInfo {
        name: "port-scan",
        description: "SYN scan of ports 1-1024 of the web server at 150 probes/s; 22, 80, 443 open",
        attacker: v4(SCANNER),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "host-sweep",
        description: "SYN sweep of port 445 across 10.10.0.1-254 at 30 probes/s from one source",
        attacker: v4(HOST_SWEEPER),
        victim: v4(SERVER_NET),
    },
    ScenarioInfo {
        name: "syn-flood",
        description: "1,500 SYN/s to 10.10.0.81:443, every SYN from a new spoofed source; 10% get a SYN/ACK",
        attacker: v4(Ipv4Addr::UNSPECIFIED),
        victim: v4(TICKET_API),
    },
    ScenarioInfo {
        name: "udp-flood",
        description: "500 datagrams/s of 64-256 random bytes to random high ports of the web server",
        attacker: v4(UDP_FLOODER),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "icmp-flood",
        description: "80 echo requests/s with 1,000-byte payloads to the web server; 20% answered",
        attacker: v4(ICMP_FLOODER),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "dns-amplification",
        description: "200 open resolvers send 90 ANY/TXT answers/s of 1,000-1,472 bytes from port 53; 2% queried",
        attacker: v4(reflector(0)),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "ntp-reflection",
        description: "100 NTP servers send 200 mode 7 monlist packets/s (468-byte IP packets, 10 per request)",
        attacker: v4(reflector(2000)),
        victim: v4(TICKET_API),
    },
    ScenarioInfo {
        name: "ssdp-reflection",
        description: "150 UPnP devices send 250 SSDP \"HTTP/1.1 200 OK\" answers/s from port 1900, 8 per request",
        attacker: v4(reflector(4000)),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "memcached-reflection",
        description: "80 memcached servers send 80 VALUE datagrams/s (up to 1,400 bytes, 8 per request) from 11211",
        attacker: v4(reflector(6000)),
        victim: v4(TICKET_API),
    },
    ScenarioInfo {
        name: "cldap-reflection",
        description: "120 directory servers send 80 root DSE searchResEntry answers/s (~1,450 bytes) from port 389",
        attacker: v4(reflector(8000)),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "ssh-brute-force",
        description: "5 SSH sessions/s to the bastion, each with banners, key exchange, 2 failed passwords",
        attacker: v4(SSH_GUESSER),
        victim: v4(SSH_BASTION),
    },
    ScenarioInfo {
        name: "rdp-brute-force",
        description: "3 RDP sessions/s: X.224 request with mstshash cookie, TLS, CredSSP-sized records, reset",
        attacker: v4(RDP_GUESSER),
        victim: v4(RDP_HOST),
    },
    ScenarioInfo {
        name: "http-flood",
        description: "80 GET/s with cache-busting queries from 3 hosts over keep-alive connections, all 200",
        attacker: v4(HTTP_FLOODERS[0]),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "web-login-brute-force",
        description: "10 POST /login/s with guessed passwords; 30 answered 401, then 403 (account locked)",
        attacker: v4(LOGIN_GUESSER),
        victim: v4(WEB),
    },
    ScenarioInfo {
        name: "dns-tunnel",
        description: "20 TXT/NULL queries/s with 2-3 base32 labels of 40-60 characters under t.exfil.test",
        attacker: v4(TUNNEL_CLIENT),
        victim: v4(RESOLVER),
    },
    ScenarioInfo {
        name: "bulk-exfil",
        description: "A guest uploads 1 MB in 10 s over 2 TLS connections to one external host on 443",
        attacker: v4(EXFIL_CLIENT),
        victim: v4(EXFIL_SERVER),
    },
    ScenarioInfo {
        name: "web-attacks",
        description: "SQL injection, raw and encoded XSS, path traversal, two command injections, Log4Shell",
        attacker: v4(WEB_ATTACKER),
        victim: v4(WEB),
    },
];

/// The scenario catalog, in a stable order.
pub fn scenarios() -> &'static [ScenarioInfo] {
    &SCENARIOS
}

/// The catalog entry named `name`.
pub fn scenario_info(name: &str) -> Option<&'static ScenarioInfo> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The attack of scenario `name` alone (no background), starting at
/// `start` and lasting `opts.attack_secs` at `opts.rate_scale`.
pub fn attack_frames(name: &str, rng: &mut Rng, start: FrameTime, opts: &ScenarioOptions) -> Option<Vec<Frame>> {
    let d = opts.attack_secs as f64;
    let k = opts.rate_scale;
    let frames = match name {
        "port-scan" => {
            let p = PortScanParams::default();
            port_scan(
                rng,
                start,
                &PortScanParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "host-sweep" => {
            let p = HostSweepParams::default();
            host_sweep(
                rng,
                start,
                &HostSweepParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "syn-flood" => {
            let p = SynFloodParams::default();
            syn_flood(
                rng,
                start,
                &SynFloodParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "udp-flood" => {
            let p = UdpFloodParams::default();
            udp_flood(
                rng,
                start,
                &UdpFloodParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "icmp-flood" => {
            let p = IcmpFloodParams::default();
            icmp_flood(
                rng,
                start,
                &IcmpFloodParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "dns-amplification" => {
            let mut p = DnsAmplificationParams::default();
            p.reflection.rate *= k;
            p.reflection.duration_secs = d;
            dns_amplification(rng, start, &p)
        }
        "ntp-reflection" => {
            let mut p = NtpReflectionParams::default();
            p.reflection.rate *= k;
            p.reflection.duration_secs = d;
            ntp_reflection(rng, start, &p)
        }
        "ssdp-reflection" => {
            let mut p = SsdpReflectionParams::default();
            p.reflection.rate *= k;
            p.reflection.duration_secs = d;
            ssdp_reflection(rng, start, &p)
        }
        "memcached-reflection" => {
            let mut p = MemcachedReflectionParams::default();
            p.reflection.rate *= k;
            p.reflection.duration_secs = d;
            memcached_reflection(rng, start, &p)
        }
        "cldap-reflection" => {
            let mut p = CldapReflectionParams::default();
            p.reflection.rate *= k;
            p.reflection.duration_secs = d;
            cldap_reflection(rng, start, &p)
        }
        "ssh-brute-force" => {
            let p = SshBruteForceParams::default();
            ssh_brute_force(
                rng,
                start,
                &SshBruteForceParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "rdp-brute-force" => {
            let p = RdpBruteForceParams::default();
            rdp_brute_force(
                rng,
                start,
                &RdpBruteForceParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "http-flood" => {
            let p = HttpFloodParams::default();
            http_flood(
                rng,
                start,
                &HttpFloodParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "web-login-brute-force" => {
            let p = WebLoginBruteForceParams::default();
            let p = WebLoginBruteForceParams {
                rate: p.rate * k,
                duration_secs: d,
                ..p
            };
            web_login_brute_force(rng, start, &p)
        }
        "dns-tunnel" => {
            let p = DnsTunnelParams::default();
            dns_tunnel(
                rng,
                start,
                &DnsTunnelParams {
                    rate: p.rate * k,
                    duration_secs: d,
                    ..p
                },
            )
        }
        "bulk-exfil" => {
            let p = BulkExfilParams {
                bytes: (EXFIL_SCENARIO_BYTES_PER_SEC * k * d) as u64,
                duration_secs: d,
                ..BulkExfilParams::default()
            };
            bulk_exfil(rng, start, &p)
        }
        "web-attacks" => {
            let p = WebAttackParams {
                duration_secs: d,
                rounds: (k.round() as usize).max(1),
                ..WebAttackParams::default()
            };
            web_attack_mix(rng, start, &p)
        }
        _ => return None,
    };
    Some(frames)
}

/// FNV-1a of the name, so each scenario's attack draws its own numbers.
fn name_seed(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// Builds scenario `name` (`None` if the catalog has no such name): benign
/// venue background from the capture start (2024-06-01T18:00:00Z) with the
/// attack mixed in at `opts.attack_offset_secs`, all frames time-ordered.
/// The background depends on the seed only, so every scenario of one seed
/// shares it; the attack depends on the seed and the name. The same
/// arguments always give the same frames.
pub fn build(name: &str, seed: u64, opts: &ScenarioOptions) -> Option<Scenario> {
    let info = scenario_info(name)?;
    let attack_start = START.plus_nanos(opts.attack_offset_secs.saturating_mul(1_000_000_000));
    let mut rng = Rng::new(seed ^ name_seed(name));
    let mut frames = attack_frames(name, &mut rng, attack_start, opts)?;
    let background_seed = Rng::new(seed ^ 0x5CE7_A210_BAC6_0001).next_u64();
    let mut all = venue_traffic(background_seed, START, opts.background_secs, opts.flows_per_sec);
    all.append(&mut frames);
    sort_by_time(&mut all);
    Some(Scenario {
        frames: all,
        attack_start,
        attacker: info.attacker,
        victim: info.victim,
    })
}

/// Writes the scenario as an Ethernet, microsecond-resolution pcap file.
pub fn write_scenario(path: &Path, scenario: &Scenario) -> io::Result<()> {
    write_ethernet_pcap(path, &scenario.frames).map(|_| ())
}

/// Size in bytes of the classic pcap file holding `frames`.
pub fn pcap_size(frames: &[Frame]) -> u64 {
    24 + frames.iter().map(|f| 16 + f.data.len() as u64).sum::<u64>()
}
