//! xbits across flows: a host marked by one connection is recognised in
//! another, on any worker, until the mark expires; a `noalert` marking rule
//! raises nothing itself. One worker and three give the same alerts.

mod common;

use common::*;
use std::net::SocketAddr;
use vigie::synth::Frame;

const RULES: &str = "\
alert tcp any any -> any any (msg:\"marked\"; flow:to_server; content:\"MARK\"; xbits:set,marked,track ip_src,expire 60; noalert; sid:1;)
alert tcp any any -> any any (msg:\"marked host follows up\"; flow:to_server; content:\"FOLLOW\"; xbits:isset,marked,track ip_src; sid:2;)
alert tcp any any -> any any (msg:\"pair seen\"; flow:to_server; content:\"FOLLOW\"; xbits:isset,marked,track ip_src; xbits:set,pair,track ip_pair,expire 60; noalert; sid:3;)
alert tcp any any -> any any (msg:\"reply on a marked pair\"; flow:to_client; content:\"OK\"; xbits:isset,pair,track ip_pair; sid:4;)
";

const MARKED: [u8; 4] = [10, 10, 3, 7];
const OTHER: [u8; 4] = [10, 10, 3, 8];

/// One connection: the client sends `data`, the server answers "OK".
fn connection(client: [u8; 4], port: u16, server: [u8; 4], secs: u64, data: &[u8]) -> Vec<Frame> {
    let (client, server) = (SocketAddr::from((client, port)), SocketAddr::from((server, 80)));
    tcp_exchange(client, server, secs, (b"", data, b"OK"))
}

fn capture() -> Vec<Frame> {
    let mut frames = Vec::new();
    // Before any mark, then the mark, then follow-ups from the marked host
    // and from another, each to a server of its own (another flow, so
    // possibly another worker), then one after the mark expired.
    frames.extend(connection(MARKED, 40_001, [198, 51, 100, 1], 0, b"FOLLOW"));
    frames.extend(connection(MARKED, 40_002, [198, 51, 100, 2], 2, b"MARK"));
    frames.extend(connection(MARKED, 40_003, [198, 51, 100, 3], 4, b"FOLLOW"));
    frames.extend(connection(OTHER, 40_004, [198, 51, 100, 3], 6, b"FOLLOW"));
    frames.extend(connection(MARKED, 40_005, [198, 51, 100, 4], 120, b"FOLLOW"));
    frames
}

#[test]
fn a_host_marked_in_one_flow_is_recognised_in_another_until_it_expires() {
    let mut runs = Vec::new();
    for workers in ["1", "3"] {
        let (logs, summary) = replay_frames(&format!("xbits-j{workers}"), capture(), RULES, &["-j", workers]);
        // The host's mark, and the pair its follow-up marked.
        assert_eq!(summary["xbits"]["set"].as_u64(), Some(2), "{summary}");
        assert_eq!(summary["xbits"]["evicted"].as_u64(), Some(0), "{summary}");
        let mut alerts = alert_triples(&logs);
        alerts.sort();
        runs.push(alerts);
    }
    let marked_host = "10.10.3.7".to_string();
    let server = "198.51.100.3".to_string();
    assert_eq!(
        runs[0],
        vec![
            (2, marked_host.clone(), server.clone()),
            (4, server.clone(), marked_host.clone())
        ],
        "the follow-up of the marked host, and the reply on the pair it marked"
    );
    assert_eq!(runs[0], runs[1], "one worker and three");
}
