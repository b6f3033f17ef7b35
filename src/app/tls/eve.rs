//! The `tls` object of EVE records (alerts and tls events), in Suricata's field names.

use serde_json::{Map, Value, json};

use super::ja3::{ja3s_hash, ja3s_string};
use super::state::TlsState;
use super::timefmt::eve_time;
use super::version::eve_version_string;

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

/// Build the EVE `tls` object. Only fields with a value are written, except `version`,
/// which Suricata always writes (`"UNDETERMINED"` before the server showed its version).
///
/// Fields: `subject`, `issuerdn`, `serial`, `fingerprint`, `notbefore`, `notafter`,
/// `subjectaltname` (server leaf certificate, when it parsed), `sni`, `version` (the
/// server's version, Suricata's names), `session_resumed` (only when true), `ja3` and `ja4`
/// (ClientHello), `ja3s` (ServerHello), `client_alpns`, `server_alpns`.
pub fn eve_object(state: &TlsState) -> Value {
    let mut obj = Map::new();
    if let Some(leaf) = state.leaf().filter(|c| c.parsed) {
        obj.insert("subject".into(), Value::String(leaf.subject.clone()));
        obj.insert("issuerdn".into(), Value::String(leaf.issuer.clone()));
        obj.insert("serial".into(), Value::String(leaf.serial.clone()));
        obj.insert("fingerprint".into(), Value::String(leaf.fingerprint_sha1.clone()));
        obj.insert("notbefore".into(), Value::String(eve_time(leaf.not_before)));
        obj.insert("notafter".into(), Value::String(eve_time(leaf.not_after)));
        if !leaf.subject_alt_names.is_empty() {
            obj.insert("subjectaltname".into(), json!(leaf.subject_alt_names));
        }
    }
    if let Some(sni) = state.sni() {
        obj.insert("sni".into(), text(sni));
    }
    obj.insert(
        "version".into(),
        Value::String(eve_version_string(state.server_version().unwrap_or(0)).into_owned()),
    );
    if state.session_resumed {
        obj.insert("session_resumed".into(), Value::Bool(true));
    }
    if let Some(ch) = &state.client_hello {
        obj.insert(
            "ja3".into(),
            json!({ "hash": state.ja3_hash(), "string": state.ja3_string() }),
        );
        obj.insert("ja4".into(), json!(state.ja4_hash()));
        if !ch.alpn.is_empty() {
            obj.insert(
                "client_alpns".into(),
                Value::Array(ch.alpn.iter().map(|a| text(a)).collect()),
            );
        }
    }
    if let Some(sh) = &state.server_hello {
        obj.insert(
            "ja3s".into(),
            json!({ "hash": ja3s_hash(sh), "string": ja3s_string(sh) }),
        );
        if !sh.alpn.is_empty() {
            obj.insert(
                "server_alpns".into(),
                Value::Array(sh.alpn.iter().map(|a| text(a)).collect()),
            );
        }
    }
    Value::Object(obj)
}
