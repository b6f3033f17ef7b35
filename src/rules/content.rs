//! `content`: parsing of the pattern string (`|hex|`, escapes, negation),
//! its position modifiers, and the byte search it needs at match time.

use super::rule::Value;

/// `fast_pattern` as written on a content.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FastPatternSpec {
    pub only: bool,
    /// `fast_pattern:offset,length`: only that slice goes to the prefilter.
    pub chop: Option<(usize, usize)>,
}

#[derive(Clone, Debug)]
pub struct Content {
    pub pattern: Vec<u8>,
    pub nocase: bool,
    pub negated: bool,
    pub offset: Option<Value>,
    pub depth: Option<Value>,
    pub distance: Option<Value>,
    pub within: Option<Value>,
    pub startswith: bool,
    pub endswith: bool,
    pub fast_pattern: Option<FastPatternSpec>,
    /// Where the search looks first: the pattern's rarest byte.
    anchor: usize,
}

impl Content {
    pub fn new(pattern: Vec<u8>, negated: bool) -> Content {
        let anchor = rarest_index(&pattern);
        Content {
            pattern,
            nocase: false,
            negated,
            offset: None,
            depth: None,
            distance: None,
            within: None,
            startswith: false,
            endswith: false,
            fast_pattern: None,
            anchor,
        }
    }

    pub fn is_relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }

    /// First occurrence of the pattern in `hay`, honouring `nocase`.
    pub fn find(&self, hay: &[u8]) -> Option<usize> {
        find_anchored(hay, &self.pattern, self.anchor, self.nocase)
    }

    /// Does the pattern occur exactly at `at`?
    pub fn matches_at(&self, hay: &[u8], at: usize) -> bool {
        match hay.get(at..at + self.pattern.len()) {
            Some(w) if self.nocase => w.eq_ignore_ascii_case(&self.pattern),
            Some(w) => w == self.pattern.as_slice(),
            None => false,
        }
    }
}

/// Search by the needle's rarest byte (both cases under `nocase`), then
/// a compare of the whole window. A content keeps no searcher of its own:
/// ET Open has some 75,000 contents, and a precomputed searcher each would
/// cost more memory than all the rest of the rule.
fn find_anchored(hay: &[u8], needle: &[u8], anchor: usize, nocase: bool) -> Option<usize> {
    let n = needle.len();
    if n == 0 {
        return Some(0);
    }
    if hay.len() < n {
        return None;
    }
    let b = needle[anchor];
    let (lower, upper) = if nocase {
        (b.to_ascii_lowercase(), b.to_ascii_uppercase())
    } else {
        (b, b)
    };
    let last_start = hay.len() - n;
    let mut from = anchor;
    let limit = last_start + anchor;
    while from <= limit {
        let window = &hay[from..=limit];
        let hit = if upper != lower {
            memchr::memchr2(lower, upper, window)
        } else {
            memchr::memchr(lower, window)
        };
        let pos = from + hit?;
        let start = pos - anchor;
        let candidate = &hay[start..start + n];
        if if nocase {
            candidate.eq_ignore_ascii_case(needle)
        } else {
            candidate == needle
        } {
            return Some(start);
        }
        from = pos + 1;
    }
    None
}

/// Index of the byte least likely to occur in traffic, for the scan above.
fn rarest_index(p: &[u8]) -> usize {
    fn commonness(b: u8) -> u8 {
        match b.to_ascii_lowercase() {
            0x00 | b' ' | 0xff => 10,
            b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 8,
            b'/' | b'.' | b'=' | b'\r' | b'\n' | b'-' | b'_' => 7,
            b'h' | b'l' | b'd' | b'c' | b'u' | b'm' | b'p' => 6,
            b'0'..=b'9' => 5,
            b'a'..=b'z' => 3,
            _ => 1,
        }
    }
    p.iter()
        .enumerate()
        .min_by_key(|(_, b)| commonness(**b))
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// Parses a content value: `"text|41 42|more"`, optionally preceded by `!`.
pub fn parse_content_value(value: &str) -> Result<(Vec<u8>, bool), String> {
    let v = value.trim();
    let (negated, v) = match v.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, v),
    };
    let inner = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else if v.starts_with('"') {
        return Err(format!("content {value}: missing closing quote"));
    } else {
        v
    };
    let bytes = decode_pattern(inner)?;
    if bytes.is_empty() {
        return Err("content is empty".into());
    }
    Ok((bytes, negated))
}

