//! Normalisation of the request URI into the `http.uri` buffer.
//!
//! [`normalize_uri`] applies exactly these steps, in this order:
//!
//! 1. Absolute URI (`scheme://authority...`, scheme = letter then letters,
//!    digits, `+`, `-`, `.`): the scheme and authority are removed, only what
//!    follows the authority (path, query, fragment) is kept. An absolute URI
//!    with nothing after the authority gives an empty result.
//! 2. The rest is split, on the raw bytes, at the first `?` (start of the
//!    query) and the first `#` (start of the fragment). A `#` before any `?`
//!    means there is no query. Percent-encoded `%3F` and `%23` never split.
//! 3. Path: every `%XX` with two hexadecimal digits becomes that byte (any
//!    byte, `%00` and `%2F` included); a `%` not followed by two hexadecimal
//!    digits is left as is. `%uXXXX` is not decoded. `+` is left as is.
//! 4. Path: dot segments are removed on the decoded path with the algorithm of
//!    RFC 3986 section 5.2.4: `/./` becomes `/`, `/../` removes the segment
//!    before it, a trailing `/.` or `/..` leaves a trailing `/`, and `..` never
//!    climbs above the root (`/../a` gives `/a`).
//! 5. Backslashes are NOT turned into slashes, consecutive slashes are NOT
//!    compressed, case is NOT changed.
//! 6. Query: percent-decoded like the path (step 3), `+` left as is, no dot
//!    segment removal. It is kept with its `?` when present, even if empty.
//! 7. Fragment: kept as is, with its `#`.
//!
//! Output: decoded path, then `?query`, then `#fragment`.

/// Splits an absolute URI into (authority, rest). `None` when `uri` is not of
/// the form `scheme://...`.
pub(super) fn split_absolute(uri: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = memchr::memchr(b':', uri)?;
    let (scheme, after) = uri.split_at_checked(colon)?;
    let first = *scheme.first()?;
    if !first.is_ascii_alphabetic() || !scheme.iter().all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
        return None;
    }
    let hier = after.strip_prefix(b"://")?;
    let end = hier
        .iter()
        .position(|&b| b == b'/' || b == b'?' || b == b'#')
        .unwrap_or(hier.len());
    hier.split_at_checked(end)
}

