//! One rule's text to a compiled [`Rule`]: header, then each option in order,
//! with the checks Suricata makes so a rule it rejects is rejected here too.

use super::app_checks;
use super::app_events::parse_app_event;
use super::base64::parse_base64_decode;
use super::buffer::{AppProto, BufferId};
use super::bytes::{self, VarNames};
use super::classification::Classifications;
use super::content::{Content, FastPatternSpec, parse_content_value};
use super::fast_pattern;
use super::flow_keywords::{self, FlowMatch, NameTable};
use super::header_keywords::{self as hk, HeaderTest};
use super::keyword_lists::KeywordLists;
use super::lexer::{split_rule, unescape, unquote};
use super::numeric::{NumCmp, parse_u64};
use super::pcre::parse_pcre;
use super::rule::{Action, AppCheck, AppProtoMatch, Inspect, Protocol, Rule, Value};
use super::threshold::parse_threshold;
use super::transform::Transform;
use super::vars::Resolver;
use super::xbits::parse_xbits;
use std::sync::Arc;

/// Why a rule was rejected: `class` groups similar reasons in summaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub sid: Option<u32>,
    pub class: String,
    pub detail: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

fn err(class: impl Into<String>, detail: impl Into<String>) -> RuleError {
    RuleError {
        sid: None,
        class: class.into(),
        detail: detail.into(),
    }
}

/// Everything a rule needs from outside itself.
pub struct ParseContext<'a, 'v> {
    pub resolver: &'a mut Resolver<'v>,
    pub classifications: &'a Classifications,
    pub names: &'a mut NameTable,
    pub file: Arc<str>,
    /// Shares the rule set's metadata strings.
    pub strings: &'a mut super::metadata::Interner,
}

/// Keywords that exist in the rule language but need parts vigie does not
/// have yet; named so the diagnostic says why.
fn unsupported(name: &str) -> RuleError {
    err(
        format!("unsupported keyword '{name}'"),
        format!("unsupported keyword '{name}'"),
    )
}

pub fn parse_rule(text: &str, line: usize, ctx: &mut ParseContext<'_, '_>) -> Result<Rule, RuleError> {
    let split = split_rule(text).map_err(|e| err("syntax error", e))?;
    // Find the sid first so every later error can name it.
    let sid = split
        .options
        .iter()
        .find(|(n, _)| n == "sid")
        .and_then(|(_, v)| v.and_then(|v| v.trim().parse::<u32>().ok()));
    build(split, line, ctx).map_err(|mut e| {
        e.sid = sid;
        e
    })
}

