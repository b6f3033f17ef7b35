//! Buffer inspection: runs a rule's ordered content/pcre/byte_*/isdataat
//! steps over one buffer, with relative positions and the backtracking that
//! lets a later relative step retry an earlier match.

use crate::rules::base64::{self, Base64Decode};
use crate::rules::bytes::{ByteOp, Extraction, JumpFrom, MathOp};
use crate::rules::content::Content;
use crate::rules::{Inspect, Value};
use std::net::{IpAddr, Ipv4Addr};

/// Bounds the work one rule may do on one buffer (Suricata's
/// inspection recursion limit).
pub const RECURSION_LIMIT: u32 = 3000;

/// Bounds the base64 text one rule may decode in one buffer: a relative
/// decode retried at every occurrence of a one-byte content could
/// otherwise decode the whole buffer at each.
pub const DECODE_LIMIT: usize = 256 * 1024;

/// Mutable state for one inspection: byte variables and the work budget.
pub struct InspectState {
    pub vars: [i64; crate::rules::bytes::MAX_BYTE_VARS],
    budget: u32,
    pub exhausted: bool,
    /// Stream inspection: a match counts only if some content or pcre on
    /// its path ends past this offset (it touches bytes not inspected before).
    require_end_after: Option<usize>,
    /// Furthest end of a positive content/pcre match on the current path.
    path_end: usize,
    /// Base64 text still allowed to be decoded (see [`DECODE_LIMIT`]).
    decode_left: usize,
    /// The address that sent the bytes inspected (`ftpbounce`).
    pub sender: Option<IpAddr>,
}

impl InspectState {
    pub fn new() -> Self {
        InspectState {
            vars: [0; crate::rules::bytes::MAX_BYTE_VARS],
            budget: RECURSION_LIMIT,
            exhausted: false,
            require_end_after: None,
            path_end: 0,
            decode_left: DECODE_LIMIT,
            sender: None,
        }
    }

    /// Whether to look for another occurrence after the rest failed.
    fn retry(&self, next_is_relative: bool) -> bool {
        (next_is_relative || self.require_end_after.is_some()) && !self.exhausted
    }

    fn value(&self, v: Value) -> i64 {
        match v {
            Value::Lit(n) => n,
            Value::Var(i) => self.vars.get(usize::from(i)).copied().unwrap_or(0),
        }
    }
}

impl Default for InspectState {
    fn default() -> Self {
        Self::new()
    }
}

/// True when every step matches `buf` in order.
pub fn inspect(steps: &[Inspect], buf: &[u8], st: &mut InspectState) -> bool {
    inspect_new(steps, buf, None, st)
}

/// Like [`inspect`], but with `new_from` a match must reach into the bytes
/// from that offset on (stream windows re-present some inspected bytes).
pub fn inspect_new(steps: &[Inspect], buf: &[u8], new_from: Option<usize>, st: &mut InspectState) -> bool {
    st.budget = RECURSION_LIMIT;
    st.exhausted = false;
    st.require_end_after = new_from;
    st.path_end = 0;
    st.decode_left = DECODE_LIMIT;
    run(steps, 0, buf, 0, st)
}

/// Recurses into the next step with `end` recorded as a positive match end.
fn run_after_match(steps: &[Inspect], i: usize, buf: &[u8], end: usize, st: &mut InspectState) -> bool {
    let saved = st.path_end;
    st.path_end = st.path_end.max(end);
    let ok = run(steps, i + 1, buf, end, st);
    st.path_end = saved;
    ok
}

