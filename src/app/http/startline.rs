//! Parsing of the first line of a message: request line and status line.

use super::bytes::{is_http_version, is_space, is_token, split_at_space, starts_with_ci, trim, trim_end, trim_start};

/// The parts of a request line (CR already removed).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct RequestLine<'a> {
    pub method: &'a [u8],
    pub uri: &'a [u8],
    /// Empty for an HTTP/0.9 style line.
    pub protocol: &'a [u8],
    pub leading_whitespace: bool,
    /// No URI, a method that is not a token, or an invalid protocol.
    pub malformed: bool,
}

/// Splits a request line. The protocol is the last word when it starts with
/// "HTTP/" (so a URI holding spaces stays whole); otherwise, with a single
/// word after the method, there is no protocol (HTTP/0.9); otherwise the URI
/// is the first word and the protocol the rest (flagged malformed).
pub(super) fn parse_request_line(line: &[u8]) -> RequestLine<'_> {
    let leading_whitespace = line.first().is_some_and(|&b| is_space(b));
    let l = trim(line);
    let (method, rest) = split_at_space(l);
    let rest = trim_start(rest);
    let mut malformed = !is_token(method);
    let (uri, protocol) = match rest.iter().rposition(|&b| is_space(b)) {
        None => (rest, &rest[..0]),
        Some(p) => {
            let last = rest.get(p + 1..).unwrap_or_default();
            if starts_with_ci(last, b"HTTP/") {
                (trim_end(rest.get(..p).unwrap_or_default()), last)
            } else {
                let (uri, proto) = split_at_space(rest);
                (uri, trim(proto))
            }
        }
    };
    if uri.is_empty() || (!protocol.is_empty() && !is_http_version(protocol)) {
        malformed = true;
    }
    RequestLine {
        method,
        uri,
        protocol,
        leading_whitespace,
        malformed,
    }
}

/// The parts of a status line (CR already removed).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct StatusLine<'a> {
    pub protocol: &'a [u8],
    pub code_raw: &'a [u8],
    /// The code when it is a number from 100 to 999.
    pub code: Option<u16>,
    pub message: &'a [u8],
    pub protocol_valid: bool,
}

/// Splits a status line: protocol, status code, reason phrase.
pub(super) fn parse_status_line(line: &[u8]) -> StatusLine<'_> {
    let l = trim(line);
    let (protocol, rest) = split_at_space(l);
    let (code_raw, message) = split_at_space(trim_start(rest));
    let code = parse_status_code(code_raw);
    StatusLine {
        protocol,
        code_raw,
        code,
        message: trim(message),
        protocol_valid: is_http_version(protocol),
    }
}

fn parse_status_code(raw: &[u8]) -> Option<u16> {
    if raw.is_empty() || raw.len() > 3 || !raw.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = raw.iter().fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    (100..=999).contains(&v).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let r = parse_request_line(b"GET /index.html HTTP/1.1");
        assert_eq!(
            (r.method, r.uri, r.protocol),
            (&b"GET"[..], &b"/index.html"[..], &b"HTTP/1.1"[..])
        );
        assert!(!r.malformed && !r.leading_whitespace);

        let r = parse_request_line(b"GET /x");
        assert_eq!((r.method, r.uri, r.protocol), (&b"GET"[..], &b"/x"[..], &b""[..]));
        assert!(!r.malformed);

        let r = parse_request_line(b"GET /a b HTTP/1.0");
        assert_eq!(r.uri, b"/a b");
        assert_eq!(r.protocol, b"HTTP/1.0");

        let r = parse_request_line(b"  POST\t/x \t HTTP/1.1  ");
        assert!(r.leading_whitespace);
        assert_eq!(
            (r.method, r.uri, r.protocol),
            (&b"POST"[..], &b"/x"[..], &b"HTTP/1.1"[..])
        );

        let r = parse_request_line(b"GET /a FOO/1");
        assert_eq!((r.uri, r.protocol), (&b"/a"[..], &b"FOO/1"[..]));
        assert!(r.malformed);

        let r = parse_request_line(b"GET");
        assert!(r.malformed);
        assert!(r.uri.is_empty());

        let r = parse_request_line(b"G\x01T /x HTTP/1.1");
        assert!(r.malformed);

        let r = parse_request_line(b"GET / HTTP/1.x");
        assert!(r.malformed);
        assert_eq!(r.protocol, b"HTTP/1.x");
    }

    #[test]
    fn status_lines() {
        let s = parse_status_line(b"HTTP/1.1 200 OK");
        assert_eq!(
            (s.protocol, s.code_raw, s.code, s.message),
            (&b"HTTP/1.1"[..], &b"200"[..], Some(200), &b"OK"[..])
        );
        assert!(s.protocol_valid);

        let s = parse_status_line(b"HTTP/1.0 404 Not  Found ");
        assert_eq!(s.message, b"Not  Found");

        let s = parse_status_line(b"HTTP/1.1 2XX Weird");
        assert_eq!((s.code_raw, s.code), (&b"2XX"[..], None));

        let s = parse_status_line(b"HTTP/1.1 099 x");
        assert_eq!(s.code, None);
        let s = parse_status_line(b"HTTP/1.1 1000 x");
        assert_eq!(s.code, None);

        let s = parse_status_line(b"HTTP/1.1");
        assert_eq!((s.code_raw, s.code), (&b""[..], None));

        let s = parse_status_line(b"HTTP/x 200");
        assert!(!s.protocol_valid);
        assert_eq!(s.code, Some(200));
    }
}
