//! Keep-alive HTTP connections: timed request/response pairs carried over one TCP session.

use std::net::SocketAddr;

use super::frame::{Frame, FrameTime};
use super::pacing::nanos_between;
use super::rng::Rng;
use super::tcp_session::{Direction, TcpSession};

/// One request and its response; the request leaves the client at `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub at: FrameTime,
    pub request: Vec<u8>,
    pub response: Vec<u8>,
}

/// Endpoints and timing of a keep-alive connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpConnection {
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// Round-trip time; each frame follows the previous one by half of it.
    pub rtt_nanos: u64,
    pub client_ttl: u8,
}

impl HttpConnection {
    /// The handshake starts at the first request's time; each request goes
    /// out at its time (or right after the previous answer, if later) and is
    /// acknowledged and answered; the client closes after the last.
    pub fn frames(&self, rng: &mut Rng, exchanges: &[Exchange]) -> Vec<Frame> {
        let Some(first) = exchanges.first() else {
            return Vec::new();
        };
        let step = (self.rtt_nanos / 2).max(1);
        let mut s = TcpSession::new(self.client, self.server, first.at)
            .with_isns(rng.next_u32(), rng.next_u32())
            .with_step(step)
            .with_ttls(self.client_ttl, 64);
        s.handshake();
        for ex in exchanges {
            let gap = nanos_between(s.now(), ex.at);
            s.wait(gap).client_data(&ex.request).server_data(&ex.response);
        }
        s.close(Direction::ToServer);
        s.into_frames()
    }
}

#[cfg(test)]
mod tests {
    use super::super::http;
    use super::super::test_support::check_frames;
    use super::*;

    #[test]
    fn requests_leave_on_time() {
        let t0 = FrameTime::new(1_000, 0);
        let ex = |ms: u64, path: &str| Exchange {
            at: t0.plus_millis(ms),
            request: http::get_request("h.example", path, "ua", &[]),
            response: http::response(200, "OK", "text/plain", b"ok"),
        };
        let conn = HttpConnection {
            client: "198.51.100.9:40000".parse().unwrap(),
            server: "10.10.0.80:80".parse().unwrap(),
            rtt_nanos: 2_000_000,
            client_ttl: 50,
        };
        let frames = conn.frames(&mut Rng::new(1), &[ex(0, "/a"), ex(500, "/b"), ex(501, "/c")]);
        assert_eq!(frames.len(), 3 + 3 * 4 + 3);
        assert_eq!((frames[0].time, frames[3].time), (t0, t0.plus_millis(3)));
        assert_eq!(frames[7].time, t0.plus_millis(500));
        assert_eq!(frames[11].time, t0.plus_millis(504));
        let s = check_frames(&frames);
        assert_eq!(s.http_requests.len(), 3);
        assert_eq!(s.http_responses.len(), 3);
        assert!(conn.frames(&mut Rng::new(1), &[]).is_empty());
    }
}
