//! How a message body is delimited (none, Content-Length, chunked, until close, tunnel) and how it is encoded.

use super::bytes::trim;
use super::event::push_unique;
use super::{Direction, HttpEvent};

/// How the body of a message ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BodyKind {
    None,
    Length(u64),
    Chunked,
    UntilClose,
    /// The connection stops carrying HTTP (CONNECT accepted, 101).
    Tunnel,
}

/// A content coding the parser can undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Coding {
    Gzip,
    Deflate,
}

/// Most stacked codings decoded.
pub(super) const MAX_CODING_LAYERS: usize = 3;

fn values<'a>(headers: &'a [(Vec<u8>, Vec<u8>)], name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| v.as_slice())
}

fn tokens<'a>(headers: &'a [(Vec<u8>, Vec<u8>)], name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    values(headers, name)
        .flat_map(|v| v.split(|&b| b == b','))
        .map(trim)
        .filter(|t| !t.is_empty())
}

/// Parses one Content-Length value: decimal digits, surrounding whitespace
/// allowed. `Err(Some(n))` when digits are followed by junk (n is usable),
/// `Err(None)` when there is no usable number.
fn parse_length(v: &[u8]) -> Result<u64, Option<u64>> {
    let t = trim(v);
    let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err(None);
    }
    let mut n: u64 = 0;
    for &d in t.get(..digits).unwrap_or_default() {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or(None)?;
    }
    if digits == t.len() { Ok(n) } else { Err(Some(n)) }
}

/// The Content-Length of a message, with events for invalid or repeated
/// values. The first usable value wins.
fn content_length(headers: &[(Vec<u8>, Vec<u8>)], dir: Direction, events: &mut Vec<HttpEvent>) -> Option<u64> {
    let mut first: Option<u64> = None;
    let mut seen = 0usize;
    for v in values(headers, "content-length") {
        for part in v.split(|&b| b == b',') {
            seen += 1;
            let n = match parse_length(part) {
                Ok(n) => Some(n),
                Err(n) => {
                    push_unique(events, HttpEvent::InvalidContentLength(dir));
                    n
                }
            };
            match (first, n) {
                (None, Some(n)) => first = Some(n),
                (Some(f), Some(n)) if f != n => push_unique(events, HttpEvent::InvalidContentLength(dir)),
                _ => {}
            }
        }
    }
    if seen > 1 {
        push_unique(events, HttpEvent::DuplicateContentLength(dir));
    }
    first
}

/// True when Transfer-Encoding asks for chunked; raises an event when the
/// value is anything but exactly "chunked".
fn is_chunked(headers: &[(Vec<u8>, Vec<u8>)], dir: Direction, events: &mut Vec<HttpEvent>) -> bool {
    let all: Vec<&[u8]> = values(headers, "transfer-encoding").collect();
    if all.is_empty() {
        return false;
    }
    let exact = all.len() == 1 && all.first().is_some_and(|v| trim(v).eq_ignore_ascii_case(b"chunked"));
    if !exact {
        push_unique(events, HttpEvent::InvalidTransferEncoding(dir));
    }
    tokens(headers, "transfer-encoding").any(|t| t.eq_ignore_ascii_case(b"chunked"))
}

fn length_or_chunked(headers: &[(Vec<u8>, Vec<u8>)], dir: Direction, events: &mut Vec<HttpEvent>) -> Option<BodyKind> {
    let chunked = is_chunked(headers, dir, events);
    let length = content_length(headers, dir, events);
    if chunked {
        if values(headers, "content-length").next().is_some() {
            push_unique(events, HttpEvent::AmbiguousBodyLength(dir));
        }
        return Some(BodyKind::Chunked);
    }
    length.map(BodyKind::Length)
}

/// Body of a request: chunked, else Content-Length, else none.
pub(super) fn request_body(headers: &[(Vec<u8>, Vec<u8>)], events: &mut Vec<HttpEvent>) -> BodyKind {
    length_or_chunked(headers, Direction::ToServer, events).unwrap_or(BodyKind::None)
}