fn build(split: super::lexer::Split<'_>, line: usize, ctx: &mut ParseContext<'_, '_>) -> Result<Rule, RuleError> {
    let h = &split.header;
    if h.len() != 7 {
        return Err(err(
            "malformed header",
            format!(
                "header has {} words, expected 'action proto src sport dir dst dport'",
                h.len()
            ),
        ));
    }
    let action = Action::parse(h[0]).map_err(|e| err("unknown action", e))?;
    let (proto, app_proto) = match AppProto::parse(h[1]) {
        // DNS runs over UDP and TCP; the other protocols over TCP.
        Some(AppProto::Dns) => (Protocol::Ip, Some(AppProto::Dns)),
        Some(app) => (Protocol::Tcp, Some(app)),
        None => (Protocol::parse(h[1]).map_err(|e| err(e.clone(), e))?, None),
    };
    let bidirectional = match h[4] {
        "->" => false,
        "<>" => true,
        other => {
            return Err(err(
                "invalid direction",
                format!("direction '{other}' must be '->' or '<>'"),
            ));
        }
    };
    let addr = |r: &mut Resolver<'_>, s: &str| r.addresses(s).map_err(|e| err("invalid address", e));
    let port = |r: &mut Resolver<'_>, s: &str| r.ports(s).map_err(|e| err("invalid port", e));
    let src = addr(ctx.resolver, h[2])?;
    let src_ports = port(ctx.resolver, h[3])?;
    let dst = addr(ctx.resolver, h[5])?;
    let dst_ports = port(ctx.resolver, h[6])?;

    let mut rule = Rule {
        file: ctx.file.clone(),
        line,
        action,
        proto,
        src,
        src_ports,
        dst,
        dst_ports,
        bidirectional,
        gid: 1,
        sid: 0,
        rev: 0,
        msg: String::new(),
        classtype: None,
        category: String::new(),
        priority: 3,
        metadata: Default::default(),
        target_is_src: None,
        noalert: false,
        flow: FlowMatch::default(),
        flowbits: Vec::new(),
        flowints: Vec::new(),
        xbits: Vec::new().into(),
        stream_size: None,
        header: Vec::new(),
        dsize: None,
        payload: Vec::new(),
        buffers: Vec::new(),
        app_proto,
        app_layer_protocol: None,
        app_checks: Vec::new(),
        fast_pattern: None,
        threshold: None,
        byte_vars: 0,
    };
    let mut vars = VarNames::default();
    let mut lists = KeywordLists::default();
    let mut seen_sid = false;
    let mut explicit_priority: Option<u8> = None;
    let mut flow_seen = false;
    let mut xbits = Vec::new();

    for (name, value) in &split.options {
        let name = name.as_str();
        let need = |v: &Option<&str>| -> Result<String, RuleError> {
            v.map(str::to_string)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| err(format!("invalid {name}"), format!("{name} needs a value")))
        };
        let bad = |e: String| err(format!("invalid {name}"), format!("{name}: {e}"));
        match name {
            "msg" => rule.msg = unescape(unquote(&need(value)?)),
            "sid" => {
                let v = need(value)?;
                rule.sid = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| bad(format!("'{v}' is not a valid sid")))?;
                seen_sid = true;
            }
            "rev" => rule.rev = need(value)?.trim().parse().map_err(|_| bad("not a number".into()))?,
            "gid" => rule.gid = need(value)?.trim().parse().map_err(|_| bad("not a number".into()))?,
            "classtype" => {
                let v = need(value)?;
                let ct = ctx
                    .classifications
                    .get(v.trim())
                    .ok_or_else(|| err("unknown classtype", format!("unknown classtype '{}'", v.trim())))?;
                rule.category = ct.category.clone();
                rule.priority = ct.priority;
                rule.classtype = Some(v.trim().to_string());
            }
            "priority" => {
                let v = need(value)?;
                explicit_priority = Some(
                    v.trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(|| bad(format!("'{v}' must be 1-255")))?,
                );
            }
            // Checked for a value; nothing downstream reads references.
            "reference" => drop(need(value)?),
            "metadata" => {
                for item in need(value)?.split(',') {
                    let item = item.trim();
                    if item.is_empty() {
                        continue;
                    }
                    let (k, v) = item.split_once(char::is_whitespace).unwrap_or((item, ""));
                    let (k, v) = (ctx.strings.intern(k), ctx.strings.intern(&unescape(v.trim())));
                    rule.metadata.push(k, v);
                }
            }
            "target" => {
                rule.target_is_src = Some(match need(value)?.trim() {
                    "src_ip" => true,
                    "dest_ip" => false,
                    other => return Err(bad(format!("'{other}' must be src_ip or dest_ip"))),
                })
            }
            "noalert" => rule.noalert = true,
            "content" | "uricontent" => {
                let (pattern, negated) = parse_content_value(&need(value)?).map_err(bad)?;
                lists.push(Inspect::Content(Box::new(Content::new(pattern, negated))));
                if name == "uricontent" {
                    lists.move_last_content(BufferId::HttpUri).map_err(bad)?;
                }
            }
            "nocase" | "rawbytes" | "depth" | "offset" | "distance" | "within" | "startswith" | "endswith"
            | "fast_pattern" => {
                let Some(c) = lists.last_content_mut() else {
                    return Err(err(
                        format!("{name} without content"),
                        format!("{name} needs a preceding content"),
                    ));
                };
                content_modifier(c, name, *value, &vars)?
            }
            "pkt_data" => lists.reset_to_payload(),
            "urilen" => {
                let v = need(value)?;
                let (cmp, raw) = match v.split_once(',') {
                    Some((c, "raw")) | Some((c, " raw")) => (c, true),
                    Some((c, m)) if m.trim() == "norm" => (c, false),
                    Some((_, m)) => return Err(bad(format!("unknown option '{}'", m.trim()))),
                    None => (v.as_str(), false),
                };
                let id = if raw { BufferId::HttpUriRaw } else { BufferId::HttpUri };
                lists.push_to(id, Inspect::Bsize(NumCmp::parse(cmp, u64::MAX).map_err(bad)?));
            }
            "app-layer-protocol" => {
                let v = need(value)?;
                let (proto_text, _exact) = match v.split_once(',') {
                    Some((p, opt)) if opt.trim() == "exact" => (p.trim(), true),
                    Some((_, opt)) => return Err(bad(format!("unknown option '{}'", opt.trim()))),
                    None => (v.trim(), false),
                };
                let (negated, proto_text) = match proto_text.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, proto_text),
                };
                let proto = match proto_text {
                    "failed" => None,
                    p => Some(AppProto::parse(p).ok_or_else(|| {
                        err(
                            format!("unsupported protocol '{p}'"),
                            format!("unsupported protocol '{p}'"),
                        )
                    })?),
                };
                rule.app_layer_protocol = Some(AppProtoMatch { proto, negated });
            }
            "tls.version" => rule.app_checks.push(AppCheck::TlsVersion(
                app_checks::tls_version(&need(value)?).map_err(bad)?,
            )),
            "ssl_version" => {
                let (any_of, none_of) = app_checks::ssl_versions(&need(value)?).map_err(bad)?;
                rule.app_checks.push(AppCheck::SslVersion { any_of, none_of });
            }
            "app-layer-event" => {
                let (proto, name) = parse_app_event(&need(value)?).map_err(bad)?;
                rule.app_checks.push(AppCheck::Event(proto, name));
            }
            "ssl_state" => {
                let (any_of, none_of) = app_checks::ssl_states(&need(value)?).map_err(bad)?;
                rule.app_checks.push(AppCheck::SslState { any_of, none_of });
            }
            other if BufferId::from_content_modifier(other).is_some() => {
                if let Some(id) = BufferId::from_content_modifier(other) {
                    lists.move_last_content(id).map_err(bad)?;
                }
            }
            other if BufferId::from_sticky(other).is_some() => {
                if let Some(id) = BufferId::from_sticky(other) {
                    lists.sticky(id);
                }
            }
            other if Transform::from_keyword(other).is_some() => {
                if let Some(t) = Transform::from_keyword(other) {
                    lists.transform(t).map_err(bad)?;
                }
            }
            "pcre" => {
                let p = parse_pcre(&need(value)?).map_err(|e| err("invalid pcre", e))?;
                if !p.captures.is_empty() {
                    return Err(err(
                        "unsupported pcre capture",
                        "pcre captures into flow/packet variables are not supported",
                    ));
                }
                match p.buffer_modifier {
                    Some(m) => {
                        let id = BufferId::from_pcre_modifier(m)
                            .ok_or_else(|| err("invalid pcre", format!("pcre modifier '{m}' names no buffer")))?;
                        lists.push_to(id, Inspect::Pcre(Box::new(p)));
                    }
                    None => lists.push(Inspect::Pcre(Box::new(p))),
                }
            }
            "byte_test" => lists.push(Inspect::ByteTest(
                bytes::parse_byte_test(&need(value)?, &vars).map_err(bad)?,
            )),
            "byte_jump" => lists.push(Inspect::ByteJump(
                bytes::parse_byte_jump(&need(value)?, &vars).map_err(bad)?,
            )),
            "byte_extract" => {
                let e = bytes::parse_byte_extract(&need(value)?, &mut vars).map_err(bad)?;
                lists.push(Inspect::ByteExtract(e));
            }
            "byte_math" => {
                let m = bytes::parse_byte_math(&need(value)?, &mut vars).map_err(bad)?;
                lists.push(Inspect::ByteMath(m));
            }
            "isdataat" => lists.push(parse_isdataat(&need(value)?, &vars).map_err(bad)?),
            "bsize" => lists.push(Inspect::Bsize(NumCmp::parse(&need(value)?, u64::MAX).map_err(bad)?)),
            "base64_decode" => lists
                .base64_decode(parse_base64_decode(*value).map_err(bad)?)
                .map_err(bad)?,
            "base64_data" => lists.base64_data().map_err(bad)?,
            "ftpbounce" => lists.push(Inspect::FtpBounce),
            "dsize" => {
                if rule.dsize.is_some() {
                    return Err(bad("used twice".into()));
                }
                rule.dsize = Some(NumCmp::parse(&need(value)?, 65535).map_err(bad)?)
            }
            "ttl" => rule
                .header
                .push(HeaderTest::Ttl(NumCmp::parse(&need(value)?, 255).map_err(bad)?)),
            "tos" => rule
                .header
                .push(HeaderTest::Tos(NumCmp::parse(&need(value)?, 255).map_err(bad)?)),
            "id" => rule
                .header
                .push(HeaderTest::IpId(NumCmp::parse(&need(value)?, 65535).map_err(bad)?)),
            "ip_proto" => rule
                .header
                .push(HeaderTest::IpProto(hk::parse_ip_proto(&need(value)?).map_err(bad)?)),
            "ipopts" => rule
                .header
                .push(HeaderTest::IpOpts(hk::parse_ipopts(&need(value)?).map_err(bad)?)),
            "fragbits" => rule
                .header
                .push(HeaderTest::FragBits(hk::parse_fragbits(&need(value)?).map_err(bad)?)),
            "fragoffset" => rule
                .header
                .push(HeaderTest::FragOffset(NumCmp::parse(&need(value)?, 8191).map_err(bad)?)),
            "flags" | "tcp.flags" => rule
                .header
                .push(HeaderTest::TcpFlags(hk::parse_flags(&need(value)?).map_err(bad)?)),
            "seq" => rule
                .header
                .push(HeaderTest::Seq(u32_value(&need(value)?).map_err(bad)?)),
            "ack" => rule
                .header
                .push(HeaderTest::Ack(u32_value(&need(value)?).map_err(bad)?)),
            "window" => rule
                .header
                .push(HeaderTest::Window(NumCmp::parse(&need(value)?, 65535).map_err(bad)?)),
            "itype" => rule
                .header
                .push(HeaderTest::Itype(NumCmp::parse(&need(value)?, 255).map_err(bad)?)),
            "icode" => rule
                .header
                .push(HeaderTest::Icode(NumCmp::parse(&need(value)?, 255).map_err(bad)?)),
            "icmp_id" => rule
                .header
                .push(HeaderTest::IcmpId(u16_value(&need(value)?).map_err(bad)?)),
            "icmp_seq" => rule
                .header
                .push(HeaderTest::IcmpSeq(u16_value(&need(value)?).map_err(bad)?)),
            "flow" => {
                if flow_seen {
                    return Err(bad("used twice".into()));
                }
                flow_seen = true;
                rule.flow = flow_keywords::parse_flow(&need(value)?).map_err(|e| err("invalid flow", e))?;
            }
            "flowbits" => {
                let cmd =
                    flow_keywords::parse_flowbits(&need(value)?, ctx.names).map_err(|e| err("invalid flowbits", e))?;
                if cmd == flow_keywords::FlowbitCmd::NoAlert {
                    rule.noalert = true;
                }
                rule.flowbits.push(cmd);
            }
            "xbits" => {
                let op = parse_xbits(&need(value)?, ctx.names).map_err(bad)?;
                xbits.push(op);
            }
            "flowint" => {
                let cmd =
                    flow_keywords::parse_flowint(&need(value)?, ctx.names).map_err(|e| err("invalid flowint", e))?;
                rule.flowints.push(cmd);
            }
            "stream_size" => {
                rule.stream_size = Some(flow_keywords::parse_stream_size(&need(value)?).map_err(bad)?);
            }
            "threshold" | "detection_filter" => {
                if rule.threshold.is_some() {
                    return Err(err(
                        "threshold and detection_filter together",
                        "only one threshold or detection_filter per rule",
                    ));
                }
                rule.threshold = Some(parse_threshold(&need(value)?, name == "detection_filter").map_err(bad)?);
            }
            // Accepted, with no effect on detection in an IDS.
            "prefilter" | "tag" | "requires" => {}
            other => return Err(unsupported(other)),
        }
    }
    if !seen_sid {
        return Err(err("missing sid", "rule has no sid"));
    }
    if let Some(p) = explicit_priority {
        rule.priority = p;
    }
    (rule.payload, rule.buffers) = lists.finish();
    rule.xbits = xbits.into();
    check_protocol_keywords(&rule)?;
    rule.fast_pattern =
        fast_pattern::choose(&rule.payload, &rule.buffers).map_err(|e| err("invalid fast_pattern", e))?;
    rule.byte_vars = vars.len();
    Ok(rule)
}