/// The `http.uri` form of a raw request URI (see the module documentation).
pub fn normalize_uri(raw: &[u8]) -> Vec<u8> {
    let rest = match split_absolute(raw) {
        Some((_, rest)) => rest,
        None => raw,
    };
    let (before_frag, fragment) = match memchr::memchr(b'#', rest) {
        Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i..)),
        None => (rest, None),
    };
    let (path, query) = match memchr::memchr(b'?', before_frag) {
        Some(i) => (before_frag.get(..i).unwrap_or_default(), before_frag.get(i + 1..)),
        None => (before_frag, None),
    };
    let mut out = remove_dot_segments(&percent_decode(path));
    if let Some(q) = query {
        out.push(b'?');
        out.extend_from_slice(&percent_decode(q));
    }
    if let Some(f) = fragment {
        out.extend_from_slice(f);
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX`; invalid sequences stay as they are.
pub fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            let hi = s.get(i + 1).copied().and_then(hex_val);
            let lo = s.get(i + 2).copied().and_then(hex_val);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// RFC 3986 section 5.2.4, on bytes.
pub fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let mut input = path.to_vec();
    let mut i = 0usize;
    let mut out: Vec<u8> = Vec::with_capacity(path.len());
    loop {
        let rest = input.get(i..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        if rest.starts_with(b"../") {
            i += 3;
        } else if rest.starts_with(b"./") || rest.starts_with(b"/./") {
            // "./" is removed; "/./" becomes "/" (its last slash is kept).
            i += 2;
        } else if rest == b"/." {
            // Replace "/." by "/": keep the slash, drop the dot.
            i += 1;
            if let Some(c) = input.get_mut(i) {
                *c = b'/';
            }
        } else if rest.starts_with(b"/../") {
            i += 3;
            pop_segment(&mut out);
        } else if rest == b"/.." {
            i += 2;
            if let Some(c) = input.get_mut(i) {
                *c = b'/';
            }
            pop_segment(&mut out);
        } else if rest == b"." || rest == b".." {
            break;
        } else {
            // Move the first segment, with its leading slash if any.
            let start = usize::from(rest.first() == Some(&b'/'));
            let len = rest
                .get(start..)
                .unwrap_or_default()
                .iter()
                .position(|&b| b == b'/')
                .map_or(rest.len(), |p| p + start);
            out.extend_from_slice(rest.get(..len).unwrap_or_default());
            i += len;
        }
    }
    out
}

fn pop_segment(out: &mut Vec<u8>) {
    match out.iter().rposition(|&b| b == b'/') {
        Some(p) => out.truncate(p),
        None => out.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        String::from_utf8_lossy(&normalize_uri(s.as_bytes())).into_owned()
    }

    #[test]
    fn plain_paths_unchanged() {
        assert_eq!(n("/"), "/");
        assert_eq!(n("/index.html"), "/index.html");
        assert_eq!(n("/a/b/c"), "/a/b/c");
        assert_eq!(n(""), "");
        assert_eq!(n("*"), "*");
        assert_eq!(n("example.com:443"), "example.com:443");
    }

    #[test]
    fn absolute_uris_keep_path_and_query() {
        assert_eq!(n("http://example.com/a?b=c"), "/a?b=c");
        assert_eq!(n("http://user:pw@example.com:8080/x/y"), "/x/y");
        assert_eq!(n("HTTPS://Example.COM/Path"), "/Path");
        assert_eq!(n("http://example.com"), "");
        assert_eq!(n("http://example.com?q=1"), "?q=1");
        assert_eq!(n("svn+ssh://h/p"), "/p");
        assert_eq!(n("1http://h/p"), "1http://h/p");
        assert_eq!(n("/redirect?to=http://x/y"), "/redirect?to=http://x/y");
    }

    #[test]
    fn percent_decoding_path() {
        assert_eq!(n("/a%20b"), "/a b");
        assert_eq!(n("/%41%42%43"), "/ABC");
        assert_eq!(n("/%2fetc%2Fpasswd"), "//etc/passwd");
        assert_eq!(n("/a%zzb"), "/a%zzb");
        assert_eq!(n("/a%2"), "/a%2");
        assert_eq!(n("/a%"), "/a%");
        assert_eq!(n("/%%41"), "/%A");
        assert_eq!(n("/%u0041"), "/%u0041");
        assert_eq!(normalize_uri(b"/a%00b"), b"/a\0b");
        assert_eq!(normalize_uri(b"/%ff"), b"/\xff");
        assert_eq!(n("/a+b"), "/a+b");
        assert_eq!(n("/%2525"), "/%25");
    }

    #[test]
    fn percent_decoding_query() {
        assert_eq!(n("/s?q=a%20b"), "/s?q=a b");
        assert_eq!(n("/s?q=a+b"), "/s?q=a+b");
        assert_eq!(n("/s?q=%3Cscript%3E"), "/s?q=<script>");
        assert_eq!(n("/s?q=%zz"), "/s?q=%zz");
        assert_eq!(n("/s?"), "/s?");
        assert_eq!(n("/s?a=../../b"), "/s?a=../../b");
        assert_eq!(n("/s?a=/./b"), "/s?a=/./b");
    }

    #[test]
    fn encoded_delimiters_do_not_split() {
        assert_eq!(n("/a%3Fb"), "/a?b");
        assert_eq!(n("/a%23b"), "/a#b");
        assert_eq!(n("/a%3Fb?c%3Fd"), "/a?b?c?d");
    }

    #[test]
    fn fragment_kept_raw() {
        assert_eq!(n("/a#frag"), "/a#frag");
        assert_eq!(n("/a?q=1#f%20g"), "/a?q=1#f%20g");
        assert_eq!(n("/a#f?not-query"), "/a#f?not-query");
    }

    #[test]
    fn dot_segments() {
        assert_eq!(n("/a/./b"), "/a/b");
        assert_eq!(n("/a/../b"), "/b");
        assert_eq!(n("/a/b/c/./../../g"), "/a/g");
        assert_eq!(n("/../../../images.gif"), "/images.gif");
        assert_eq!(n("/.."), "/");
        assert_eq!(n("/."), "/");
        assert_eq!(n("/a/.."), "/");
        assert_eq!(n("/a/b/.."), "/a/");
        assert_eq!(n("/a/b/."), "/a/b/");
        assert_eq!(n("/a/.b"), "/a/.b");
        assert_eq!(n("/a/..b/c"), "/a/..b/c");
        assert_eq!(n("/a/.../b"), "/a/.../b");
        assert_eq!(n("mid/content=5/../6"), "mid/6");
        assert_eq!(n("./one"), "one");
        assert_eq!(n("../one"), "one");
        assert_eq!(n("."), "");
        assert_eq!(n(".."), "");
        assert_eq!(n("/./././x"), "/x");
    }

    #[test]
    fn dot_segments_after_decoding() {
        assert_eq!(n("/a/%2e%2e/b"), "/b");
        assert_eq!(n("/a/%2E/b"), "/a/b");
        assert_eq!(n("/a%2f..%2fb"), "/b");
        assert_eq!(n("/cgi-bin/%2e%2e/%2e%2e/etc/passwd"), "/etc/passwd");
    }

    #[test]
    fn backslashes_and_double_slashes_left_alone() {
        assert_eq!(n("/a\\b\\..\\c"), "/a\\b\\..\\c");
        assert_eq!(n("/a//b"), "/a//b");
        assert_eq!(n("//a/b"), "//a/b");
        assert_eq!(n("/a//../b"), "/a/b");
        assert_eq!(n("/a/%5c../b"), "/a/\\../b");
    }

    #[test]
    fn case_is_kept() {
        assert_eq!(n("/Admin/Login.PHP?User=X"), "/Admin/Login.PHP?User=X");
    }

    #[test]
    fn split_absolute_parts() {
        assert_eq!(split_absolute(b"http://h:1/p"), Some((&b"h:1"[..], &b"/p"[..])));
        assert_eq!(split_absolute(b"http://h"), Some((&b"h"[..], &b""[..])));
        assert_eq!(split_absolute(b"/p"), None);
        assert_eq!(split_absolute(b"h:443"), None);
        assert_eq!(split_absolute(b"://x"), None);
    }
}