/// Decodes `|hex|` sections and `\` escapes into bytes.
pub fn decode_pattern(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut in_hex = false;
    let mut nibble: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if in_hex {
            match c {
                b'|' => {
                    if nibble.is_some() {
                        return Err(format!("'{s}': odd number of hex digits"));
                    }
                    in_hex = false;
                }
                b' ' | b'\t' => {
                    if nibble.is_some() {
                        return Err(format!("'{s}': space inside a hex byte"));
                    }
                }
                _ => {
                    let d = (c as char)
                        .to_digit(16)
                        .ok_or_else(|| format!("'{s}': '{}' is not hex", c as char))? as u8;
                    match nibble.take() {
                        Some(hi) => out.push((hi << 4) | d),
                        None => nibble = Some(d),
                    }
                }
            }
            i += 1;
            continue;
        }
        match c {
            b'|' => in_hex = true,
            b'\\' => {
                let n = *bytes.get(i + 1).ok_or_else(|| format!("'{s}': trailing backslash"))?;
                out.push(n);
                i += 1;
            }
            b'"' => return Err(format!("'{s}': unescaped '\"' inside content")),
            b';' => return Err(format!("'{s}': unescaped ';' inside content")),
            _ => out.push(c),
        }
        i += 1;
    }
    if in_hex {
        return Err(format!("'{s}': hex section not closed by '|'"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_escapes() {
        assert_eq!(
            parse_content_value(r#""GET|20 2F|x""#).unwrap(),
            (b"GET /x".to_vec(), false)
        );
        assert_eq!(
            parse_content_value(r#"!"a\;b\"c\\""#).unwrap(),
            (b"a;b\"c\\".to_vec(), true)
        );
        assert_eq!(parse_content_value(r#""|00 ff|""#).unwrap().0, vec![0, 255]);
        assert_eq!(parse_content_value(r#""|00ff|""#).unwrap().0, vec![0, 255]);
    }

    #[test]
    fn bad_patterns() {
        for bad in [r#""|0|""#, r#""|zz|""#, r#""|00"#, r#""""#, r#""abc"#, "\"a\"b\""] {
            assert!(parse_content_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nocase_search() {
        let mut c = Content::new(b"SeLeCt".to_vec(), false);
        assert_eq!(c.find(b"xx select yy"), None);
        c.nocase = true;
        assert_eq!(c.find(b"xx select yy"), Some(3));
        assert_eq!(c.find(b"SELECT"), Some(0));
        assert_eq!(c.find(b"selec"), None);
        assert!(c.matches_at(b"..sElEcT", 2));
        assert!(!c.matches_at(b"..sElEc", 2));
    }

    #[test]
    fn anchored_search_agrees_with_naive_in_both_cases() {
        let hay = b"aAbBaBAbabABBAbaaabbbAAAB-ab-AB\x00\xffab";
        for needle in [
            &b"ab"[..],
            b"bA",
            b"AAB",
            b"-",
            b"b-a",
            b"zz",
            b"abba",
            b"\x00\xff",
            b"B",
        ] {
            let exact = hay.windows(needle.len()).position(|w| w == needle);
            let folded = hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle));
            for anchor in 0..needle.len() {
                assert_eq!(
                    find_anchored(hay, needle, anchor, false),
                    exact,
                    "{needle:?} at {anchor}"
                );
                assert_eq!(
                    find_anchored(hay, needle, anchor, true),
                    folded,
                    "{needle:?} at {anchor}"
                );
            }
        }
        assert_eq!(find_anchored(b"ab", b"abc", 2, false), None);
    }
}
