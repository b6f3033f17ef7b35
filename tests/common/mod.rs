//! Helpers shared by the integration tests: scratch directories, running the
//! `vigie` binary, and reading what it wrote.

#![allow(dead_code)]

pub mod http;
pub mod netns;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn vigie() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The conformance material beside the repository, when present.
pub fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    p.is_dir().then_some(p)
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigie-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run vigie");
    if !out.status.success() {
        eprintln!("stdout:\n{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

/// Replays `inputs` with `rules` (bundled rules when empty) into `logdir`
/// and returns the JSON summary.
pub fn replay(inputs: &[&Path], rules: &[&Path], logdir: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut cmd = vigie();
    cmd.arg("-q").arg("replay").arg("--json").arg("-l").arg(logdir);
    for r in rules {
        cmd.arg("-S").arg(r);
    }
    cmd.args(extra);
    cmd.args(inputs);
    let out = run(&mut cmd);
    let summary = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, summary)
}

/// Every record of an eve.json.
pub fn eve_records(logdir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(logdir.join("eve.json")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("eve.json line is JSON"))
        .collect()
}

/// (sid, src_ip, dest_ip) of every alert in eve.json.
pub fn alert_triples(logdir: &Path) -> Vec<(u64, String, String)> {
    eve_records(logdir)
        .iter()
        .filter(|r| r["event_type"] == "alert")
        .map(|r| {
            (
                r["alert"]["signature_id"].as_u64().unwrap_or(0),
                r["src_ip"].as_str().unwrap_or("").to_string(),
                r["dest_ip"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub fn write_rules(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("test.rules");
    std::fs::write(&p, text).expect("write rules");
    p
}

/// Validates eve.json against Suricata's schema with the conformance kit's
/// checker, when it and Python's jsonschema are available.
pub fn check_eve_schema(logdir: &Path) -> Option<String> {
    let shared = shared()?;
    let checker = shared.join("conformance/eve-check.py");
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !checker.exists() || !has_jsonschema {
        eprintln!("skipped EVE schema check: eve-check.py or python3 jsonschema missing");
        return None;
    }
    let out = Command::new("python3")
        .arg(&checker)
        .arg(logdir.join("eve.json"))
        .output()
        .expect("run eve-check.py");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "EVE schema check failed:\n{text}");
    Some(text)
}

/// A synthetic alert numbered `n` (its `pcap_cnt` and `flow_id`), for tests
/// that feed the outputs by hand.
pub fn numbered_alert(n: u64) -> vigie::alert::Alert {
    use std::sync::{Arc, OnceLock};
    use vigie::alert::{Alert, FlowSnapshot, SignatureInfo};
    use vigie::timestamp::Timestamp;
    static SIG: OnceLock<Arc<SignatureInfo>> = OnceLock::new();
    let signature = SIG
        .get_or_init(|| {
            Arc::new(SignatureInfo {
                gid: 1,
                sid: 1,
                rev: 1,
                msg: "numbered test alert".into(),
                category: "Misc activity".into(),
                severity: 3,
                metadata: Default::default(),
                target_is_src: None,
            })
        })
        .clone();
    let ts = Timestamp::new(1_717_264_800 + n as i64, 0);
    let (src, dst) = ("10.20.0.1".parse().unwrap(), "10.10.0.80".parse().unwrap());
    Alert {
        ts,
        pcap_cnt: n,
        flow_id: n,
        src_ip: src,
        dest_ip: dst,
        src_port: 40000,
        dest_port: 80,
        proto: 6,
        ip_version: 4,
        has_ports: true,
        icmp: None,
        vlan: Default::default(),
        direction: vigie::flow::Direction::ToServer,
        pkt_src: "wire/pcap",
        signature,
        action: "allowed",
        app_proto: None,
        tx_id: None,
        app_meta: None,
        traffic: None,
        threshold: None,
        xbits: None,
        silent: false,
        flow: FlowSnapshot {
            pkts_toserver: 1,
            pkts_toclient: 0,
            bytes_toserver: 60,
            bytes_toclient: 0,
            start: ts,
            src_ip: src,
            dest_ip: dst,
            src_port: 40000,
            dest_port: 80,
        },
    }
}

/// A loopback TCP port nobody listened on a moment ago.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// Waits up to `secs` for `done`, polling every 10 ms; whether it came true.
pub fn wait_until(secs: f64, mut done: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    while std::time::Instant::now() < end {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    done()
}

/// The lines of a file, empty if it is missing.
pub fn file_lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The global header and the records of a classic pcap file.
pub fn pcap_records(path: &Path) -> (Vec<u8>, Vec<Vec<u8>>) {
    let bytes = std::fs::read(path).unwrap();
    let le = match bytes[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("{} is not a classic pcap", path.display()),
    };
    let mut records = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let len: [u8; 4] = bytes[at + 8..at + 12].try_into().unwrap();
        let len = if le {
            u32::from_le_bytes(len)
        } else {
            u32::from_be_bytes(len)
        } as usize;
        records.push(bytes[at..at + 16 + len].to_vec());
        at += 16 + len;
    }
    (bytes[..24].to_vec(), records)
}

/// A child process killed and reaped if the test ends (or panics) before
/// taking it back, so a failed test leaves no sensor running.
pub struct Reaped(Option<std::process::Child>);

impl Reaped {
    pub fn new(child: std::process::Child) -> Reaped {
        Reaped(Some(child))
    }

    pub fn get(&mut self) -> &mut std::process::Child {
        self.0.as_mut().expect("the child was taken")
    }

    pub fn take(mut self) -> std::process::Child {
        self.0.take().expect("the child was taken")
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One TCP connection from `client` to `server`, `secs` after a fixed
/// start: handshake, the server's `greeting` (when not empty), the client's
/// `request`, the server's `reply`, and an orderly close by the client.
pub fn tcp_exchange(
    client: std::net::SocketAddr,
    server: std::net::SocketAddr,
    secs: u64,
    (greeting, request, reply): (&[u8], &[u8], &[u8]),
) -> Vec<vigie::synth::Frame> {
    use vigie::synth::tcp_session::{Direction, TcpSession};
    let mut s = TcpSession::new(client, server, vigie::synth::FrameTime::new(1_717_264_800 + secs, 0));
    s.handshake();
    if !greeting.is_empty() {
        s.server_data(greeting);
    }
    s.client_data(request).server_data(reply).close(Direction::ToServer);
    s.into_frames()
}

/// Writes `frames` as a capture and `rules` as a rules file in a scratch
/// directory named `name`, replays them (with `extra` arguments) and
/// returns the log directory and the JSON summary; a failed run fails the
/// test.
pub fn replay_frames(
    name: &str,
    frames: Vec<vigie::synth::Frame>,
    rules: &str,
    extra: &[&str],
) -> (PathBuf, serde_json::Value) {
    let work = scratch(name);
    let pcap = work.join("capture.pcap");
    vigie::synth::write_ethernet_pcap(&pcap, frames).expect("write the capture");
    let rules = write_rules(&work, rules);
    let logs = work.join("logs");
    let (out, summary) = replay(&[&pcap], &[&rules], &logs, extra);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (logs, summary)
}
