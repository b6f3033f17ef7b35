//! The compiled form of one signature: header, metadata, and the ordered
//! keyword lists detection evaluates.

use super::address::IpSet;
use super::buffer::{AppProto, BufferId};
use super::bytes::{ByteExtract, ByteJump, ByteMath, ByteTest};
use super::content::Content;
use super::flow_keywords::{FlowMatch, FlowbitCmd, FlowintCmd, StreamSize};
use super::header_keywords::HeaderTest;
use super::numeric::NumCmp;
use super::pcre::Pcre;
use super::port::PortSet;
use super::threshold::Threshold;
use super::transform::Transform;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Alert,
    Pass,
    Drop,
    Reject,
}

impl Action {
    pub fn parse(s: &str) -> Result<Action, String> {
        match s {
            "alert" => Ok(Action::Alert),
            "pass" => Ok(Action::Pass),
            "drop" => Ok(Action::Drop),
            "reject" | "rejectsrc" | "rejectdst" | "rejectboth" => Ok(Action::Reject),
            other => Err(format!("unknown action '{other}'")),
        }
    }
}

/// The protocol word of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Ip,
    Tcp,
    /// TCP, packet payloads only.
    TcpPkt,
    /// TCP, reassembled stream only.
    TcpStream,
    Udp,
    /// ICMPv4 and ICMPv6.
    Icmp,
    Icmpv4,
    Icmpv6,
}

impl Protocol {
    pub fn parse(s: &str) -> Result<Protocol, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "ip" | "ipv4" | "ipv6" | "pkthdr" => Protocol::Ip,
            "tcp" => Protocol::Tcp,
            "tcp-pkt" => Protocol::TcpPkt,
            "tcp-stream" => Protocol::TcpStream,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            "icmpv4" => Protocol::Icmpv4,
            "icmpv6" => Protocol::Icmpv6,
            other => return Err(format!("unsupported protocol '{other}'")),
        })
    }

    pub fn is_tcp(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream)
    }

    pub fn has_ports(self) -> bool {
        matches!(
            self,
            Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream | Protocol::Udp
        )
    }
}

/// A number written in a rule or taken from a `byte_extract`/`byte_math` variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Lit(i64),
    Var(u8),
}

/// One step of a buffer inspection, in rule order.
#[derive(Clone, Debug)]
pub enum Inspect {
    Content(Box<Content>),
    Pcre(Box<Pcre>),
    ByteTest(ByteTest),
    ByteJump(ByteJump),
    ByteExtract(ByteExtract),
    ByteMath(ByteMath),
    IsDataAt {
        offset: Value,
        relative: bool,
        negated: bool,
    },
    Bsize(NumCmp),
    /// `base64_decode`, with the `base64_data` steps it feeds.
    Base64(Box<super::base64::Base64Decode>),
    /// `ftpbounce`: after the previous match (an FTP `PORT`), an address
    /// other than the sender's.
    FtpBounce,
}

impl Inspect {
    /// True when this step starts from the end of the previous match.
    pub fn is_relative(&self) -> bool {
        match self {
            Inspect::Content(c) => c.is_relative(),
            Inspect::Pcre(p) => p.relative,
            Inspect::ByteTest(b) => b.relative,
            Inspect::ByteJump(b) => b.relative,
            Inspect::ByteExtract(b) => b.relative,
            Inspect::ByteMath(b) => b.relative,
            Inspect::IsDataAt { relative, .. } => *relative,
            Inspect::Bsize(_) => false,
            Inspect::Base64(d) => d.relative,
            Inspect::FtpBounce => true,
        }
    }
}

/// The pattern the prefilter looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastPattern {
    pub bytes: Vec<u8>,
    pub nocase: bool,
    /// Chosen with the `fast_pattern` keyword.
    pub explicit: bool,
    /// Where it is looked for: `None` for the packet payload or stream,
    /// else an application buffer (after its transforms).
    pub buffer: Option<(BufferId, Vec<Transform>)>,
}

/// The keywords that inspect one application buffer.
#[derive(Clone, Debug)]
pub struct BufferMatch {
    pub id: BufferId,
    pub transforms: Vec<Transform>,
    pub steps: Vec<Inspect>,
}

