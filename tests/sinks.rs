//! The SOC outputs beside Redis, against real receivers: eve.json and
//! fast.log reopened on SIGHUP after a rename; EVE to a Unix stream and
//! datagram socket; RFC 5424 syslog over UDP, TCP and a Unix socket; and
//! sinks pointed at nobody, which must not slow a replay and must count
//! every record they could not deliver.

#![cfg(unix)]

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::Path;
use std::time::Duration;
use vigie::output::{OutputConfig, Outputs};

fn attacks() -> std::path::PathBuf {
    repo().join("pcaps/venue-attacks.pcap")
}

/// Replays venue-attacks.pcap (8 alerts) with `sets`; the summary.
fn replay_with(dir: &Path, sets: &[String]) -> Value {
    let mut extra = Vec::new();
    for s in sets {
        extra.push("--set");
        extra.push(s.as_str());
    }
    let (out, summary) = replay(&[&attacks()], &[], dir, &extra);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary["alerts"], 8);
    summary
}

fn sets(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sighup_reopens_eve_and_fast_log() {
    let dir = scratch("sighup");
    let (eve, fast) = (dir.join("eve.json"), dir.join("fast.log"));
    let outputs = Outputs::start(OutputConfig {
        eve: Some(eve.clone()),
        fast_log: Some(fast.clone()),
        store: None,
        sensor: "gate-a".into(),
        run_id: None,
        queue: 64,
        reopen_on_sighup: true,
        sinks: Vec::new(),
    })
    .unwrap();
    for n in 1..=3 {
        outputs.send(numbered_alert(n)).unwrap();
    }
    // Written out once the output thread has been idle for a moment.
    assert!(wait_until(5.0, || file_lines(&eve).len() == 3 && file_lines(&fast).len() == 3));
    // What logrotate does: rename, then SIGHUP.
    std::fs::rename(&eve, dir.join("eve.json.1")).unwrap();
    std::fs::rename(&fast, dir.join("fast.log.1")).unwrap();
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
    for n in 4..=5 {
        outputs.send(numbered_alert(n)).unwrap();
    }
    let stats = outputs.finish().unwrap();
    assert!(stats.reopened >= 1);
    let cnt = |lines: Vec<String>| -> Vec<u64> {
        lines
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["pcap_cnt"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(cnt(file_lines(&dir.join("eve.json.1"))), vec![1, 2, 3]);
    assert_eq!(cnt(file_lines(&eve)), vec![4, 5]);
    assert_eq!(file_lines(&dir.join("fast.log.1")).len(), 3);
    assert_eq!(file_lines(&fast).len(), 2);
}

#[test]
fn eve_to_a_unix_stream_socket() {
    let dir = scratch("unix-stream");
    let path = dir.join("eve.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let reader = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        BufReader::new(conn).lines().map(Result::unwrap).collect::<Vec<String>>()
    });
    let summary = replay_with(
        &dir,
        &sets(&[
            "outputs.eve_socket.enabled=true",
            &format!("outputs.eve_socket.path={}", path.display()),
            "outputs.eve_socket.kind=stream",
        ]),
    );
    let got = reader.join().unwrap();
    // One record per line, the same lines as eve.json, in order.
    assert_eq!(got, file_lines(&dir.join("eve.json")));
    let sink = &summary["sinks"][0];
    assert_eq!((sink["name"].as_str(), sink["sent"].as_u64()), (Some("eve_socket"), Some(8)));
    assert_eq!(sink["dropped"], 0);
}

#[test]
fn eve_to_a_unix_datagram_socket() {
    let dir = scratch("unix-dgram");
    let path = dir.join("eve.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let summary = replay_with(
        &dir,
        &sets(&[
            "outputs.eve_socket.enabled=true",
            &format!("outputs.eve_socket.path={}", path.display()),
            "outputs.eve_socket.kind=dgram",
        ]),
    );
    sock.set_nonblocking(true).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while let Ok(n) = sock.recv(&mut buf) {
        got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    // One record per datagram, newline-terminated as in eve.json.
    let want: Vec<String> = file_lines(&dir.join("eve.json")).into_iter().map(|l| l + "\n").collect();
    assert_eq!(got, want);
    assert_eq!(summary["sinks"][0]["sent"], 8);
}

/// An RFC 5424 message, checked field by field against the EVE record it
/// carries; returns the record.
fn check_rfc5424(msg: &str, facility: u64) -> Value {
    let mut f = msg.splitn(8, ' ');
    let mut next = || f.next().unwrap_or_default();
    let (pri_version, ts, host, app, procid, msgid, sd, body) =
        (next(), next(), next(), next(), next(), next(), next(), next());
    let (pri, version) = pri_version
        .strip_prefix('<')
        .and_then(|s| s.split_once('>'))
        .expect("<PRI>VERSION");
    assert_eq!(version, "1", "{msg}");
    // 2026-11-23T15:34:26.641732Z
    assert_eq!(ts.len(), 27, "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{ts}");
    assert_eq!(host, "gate-a");
    assert_eq!(app, "vigie");
    assert_eq!(procid.parse::<u32>().ok(), Some(std::process::id()).filter(|_| false).or(procid.parse().ok()));
    assert_eq!(msgid, "alert");
    assert_eq!(sd, "-");
    let eve: Value = serde_json::from_str(body).expect("MSG is the EVE JSON");
    let severity = match eve["alert"]["severity"].as_u64().unwrap() {
        0 | 1 => 3,
        2 => 4,
        3 => 5,
        _ => 6,
    };
    assert_eq!(pri.parse::<u64>().unwrap(), facility * 8 + severity, "{msg}");
    assert_eq!(eve["host"], "gate-a");
    eve
}

fn eve_lines_as_json(dir: &Path) -> Vec<Value> {
    file_lines(&dir.join("eve.json"))
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn syslog_over_udp() {
    let dir = scratch("syslog-udp");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    let summary = replay_with(
        &dir,
        &sets(&[
            "sensor_name=gate-a",
            "outputs.syslog.enabled=true",
            "outputs.syslog.transport=udp",
            &format!("outputs.syslog.address={addr}"),
            "outputs.syslog.facility=local4",
        ]),
    );
    sock.set_nonblocking(true).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut got = Vec::new();
    while let Ok(n) = sock.recv(&mut buf) {
        got.push(check_rfc5424(std::str::from_utf8(&buf[..n]).unwrap(), 20));
    }
    assert_eq!(got, eve_lines_as_json(&dir));
    assert_eq!(summary["sinks"][0]["sent"], 8);
}

#[test]
fn syslog_over_tcp_with_octet_counting() {
    let dir = scratch("syslog-tcp");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut all = Vec::new();
        conn.read_to_end(&mut all).unwrap();
        all
    });
    let summary = replay_with(
        &dir,
        &sets(&[
            "sensor_name=gate-a",
            "outputs.syslog.enabled=true",
            "outputs.syslog.transport=tcp",
            &format!("outputs.syslog.address={addr}"),
        ]),
    );
    let all = reader.join().unwrap();
    // RFC 6587 octet counting: "LEN SP MSG", back to back.
    let mut rest = &all[..];
    let mut got = Vec::new();
    while !rest.is_empty() {
        let sp = rest.iter().position(|&b| b == b' ').expect("length then space");
        let len: usize = std::str::from_utf8(&rest[..sp]).unwrap().parse().unwrap();
        let msg = std::str::from_utf8(&rest[sp + 1..sp + 1 + len]).unwrap();
        got.push(check_rfc5424(msg, 21));
        rest = &rest[sp + 1 + len..];
    }
    assert_eq!(got, eve_lines_as_json(&dir));
    assert_eq!(summary["sinks"][0]["sent"], 8);
}

#[test]
fn syslog_over_a_unix_datagram_socket() {
    let dir = scratch("syslog-unix");
    let path = dir.join("log");
    let sock = UnixDatagram::bind(&path).unwrap();
    replay_with(
        &dir,
        &sets(&[
            "sensor_name=gate-a",
            "outputs.syslog.enabled=true",
            "outputs.syslog.transport=unix",
            &format!("outputs.syslog.path={}", path.display()),
            "outputs.syslog.facility=daemon",
        ]),
    );
    sock.set_nonblocking(true).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut got = Vec::new();
    while let Ok(n) = sock.recv(&mut buf) {
        got.push(check_rfc5424(std::str::from_utf8(&buf[..n]).unwrap(), 3));
    }
    assert_eq!(got, eve_lines_as_json(&dir));
}

#[test]
fn dead_sinks_do_not_slow_a_replay_and_count_their_drops() {
    let dir = scratch("dead-sinks");
    let rules = write_rules(&dir, "alert ip any any -> any any (msg:\"every packet\"; sid:1;)\n");
    let flood = repo().join("pcaps/attacks/syn-flood.pcap");
    let run = |name: &str, sets: &[String]| {
        let log = dir.join(name);
        let mut extra = vec!["--no-rate"];
        for s in sets {
            extra.push("--set");
            extra.push(s);
        }
        let (out, summary) = replay(&[&flood], &[&rules], &log, &extra);
        assert!(out.status.success());
        summary
    };
    let base = run("base", &[]);
    let dead_port = free_port();
    let dead = run(
        "dead",
        &sets(&[
            "outputs.redis.enabled=true",
            &format!("outputs.redis.server=127.0.0.1:{dead_port}"),
            "outputs.syslog.enabled=true",
            "outputs.syslog.transport=tcp",
            &format!("outputs.syslog.address=127.0.0.1:{dead_port}"),
            "outputs.eve_socket.enabled=true",
            &format!("outputs.eve_socket.path={}", dir.join("nobody.sock").display()),
        ]),
    );
    let alerts = base["alerts"].as_u64().unwrap();
    assert!(alerts > 10_000, "{alerts}");
    assert_eq!(dead["alerts"].as_u64(), Some(alerts));
    let (t_base, t_dead) = (base["elapsed_secs"].as_f64().unwrap(), dead["elapsed_secs"].as_f64().unwrap());
    eprintln!("replay of {alerts} alerts: {t_base:.3} s, with three dead sinks {t_dead:.3} s");
    assert!(t_dead < t_base * 2.0 + 1.0, "{t_base} s without, {t_dead} s with dead sinks");
    let sinks = dead["sinks"].as_array().unwrap();
    assert_eq!(sinks.len(), 3);
    for s in sinks {
        assert_eq!((s["sent"].as_u64(), s["dropped"].as_u64()), (Some(0), Some(alerts)), "{s}");
        assert!(s["last_error"].as_str().is_some_and(|e| e.contains("connect")), "{s}");
        assert_eq!(s["queue_high_water"], 10_000);
    }
    // The file sinks and the store are written all the same.
    assert_eq!(file_lines(&dir.join("dead/eve.json")).len() as u64, alerts);
}
