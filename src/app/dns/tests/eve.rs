//! Tests of the EVE `dns` object shapes.

use serde_json::json;

use super::super::direction::Direction::{ToClient, ToServer};
use super::super::eve::{eve_object, eve_object_for};
use super::super::parser::{DnsParser, Transport};
use super::build::{RESPONSE, header, labels, name, pointer, query, question, record, response_a};

fn one_tx(messages: &[(bool, Vec<u8>)]) -> super::super::parser::DnsTx {
    let mut p = DnsParser::new(Transport::Udp);
    for (to_server, m) in messages {
        p.feed(if *to_server { ToServer } else { ToClient }, m);
    }
    p.finish();
    p.drain().remove(0)
}

#[test]
fn request_object() {
    let tx = one_tx(&[(true, query(0x1234, "Example.COM", 1))]);
    assert_eq!(
        eve_object(&tx),
        json!({"version": 3, "type": "request", "tx_id": 0, "id": 4660, "flags": "100", "rd": true,
               "opcode": 0, "rcode": "NOERROR", "queries": [{"rrname": "Example.COM", "rrtype": "A"}]})
    );
}

#[test]
fn response_object_for_the_client_direction() {
    let tx = one_tx(&[
        (true, query(7, "a.example", 1)),
        (false, response_a(7, "a.example", [192, 0, 2, 7])),
    ]);
    assert_eq!(eve_object(&tx)["type"], "request");
    assert_eq!(eve_object_for(&tx, ToServer)["type"], "request");
    assert_eq!(
        eve_object_for(&tx, ToClient),
        json!({"version": 3, "type": "response", "tx_id": 0, "id": 7, "flags": "8180", "qr": true, "rd": true,
               "ra": true, "opcode": 0, "rcode": "NOERROR",
               "queries": [{"rrname": "a.example", "rrtype": "A"}],
               "answers": [{"rrname": "a.example", "rrtype": "A", "ttl": 300, "rdata": "192.0.2.7"}]})
    );
}

#[test]
fn lone_response_and_event_only_transactions() {
    let tx = one_tx(&[(false, response_a(7, "a.example", [192, 0, 2, 7]))]);
    assert_eq!(eve_object(&tx)["type"], "response");
    assert_eq!(eve_object_for(&tx, ToServer)["type"], "response");
    let tx = one_tx(&[(true, vec![0, 9, 1])]);
    assert_eq!(eve_object(&tx), json!({"version": 3, "tx_id": 0, "id": 9}));
}

#[test]
fn record_kinds_are_written_per_section() {
    let mut out = header(1, RESPONSE | 3 | 0x0400, [1, 5, 2, 1]);
    question(&mut out, &name("x.example"), 255, 1);
    let q = pointer(12);
    record(
        &mut out,
        &q,
        28,
        5,
        &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    );
    record(&mut out, &q, 16, 5, b"\x02ab\x02cd");
    let mut srv = vec![0, 1, 0, 2, 0, 80];
    srv.extend(labels("www"));
    srv.extend(pointer(12));
    record(&mut out, &q, 33, 5, &srv);
    record(&mut out, &q, 44, 5, &[1, 2, 0xAB, 0xCD]);
    record(&mut out, &q, 99, 5, &[1]);
    let mut soa = name("ns.example");
    soa.extend(name("root.example"));
    for v in [1u32, 2, 3, 4, 5] {
        soa.extend(v.to_be_bytes());
    }
    record(&mut out, &q, 6, 60, &soa);
    record(&mut out, &q, 33, 60, &srv);
    out.extend([0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 6, 0, 10, 0, 2, 0xFF, 0x01]);
    let tx = one_tx(&[(false, out)]);
    let o = eve_object(&tx);
    assert_eq!(o["rcode"], "NXDOMAIN");
    assert_eq!(o["aa"], true);
    assert_eq!(o["flags"], "8583");
    assert_eq!(o["queries"][0]["rrtype"], "ANY");
    let answers = o["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[0]["rdata"], "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_eq!(
        (answers[1]["rdata"].as_str(), answers[2]["rdata"].as_str()),
        (Some("ab"), Some("cd"))
    );
    assert_eq!(
        answers[3]["srv"],
        json!({"priority": 1, "weight": 2, "port": 80, "name": "www.x.example"})
    );
    assert_eq!(
        answers[4]["sshfp"],
        json!({"algo": 1, "type": 2, "fingerprint": "ab:cd"})
    );
    assert_eq!(answers[5], json!({"rrname": "x.example", "rrtype": "SPF", "ttl": 5}));
    let auth = o["authorities"].as_array().unwrap();
    assert_eq!(
        auth[0]["soa"],
        json!({"mname": "ns.example", "rname": "root.example", "serial": 1, "refresh": 2, "retry": 3,
               "expire": 4, "minimum": 5})
    );
    assert_eq!(auth[1], json!({"rrname": "x.example", "rrtype": "SRV", "ttl": 60}));
    assert_eq!(
        o["additionals"],
        json!([{"rrname": "", "rrtype": "OPT", "ttl": 0, "opt": [{"code": 10, "data": "ff01"}]}])
    );
}

#[test]
fn non_utf8_names_are_escaped() {
    let mut out = header(1, 0, [1, 0, 0, 0]);
    question(&mut out, &[3, b'a', 0xFF, b'b', 0], 1, 1);
    let tx = one_tx(&[(true, out)]);
    assert_eq!(eve_object(&tx)["queries"][0]["rrname"], "a\\xFFb");
}