/// `app-layer-protocol`: the flow's protocol must (or must not) be this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppProtoMatch {
    /// `None` matches flows whose protocol could not be identified (`failed`).
    pub proto: Option<AppProto>,
    pub negated: bool,
}

/// Application checks that are not buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppCheck {
    /// `tls.version`: the negotiated version equals this (wire value).
    TlsVersion(u16),
    /// `ssl_version`: any of these version bits (negated ones must be absent).
    SslVersion { any_of: u8, none_of: u8 },
    /// `ssl_state`: any of these state bits (negated ones must be absent).
    SslState { any_of: u8, none_of: u8 },
    /// `app-layer-event`: the parser flagged the transaction with this
    /// anomaly (its Suricata name).
    Event(AppProto, &'static str),
}

/// One loaded signature.
#[derive(Clone, Debug)]
pub struct Rule {
    pub file: Arc<str>,
    pub line: usize,
    pub action: Action,
    pub proto: Protocol,
    pub src: IpSet,
    pub src_ports: PortSet,
    pub dst: IpSet,
    pub dst_ports: PortSet,
    pub bidirectional: bool,
    pub gid: u32,
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    pub classtype: Option<String>,
    pub category: String,
    /// 1 (highest) to 255; EVE `severity`.
    pub priority: u8,
    /// `metadata` key/value pairs in rule order.
    pub metadata: super::metadata::Metadata,
    /// `target:src_ip|dest_ip`: which side is the target.
    pub target_is_src: Option<bool>,
    pub noalert: bool,
    pub flow: FlowMatch,
    pub flowbits: Vec<FlowbitCmd>,
    pub flowints: Vec<FlowintCmd>,
    /// Host and address-pair bits, tested and changed in capture order
    /// after the rest of the rule matched.
    pub xbits: std::sync::Arc<[super::xbits::XbitOp]>,
    pub stream_size: Option<StreamSize>,
    pub header: Vec<HeaderTest>,
    pub dsize: Option<NumCmp>,
    /// Packet payload inspection, in rule order.
    pub payload: Vec<Inspect>,
    /// Application buffer inspections.
    pub buffers: Vec<BufferMatch>,
    /// The application protocol the header names (`alert http …`).
    pub app_proto: Option<AppProto>,
    pub app_layer_protocol: Option<AppProtoMatch>,
    pub app_checks: Vec<AppCheck>,
    pub fast_pattern: Option<FastPattern>,
    pub threshold: Option<Threshold>,
    /// Number of byte_extract/byte_math variables the rule defines.
    pub byte_vars: u8,
}

impl Rule {
    /// True when any flowbit command of the rule sets, unsets or toggles.
    pub fn writes_flowbits(&self) -> bool {
        self.flowbits.iter().any(FlowbitCmd::writes) || self.flowints.iter().any(FlowintCmd::writes)
    }

    /// The application protocol this rule needs, from its header, its
    /// buffers or its checks.
    pub fn needs_app(&self) -> Option<AppProto> {
        self.app_proto
            .or_else(|| self.buffers.first().map(|b| b.id.proto()))
            .or_else(|| (!self.app_checks.is_empty()).then_some(AppProto::Tls))
    }

    /// True when the rule inspects application buffers or state: it is
    /// evaluated per transaction rather than per packet.
    pub fn is_app_rule(&self) -> bool {
        !self.buffers.is_empty() || !self.app_checks.is_empty()
    }

    /// A rule about protocol identification alone (an application
    /// protocol in the header or `app-layer-protocol`, and nothing to
    /// inspect): it matches on the packet that identified the protocol.
    pub fn is_protocol_detection_only(&self) -> bool {
        (self.app_layer_protocol.is_some() || self.app_proto.is_some())
            && self.payload.is_empty()
            && self.buffers.is_empty()
            && self.app_checks.is_empty()
            && self.header.is_empty()
            && self.flowbits.is_empty()
            && self.flowints.is_empty()
    }

    /// The location for diagnostics: `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}
