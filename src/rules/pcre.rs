//! `pcre`: Perl-compatible regular expressions compiled with PCRE2 (JIT),
//! with Suricata's modifiers.

use pcre2::bytes::{Regex, RegexBuilder};

#[derive(Clone, Debug)]
pub struct Pcre {
    pub regex: Regex,
    pub negated: bool,
    pub relative: bool,
    /// `pcre:"/(..)/, flow:name"`: where captured groups are stored.
    pub captures: Vec<CaptureTarget>,
    /// The sticky buffer a modifier letter (U, H, …) asks for, if any.
    pub buffer_modifier: Option<char>,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureTarget {
    Flow(String),
    Packet(String),
}

/// Modifiers that select an HTTP buffer instead of the current one.
const BUFFER_MODIFIERS: &str = "UIPQHDMCKSYVWZ";

pub fn parse_pcre(value: &str) -> Result<Pcre, String> {
    let v = value.trim();
    let (negated, v) = match v.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, v),
    };
    let v = v.strip_prefix('"').ok_or("pcre must be quoted")?;
    let end_quote = v.rfind('"').ok_or("pcre: missing closing quote")?;
    let body = &v[..end_quote];
    let after = v[end_quote + 1..].trim();
    let captures = parse_capture_targets(after)?;
    let (body, trailing_vars) = split_trailing_vars(body);
    let mut captures = captures;
    captures.extend(parse_capture_targets(trailing_vars)?);

    let body = body.strip_prefix('/').ok_or("pcre must start with '/'")?;
    let slash = body.rfind('/').ok_or("pcre: missing closing '/'")?;
    let pattern = &body[..slash];
    let flags = &body[slash + 1..];

    let mut b = RegexBuilder::new();
    b.jit_if_available(true);
    let mut anchored = false;
    let mut ungreedy = false;
    let mut relative = false;
    let mut buffer_modifier = None;
    for f in flags.chars() {
        match f {
            'i' => {
                b.caseless(true);
            }
            's' => {
                b.dotall(true);
            }
            'm' => {
                b.multi_line(true);
            }
            'x' => {
                b.extended(true);
            }
            'A' => anchored = true,
            'E' => {} // dollar matches only at the very end: PCRE2 default is close enough for payloads
            'G' => ungreedy = true,
            'R' => relative = true,
            'O' | 'B' => {} // match-limit override and rawbytes: nothing to do
            c if BUFFER_MODIFIERS.contains(c) => {
                if buffer_modifier.replace(c).is_some() {
                    return Err(format!("pcre '{value}': more than one buffer modifier"));
                }
            }
            c => return Err(format!("pcre '{value}': unknown modifier '{c}'")),
        }
    }
    let mut full = String::with_capacity(pattern.len() + 12);
    if ungreedy {
        full.push_str("(?U)");
    }
    if anchored {
        // \G anchors at the start offset, which is where relative matching begins.
        full.push_str("\\G(?:");
        full.push_str(pattern);
        full.push_str(if flags.contains('x') { "\n)" } else { ")" });
    } else {
        full.push_str(pattern);
    }
    let regex = b.build(&full).map_err(|e| format!("pcre '/{pattern}/': {e}"))?;
    Ok(Pcre {
        regex,
        negated,
        relative,
        captures,
        buffer_modifier,
        source: value.to_string(),
    })
}

/// Suricata also accepts the capture list inside the quotes after the flags:
/// `"/(a)/R, flow:x"`.
fn split_trailing_vars(body: &str) -> (&str, &str) {
    if let Some(slash) = body.rfind('/')
        && let Some(comma) = body[slash..].find(',')
    {
        let at = slash + comma;
        return (body[..at].trim_end(), &body[at..]);
    }
    (body, "")
}

fn parse_capture_targets(s: &str) -> Result<Vec<CaptureTarget>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let s = s
        .strip_prefix(',')
        .ok_or_else(|| format!("pcre: unexpected '{s}' after the pattern"))?;
    s.split(',')
        .map(|t| {
            let t = t.trim();
            match t.split_once(':') {
                Some(("flow", name)) if !name.is_empty() => Ok(CaptureTarget::Flow(name.to_string())),
                Some(("pkt", name)) if !name.is_empty() => Ok(CaptureTarget::Packet(name.to_string())),
                _ => Err(format!("pcre: capture target '{t}' must be flow:NAME or pkt:NAME")),
            }
        })
        .collect()
}

impl Pcre {
    /// The first match in `hay[start..]`, as positions in `hay`. The
    /// subject starts at `start`, so `^` anchors there (relative matching).
    pub fn find_at(&self, hay: &[u8], start: usize) -> Option<(usize, usize)> {
        let subject = hay.get(start..)?;
        match self.regex.find(subject) {
            Ok(Some(m)) => Some((start + m.start(), start + m.end())),
            // A match-limit error counts as no match, as in Suricata.
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_relative() {
        let p = parse_pcre(r#""/abc\d+/iR""#).unwrap();
        assert!(p.relative && !p.negated);
        assert_eq!(p.find_at(b"xxABC12", 0), Some((2, 7)));
        let n = parse_pcre(r#"!"/x/""#).unwrap();
        assert!(n.negated);
    }

    #[test]
    fn anchored_at_start_offset() {
        let p = parse_pcre(r#""/ab/A""#).unwrap();
        assert_eq!(p.find_at(b"xab", 0), None);
        assert_eq!(p.find_at(b"xab", 1), Some((1, 3)));
        let caret = parse_pcre(r#""/^ab/""#).unwrap();
        assert_eq!(caret.find_at(b"xab", 1), Some((1, 3)));
    }

    #[test]
    fn ungreedy() {
        let p = parse_pcre(r#""/a.+b/G""#).unwrap();
        assert_eq!(p.find_at(b"a1b2b", 0), Some((0, 3)));
    }

    #[test]
    fn captures_and_buffers() {
        let p = parse_pcre(r#""/^(.*)\/(\d+)/VG, flow:key,flow:value""#).unwrap();
        assert_eq!(
            p.captures,
            vec![CaptureTarget::Flow("key".into()), CaptureTarget::Flow("value".into())]
        );
        assert_eq!(p.buffer_modifier, Some('V'));
        let q = parse_pcre(r#""/(a)/", pkt:x"#).unwrap();
        assert_eq!(q.captures, vec![CaptureTarget::Packet("x".into())]);
    }

    #[test]
    fn errors() {
        assert!(parse_pcre("/abc/").is_err());
        assert!(parse_pcre(r#""abc""#).is_err());
        assert!(parse_pcre(r#""/abc/q""#).is_err());
        assert!(parse_pcre(r#""/(abc/""#).is_err());
    }
}