/// Body of a response (RFC 9112 section 6.3): none for HEAD, 1xx, 204, 304;
/// tunnel for 101 and for a 2xx answer to CONNECT; then chunked, else
/// Content-Length, else until close.
pub(super) fn response_body(
    head_request: bool,
    connect_request: bool,
    status: Option<u16>,
    headers: &[(Vec<u8>, Vec<u8>)],
    events: &mut Vec<HttpEvent>,
) -> BodyKind {
    match status {
        Some(101) => return BodyKind::Tunnel,
        Some(200..=299) if connect_request => return BodyKind::Tunnel,
        Some(100..=199) | Some(204) | Some(304) => return BodyKind::None,
        _ if head_request => return BodyKind::None,
        _ => {}
    }
    length_or_chunked(headers, Direction::ToClient, events).unwrap_or(BodyKind::UntilClose)
}

/// The codings to undo, in decoding order (last applied first). Empty when
/// the body is identity, or uses a coding the parser cannot undo (then the
/// body is kept as it is), or stacks more than [`MAX_CODING_LAYERS`].
pub(super) fn codings(headers: &[(Vec<u8>, Vec<u8>)], dir: Direction, events: &mut Vec<HttpEvent>) -> Vec<Coding> {
    let mut list = Vec::new();
    for t in tokens(headers, "content-encoding") {
        let c = if t.eq_ignore_ascii_case(b"gzip") || t.eq_ignore_ascii_case(b"x-gzip") {
            Coding::Gzip
        } else if t.eq_ignore_ascii_case(b"deflate") || t.eq_ignore_ascii_case(b"x-deflate") {
            Coding::Deflate
        } else if t.eq_ignore_ascii_case(b"identity") {
            continue;
        } else {
            return Vec::new();
        };
        if list.len() == MAX_CODING_LAYERS {
            push_unique(events, HttpEvent::TooManyEncodingLayers(dir));
            return Vec::new();
        }
        list.push(c);
    }
    list.reverse();
    list
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
    fn request_kinds() {
        let mut ev = Vec::new();
        assert_eq!(request_body(&h(&[("Host", "x")]), &mut ev), BodyKind::None);
        assert_eq!(
            request_body(&h(&[("Content-Length", " 12 ")]), &mut ev),
            BodyKind::Length(12)
        );
        assert_eq!(
            request_body(&h(&[("transfer-encoding", "Chunked")]), &mut ev),
            BodyKind::Chunked
        );
        assert!(ev.is_empty());
    }

    #[test]
    fn invalid_lengths() {
        let mut ev = Vec::new();
        assert_eq!(request_body(&h(&[("Content-Length", "abc")]), &mut ev), BodyKind::None);
        assert_eq!(ev, vec![HttpEvent::InvalidContentLength(Direction::ToServer)]);
        let mut ev = Vec::new();
        assert_eq!(
            request_body(&h(&[("Content-Length", "10x")]), &mut ev),
            BodyKind::Length(10)
        );
        assert!(ev.contains(&HttpEvent::InvalidContentLength(Direction::ToServer)));
        let mut ev = Vec::new();
        assert_eq!(
            request_body(&h(&[("Content-Length", "99999999999999999999999")]), &mut ev),
            BodyKind::None
        );
        let mut ev = Vec::new();
        assert_eq!(
            request_body(&h(&[("Content-Length", "5"), ("Content-Length", "5")]), &mut ev),
            BodyKind::Length(5)
        );
        assert_eq!(ev, vec![HttpEvent::DuplicateContentLength(Direction::ToServer)]);
        let mut ev = Vec::new();
        assert_eq!(
            request_body(&h(&[("Content-Length", "5, 6")]), &mut ev),
            BodyKind::Length(5)
        );
        assert!(ev.contains(&HttpEvent::InvalidContentLength(Direction::ToServer)));
        assert!(ev.contains(&HttpEvent::DuplicateContentLength(Direction::ToServer)));
    }

    #[test]
    fn transfer_encodings() {
        let mut ev = Vec::new();
        assert_eq!(
            request_body(&h(&[("Transfer-Encoding", "chunked, chunked")]), &mut ev),
            BodyKind::Chunked
        );
        assert_eq!(ev, vec![HttpEvent::InvalidTransferEncoding(Direction::ToServer)]);
        let mut ev = Vec::new();
        let kind = request_body(
            &h(&[("Transfer-Encoding", "identity"), ("Content-Length", "3")]),
            &mut ev,
        );
        assert_eq!(kind, BodyKind::Length(3));
        assert!(ev.contains(&HttpEvent::InvalidTransferEncoding(Direction::ToServer)));
        let mut ev = Vec::new();
        let kind = request_body(
            &h(&[("Transfer-Encoding", "chunked"), ("Content-Length", "3")]),
            &mut ev,
        );
        assert_eq!(kind, BodyKind::Chunked);
        assert_eq!(ev, vec![HttpEvent::AmbiguousBodyLength(Direction::ToServer)]);
        let mut ev = Vec::new();
        assert_eq!(
            request_body(&h(&[("Transfer-Encoding", "xchunked")]), &mut ev),
            BodyKind::None
        );
        assert!(ev.contains(&HttpEvent::InvalidTransferEncoding(Direction::ToServer)));
    }

    #[test]
    fn response_kinds() {
        let mut ev = Vec::new();
        let cl = h(&[("Content-Length", "10")]);
        assert_eq!(
            response_body(false, false, Some(200), &cl, &mut ev),
            BodyKind::Length(10)
        );
        assert_eq!(response_body(true, false, Some(200), &cl, &mut ev), BodyKind::None);
        assert_eq!(response_body(false, false, Some(304), &cl, &mut ev), BodyKind::None);
        assert_eq!(response_body(false, false, Some(204), &cl, &mut ev), BodyKind::None);
        assert_eq!(response_body(false, false, Some(100), &cl, &mut ev), BodyKind::None);
        assert_eq!(response_body(false, false, Some(101), &cl, &mut ev), BodyKind::Tunnel);
        assert_eq!(response_body(false, true, Some(200), &cl, &mut ev), BodyKind::Tunnel);
        assert_eq!(
            response_body(false, true, Some(407), &cl, &mut ev),
            BodyKind::Length(10)
        );
        assert_eq!(
            response_body(false, false, Some(200), &[], &mut ev),
            BodyKind::UntilClose
        );
        assert_eq!(response_body(false, false, None, &[], &mut ev), BodyKind::UntilClose);
        let te = h(&[("Transfer-Encoding", "chunked")]);
        assert_eq!(response_body(false, false, Some(200), &te, &mut ev), BodyKind::Chunked);
        assert!(ev.is_empty());
    }

    #[test]
    fn coding_lists() {
        let mut ev = Vec::new();
        assert_eq!(
            codings(&h(&[("Content-Encoding", "gzip")]), Direction::ToClient, &mut ev),
            vec![Coding::Gzip]
        );
        assert_eq!(
            codings(
                &h(&[("Content-Encoding", "deflate, x-gzip")]),
                Direction::ToClient,
                &mut ev
            ),
            vec![Coding::Gzip, Coding::Deflate]
        );
        assert_eq!(
            codings(&h(&[("Content-Encoding", "br")]), Direction::ToClient, &mut ev),
            vec![]
        );
        assert_eq!(
            codings(&h(&[("Content-Encoding", "identity")]), Direction::ToClient, &mut ev),
            vec![]
        );
        assert!(ev.is_empty());
        let many = h(&[("Content-Encoding", "gzip, gzip, gzip, gzip")]);
        assert_eq!(codings(&many, Direction::ToClient, &mut ev), vec![]);
        assert_eq!(ev, vec![HttpEvent::TooManyEncodingLayers(Direction::ToClient)]);
    }
}
