//! Tests of the EVE `ssh` object.

use serde_json::json;

use super::super::direction::Direction::{ToClient, ToServer};
use super::super::eve::{eve_object, eve_object_with};
use super::super::parser::SshParser;
use super::build::{CLIENT_HASSH, client_stream};

#[test]
fn empty_then_one_side_then_both() {
    let mut p = SshParser::new();
    assert_eq!(eve_object(&p), json!({}));
    p.feed(ToClient, b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n");
    assert_eq!(
        eve_object(&p),
        json!({"server": {"proto_version": "2.0", "software_version": "OpenSSH_8.9p1"}})
    );
    p.feed(ToServer, &client_stream());
    let o = eve_object(&p);
    assert_eq!(o["client"]["proto_version"], "2.0");
    assert_eq!(o["client"]["software_version"], "OpenSSH_9.6");
    assert_eq!(o["client"]["hassh"]["hash"], CLIENT_HASSH);
    assert!(
        o["client"]["hassh"]["string"]
            .as_str()
            .unwrap()
            .starts_with("curve25519-sha256,")
    );
    assert!(o["server"].get("hassh").is_none());
    assert!(eve_object_with(&p, false)["client"].get("hassh").is_none());
}

#[test]
fn non_utf8_versions_are_escaped() {
    let mut p = SshParser::new();
    p.feed(ToServer, b"SSH-2.0-\xC3x\r\n");
    assert_eq!(eve_object(&p)["client"]["software_version"], "\\xC3x");
}
