//! Host name extraction: from an absolute URI's authority or a Host header value, port stripped, lowercased.

use super::bytes::trim;
use super::uri::split_absolute;

/// The host part of `host[:port]`, `[v6]:port` or `user@host:port`, as is.
pub(super) fn strip_port(authority: &[u8]) -> &[u8] {
    let a = trim(authority);
    let a = match a.iter().rposition(|&b| b == b'@') {
        Some(at) => a.get(at + 1..).unwrap_or_default(),
        None => a,
    };
    if a.first() == Some(&b'[') {
        return match memchr::memchr(b']', a) {
            Some(end) => a.get(..=end).unwrap_or(a),
            None => a,
        };
    }
    match memchr::memchr(b':', a) {
        Some(colon) => a.get(..colon).unwrap_or(a),
        None => a,
    }
}

/// The normalised host of an authority or Host header value: port and user
/// info removed, surrounding whitespace removed, lowercased.
pub fn normalize_host(value: &[u8]) -> Vec<u8> {
    strip_port(value).to_ascii_lowercase()
}

/// The authority of an absolute URI, if the URI is absolute and has one.
pub(super) fn uri_authority(uri: &[u8]) -> Option<&[u8]> {
    split_absolute(uri)
        .map(|(authority, _)| authority)
        .filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(normalize_host(b"Example.COM"), b"example.com");
        assert_eq!(normalize_host(b"example.com:8080"), b"example.com");
        assert_eq!(normalize_host(b" example.com:80 "), b"example.com");
        assert_eq!(normalize_host(b"[::1]:8080"), b"[::1]");
        assert_eq!(normalize_host(b"[::1"), b"[::1");
        assert_eq!(normalize_host(b"user:pw@Host:1"), b"host");
        assert_eq!(normalize_host(b""), b"");
        assert_eq!(normalize_host(b":80"), b"");
    }

    #[test]
    fn authorities() {
        assert_eq!(uri_authority(b"http://h:1/x"), Some(&b"h:1"[..]));
        assert_eq!(uri_authority(b"http:///x"), None);
        assert_eq!(uri_authority(b"/x"), None);
    }
}