fn run(steps: &[Inspect], i: usize, buf: &[u8], prev_end: usize, st: &mut InspectState) -> bool {
    let Some(step) = steps.get(i) else {
        return st.require_end_after.is_none_or(|new_from| st.path_end > new_from);
    };
    if st.budget == 0 {
        st.exhausted = true;
        return false;
    }
    st.budget -= 1;
    // Only a relative next step depends on where this one matched.
    let next_is_relative = steps.get(i + 1).is_some_and(Inspect::is_relative);
    match step {
        Inspect::Content(c) => content(steps, i, c, buf, prev_end, st, next_is_relative),
        Inspect::Pcre(p) => {
            let start = if p.relative { prev_end } else { 0 };
            if p.negated {
                return p.find_at(buf, start).is_none() && run(steps, i + 1, buf, prev_end, st);
            }
            let mut from = start;
            while let Some((s, e)) = p.find_at(buf, from) {
                if run_after_match(steps, i, buf, e, st) {
                    return true;
                }
                if !st.retry(next_is_relative) || s >= buf.len() {
                    return false;
                }
                from = s + 1;
            }
            false
        }
        Inspect::ByteTest(t) => {
            let Some((_, _, v)) = extract(&t.ex, buf, prev_end, st) else {
                return false;
            };
            let want = st.value(t.value) as u64;
            let ok = match t.op {
                ByteOp::Lt => v < want,
                ByteOp::Gt => v > want,
                ByteOp::Eq => v == want,
                ByteOp::Le => v <= want,
                ByteOp::Ge => v >= want,
                ByteOp::And => v & want != 0,
                ByteOp::Xor => v ^ want != 0,
            };
            ok != t.negated && run(steps, i + 1, buf, prev_end, st)
        }
        Inspect::ByteJump(j) => {
            let Some((pos, n, v)) = extract(&j.ex, buf, prev_end, st) else {
                return false;
            };
            let mut jump = v.saturating_mul(j.multiplier);
            if j.align {
                jump = jump.saturating_add(3) & !3;
            }
            let base = match j.from {
                JumpFrom::AfterBytes => (pos + n) as i64,
                JumpFrom::Beginning => 0,
                JumpFrom::End => buf.len() as i64,
            };
            let target = base
                .saturating_add(i64::try_from(jump).unwrap_or(i64::MAX))
                .saturating_add(j.post_offset);
            if target > buf.len() as i64 {
                return false;
            }
            // A negative post_offset may point before the buffer: Suricata
            // clamps that to the start rather than failing.
            run(steps, i + 1, buf, target.max(0) as usize, st)
        }
        Inspect::ByteExtract(e) => {
            let Some((pos, n, mut v)) = extract(&e.ex, buf, prev_end, st) else {
                return false;
            };
            v = v.saturating_mul(e.multiplier);
            if e.align > 0 {
                let a = u64::from(e.align);
                v = v.div_ceil(a) * a;
            }
            if let Some(slot) = st.vars.get_mut(usize::from(e.var)) {
                *slot = i64::try_from(v).unwrap_or(i64::MAX);
            }
            run(steps, i + 1, buf, pos + n, st)
        }
        Inspect::ByteMath(m) => {
            let Some((_, _, v)) = extract(&m.ex, buf, prev_end, st) else {
                return false;
            };
            let r = st.value(m.rvalue);
            let v = v as i64;
            let result = match m.op {
                MathOp::Add => v.checked_add(r),
                MathOp::Sub => v.checked_sub(r),
                MathOp::Mul => v.checked_mul(r),
                MathOp::Div => v.checked_div(r),
                MathOp::Shl => u32::try_from(r).ok().and_then(|s| v.checked_shl(s)),
                MathOp::Shr => u32::try_from(r).ok().and_then(|s| v.checked_shr(s)),
            };
            let Some(result) = result else { return false };
            if let Some(slot) = st.vars.get_mut(usize::from(m.var)) {
                *slot = result;
            }
            run(steps, i + 1, buf, prev_end, st)
        }
        Inspect::IsDataAt {
            offset,
            relative,
            negated,
        } => {
            let off = st.value(*offset);
            let has_data = if off < 0 {
                false
            } else if *relative {
                (prev_end as i64).saturating_add(off) <= buf.len() as i64
            } else {
                off < buf.len() as i64
            };
            has_data != *negated && run(steps, i + 1, buf, prev_end, st)
        }
        Inspect::Bsize(cmp) => cmp.matches(buf.len() as u64) && run(steps, i + 1, buf, prev_end, st),
        Inspect::Base64(d) => base64_step(steps, i, d, buf, prev_end, st),
        Inspect::FtpBounce => {
            let named = buf.get(prev_end..).and_then(port_address);
            let bounces = named.is_some_and(|a| st.sender.is_some_and(|s| s != IpAddr::V4(a)));
            bounces && run(steps, i + 1, buf, prev_end, st)
        }
    }
}

/// The address of an FTP `PORT` argument (`h1,h2,h3,h4,p1,p2`) at the
/// start of `arg`, after spaces.
fn port_address(arg: &[u8]) -> Option<Ipv4Addr> {
    let arg = &arg[arg.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()..];
    let mut octets = [0u8; 4];
    let mut fields = arg.split(|&b| b == b',');
    for octet in &mut octets {
        let field = fields.next()?.trim_ascii();
        if field.is_empty() || field.len() > 3 || !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *octet = std::str::from_utf8(field).ok()?.parse().ok()?;
    }
    // The port's two numbers must follow.
    fields.next()?;
    Some(Ipv4Addr::from(octets))
}

