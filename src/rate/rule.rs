//! Rate rules: the TOML form analysts write (rules/*.rate.toml), its
//! validation with errors naming the file, the rule and the field, and the
//! compiled form the rate engine runs.

use crate::alert::SignatureInfo;
use crate::duration::{Span, format_micros};
use crate::rules::address::IpSet;
use crate::rules::header_keywords::{BitsTest, parse_flags};
use crate::rules::port::PortSet;
use crate::rules::vars::Resolver;
use crate::rules::{Classifications, Vars};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateFile {
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    sid: u32,
    #[serde(default)]
    rev: u32,
    msg: String,
    #[serde(default)]
    classtype: Option<String>,
    #[serde(default)]
    severity: Option<u8>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    on: Event,
    #[serde(default, rename = "match")]
    matches: RawMatch,
    group_by: GroupBy,
    count: Metric,
    threshold: f64,
    /// `60s`, `5m`, `1h`, `500ms` or a number of seconds (greater than zero).
    window: Span,
    #[serde(default)]
    cooldown: Option<Span>,
    /// For `response_ratio`: the responses must also weigh at least this many bytes.
    #[serde(default)]
    min_bytes: Option<u64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    proto: Option<String>,
    src: Option<String>,
    dst: Option<String>,
    src_ports: Option<String>,
    dst_ports: Option<String>,
    tcp_flags: Option<String>,
    direction: Option<String>,
    min_size: Option<u32>,
    max_size: Option<u32>,
    icmp_type: Option<u8>,
    http_status: Option<Vec<u16>>,
    http_method: Option<String>,
    http_uri_contains: Option<String>,
    dns_qtype: Option<Vec<String>>,
    min_query_len: Option<usize>,
}

/// What feeds a rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Every packet.
    #[default]
    Packet,
    /// Every HTTP response (status known).
    HttpResponse,
    /// Every DNS query.
    DnsQuery,
}

/// What a tracker is keyed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Src,
    Dst,
    SrcDst,
    /// The destination address and port (one service).
    DstPort,
    /// The flow's client (who opened the connection).
    Client,
    /// The flow's server.
    Server,
    /// The parent domain of DNS query names (last two labels).
    DnsParentDomain,
}

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Packets,
    Bytes,
    NewFlows,
    /// Connections opened with a SYN that never completed the handshake.
    IncompleteHandshakes,
    DistinctDstPorts,
    DistinctDstHosts,
    DistinctSrcHosts,
    DistinctQueryNames,
    /// Bytes matching, divided by bytes in the reverse direction.
    ResponseRatio,
    /// Events (transactions) matching.
    Events,
}

impl Metric {
    /// Each matching packet or transaction adds one.
    pub fn counts_events(self) -> bool {
        matches!(
            self,
            Metric::Packets | Metric::NewFlows | Metric::IncompleteHandshakes | Metric::Events
        )
    }

    pub fn is_distinct(self) -> bool {
        matches!(
            self,
            Metric::DistinctDstPorts | Metric::DistinctDstHosts | Metric::DistinctSrcHosts | Metric::DistinctQueryNames
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Packets => "packets",
            Metric::Bytes => "bytes",
            Metric::NewFlows => "new_flows",
            Metric::IncompleteHandshakes => "incomplete_handshakes",
            Metric::DistinctDstPorts => "distinct_dst_ports",
            Metric::DistinctDstHosts => "distinct_dst_hosts",
            Metric::DistinctSrcHosts => "distinct_src_hosts",
            Metric::DistinctQueryNames => "distinct_query_names",
            Metric::ResponseRatio => "response_ratio",
            Metric::Events => "events",
        }
    }
}

