//! `ftpbounce`, as ET Open writes it: an FTP `PORT` naming a host other
//! than the client raises the alert; a `PORT` naming the client does not.

mod common;

use common::*;
use std::net::SocketAddr;
use vigie::synth::Frame;

const RULE: &str = "alert tcp any any -> any 21 (msg:\"FTP PORT bounce attempt\"; flow:to_server,established; content:\"PORT\"; nocase; ftpbounce; pcre:\"/^PORT/smi\"; sid:2103441; rev:2;)\n";

fn session(client: [u8; 4], secs: u64, commands: &[u8]) -> Vec<Frame> {
    let (client, server) = (
        SocketAddr::from((client, 40_021)),
        SocketAddr::from(([10, 10, 0, 21], 21)),
    );
    tcp_exchange(
        client,
        server,
        secs,
        (b"220 ready\r\n", commands, b"200 PORT command successful\r\n"),
    )
}

#[test]
fn a_port_command_naming_another_host_is_a_bounce() {
    let mut frames = session([203, 0, 113, 5], 0, b"USER anonymous\r\nPORT 10,10,0,99,0,22\r\n");
    frames.extend(session(
        [203, 0, 113, 6],
        1,
        b"USER anonymous\r\nPORT 203,0,113,6,195,80\r\n",
    ));
    let (logs, summary) = replay_frames("ftpbounce", frames, RULE, &[]);
    assert_eq!(
        alert_triples(&logs),
        vec![(2103441, "203.0.113.5".to_string(), "10.10.0.21".to_string())],
        "{summary}"
    );
}