/// `base64_decode` at this point of the buffer, then its `base64_data`
/// steps over the decoded bytes; the decode counts as a match over the
/// text it read.
fn base64_step(
    steps: &[Inspect],
    i: usize,
    d: &Base64Decode,
    buf: &[u8],
    prev_end: usize,
    st: &mut InspectState,
) -> bool {
    let start = if d.relative { prev_end } else { 0 }.saturating_add(d.offset);
    let Some(rest) = buf.get(start..) else {
        return false;
    };
    let text = &rest[..rest.len().min(d.bytes)];
    if st.decode_left == 0 {
        st.exhausted = true;
        return false;
    }
    let mut decoded = Vec::new();
    let read = base64::decode_into(text, &mut decoded);
    st.decode_left = st.decode_left.saturating_sub(read);
    if decoded.is_empty() {
        return false;
    }
    // The decoded bytes are a buffer of their own: the stream's "new
    // bytes" test applies to the text, through the path end below.
    let outer = st.require_end_after.take();
    let saved = st.path_end;
    st.path_end = 0;
    let inner = run(&d.then, 0, &decoded, 0, st);
    st.require_end_after = outer;
    st.path_end = saved;
    inner && run_after_match(steps, i, buf, start + text.len(), st)
}

/// Where a byte_* keyword reads: its offset, from the buffer start or from
/// the end of the previous match.
fn position(ex: &Extraction, prev_end: usize, st: &InspectState) -> Option<usize> {
    let base = if ex.relative { prev_end as i64 } else { 0 };
    let pos = base.checked_add(st.value(ex.offset))?;
    usize::try_from(pos).ok()
}

/// Reads the number a byte_* keyword looks at: (position, width, value).
fn extract(ex: &Extraction, buf: &[u8], prev_end: usize, st: &InspectState) -> Option<(usize, usize, u64)> {
    let pos = position(ex, prev_end, st)?;
    let n = usize::try_from(st.value(ex.nbytes)).ok()?;
    Some((pos, n, ex.read(buf, pos, n)?))
}

/// The window a content may match in: [start, end).
fn window(c: &Content, buf_len: usize, prev_end: usize, st: &InspectState) -> Option<(usize, usize)> {
    let len = buf_len as i64;
    let plen = c.pattern.len() as i64;
    let (mut start, mut end) = (0i64, len);
    if c.is_relative() {
        let distance = c.distance.map(|v| st.value(v)).unwrap_or(0);
        start = (prev_end as i64).saturating_add(distance).max(0);
        if let Some(w) = c.within {
            end = end.min((prev_end as i64).saturating_add(distance).saturating_add(st.value(w)));
        }
    } else {
        if let Some(o) = c.offset {
            start = st.value(o).max(0);
        }
        if let Some(d) = c.depth {
            end = end.min(start.saturating_add(st.value(d)));
        }
        if c.startswith {
            end = end.min(plen);
        }
    }
    if c.endswith {
        // Only one place can satisfy endswith: the very end.
        start = start.max(len - plen);
    }
    (start >= 0 && end - start >= plen).then_some((start as usize, end as usize))
}

