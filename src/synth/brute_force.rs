//! Password guessing: many short SSH and RDP sessions, and web form logins answered 401/403.

use std::net::{IpAddr, SocketAddr};

use super::addresses::{LOGIN_GUESSER, RDP_GUESSER, RDP_HOST, SSH_BASTION, SSH_GUESSER, WEB, WEB_HOST, sock};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::http;
use super::http_conn::{Exchange, HttpConnection};
use super::pacing::paced;
use super::ports::EphemeralPorts;
use super::rdp::{self, RDP_PORT};
use super::rng::Rng;
use super::ssh;
use super::tcp_session::{Direction, TcpSession};
use super::tls;

/// Guesses as a wordlist-driven tool makes them.
const PASSWORDS: [&str; 16] = [
    "123456", "password", "admin", "letmein", "qwerty", "welcome", "changeme", "root", "toor", "P@ssw0rd", "summer",
    "dragon", "monkey", "secret", "master", "login",
];

fn guess(rng: &mut Rng) -> String {
    let word = PASSWORDS[rng.index(PASSWORDS.len())];
    match rng.range(0, 3) {
        0 => word.to_string(),
        1 => format!("{word}{}", rng.range(1, 100)),
        _ => format!("{word}{}", 2015 + rng.range(0, 10)),
    }
}

/// Parameters of [`ssh_brute_force`].
#[derive(Clone, Debug, PartialEq)]
pub struct SshBruteForceParams {
    /// Default 203.0.113.45.
    pub attacker: IpAddr,
    /// Default the bastion 10.10.0.22:22.
    pub server: SocketAddr,
    /// New sessions (login attempts) per second. Default 5.
    pub rate: f64,
    pub duration_secs: f64,
    /// Passwords tried per session before the server closes it. Default 2.
    pub passwords_per_session: usize,
    /// Software in the client's identification line. Default `Go`.
    pub client_software: String,
    /// Software in the server's identification line. Default `OpenSSH_9.6`.
    pub server_software: String,
}

impl Default for SshBruteForceParams {
    fn default() -> Self {
        SshBruteForceParams {
            attacker: SSH_GUESSER.into(),
            server: sock(SSH_BASTION, 22),
            rate: 5.0,
            duration_secs: 10.0,
            passwords_per_session: 2,
            client_software: "Go".to_string(),
            server_software: "OpenSSH_9.6".to_string(),
        }
    }
}

