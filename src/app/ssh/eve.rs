//! The EVE `ssh` object describing both sides of an SSH conversation.
//!
//! Shape, each side present only once its identification line is known:
//!
//! ```json
//! {"client":{"proto_version":"2.0","software_version":"OpenSSH_9.6",
//!            "hassh":{"hash":"<md5 hex>","string":"<kex;enc;mac;comp>"}},
//!  "server":{"proto_version":"2.0","software_version":"OpenSSH_8.9p1"}}
//! ```
//!
//! `hassh` appears once that side's KEXINIT was read (client: HASSH, server: HASSHServer), unless
//! left out with [`eve_object_with`]. Comments of the identification line are not logged. Bytes
//! that are not UTF-8 keep their ASCII and show others as `\xHH`.

use serde_json::{Map, Value, json};

use super::direction::Direction;
use super::parser::SshParser;

/// The `ssh` object, HASSH included when known.
pub fn eve_object(p: &SshParser) -> Value {
    eve_object_with(p, true)
}

/// The `ssh` object; `with_hassh` false leaves HASSH out (as when HASSH is disabled).
pub fn eve_object_with(p: &SshParser, with_hassh: bool) -> Value {
    let mut o = Map::new();
    for (key, dir) in [("client", Direction::ToServer), ("server", Direction::ToClient)] {
        let Some(banner) = p.banner(dir) else {
            continue;
        };
        let mut side = Map::new();
        side.insert("proto_version".into(), text(&banner.proto_version));
        side.insert("software_version".into(), text(&banner.software_version));
        let hassh = match dir {
            Direction::ToServer => p.hassh().zip(p.hassh_string()),
            Direction::ToClient => p.hassh_server().zip(p.hassh_server_string()),
        };
        if let (true, Some((hash, string))) = (with_hassh, hassh) {
            side.insert("hassh".into(), json!({"hash": hash, "string": text(string)}));
        }
        o.insert(key.into(), Value::Object(side));
    }
    Value::Object(o)
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
