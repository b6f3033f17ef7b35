//! One HTTP transaction (a request and its response): fields, progress flags and header accessors.

use super::host::{normalize_host, uri_authority};
use super::{Direction, HttpEvent};

/// A request/response pair. Byte fields are copies of what was received;
/// bodies are de-chunked, decompressed and cut at the body limits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpTx {
    /// 0, 1, 2... per flow, in the order transactions were created (request
    /// order; an unsolicited response gets the next id when it arrives).
    pub id: u64,

    /// Request method as sent (case kept).
    pub method: Vec<u8>,
    /// Request URI as sent.
    pub uri_raw: Vec<u8>,
    /// The `http.uri` form of `uri_raw` (see `normalize_uri`).
    pub uri_normalized: Vec<u8>,
    /// Request protocol, e.g. "HTTP/1.1"; empty for an HTTP/0.9 style line.
    pub protocol: Vec<u8>,
    /// The request line as received, without its line end.
    pub request_line: Vec<u8>,
    /// Request header fields in order, original name case, values trimmed,
    /// folded lines joined with one space; chunked trailers are appended.
    pub request_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The request header block as received (after the request line, line
    /// ends and final empty line included; trailers appended).
    pub request_headers_raw: Vec<u8>,
    /// Request body: de-chunked, decompressed, at most the request body limit.
    pub request_body: Vec<u8>,
    /// Request body bytes seen on the wire after de-chunking, before
    /// decompression and limits.
    pub request_body_len_seen: u64,

    /// The status line as received, without its line end.
    pub response_line: Vec<u8>,
    /// Response protocol, e.g. "HTTP/1.1".
    pub response_protocol: Vec<u8>,
    /// Status code when it is a number from 100 to 999.
    pub status_code: Option<u16>,
    /// Status code as received.
    pub status_code_raw: Vec<u8>,
    /// Reason phrase.
    pub status_msg: Vec<u8>,
    /// Response header fields (see `request_headers`).
    pub response_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The response header block as received (see `request_headers_raw`).
    pub response_headers_raw: Vec<u8>,
    /// Response body: de-chunked, decompressed, at most the response body limit.
    pub response_body: Vec<u8>,
    /// Response body bytes seen on the wire after de-chunking, before
    /// decompression and limits.
    pub response_body_len_seen: u64,

    /// The request header block has been read (or cut short by a gap / end).
    pub request_headers_complete: bool,
    /// The parser is done with the request.
    pub request_complete: bool,
    /// The final (non-1xx) response header block has been read.
    pub response_headers_complete: bool,
    /// The parser is done with the response.
    pub response_complete: bool,
    /// Bytes of the request were lost (gap): its content is incomplete.
    pub request_gap: bool,
    /// Bytes of the response were lost (gap): its content is incomplete.
    pub response_gap: bool,

    /// Anomalies seen in this transaction, each listed once.
    pub events: Vec<HttpEvent>,

    /// A response has been paired with this transaction.
    pub(super) response_bound: bool,
}

fn first<'a>(headers: &'a [(Vec<u8>, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| v.as_slice())
}

fn joined(headers: &[(Vec<u8>, Vec<u8>)], name: &str) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for (_, v) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())) {
        match out.as_mut() {
            None => out = Some(v.clone()),
            Some(o) => {
                o.extend_from_slice(b", ");
                o.extend_from_slice(v);
            }
        }
    }
    out
}

impl HttpTx {
    /// First request header with this name (ASCII case ignored).
    pub fn request_header(&self, name: &str) -> Option<&[u8]> {
        first(&self.request_headers, name)
    }

    /// All request headers with this name, values joined with ", ".
    pub fn request_header_joined(&self, name: &str) -> Option<Vec<u8>> {
        joined(&self.request_headers, name)
    }

    /// First response header with this name (ASCII case ignored).
    pub fn response_header(&self, name: &str) -> Option<&[u8]> {
        first(&self.response_headers, name)
    }

    /// All response headers with this name, values joined with ", ".
    pub fn response_header_joined(&self, name: &str) -> Option<Vec<u8>> {
        joined(&self.response_headers, name)
    }

    /// Host name, lowercased, port removed: from the URI when it is absolute,
    /// else from the (first) Host header.
    pub fn host(&self) -> Option<Vec<u8>> {
        if let Some(a) = uri_authority(&self.uri_raw) {
            return Some(normalize_host(a));
        }
        self.host_raw().map(normalize_host)
    }