/// One session per attempt: handshake, identification lines, KEXINITs, an
/// ECDH exchange, NEWKEYS, then encrypted authentication requests each
/// answered by a failure, and the server closes the connection.
pub fn ssh_brute_force(rng: &mut Rng, start: FrameTime, p: &SshBruteForceParams) -> Vec<Frame> {
    let mut ports = EphemeralPorts::new(rng);
    let mut host_key = [0u8; 32];
    rng.bytes(&mut host_key);
    let rtt = rng.range(20_000_000, 60_000_000);
    let mut frames = Vec::new();
    for t in paced(rng, start, p.rate, p.duration_secs) {
        let client = SocketAddr::new(p.attacker, ports.take());
        let mut s = TcpSession::new(client, p.server, t)
            .with_isns(rng.next_u32(), rng.next_u32())
            .with_step(rtt / 2)
            .with_ttls(48, 64);
        let mut packet = |make: &dyn Fn(&mut Rng) -> Vec<u8>| {
            let payload = make(rng);
            ssh::binary_packet(rng, &payload)
        };
        let kex_server = packet(&ssh::kexinit);
        let kex_client = packet(&ssh::kexinit);
        let init = packet(&ssh::ecdh_init);
        let mut reply = packet(&|r| ssh::ecdh_reply(r, &host_key));
        reply.extend_from_slice(&packet(&|_| ssh::newkeys()));
        let newkeys = packet(&|_| ssh::newkeys());
        s.handshake()
            .server_data(&ssh::identification(&p.server_software))
            .client_data(&ssh::identification(&p.client_software))
            .server_data(&kex_server)
            .client_data(&kex_client)
            .client_data(&init)
            .server_data(&reply)
            .client_data(&newkeys);
        // Service request and accept, then one request/failure per password.
        let service = ssh::encrypted_packet(rng, 28);
        let accept = ssh::encrypted_packet(rng, 28);
        s.client_data(&service).server_data(&accept);
        for _ in 0..p.passwords_per_session.max(1) {
            let password = guess(rng);
            let attempt = ssh::encrypted_packet(rng, 40 + password.len());
            let failure = ssh::encrypted_packet(rng, 40);
            s.client_data(&attempt).server_data(&failure);
        }
        s.close(Direction::ToClient);
        frames.extend(s.into_frames());
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`rdp_brute_force`].
#[derive(Clone, Debug, PartialEq)]
pub struct RdpBruteForceParams {
    /// Default 198.51.100.61.
    pub attacker: IpAddr,
    /// Default 10.10.0.33:3389.
    pub server: SocketAddr,
    /// New sessions (login attempts) per second. Default 3.
    pub rate: f64,
    pub duration_secs: f64,
    /// User names the sessions cycle through (in the `mstshash` cookie).
    pub users: Vec<String>,
}

impl Default for RdpBruteForceParams {
    fn default() -> Self {
        RdpBruteForceParams {
            attacker: RDP_GUESSER.into(),
            server: sock(RDP_HOST, RDP_PORT),
            rate: 3.0,
            duration_secs: 10.0,
            users: ["administrator", "admin", "user", "test", "scanner"]
                .iter()
                .map(|u| u.to_string())
                .collect(),
        }
    }
}

/// One short session per attempt: X.224 Connection Request (TPKT, cookie,
/// TLS|CredSSP requested) as the first client bytes, Connection Confirm
/// selecting CredSSP, a TLS handshake, NTLM-sized exchanges in TLS records,
/// then the server resets the connection.
pub fn rdp_brute_force(rng: &mut Rng, start: FrameTime, p: &RdpBruteForceParams) -> Vec<Frame> {
    let mut ports = EphemeralPorts::new(rng);
    let rtt = rng.range(20_000_000, 60_000_000);
    let mut frames = Vec::new();
    for (i, t) in paced(rng, start, p.rate, p.duration_secs).into_iter().enumerate() {
        let user = p
            .users
            .get(i % p.users.len().max(1))
            .map_or("administrator", String::as_str);
        let client = SocketAddr::new(p.attacker, ports.take());
        let mut s = TcpSession::new(client, p.server, t)
            .with_isns(rng.next_u32(), rng.next_u32())
            .with_step(rtt / 2)
            .with_ttls(112, 128);
        let hello = tls::client_hello(rng, "rdp.venue.example");
        let mut server_flight = tls::server_hello(rng, &hello.session_id);
        let cert_len = rng.range(900, 1400) as usize;
        server_flight.extend(tls::application_data(rng, cert_len));
        let mut finished = tls::change_cipher_spec();
        finished.extend(tls::application_data(rng, 53));
        let negotiate = tls::application_data(rng, 60);
        let challenge_len = rng.range(250, 330) as usize;
        let challenge = tls::application_data(rng, challenge_len);
        let authenticate_len = rng.range(500, 700) as usize;
        let authenticate = tls::application_data(rng, authenticate_len);
        let failure = tls::application_data(rng, 30);
        s.handshake()
            .client_data(&rdp::connection_request(
                user,
                rdp::protocol::SSL | rdp::protocol::HYBRID,
            ))
            .server_data(&rdp::connection_confirm(rng.next_u32() as u16, rdp::protocol::HYBRID))
            .client_data(&hello.record)
            .server_data(&server_flight)
            .client_data(&finished)
            .client_data(&negotiate)
            .server_data(&challenge)
            .client_data(&authenticate)
            .server_data(&failure)
            .reset(Direction::ToClient);
        frames.extend(s.into_frames());
    }
    sort_by_time(&mut frames);
    frames
}

/// Parameters of [`web_login_brute_force`].
#[derive(Clone, Debug, PartialEq)]
pub struct WebLoginBruteForceParams {
    /// Default 203.0.113.99.
    pub attacker: IpAddr,
    /// Default the web server 10.10.0.80:80.
    pub server: SocketAddr,
    pub host: String,
    /// Default `/login`.
    pub path: String,
    pub username: String,
    /// Login attempts per second. Default 10.
    pub rate: f64,
    pub duration_secs: f64,
    /// Attempts per keep-alive connection. Default 5.
    pub attempts_per_connection: usize,
    /// Failed attempts answered 401 before the account locks and later ones get 403. Default 30.
    pub lockout_after: usize,
}

impl Default for WebLoginBruteForceParams {
    fn default() -> Self {
        WebLoginBruteForceParams {
            attacker: LOGIN_GUESSER.into(),
            server: sock(WEB, 80),
            host: WEB_HOST.to_string(),
            path: "/login".to_string(),
            username: "admin".to_string(),
            rate: 10.0,
            duration_secs: 10.0,
            attempts_per_connection: 5,
            lockout_after: 30,
        }
    }
}

/// Form posts of `username`/guessed password; the server answers 401 with
/// a small JSON body, then 403 once the account is locked.
pub fn web_login_brute_force(rng: &mut Rng, start: FrameTime, p: &WebLoginBruteForceParams) -> Vec<Frame> {
    let mut ports = EphemeralPorts::new(rng);
    let rtt = rng.range(15_000_000, 50_000_000);
    let mut frames = Vec::new();
    let times = paced(rng, start, p.rate, p.duration_secs);
    for (c, batch) in times.chunks(p.attempts_per_connection.max(1)).enumerate() {
        let exchanges: Vec<Exchange> = batch
            .iter()
            .enumerate()
            .map(|(k, &at)| {
                let n = c * p.attempts_per_connection.max(1) + k;
                let body = format!("username={}&password={}&remember=on", p.username, guess(rng));
                let request = http::post_request(
                    &p.host,
                    &p.path,
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
                    "application/x-www-form-urlencoded",
                    body.as_bytes(),
                    &[("Origin", &format!("http://{}", p.host))],
                );
                let response = if n < p.lockout_after {
                    http::response(
                        401,
                        "Unauthorized",
                        "application/json",
                        b"{\"error\":\"invalid credentials\"}\n",
                    )
                } else {
                    http::response(
                        403,
                        "Forbidden",
                        "application/json",
                        b"{\"error\":\"account locked\"}\n",
                    )
                };
                Exchange { at, request, response }
            })
            .collect();
        let conn = HttpConnection {
            client: SocketAddr::new(p.attacker, ports.take()),
            server: p.server,
            rtt_nanos: rtt,
            client_ttl: 47,
        };
        frames.extend(conn.frames(rng, &exchanges));
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{L4, check_frame, check_frames, parse_tls_stream};
    use super::*;
    use std::collections::BTreeMap;

    fn start() -> FrameTime {
        FrameTime::new(1_717_264_805, 0)
    }

    /// Payload streams per (client port, direction to server).
    fn streams(frames: &[Frame], server_port: u16) -> BTreeMap<(u16, bool), Vec<u8>> {
        let mut out: BTreeMap<(u16, bool), Vec<u8>> = BTreeMap::new();
        for f in frames {
            if let (
                _,
                _,
                L4::Tcp {
                    sport, dport, payload, ..
                },
            ) = check_frame(&f.data).unwrap()
            {
                let key = if dport == server_port {
                    (sport, true)
                } else {
                    (dport, false)
                };
                out.entry(key).or_default().extend_from_slice(&payload);
            }
        }
        out
    }

    fn syn_count(frames: &[Frame]) -> usize {
        frames
            .iter()
            .filter(|f| matches!(check_frame(&f.data), Ok((_, _, L4::Tcp { flags: 0x02, .. }))))
            .count()
    }

    #[test]
    fn ssh_sessions() {
        let p = SshBruteForceParams::default();
        let frames = ssh_brute_force(&mut Rng::new(1), start(), &p);
        check_frames(&frames);
        assert_eq!(syn_count(&frames), 50);
        let st = streams(&frames, 22);
        assert_eq!(st.len(), 100);
        for ((_, to_server), data) in st {
            let want: &[u8] = if to_server {
                b"SSH-2.0-Go\r\n"
            } else {
                b"SSH-2.0-OpenSSH_9.6\r\n"
            };
            assert!(data.starts_with(want));
            // KEXINIT follows the identification line.
            assert_eq!(data[want.len() + 5], ssh::MSG_KEXINIT);
        }
        // The server closes every session.
        let server_fins = frames
            .iter()
            .filter(|f| {
                matches!(
                    check_frame(&f.data),
                    Ok((
                        _,
                        _,
                        L4::Tcp {
                            sport: 22,
                            flags: 0x11,
                            ..
                        }
                    ))
                )
            })
            .count();
        assert_eq!(server_fins, 50);
    }

    #[test]
    fn rdp_sessions() {
        let frames = rdp_brute_force(&mut Rng::new(2), start(), &RdpBruteForceParams::default());
        check_frames(&frames);
        assert_eq!(syn_count(&frames), 30);
        for ((_, to_server), data) in streams(&frames, 3389) {
            let tpkt_len = usize::from(u16::from_be_bytes([data[2], data[3]]));
            assert_eq!(data[0], 3);
            assert_eq!(data[5], if to_server { 0xE0 } else { 0xD0 });
            if to_server {
                assert!(data[11..].starts_with(b"Cookie: mstshash="));
            }
            let recs = parse_tls_stream(&data[tpkt_len..]).expect("TLS after X.224");
            assert_eq!(recs[0].0, 22);
        }
    }

    #[test]
    fn web_logins_fail() {
        let p = WebLoginBruteForceParams::default();
        let frames = web_login_brute_force(&mut Rng::new(3), start(), &p);
        let s = check_frames(&frames);
        assert_eq!(s.http_posts.len(), 100);
        assert!(
            s.http_posts
                .iter()
                .all(|(t, b)| t == "/login" && b.starts_with(b"username=admin&password="))
        );
        let statuses: Vec<u16> = s.http_responses.iter().map(|r| r.0).collect();
        assert_eq!(statuses.iter().filter(|&&c| c == 401).count(), 30);
        assert_eq!(statuses.iter().filter(|&&c| c == 403).count(), 70);
        assert_eq!(syn_count(&frames), 20);
    }
}
