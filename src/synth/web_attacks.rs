//! Web exploit requests for signature tests: SQL injection, XSS, path traversal, command injection and Log4Shell, one request each.

use std::net::{IpAddr, SocketAddr};

use super::addresses::{WEB, WEB_ATTACKER, sock};
use super::attacks::{WEB_HOST, http_exchange, log4shell_user_agent, path_traversal, sql_injection};
use super::frame::{Frame, FrameTime, sort_by_time};
use super::http;
use super::pacing::spread;
use super::rng::Rng;

/// Reflected XSS in a query parameter, sent raw as many tools do.
pub const XSS_PATH: &str = "/search?q=<script>alert(1)</script>";
/// The same XSS percent-encoded, as a browser would send it.
pub const XSS_ENCODED_PATH: &str = "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
/// Command injection appending a command to a parameter; decodes to
/// `host=127.0.0.1;cat /etc/passwd`.
pub const CMD_INJECTION_CAT_PATH: &str = "/tools/ping?host=127.0.0.1;cat%20/etc/passwd";
/// Command injection through command substitution.
pub const CMD_INJECTION_SUBST_PATH: &str = "/tools/ping?host=$(id)";

const BROWSER_UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";

/// A GET for `path` answered with `status`.
fn probe(rng: &mut Rng, start: FrameTime, attacker: IpAddr, server: SocketAddr, path: &str, status: u16) -> Vec<Frame> {
    let req = http::get_request(WEB_HOST, path, BROWSER_UA, &[]);
    let resp = match status {
        200 => http::response(200, "OK", "text/html", &http::html_page("Search", "No results.")),
        _ => http::response(400, "Bad Request", "text/plain", b"bad request\n"),
    };
    http_exchange(rng, start, attacker, server, &req, &resp)
}

/// XSS probe (`raw` picks [`XSS_PATH`] over [`XSS_ENCODED_PATH`]); the page answers 200.
pub fn xss(rng: &mut Rng, start: FrameTime, attacker: IpAddr, server: SocketAddr, raw: bool) -> Vec<Frame> {
    let path = if raw { XSS_PATH } else { XSS_ENCODED_PATH };
    probe(rng, start, attacker, server, path, 200)
}

/// Command injection probe (`substitution` picks `$(id)` over `;cat /etc/passwd`); answered 400.
pub fn command_injection(
    rng: &mut Rng,
    start: FrameTime,
    attacker: IpAddr,
    server: SocketAddr,
    substitution: bool,
) -> Vec<Frame> {
    let path = if substitution {
        CMD_INJECTION_SUBST_PATH
    } else {
        CMD_INJECTION_CAT_PATH
    };
    probe(rng, start, attacker, server, path, 400)
}

/// Parameters of [`web_attack_mix`].
#[derive(Clone, Debug, PartialEq)]
pub struct WebAttackParams {
    /// Default 203.0.113.66.
    pub attacker: IpAddr,
    /// Default the web server 10.10.0.80:80.
    pub server: SocketAddr,
    pub duration_secs: f64,
    /// Times the whole set of seven requests is sent. Default 1.
    pub rounds: usize,
}

impl Default for WebAttackParams {
    fn default() -> Self {
        WebAttackParams {
            attacker: WEB_ATTACKER.into(),
            server: sock(WEB, 80),
            duration_secs: 10.0,
            rounds: 1,
        }
    }
}

/// Requests carried by one round of [`web_attack_mix`], in order.
pub const WEB_ATTACKS_PER_ROUND: usize = 7;

/// SQL injection, raw and encoded XSS, path traversal, both command
/// injections and a Log4Shell User-Agent, each on its own connection, the
/// rounds spread evenly over the window.
pub fn web_attack_mix(rng: &mut Rng, start: FrameTime, p: &WebAttackParams) -> Vec<Frame> {
    let count = (p.rounds * WEB_ATTACKS_PER_ROUND) as u64;
    let (a, srv) = (p.attacker, p.server);
    let mut frames = Vec::new();
    for (i, t) in spread(rng, start, count, p.duration_secs).into_iter().enumerate() {
        frames.extend(match i % WEB_ATTACKS_PER_ROUND {
            0 => sql_injection(rng, t, a, srv),
            1 => xss(rng, t, a, srv, true),
            2 => xss(rng, t, a, srv, false),
            3 => path_traversal(rng, t, a, srv),
            4 => command_injection(rng, t, a, srv, false),
            5 => command_injection(rng, t, a, srv, true),
            _ => log4shell_user_agent(rng, t, a, srv),
        });
    }
    sort_by_time(&mut frames);
    frames
}

#[cfg(test)]
mod tests {
    use super::super::attacks::{JNDI_USER_AGENT, SQLI_PATH, TRAVERSAL_PATH};
    use super::super::test_support::check_frames;
    use super::*;

    #[test]
    fn every_exploit_is_sent() {
        let frames = web_attack_mix(
            &mut Rng::new(1),
            FrameTime::new(1_717_264_805, 0),
            &WebAttackParams::default(),
        );
        let s = check_frames(&frames);
        let mut targets: Vec<&str> = s.http_requests.iter().map(|(t, _)| t.as_str()).collect();
        targets.sort_unstable();
        let mut want = vec![
            SQLI_PATH,
            XSS_PATH,
            XSS_ENCODED_PATH,
            TRAVERSAL_PATH,
            CMD_INJECTION_CAT_PATH,
            CMD_INJECTION_SUBST_PATH,
            "/",
        ];
        want.sort_unstable();
        assert_eq!(targets, want);
        let ua = s
            .http_requests
            .iter()
            .flat_map(|(_, h)| h)
            .any(|(n, v)| n == "User-Agent" && v == JNDI_USER_AGENT);
        assert!(ua);
        assert_eq!(s.http_responses.len(), 7);
        let two = web_attack_mix(
            &mut Rng::new(1),
            FrameTime::new(1_717_264_805, 0),
            &WebAttackParams {
                rounds: 2,
                ..WebAttackParams::default()
            },
        );
        assert_eq!(check_frames(&two).http_requests.len(), 14);
    }
}
