//! `app-layer-event`: a rule waiting for an HTTP parser anomaly fires on
//! the transaction that has it, alone or with payload content, and not on
//! a clean one.

mod common;

use common::*;
use std::net::SocketAddr;
use vigie::synth::Frame;

const RULES: &str = "\
alert http any any -> any any (msg:\"bad transfer-encoding\"; flow:established,to_server; app-layer-event:http.invalid_transfer_encoding_value_in_request; sid:1;)
alert http any any -> any any (msg:\"bad transfer-encoding, smuggled path\"; flow:established,to_server; app-layer-event:http.invalid_transfer_encoding_value_in_request; content:\"/smuggled\"; sid:2;)
alert http any any -> any any (msg:\"no host\"; flow:established,to_server; app-layer-event:http.missing_host_header; sid:3;)
";

fn exchange(port: u16, secs: u64, request: &[u8]) -> Vec<Frame> {
    let client = SocketAddr::from(([10, 10, 4, 2], port));
    let server = SocketAddr::from(([198, 51, 100, 20], 80));
    tcp_exchange(
        client,
        server,
        secs,
        (b"", request, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    )
}

#[test]
fn http_anomalies_are_matched_by_app_layer_event() {
    let mut frames = exchange(
        41_001,
        0,
        b"POST /smuggled HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: xchunked\r\n\r\n",
    );
    frames.extend(exchange(41_002, 1, b"GET /clean HTTP/1.1\r\nHost: a.example\r\n\r\n"));
    frames.extend(exchange(41_003, 2, b"GET /nohost HTTP/1.1\r\nAccept: */*\r\n\r\n"));
    let (logs, summary) = replay_frames("app-layer-event", frames, RULES, &[]);
    let mut sids: Vec<(u64, String)> = eve_records(&logs)
        .iter()
        .filter(|r| r["event_type"] == "alert")
        .map(|r| {
            (
                r["alert"]["signature_id"].as_u64().unwrap_or(0),
                r["http"]["url"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    sids.sort();
    assert_eq!(
        sids,
        vec![
            (1, "/smuggled".to_string()),
            (2, "/smuggled".to_string()),
            (3, "/nohost".to_string())
        ],
        "{summary}"
    );
}
