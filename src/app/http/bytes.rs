//! Small byte-slice helpers shared by the HTTP parser files (trimming, tokens, case-insensitive tests).

/// Space or horizontal tab.
pub(super) fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Removes leading spaces and tabs.
pub(super) fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    s.get(n..).unwrap_or_default()
}

/// Removes trailing spaces and tabs.
pub(super) fn trim_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rev().take_while(|&&b| is_space(b)).count();
    s.get(..s.len() - n).unwrap_or_default()
}

/// Removes leading and trailing spaces and tabs.
pub(super) fn trim(s: &[u8]) -> &[u8] {
    trim_end(trim_start(s))
}

/// Removes one trailing carriage return.
pub(super) fn strip_cr(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// Splits at the first space or tab: (before, after) without the separator.
pub(super) fn split_at_space(s: &[u8]) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| is_space(b)) {
        Some(i) => (s.get(..i).unwrap_or_default(), s.get(i + 1..).unwrap_or_default()),
        None => (s, &[]),
    }
}

/// RFC 9110 token character.
pub(super) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Non-empty and made of token characters only.
pub(super) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_char(b))
}

/// `s` starts with `prefix`, ASCII case ignored.
pub(super) fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// `s` is a (possibly shorter) beginning of `word`, or `word` is a beginning
/// of `s`; ASCII case ignored.
pub(super) fn prefix_compatible_ci(s: &[u8], word: &[u8]) -> bool {
    s.iter().zip(word.iter()).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// A version such as `HTTP/1.1`: "HTTP/", digits, ".", digits.
pub(super) fn is_http_version(s: &[u8]) -> bool {
    if !starts_with_ci(s, b"HTTP/") {
        return false;
    }
    let v = s.get(5..).unwrap_or_default();
    let mut parts = v.splitn(2, |&b| b == b'.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    !major.is_empty() && !minor.is_empty() && major.iter().chain(minor).all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims() {
        assert_eq!(trim(b" \t a b \t"), b"a b");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim_start(b""), b"");
        assert_eq!(strip_cr(b"x\r"), b"x");
        assert_eq!(strip_cr(b"x\r\r"), b"x\r");
    }

    #[test]
    fn splits() {
        assert_eq!(split_at_space(b"GET /"), (&b"GET"[..], &b"/"[..]));
        assert_eq!(split_at_space(b"GET"), (&b"GET"[..], &b""[..]));
    }

    #[test]
    fn versions() {
        assert!(is_http_version(b"HTTP/1.1"));
        assert!(is_http_version(b"http/1.0"));
        assert!(is_http_version(b"HTTP/10.23"));
        assert!(!is_http_version(b"HTTP/1"));
        assert!(!is_http_version(b"HTTP/1.x"));
        assert!(!is_http_version(b"HTTP/.1"));
        assert!(!is_http_version(b"HTTX/1.1"));
    }

    #[test]
    fn prefixes() {
        assert!(prefix_compatible_ci(b"ht", b"HTTP"));
        assert!(prefix_compatible_ci(b"HTTP/1.1", b"HTTP"));
        assert!(!prefix_compatible_ci(b"HX", b"HTTP"));
        assert!(starts_with_ci(b"Http/", b"HTTP/"));
        assert!(!starts_with_ci(b"HTT", b"HTTP/"));
    }
}
