//! The EVE `dns` object (version 3) describing one DNS transaction in alert and dns records.
//!
//! Shape, one message per object (request or response), fields present only when they apply:
//!
//! ```json
//! {"version":3,"type":"request","tx_id":0,"id":4660,"flags":"100","rd":true,"opcode":0,
//!  "rcode":"NOERROR","queries":[{"rrname":"example.com","rrtype":"A"}]}
//! {"version":3,"type":"response","tx_id":0,"id":4660,"flags":"8180","qr":true,"rd":true,"ra":true,
//!  "opcode":0,"rcode":"NOERROR","queries":[...],
//!  "answers":[{"rrname":"example.com","rrtype":"A","ttl":300,"rdata":"93.184.216.34"}],
//!  "authorities":[{"rrname":"com","rrtype":"SOA","ttl":900,"soa":{"mname":..,"rname":..,"serial":..,
//!                  "refresh":..,"retry":..,"expire":..,"minimum":..}}],
//!  "additionals":[{"rrname":"","rrtype":"OPT","ttl":0,"opt":[{"code":10,"data":"<hex>"}]}]}
//! ```
//!
//! IPv6 addresses are written in full (`2001:0db8:0000:...`). `flags` is the header's 16 flag bits in lowercase hex without leading zeros; `qr`, `aa`, `tc`,
//! `rd`, `ra`, `z` appear only when set. Empty sections are left out. TXT records with several
//! strings give one answer entry per string. Per section, only the keys the EVE schema allows are
//! written: SRV and SSHFP details in answers only, SOA details in answers and authorities, OPT
//! options in additionals only; `rrname_truncated` in queries and authorities, `rdata_truncated` in
//! authorities. Names and texts that are not UTF-8 keep their ASCII bytes and show others as `\xHH`.

use std::net::Ipv6Addr;

use serde_json::{Map, Value, json};

use super::direction::Direction;
use super::message::{DnsMessage, DnsRecord};
use super::name::DnsName;
use super::parser::DnsTx;
use super::rdata::{RData, TYPE_NULL, TYPE_OPT, TYPE_SSHFP};
use super::rrtype::{rcode_name, rrtype_name};

/// Format version of the object.
pub const EVE_DNS_VERSION: u64 = 3;

/// The `dns` object for `tx`: its request if it has one, else its response.
/// A transaction holding neither (only events) gives `{"version":3,"tx_id":..,"id":..}`.
pub fn eve_object(tx: &DnsTx) -> Value {
    match (&tx.request, &tx.response) {
        (Some(request), _) => message_object(tx.id, request, "request"),
        (None, Some(response)) => message_object(tx.id, response, "response"),
        (None, None) => json!({"version": EVE_DNS_VERSION, "tx_id": tx.id, "id": tx.dns_id}),
    }
}

/// The `dns` object for the message `tx` carries in `dir` (for an alert raised on a packet going
/// that way), falling back to [`eve_object`] when there is none.
pub fn eve_object_for(tx: &DnsTx, dir: Direction) -> Value {
    match (dir, &tx.request, &tx.response) {
        (Direction::ToServer, Some(request), _) => message_object(tx.id, request, "request"),
        (Direction::ToClient, _, Some(response)) => message_object(tx.id, response, "response"),
        _ => eve_object(tx),
    }
}

/// The `dns` object for one message; `kind` is "request" or "response".
pub fn message_object(tx_id: u64, msg: &DnsMessage, kind: &str) -> Value {
    let h = &msg.header;
    let mut o = Map::new();
    o.insert("version".into(), json!(EVE_DNS_VERSION));
    o.insert("type".into(), json!(kind));
    o.insert("tx_id".into(), json!(tx_id));
    o.insert("id".into(), json!(h.id));
    o.insert("flags".into(), json!(format!("{:x}", h.flags)));
    for (key, set) in [
        ("qr", h.qr),
        ("aa", h.aa),
        ("tc", h.tc),
        ("rd", h.rd),
        ("ra", h.ra),
        ("z", h.z),
    ] {
        if set {
            o.insert(key.into(), json!(true));
        }
    }
    o.insert("opcode".into(), json!(h.opcode));
    o.insert("rcode".into(), json!(rcode_name(h.rcode)));
    if !msg.questions.is_empty() {
        let queries = msg
            .questions
            .iter()
            .map(|q| {
                let mut e = Map::new();
                e.insert("rrname".into(), text(&q.name));
                e.insert("rrtype".into(), json!(rrtype_name(q.qtype)));
                if q.name_truncated {
                    e.insert("rrname_truncated".into(), json!(true));
                }
                Value::Object(e)
            })
            .collect();
        o.insert("queries".into(), Value::Array(queries));
    }
    for (key, records, section) in [
        ("answers", &msg.answers, Section::Answers),
        ("authorities", &msg.authorities, Section::Authorities),
        ("additionals", &msg.additionals, Section::Additionals),
    ] {
        let entries: Vec<Value> = records.iter().flat_map(|r| record_entries(r, section)).collect();
        if !entries.is_empty() {
            o.insert(key.into(), Value::Array(entries));
        }
    }
    Value::Object(o)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Answers,
    Authorities,
    Additionals,
}