fn content(
    steps: &[Inspect],
    i: usize,
    c: &Content,
    buf: &[u8],
    prev_end: usize,
    st: &mut InspectState,
    next_is_relative: bool,
) -> bool {
    let plen = c.pattern.len();
    let Some((start, end)) = window(c, buf.len(), prev_end, st) else {
        return c.negated && run(steps, i + 1, buf, prev_end, st);
    };
    let region = &buf[start..end];
    if c.negated {
        let found = if c.endswith {
            c.matches_at(buf, buf.len() - plen)
        } else {
            c.find(region).is_some()
        };
        return !found && run(steps, i + 1, buf, prev_end, st);
    }
    let mut from = 0;
    while from + plen <= region.len() {
        let Some(hit) = c.find(&region[from..]) else {
            return false;
        };
        let at = from + hit;
        let match_end = start + at + plen;
        if c.endswith && match_end != buf.len() {
            return false;
        }
        if run_after_match(steps, i, buf, match_end, st) {
            return true;
        }
        if !st.retry(next_is_relative) {
            return false;
        }
        from = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::classification::Classifications;
    use crate::rules::{Loader, Vars};

    /// The payload steps of a rule with these options.
    fn steps(opts: &str) -> Vec<Inspect> {
        let vars = Vars::default();
        let classes = Classifications::default();
        let mut l = Loader::new(&vars, &classes);
        l.add_text(&format!("alert tcp any any -> any any ({opts} sid:1;)"), "t");
        let mut set = l.finish();
        assert!(set.diagnostics.is_empty(), "{:?}", set.diagnostics);
        std::mem::take(&mut set.rules[0].payload)
    }

    /// Compiles the options of one rule and inspects `buf` with them.
    fn check(opts: &str, buf: &[u8]) -> bool {
        inspect(&steps(opts), buf, &mut InspectState::new())
    }

    #[test]
    fn offset_depth() {
        assert!(check(r#"content:"GET"; depth:3;"#, b"GET /"));
        assert!(!check(r#"content:"GET"; depth:3;"#, b" GET /"));
        assert!(check(r#"content:"/a"; offset:4; depth:2;"#, b"GET /a"));
        assert!(!check(r#"content:"/a"; offset:5;"#, b"GET /a"));
    }

    #[test]
    fn distance_within_backtrack() {
        // The first "a" is followed by "c" too far away; the second works.
        assert!(check(r#"content:"a"; content:"c"; distance:0; within:2;"#, b"a....ac"));
        assert!(!check(r#"content:"a"; content:"c"; distance:0; within:1;"#, b"a.c"));
        assert!(check(r#"content:"a"; content:"c"; distance:1; within:2;"#, b"a.c"));
        assert!(!check(r#"content:"a"; content:"c"; distance:2;"#, b"a.c"));
        // Negative distance looks back.
        assert!(check(r#"content:"bc"; content:"ab"; distance:-3; within:2;"#, b"abc"));
    }

    #[test]
    fn startswith_endswith() {
        assert!(check(r#"content:"ab"; startswith;"#, b"abc"));
        assert!(!check(r#"content:"bc"; startswith;"#, b"abc"));
        assert!(check(r#"content:"bc"; endswith;"#, b"abcbc"));
        assert!(!check(r#"content:"ab"; endswith;"#, b"abc"));
        assert!(check(r#"content:"data|0a 0a|"; startswith; endswith;"#, b"data\n\n"));
    }

    #[test]
    fn negation() {
        assert!(check(r#"content:"a"; content:!"b"; distance:0; within:1;"#, b"ac b"));
        assert!(!check(r#"content:"a"; content:!"b"; distance:0; within:1;"#, b"ab"));
        assert!(check(r#"content:!"zz";"#, b"abc"));
    }

    #[test]
    fn nocase_and_pcre_relative() {
        assert!(check(
            r#"content:"union"; nocase; pcre:"/^\s+select/iR";"#,
            b"x UNION  SeLeCt"
        ));
        assert!(!check(r#"content:"union"; pcre:"/^select/R";"#, b"x union select"));
        assert!(check(r#"pcre:!"/evil/";"#, b"good"));
    }

    #[test]
    fn isdataat() {
        assert!(check(r#"content:"ab"; isdataat:1,relative;"#, b"abc"));
        assert!(!check(r#"content:"ab"; isdataat:2,relative;"#, b"abc"));
        assert!(check(r#"content:"ab"; isdataat:!2,relative;"#, b"abc"));
        assert!(check(r#"isdataat:2;"#, b"abc"));
        assert!(!check(r#"isdataat:3;"#, b"abc"));
    }

    #[test]
    fn byte_keywords() {
        // Length-prefixed field: jump over it and find the marker right after.
        assert!(check(
            r#"content:"L"; byte_jump:1,0,relative; content:"M"; within:1;"#,
            b"L\x03abcM"
        ));
        assert!(!check(
            r#"content:"L"; byte_jump:1,0,relative; content:"M"; within:1;"#,
            b"L\x02abcM"
        ));
        assert!(check(r#"byte_test:2,>,0x100,0;"#, b"\x01\x01"));
        assert!(check(r#"byte_test:2,!=,0x100,0;"#, b"\x01\x01"));
        assert!(check(r#"byte_test:3,=,123,1,string,dec;"#, b"x123"));
        assert!(check(
            r#"byte_extract:1,0,n; content:"x"; offset:n; depth:1;"#,
            b"\x02ax"
        ));
        assert!(!check(
            r#"byte_extract:1,0,n; content:"x"; offset:n; depth:1;"#,
            b"\x01ax"
        ));
        assert!(check(
            r#"byte_math:bytes 1, offset 0, oper +, rvalue 1, result r; byte_test:1,=,r,1;"#,
            b"\x04\x05"
        ));
        assert!(!check(r#"byte_test:4,>,1,0;"#, b"\x00\x00"));
        // Zero-byte jump with a negative post_offset clamps at the start.
        assert!(check(
            r#"content:"CD"; byte_jump:0,0,relative,post_offset -10; pcre:"/^AB/R";"#,
            b"ABCD"
        ));
    }

    #[test]
    fn stream_matches_must_reach_new_bytes() {
        let steps = &steps(r#"content:"ab"; content:"cd"; distance:0;"#);
        let mut st = InspectState::new();
        // Everything before offset 6 was inspected already.
        assert!(!inspect_new(steps, b"abcd..", Some(6), &mut st));
        assert!(inspect_new(steps, b"abcd..cd", Some(6), &mut st));
        // The first "ab" is old but a later one pairs with new bytes.
        assert!(inspect_new(steps, b"ab..abcd", Some(5), &mut st));
        assert!(inspect_new(steps, b"abcd", None, &mut st));
    }

    #[test]
    fn pathological_backtracking_is_bounded() {
        let buf = vec![b'a'; 5000];
        assert!(!check(
            r#"content:"a"; content:"a"; distance:0; content:"a"; distance:0; content:"b"; distance:0;"#,
            &buf
        ));
    }

    /// "dGhpc2lzYXRlc3QK" is base64 for "thisisatest\n".
    const URI: &[u8] = b"GET /?arg=dGhpc2lzYXRlc3QK HTTP/1.1";

    #[test]
    fn base64_data_inspects_the_decoded_text() {
        let decode = r#"content:"arg="; base64_decode:relative; base64_data;"#;
        assert!(check(&format!(r#"{decode} content:"thisisatest";"#), URI));
        assert!(check(
            &format!(r#"{decode} content:"this"; depth:4; content:"test"; distance:3;"#),
            URI
        ));
        assert!(!check(&format!(r#"{decode} content:"isat"; depth:4;"#), URI));
        assert!(!check(&format!(r#"{decode} content:"toast";"#), URI));
        // Without relative, decoding starts at the buffer's start ("GET"
        // then a space, outside the alphabet).
        assert!(!check(
            r#"content:"arg="; base64_decode; base64_data; content:"test";"#,
            URI
        ));
    }

    #[test]
    fn base64_decode_reads_bytes_from_its_offset() {
        let rule = |bytes: usize, offset: usize, want: &str| {
            format!(
                r#"content:"arg"; base64_decode:bytes {bytes}, offset {offset}, relative; base64_data; content:"{want}"; endswith;"#
            )
        };
        assert!(check(&rule(16, 1, "test|0a|"), URI));
        assert!(check(&rule(10, 1, "thisisa"), URI));
        assert!(!check(&rule(10, 1, "test"), URI));
        assert!(!check(&rule(16, 0, "test|0a|"), URI), "'=' stops the decoding");
    }

    #[test]
    fn base64_decode_alone_needs_something_to_decode() {
        assert!(check(r#"content:"arg="; base64_decode:relative;"#, URI));
        assert!(!check(r#"content:"HTTP/1.1"; base64_decode:relative;"#, URI));
    }

    #[test]
    fn a_later_occurrence_is_tried_when_the_decoded_text_fails() {
        // The first "k=" holds "bm9wZQ" ("nope"), the second "test".
        assert!(check(
            r#"content:"k="; base64_decode:relative; base64_data; content:"test";"#,
            b"k=bm9wZQ k=dGVzdA"
        ));
    }

    #[test]
    fn retried_decodes_stop_at_the_decode_limit() {
        // Every "A" starts the rest of a base64 run that never decodes to
        // the pattern: each retry decodes it all again, 900 * 450 bytes on
        // average, over the limit (and within the recursion budget).
        let buf = vec![b'A'; 900];
        let steps = steps(r#"content:"A"; base64_decode:relative; base64_data; content:"never";"#);
        let mut st = InspectState::new();
        assert!(!inspect(&steps, &buf, &mut st));
        assert!(st.exhausted, "the limit was reached and counted");
    }

    #[test]
    fn ftpbounce_matches_a_port_address_other_than_the_sender() {
        let steps = steps(r#"content:"PORT"; nocase; ftpbounce;"#);
        let client = Some(IpAddr::from([192, 168, 1, 10]));
        let run = |buf: &[u8], sender: Option<IpAddr>| {
            let mut st = InspectState::new();
            st.sender = sender;
            inspect(&steps, buf, &mut st)
        };
        assert!(run(b"PORT 10,0,0,99,4,1\r\n", client), "another host");
        assert!(!run(b"PORT 192,168,1,10,4,1\r\n", client), "the client itself");
        assert!(!run(b"port  192, 168, 1, 10 ,4,1\r\n", client), "spaces and case");
        assert!(!run(b"PORT 10,0,0,999,4,1\r\n", client), "not an address");
        assert!(!run(b"PORT 10,0,0\r\n", client), "cut short");
        assert!(!run(b"PORT 10,0,0,99\r\n", client), "no port");
        assert!(!run(b"PORT 10,0,0,99,4,1\r\n", None), "sender unknown");
    }
}