    /// The Host header as received.
    pub fn host_raw(&self) -> Option<&[u8]> {
        self.request_header("host")
    }

    /// Request User-Agent.
    pub fn user_agent(&self) -> Option<&[u8]> {
        self.request_header("user-agent")
    }

    /// Request Cookie.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.request_header("cookie")
    }

    /// Response Set-Cookie.
    pub fn set_cookie(&self) -> Option<&[u8]> {
        self.response_header("set-cookie")
    }

    /// Request Referer.
    pub fn referer(&self) -> Option<&[u8]> {
        self.request_header("referer")
    }

    /// Response Content-Type (as logged in EVE `http_content_type`).
    pub fn content_type(&self) -> Option<&[u8]> {
        self.response_header("content-type")
    }

    /// Request Content-Type.
    pub fn request_content_type(&self) -> Option<&[u8]> {
        self.request_header("content-type")
    }

    /// Response Content-Length, as received.
    pub fn content_length(&self) -> Option<&[u8]> {
        self.response_header("content-length")
    }

    /// Request Content-Length, as received.
    pub fn request_content_length(&self) -> Option<&[u8]> {
        self.request_header("content-length")
    }

    /// Response Location.
    pub fn location(&self) -> Option<&[u8]> {
        self.response_header("location")
    }

    /// Response Server.
    pub fn server(&self) -> Option<&[u8]> {
        self.response_header("server")
    }

    /// Both sides are done.
    pub fn is_finished(&self) -> bool {
        self.request_complete && self.response_complete
    }

    /// Records an event once.
    pub(super) fn raise(&mut self, ev: HttpEvent) {
        super::event::push_unique(&mut self.events, ev);
    }

    /// The body of one direction, and the event list, borrowed together.
    pub(super) fn body_and_events(&mut self, dir: Direction) -> (&mut Vec<u8>, &mut Vec<HttpEvent>) {
        match dir {
            Direction::ToServer => (&mut self.request_body, &mut self.events),
            Direction::ToClient => (&mut self.response_body, &mut self.events),
        }
    }

    pub(super) fn add_len_seen(&mut self, dir: Direction, n: usize) {
        let len = match dir {
            Direction::ToServer => &mut self.request_body_len_seen,
            Direction::ToClient => &mut self.response_body_len_seen,
        };
        *len = len.saturating_add(n as u64);
    }

    pub(super) fn set_gap(&mut self, dir: Direction) {
        match dir {
            Direction::ToServer => self.request_gap = true,
            Direction::ToClient => self.response_gap = true,
        }
        self.raise(HttpEvent::Gap(dir));
    }

    /// Forgets an interim (1xx) response so the final one can be stored.
    pub(super) fn clear_response(&mut self) {
        self.response_line.clear();
        self.response_protocol.clear();
        self.status_code = None;
        self.status_code_raw.clear();
        self.status_msg.clear();
        self.response_headers.clear();
        self.response_headers_raw.clear();
        self.response_headers_complete = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn header_lookup() {
        let tx = HttpTx {
            request_headers: h(&[
                ("Host", "Example.com:8080"),
                ("Accept", "a"),
                ("accept", "b"),
                ("Cookie", "c=1"),
            ]),
            response_headers: h(&[("Server", "nginx"), ("Set-Cookie", "x"), ("SET-COOKIE", "y")]),
            ..HttpTx::default()
        };
        assert_eq!(tx.request_header("ACCEPT"), Some(&b"a"[..]));
        assert_eq!(tx.request_header_joined("accept"), Some(b"a, b".to_vec()));
        assert_eq!(tx.request_header_joined("missing"), None);
        assert_eq!(tx.host(), Some(b"example.com".to_vec()));
        assert_eq!(tx.host_raw(), Some(&b"Example.com:8080"[..]));
        assert_eq!(tx.cookie(), Some(&b"c=1"[..]));
        assert_eq!(tx.server(), Some(&b"nginx"[..]));
        assert_eq!(tx.response_header_joined("set-cookie"), Some(b"x, y".to_vec()));
        assert_eq!(tx.user_agent(), None);
    }

    #[test]
    fn host_from_absolute_uri() {
        let tx = HttpTx {
            uri_raw: b"http://Proxy.Example:3128/x".to_vec(),
            request_headers: h(&[("Host", "other")]),
            ..HttpTx::default()
        };
        assert_eq!(tx.host(), Some(b"proxy.example".to_vec()));
        assert_eq!(tx.host_raw(), Some(&b"other"[..]));
    }
}