/// The entries logged for one record: one, or one per string for TXT.
fn record_entries(r: &DnsRecord, section: Section) -> Vec<Value> {
    let mut base = Map::new();
    base.insert("rrname".into(), text(&r.name));
    if r.name_truncated && section == Section::Authorities {
        base.insert("rrname_truncated".into(), json!(true));
    }
    base.insert("rrtype".into(), json!(rrtype_name(r.rtype)));
    base.insert("ttl".into(), json!(r.ttl));
    let with = |key: &str, value: Value| {
        let mut e = base.clone();
        e.insert(key.into(), value);
        vec![Value::Object(e)]
    };
    let name = |n: &DnsName| {
        let mut e = base.clone();
        e.insert("rdata".into(), text(&n.value));
        if n.truncated && section == Section::Authorities {
            e.insert("rdata_truncated".into(), json!(true));
        }
        vec![Value::Object(e)]
    };
    match &r.rdata {
        RData::A(addr) => with("rdata", json!(addr.to_string())),
        RData::Aaaa(addr) => with("rdata", json!(expanded_v6(addr))),
        RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => name(n),
        RData::Mx { exchange, .. } => name(exchange),
        RData::Txt { strings, .. } if strings.is_empty() => with("rdata", json!("")),
        RData::Txt { strings, .. } => strings.iter().flat_map(|s| with("rdata", text(s))).collect(),
        RData::Soa(soa) if section != Section::Additionals => {
            let mut s = Map::new();
            s.insert("mname".into(), text(&soa.mname.value));
            if soa.mname.truncated {
                s.insert("mname_truncated".into(), json!(true));
            }
            s.insert("rname".into(), text(&soa.rname.value));
            for (key, v) in [
                ("serial", soa.serial),
                ("refresh", soa.refresh),
                ("retry", soa.retry),
                ("expire", soa.expire),
                ("minimum", soa.minimum),
            ] {
                s.insert(key.into(), json!(v));
            }
            with("soa", Value::Object(s))
        }
        RData::Srv(srv) if section == Section::Answers => with(
            "srv",
            json!({"priority": srv.priority, "weight": srv.weight, "port": srv.port, "name": text(&srv.target.value)}),
        ),
        RData::Raw { data, .. } => match r.rtype {
            TYPE_NULL => with("rdata", text(data)),
            TYPE_SSHFP if section == Section::Answers && data.len() >= 2 => {
                let fingerprint: Vec<String> = data[2..].iter().map(|b| format!("{b:02x}")).collect();
                with(
                    "sshfp",
                    json!({"algo": data[0], "type": data[1], "fingerprint": fingerprint.join(":")}),
                )
            }
            TYPE_OPT if section == Section::Additionals => match opt_options(data) {
                options if options.is_empty() => vec![Value::Object(base)],
                options => with("opt", Value::Array(options)),
            },
            _ => vec![Value::Object(base)],
        },
        _ => vec![Value::Object(base)],
    }
}

/// An IPv6 address as eight groups of four hex digits, nothing elided.
fn expanded_v6(addr: &Ipv6Addr) -> String {
    let groups: Vec<String> = addr.segments().iter().map(|g| format!("{g:04x}")).collect();
    groups.join(":")
}

/// The EDNS options of an OPT record: code and data (lowercase hex). Stops at a cut option.
fn opt_options(mut data: &[u8]) -> Vec<Value> {
    let mut options = Vec::new();
    while let [c0, c1, l0, l1, rest @ ..] = data {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        let Some(value) = rest.get(..len) else {
            break;
        };
        let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
        options.push(json!({"code": u16::from_be_bytes([*c0, *c1]), "data": hex}));
        data = &rest[len..];
    }
    options
}

/// Bytes as a JSON string: UTF-8 as is, otherwise ASCII kept and other bytes as `\xHH`.
fn text(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => json!(s),
        Err(_) => {
            let mut s = String::with_capacity(bytes.len() * 2);
            for &b in bytes {
                if b.is_ascii() {
                    s.push(char::from(b));
                } else {
                    s.push_str(&format!("\\x{b:02X}"));
                }
            }
            Value::String(s)
        }
    }
}