/// Which packets or transactions a rule counts.
#[derive(Clone, Debug)]
pub struct Filter {
    pub proto: Option<u8>,
    pub src: Option<IpSet>,
    pub dst: Option<IpSet>,
    pub src_ports: Option<PortSet>,
    pub dst_ports: Option<PortSet>,
    pub tcp_flags: Option<BitsTest>,
    /// `Some(true)` to-server packets only, `Some(false)` to-client only.
    pub to_server: Option<bool>,
    pub min_size: Option<u32>,
    pub max_size: Option<u32>,
    pub icmp_type: Option<u8>,
    pub http_status: Vec<u16>,
    pub http_method: Option<Vec<u8>>,
    pub http_uri_contains: Option<Vec<u8>>,
    pub dns_qtypes: Vec<u16>,
    pub min_query_len: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct RateRule {
    pub sid: u32,
    pub info: Arc<SignatureInfo>,
    pub on: Event,
    pub filter: Filter,
    pub group_by: GroupBy,
    pub metric: Metric,
    pub threshold: f64,
    pub window_us: i64,
    pub cooldown_us: i64,
    pub min_bytes: u64,
    pub window_text: String,
}

impl RateRule {
    /// Whether a key's first two sightings together stay under the
    /// threshold, so a key can wait for its second sighting before it gets a
    /// tracker (ratio rules never wait: their denominators must all count).
    pub fn first_sighting_cannot_alert(&self) -> bool {
        const LARGEST_PACKET: f64 = 65_535.0;
        match self.metric {
            m if m.counts_events() || m.is_distinct() => self.threshold > 2.0,
            Metric::Bytes => self.threshold > 2.0 * LARGEST_PACKET,
            _ => false,
        }
    }
}

/// Rate rules a sensor runs at most: a match names its rule in 16 bits.
pub const MAX_RULES: usize = u16::MAX as usize;
/// `incomplete_handshakes` rules at most: a flow keeps one bit per rule
/// that counted its SYN.
pub const MAX_HANDSHAKE_RULES: usize = 64;

/// Refuses a rule set beyond what the engine can hold.
pub fn check_limits(rules: &[RateRule]) -> Result<(), RateRuleError> {
    let handshakes = rules
        .iter()
        .filter(|r| r.on == Event::Packet && r.metric == Metric::IncompleteHandshakes)
        .count();
    for (what, found, limit) in [
        ("rate rules", rules.len(), MAX_RULES),
        ("incomplete_handshakes rules", handshakes, MAX_HANDSHAKE_RULES),
    ] {
        if found > limit {
            return Err(RateRuleError::TooMany { what, found, limit });
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum RateRuleError {
    #[error("{found} {what} loaded; at most {limit} are supported")]
    TooMany {
        what: &'static str,
        found: usize,
        limit: usize,
    },
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: rule {index} (sid {sid}): {field}: {message}")]
    Field {
        path: String,
        /// 1-based position of the rule in its file.
        index: usize,
        sid: u32,
        field: String,
        message: String,
    },
}

fn dns_type(name: &str) -> Option<u16> {
    Some(match name.to_ascii_uppercase().as_str() {
        "A" => 1,
        "NS" => 2,
        "CNAME" => 5,
        "SOA" => 6,
        "NULL" => 10,
        "PTR" => 12,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        "SRV" => 33,
        "ANY" => 255,
        n => return n.parse().ok(),
    })
}

/// Reads and compiles a rate rule file.
pub fn load_file(path: &Path, vars: &Vars, classes: &Classifications) -> Result<Vec<RateRule>, RateRuleError> {
    let text = std::fs::read_to_string(path).map_err(|source| RateRuleError::Read {
        path: path.display().to_string(),
        source,
    })?;
    load_str(&text, &path.display().to_string(), vars, classes)
}

pub fn load_str(
    text: &str,
    name: &str,
    vars: &Vars,
    classes: &Classifications,
) -> Result<Vec<RateRule>, RateRuleError> {
    let value: toml::Value = toml::from_str(text).map_err(|e| RateRuleError::Syntax {
        path: name.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let file: RateFile = serde_path_to_error::deserialize(value).map_err(|e| RateRuleError::Syntax {
        path: name.to_string(),
        message: format!("{}: {}", e.path(), e.inner()),
    })?;
    let mut resolver = Resolver::new(vars);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, raw) in file.rules.into_iter().enumerate() {
        let sid = raw.sid;
        let fail = |field: &str, message: String| RateRuleError::Field {
            path: name.to_string(),
            index: index + 1,
            sid,
            field: field.to_string(),
            message,
        };
        if !seen.insert(sid) {
            return Err(fail("sid", "duplicate sid".into()));
        }
        if !raw.enabled {
            continue;
        }
        if raw.threshold <= 0.0 || raw.threshold.is_nan() {
            return Err(fail("threshold", "must be greater than 0".into()));
        }
        let m = &raw.matches;
        let proto = match m.proto.as_deref() {
            None | Some("ip") | Some("any") => None,
            Some("tcp") => Some(6),
            Some("udp") => Some(17),
            Some("icmp") => Some(1),
            Some(other) => return Err(fail("match.proto", format!("'{other}' must be ip, tcp, udp or icmp"))),
        };
        let addr = |r: &mut Resolver<'_>, v: &Option<String>, f: &str| -> Result<Option<IpSet>, RateRuleError> {
            v.as_deref().map(|s| r.addresses(s)).transpose().map_err(|e| fail(f, e))
        };
        let port = |r: &mut Resolver<'_>, v: &Option<String>, f: &str| -> Result<Option<PortSet>, RateRuleError> {
            v.as_deref().map(|s| r.ports(s)).transpose().map_err(|e| fail(f, e))
        };
        let filter = Filter {
            proto,
            src: addr(&mut resolver, &m.src, "match.src")?,
            dst: addr(&mut resolver, &m.dst, "match.dst")?,
            src_ports: port(&mut resolver, &m.src_ports, "match.src_ports")?,
            dst_ports: port(&mut resolver, &m.dst_ports, "match.dst_ports")?,
            tcp_flags: m
                .tcp_flags
                .as_deref()
                .map(parse_flags)
                .transpose()
                .map_err(|e| fail("match.tcp_flags", e))?,
            to_server: match m.direction.as_deref() {
                None | Some("any") => None,
                Some("to_server") => Some(true),
                Some("to_client") => Some(false),
                Some(other) => {
                    return Err(fail(
                        "match.direction",
                        format!("'{other}' must be to_server, to_client or any"),
                    ));
                }
            },
            min_size: m.min_size,
            max_size: m.max_size,
            icmp_type: m.icmp_type,
            http_status: m.http_status.clone().unwrap_or_default(),
            http_method: m.http_method.as_ref().map(|s| s.as_bytes().to_vec()),
            http_uri_contains: m.http_uri_contains.as_ref().map(|s| s.as_bytes().to_vec()),
            dns_qtypes: m
                .dns_qtype
                .iter()
                .flatten()
                .map(|t| dns_type(t).ok_or_else(|| fail("match.dns_qtype", format!("unknown DNS type '{t}'"))))
                .collect::<Result<_, _>>()?,
            min_query_len: m.min_query_len,
        };
        let app_fields =
            !filter.http_status.is_empty() || filter.http_method.is_some() || filter.http_uri_contains.is_some();
        if app_fields && raw.on != Event::HttpResponse {
            return Err(fail("on", "http_* match fields need on = \"http_response\"".into()));
        }
        let dns_fields = !filter.dns_qtypes.is_empty() || filter.min_query_len.is_some();
        if (dns_fields || raw.count == Metric::DistinctQueryNames || raw.group_by == GroupBy::DnsParentDomain)
            && raw.on != Event::DnsQuery
        {
            return Err(fail(
                "on",
                "DNS fields, distinct_query_names and dns_parent_domain need on = \"dns_query\"".into(),
            ));
        }
        if raw.count == Metric::IncompleteHandshakes && proto != Some(6) {
            return Err(fail(
                "count",
                "incomplete_handshakes needs match.proto = \"tcp\"".into(),
            ));
        }
        let (category, default_priority) = match &raw.classtype {
            Some(ct) => {
                let c = classes
                    .get(ct)
                    .ok_or_else(|| fail("classtype", format!("unknown classtype '{ct}'")))?;
                (c.category.clone(), c.priority)
            }
            None => (String::new(), 3),
        };
        for (field, span) in [("window", Some(raw.window)), ("cooldown", raw.cooldown)] {
            if span.is_some_and(|s| s.micros <= 0) {
                return Err(fail(field, "must be longer than zero".into()));
            }
        }
        let window_text = format_micros(raw.window.micros);
        let info = SignatureInfo {
            gid: 1,
            sid,
            rev: raw.rev,
            msg: raw.msg.clone(),
            category,
            severity: raw.severity.unwrap_or(default_priority),
            metadata: [("rate_metric", raw.count.name())].into_iter().collect(),
            target_is_src: None,
        };
        out.push(RateRule {
            sid,
            info: Arc::new(info),
            on: raw.on,
            filter,
            group_by: raw.group_by,
            metric: raw.count,
            threshold: raw.threshold,
            window_us: raw.window.micros,
            cooldown_us: raw.cooldown.map_or(raw.window.micros, |c| c.micros),
            min_bytes: raw.min_bytes.unwrap_or(0),
            window_text,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<RateRule>, RateRuleError> {
        load_str(text, "t.rate.toml", &Vars::default(), &Classifications::default())
    }

    #[test]
    fn a_full_rule() {
        let rules = load(
            r#"
[[rule]]
sid = 9200001
msg = "port scan"
classtype = "attempted-recon"
match = { proto = "tcp", tcp_flags = "S", dst = "$HOME_NET" }
group_by = "src"
count = "distinct_dst_ports"
threshold = 100
window = "60s"
cooldown = "5m"
"#,
        )
        .unwrap();
        let r = &rules[0];
        assert_eq!(
            (r.sid, r.metric, r.group_by),
            (9200001, Metric::DistinctDstPorts, GroupBy::Src)
        );
        assert_eq!((r.window_us, r.cooldown_us), (60_000_000, 300_000_000));
        assert_eq!(r.info.severity, 2);
        assert_eq!(r.window_text, "1m");
        assert!(r.filter.dst.as_ref().unwrap().contains("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn errors_name_file_rule_and_field() {
        let bad_field = "[[rule]]\nsid = 1\nmsg = \"x\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = 5\nwindow = \"1s\"\nmatch = { proto = \"sctp\" }\n";
        let e = load(bad_field).unwrap_err().to_string();
        assert!(e.starts_with("t.rate.toml: rule 1 (sid 1): match.proto"), "{e}");
        let unknown = "[[rule]]\nsid = 1\nmsg = \"x\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = 5\nwindow = \"1s\"\ncolour = 3\n";
        let e = load(unknown).unwrap_err().to_string();
        assert!(e.contains("rule[0]") && e.contains("colour"), "{e}");
        let bad_enum = "[[rule]]\nsid = 1\nmsg = \"x\"\ngroup_by = \"moon\"\ncount = \"packets\"\nthreshold = 5\nwindow = \"1s\"\n";
        assert!(load(bad_enum).unwrap_err().to_string().contains("group_by"));
        let bad_window = "[[rule]]\nsid = 1\nmsg = \"x\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = 5\nwindow = \"soon\"\n";
        assert!(load(bad_window).unwrap_err().to_string().contains("window"));
        let http_without_event = "[[rule]]\nsid = 1\nmsg = \"x\"\ngroup_by = \"client\"\ncount = \"events\"\nthreshold = 5\nwindow = \"1s\"\nmatch = { http_status = [401] }\n";
        assert!(load(http_without_event).unwrap_err().to_string().contains("on"));
        let dup =
            "[[rule]]\nsid = 1\nmsg = \"x\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = 5\nwindow = \"1s\"\n"
                .repeat(2);
        assert!(load(&dup).unwrap_err().to_string().contains("duplicate"));
        assert!(load("not toml [").unwrap_err().to_string().starts_with("t.rate.toml:"));
    }
}
