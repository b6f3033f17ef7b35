//! Protocol detection: do the first bytes of a stream look like an HTTP/1.x request or response?

use super::bytes::prefix_compatible_ci;

pub use crate::app::Detection;

/// Methods recognised at the start of a request: RFC 9110, PATCH, WebDAV and
/// its extensions (versioning, ordering, bindings, CalDAV, redirect refs).
pub const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"MKACTIVITY",
    b"CHECKOUT",
    b"CHECKIN",
    b"UNCHECKOUT",
    b"MERGE",
    b"MKWORKSPACE",
    b"UPDATE",
    b"LABEL",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"MKCALENDAR",
    b"ACL",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"ORDERPATCH",
    b"MKREDIRECTREF",
    b"UPDATEREDIRECTREF",
];

/// Leading CR and LF bytes are tolerated before the first line.
fn skip_blank_lines(data: &[u8]) -> &[u8] {
    let n = data.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
    data.get(n..).unwrap_or_default()
}

/// A known method (ASCII case ignored), one or more spaces or tabs, then a
/// visible character starting the URI.
pub fn detect_request(data: &[u8]) -> Detection {
    let d = skip_blank_lines(data);
    if d.is_empty() {
        return Detection::NeedMore;
    }
    let mut need_more = false;
    for m in KNOWN_METHODS {
        let Some(rest) = d.get(m.len()..) else {
            if prefix_compatible_ci(d, m) {
                need_more = true;
            }
            continue;
        };
        if !prefix_compatible_ci(d, m) {
            continue;
        }
        match rest.first() {
            None => need_more = true,
            Some(b' ') | Some(b'\t') => {
                let after = rest.iter().position(|&b| b != b' ' && b != b'\t');
                match after.and_then(|i| rest.get(i)) {
                    None => need_more = true,
                    Some(&c) if c.is_ascii_graphic() => return Detection::Yes,
                    Some(_) => {}
                }
            }
            Some(_) => {}
        }
    }
    if need_more { Detection::NeedMore } else { Detection::No }
}

/// "HTTP/1." followed by a digit (ASCII case ignored).
pub fn detect_response(data: &[u8]) -> Detection {
    const PREFIX: &[u8] = b"HTTP/1.";
    let d = skip_blank_lines(data);
    if !prefix_compatible_ci(d, PREFIX) {
        return Detection::No;
    }
    match d.get(PREFIX.len()) {
        None => Detection::NeedMore,
        Some(c) if c.is_ascii_digit() => Detection::Yes,
        Some(_) => Detection::No,
    }
}

/// `detect_request(data) == Detection::Yes`.
pub fn looks_like_request(data: &[u8]) -> bool {
    detect_request(data) == Detection::Yes
}

/// `detect_response(data) == Detection::Yes`.
pub fn looks_like_response(data: &[u8]) -> bool {
    detect_response(data) == Detection::Yes
}

#[cfg(test)]
mod tests {
    use super::*;
    use Detection::*;

    #[test]
    fn requests() {
        assert_eq!(detect_request(b"GET / HTTP/1.1\r\n"), Yes);
        assert_eq!(detect_request(b"POST /x"), Yes);
        assert_eq!(detect_request(b"PROPFIND /dav"), Yes);
        assert_eq!(detect_request(b"VERSION-CONTROL /x"), Yes);
        assert_eq!(detect_request(b"get /"), Yes);
        assert_eq!(detect_request(b"\r\nGET /"), Yes);
        assert_eq!(detect_request(b"GET  /"), Yes);
        assert_eq!(detect_request(b"OPTIONS * HTTP/1.1"), Yes);
        assert_eq!(detect_request(b"CONNECT host:443 HTTP/1.1"), Yes);
    }

    #[test]
    fn requests_need_more() {
        assert_eq!(detect_request(b""), NeedMore);
        assert_eq!(detect_request(b"\r\n"), NeedMore);
        assert_eq!(detect_request(b"G"), NeedMore);
        assert_eq!(detect_request(b"GET"), NeedMore);
        assert_eq!(detect_request(b"GET "), NeedMore);
        assert_eq!(detect_request(b"GET   "), NeedMore);
        assert_eq!(detect_request(b"PROP"), NeedMore);
        assert_eq!(detect_request(b"UPDATE"), NeedMore);
    }

    #[test]
    fn not_requests() {
        assert_eq!(detect_request(b"\x16\x03\x01\x02\x00"), No);
        assert_eq!(detect_request(b"GETX / HTTP/1.1"), No);
        assert_eq!(detect_request(b"GET\r\n"), No);
        assert_eq!(detect_request(b"GET \r\n"), No);
        assert_eq!(detect_request(b"SSH-2.0-OpenSSH"), No);
        assert_eq!(detect_request(b"HTTP/1.1 200 OK"), No);
        assert_eq!(detect_request(b"EHLO mail"), No);
        assert_eq!(detect_request(b" GET /"), No);
    }

    #[test]
    fn responses() {
        assert_eq!(detect_response(b"HTTP/1.1 200 OK"), Yes);
        assert_eq!(detect_response(b"HTTP/1.0 404"), Yes);
        assert_eq!(detect_response(b"\r\nHTTP/1.1"), Yes);
        assert_eq!(detect_response(b"http/1.1 200"), Yes);
        assert_eq!(detect_response(b"HTTP/1."), NeedMore);
        assert_eq!(detect_response(b"HT"), NeedMore);
        assert_eq!(detect_response(b""), NeedMore);
        assert_eq!(detect_response(b"HTTP/2 200"), No);
        assert_eq!(detect_response(b"HTTP/1.x"), No);
        assert_eq!(detect_response(b"SSH-2.0"), No);
        assert!(looks_like_response(b"HTTP/1.1 204 No Content\r\n"));
        assert!(looks_like_request(b"DELETE /a HTTP/1.1\r\n"));
        assert!(!looks_like_request(b"DEL"));
    }

    #[test]
    fn monotone_on_prefixes() {
        // Once decided, more bytes never change the verdict.
        let samples: &[&[u8]] = &[
            b"GET / HTTP/1.1\r\n",
            b"GETX /",
            b"HTTP/1.1 200 OK",
            b"POST\t\t/x",
            b"\r\nPUT  /",
        ];
        for s in samples {
            let mut decided = None;
            for i in 0..=s.len() {
                let r = detect_request(&s[..i]);
                if let Some(d) = decided {
                    assert_eq!(r, d, "{:?} at {}", String::from_utf8_lossy(s), i);
                } else if r != NeedMore {
                    decided = Some(r);
                }
            }
        }
    }
}