fn check_protocol_keywords(rule: &Rule) -> Result<(), RuleError> {
    for t in &rule.header {
        if t.needs_tcp() && !matches!(rule.proto, Protocol::Ip) && !rule.proto.is_tcp() {
            return Err(err(
                "tcp keyword on a non-tcp rule",
                "flags/seq/ack/window need a tcp rule",
            ));
        }
        if t.needs_icmp()
            && !matches!(
                rule.proto,
                Protocol::Ip | Protocol::Icmp | Protocol::Icmpv4 | Protocol::Icmpv6
            )
        {
            return Err(err(
                "icmp keyword on a non-icmp rule",
                "itype/icode/icmp_id/icmp_seq need an icmp rule",
            ));
        }
    }
    if rule.stream_size.is_some() && !rule.proto.is_tcp() && rule.proto != Protocol::Ip {
        return Err(err("stream_size on a non-tcp rule", "stream_size needs a tcp rule"));
    }
    Ok(())
}

fn u32_value(v: &str) -> Result<u32, String> {
    parse_u64(v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("'{v}' is not a 32-bit number"))
}

fn u16_value(v: &str) -> Result<u16, String> {
    parse_u64(v)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| format!("'{v}' is not a 16-bit number"))
}

fn parse_isdataat(v: &str, vars: &VarNames) -> Result<Inspect, String> {
    let mut parts = v.split(',').map(str::trim);
    let first = parts.next().unwrap_or("");
    let (negated, num) = match first.strip_prefix('!') {
        Some(n) => (true, n.trim()),
        None => (false, first),
    };
    let offset = vars.value(num)?;
    let mut relative = false;
    for p in parts {
        match p {
            "relative" => relative = true,
            "rawbytes" => {}
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    Ok(Inspect::IsDataAt {
        offset,
        relative,
        negated,
    })
}

/// Applies a content modifier to the most recent content.
fn content_modifier(c: &mut Content, name: &str, value: Option<&str>, vars: &VarNames) -> Result<(), RuleError> {
    let bad = |e: String| err(format!("invalid {name}"), format!("{name}: {e}"));
    let num = |v: Option<&str>| -> Result<Value, RuleError> {
        let v = v.ok_or_else(|| bad("needs a value".into()))?;
        vars.value(v).map_err(bad)
    };
    let plen = c.pattern.len() as i64;
    match name {
        "nocase" => {
            if c.nocase {
                return Err(bad("used twice on one content".into()));
            }
            c.nocase = true;
        }
        "rawbytes" => {}
        "depth" | "offset" => {
            if c.is_relative() || c.startswith {
                return Err(err(
                    "mixes relative and absolute modifiers",
                    format!("{name} cannot be combined with distance/within/startswith on one content"),
                ));
            }
            let v = num(value)?;
            if let Value::Lit(n) = v
                && (n < 0 || (name == "depth" && n < plen))
            {
                return Err(bad(format!(
                    "{n} is smaller than the content length {plen} or negative"
                )));
            }
            let slot = if name == "depth" { &mut c.depth } else { &mut c.offset };
            if slot.replace(v).is_some() {
                return Err(bad("used twice on one content".into()));
            }
        }
        "distance" | "within" => {
            if c.depth.is_some() || c.offset.is_some() || c.startswith {
                return Err(err(
                    "mixes relative and absolute modifiers",
                    format!("{name} cannot be combined with depth/offset/startswith on one content"),
                ));
            }
            let v = num(value)?;
            if name == "within"
                && let Value::Lit(n) = v
                && n < plen
            {
                return Err(bad(format!("{n} is smaller than the content length {plen}")));
            }
            let slot = if name == "within" {
                &mut c.within
            } else {
                &mut c.distance
            };
            if slot.replace(v).is_some() {
                return Err(bad("used twice on one content".into()));
            }
        }
        "startswith" => {
            if c.depth.is_some() || c.offset.is_some() || c.is_relative() {
                return Err(err(
                    "mixes relative and absolute modifiers",
                    "startswith cannot be combined with depth/offset/distance/within",
                ));
            }
            c.startswith = true;
        }
        "endswith" => c.endswith = true,
        "fast_pattern" => {
            let mut spec = FastPatternSpec::default();
            match value.map(str::trim) {
                None | Some("") => {}
                Some("only") => spec.only = true,
                Some(v) => {
                    let (o, l) = v
                        .split_once(',')
                        .ok_or_else(|| bad(format!("'{v}' must be 'only' or offset,length")))?;
                    let o: usize = o.trim().parse().map_err(|_| bad(format!("'{o}' is not a number")))?;
                    let l: usize = l.trim().parse().map_err(|_| bad(format!("'{l}' is not a number")))?;
                    spec.chop = Some((o, l));
                }
            }
            if c.fast_pattern.replace(spec).is_some() {
                return Err(bad("used twice".into()));
            }
        }
        _ => return Err(unsupported(name)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::vars::Vars;

    fn parse(text: &str) -> Result<Rule, RuleError> {
        let vars = Vars::default();
        let mut resolver = Resolver::new(&vars);
        let classes = Classifications::default();
        let mut names = NameTable::default();
        let mut ctx = ParseContext {
            resolver: &mut resolver,
            classifications: &classes,
            names: &mut names,
            file: "t.rules".into(),
            strings: &mut Default::default(),
        };
        parse_rule(text, 1, &mut ctx)
    }

    #[test]
    fn full_rule() {
        let r = parse(
            r#"alert tcp $EXTERNAL_NET any -> $HOME_NET [80,8080] (msg:"SQLi \"union\""; flow:established,to_server; content:"GET "; depth:4; content:"union"; nocase; distance:0; pcre:"/union\s+select/iR"; classtype:web-application-attack; reference:url,example.com; metadata:affected_product Any, signature_severity Major; sid:1000001; rev:3;)"#,
        )
        .unwrap();
        assert_eq!((r.sid, r.rev, r.gid), (1000001, 3, 1));
        assert_eq!(r.msg, "SQLi \"union\"");
        assert_eq!(r.priority, 1);
        assert_eq!(r.category, "Web Application Attack");
        assert_eq!(r.payload.len(), 3);
        assert_eq!(r.metadata.pairs().nth(1), Some(("signature_severity", "Major")));
        let fp = r.fast_pattern.unwrap();
        assert_eq!(fp.bytes, b"union".to_vec());
        assert!(fp.nocase);
        assert!(r.dst_ports.contains(8080) && !r.dst_ports.contains(81));
    }

    #[test]
    fn rejections_name_sid_and_reason() {
        let e = parse(r#"alert tcp any any -> any any (msg:"x"; lua:foo.lua; sid:2010935;)"#).unwrap_err();
        assert_eq!(e.sid, Some(2010935));
        assert_eq!(e.detail, "unsupported keyword 'lua'");
        let cases = [
            (
                r#"alert modbus any any -> any any (content:"x"; sid:1;)"#,
                "unsupported protocol 'modbus'",
            ),
            (
                r#"alert tcp any any -> any any (content:"x"; depth:2; distance:1; sid:1;)"#,
                "mixes relative",
            ),
            (
                r#"alert tcp any any -> any any (nocase; sid:1;)"#,
                "nocase without content",
            ),
            (r#"alert tcp any any -> any any (content:"x";)"#, "missing sid"),
            (
                r#"alert tcp any any -> any any (content:"xyz"; depth:2; sid:1;)"#,
                "invalid depth",
            ),
            (
                r#"alert tcp any any -> any any (classtype:nope; sid:1;)"#,
                "unknown classtype",
            ),
            (r#"alert udp any any -> any any (flags:S; sid:1;)"#, "tcp keyword"),
            (r#"alert tcp any any <- any any (sid:1;)"#, "invalid direction"),
            (r#"alert tcp any any -> $NOPE any (sid:1;)"#, "invalid address"),
        ];
        for (text, class) in cases {
            let e = parse(text).unwrap_err();
            assert!(
                e.class.starts_with(class),
                "{text}: got class '{}' ({})",
                e.class,
                e.detail
            );
        }
    }

    #[test]
    fn priority_overrides_classtype_and_defaults() {
        let r = parse(r#"alert ip any any -> any any (classtype:trojan-activity; priority:3; sid:9;)"#).unwrap();
        assert_eq!(r.priority, 3);
        let d = parse(r#"alert ip any any -> any any (sid:9;)"#).unwrap();
        assert_eq!((d.priority, d.rev, d.category.as_str()), (3, 0, ""));
        assert!(d.fast_pattern.is_none());
    }

    #[test]
    fn byte_vars_flow_into_content() {
        let r = parse(r#"alert tcp any any -> any any (content:"L"; byte_extract:1,0,len,relative; content:"x"; distance:len; sid:1;)"#).unwrap();
        assert_eq!(r.byte_vars, 1);
        let Inspect::Content(c) = &r.payload[2] else { panic!() };
        assert_eq!(c.distance, Some(Value::Var(0)));
    }
}
