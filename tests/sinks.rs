//! The SOC outputs against real receivers: eve.json and fast.log reopened
//! on SIGHUP after a rename (in process, and in a `vigie replay -` fed
//! slowly by the test); EVE to a Unix stream and datagram socket; RFC 5424
//! syslog over UDP, TCP and a Unix socket; Redis (list, channel, stream with
//! a length cap, and a restart in the middle of a run) against a
//! redis-server the tests start on loopback; and sinks pointed at nobody,
//! which must not slow a replay and must count every record they could not
//! deliver.

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
    assert_eq!(summary["stored"], 8, "the store is written beside the sinks");
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

/// Replays venue-attacks.pcap with EVE to the Unix socket at `path`.
fn replay_to_eve_socket(dir: &Path, path: &Path, kind: &str) -> Value {
    let sets = sets(&[
        "sensor_name=gate-a",
        "outputs.eve_socket.enabled=true",
        &format!("outputs.eve_socket.path={}", path.display()),
        &format!("outputs.eve_socket.kind={kind}"),
    ]);
    replay_with(dir, &sets)
}

#[test]
fn eve_to_a_unix_stream_socket() {
    let dir = scratch("unix-stream");
    let path = dir.join("eve.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let reader = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        BufReader::new(conn)
            .lines()
            .map(Result::unwrap)
            .collect::<Vec<String>>()
    });
    let summary = replay_to_eve_socket(&dir, &path, "stream");
    let got = reader.join().unwrap();
    // One record per line, the same lines as eve.json, in order.
    assert_eq!(got, file_lines(&dir.join("eve.json")));
    assert_names_sensor(&got);
    let sink = &summary["sinks"][0];
    assert_eq!(
        (sink["name"].as_str(), sink["kind"].as_str()),
        (Some("eve_socket"), Some("eve_socket"))
    );
    assert_eq!(sink["sent"], 8);
    assert_eq!(sink["dropped"], 0);
}

#[test]
fn eve_to_a_unix_datagram_socket() {
    let dir = scratch("unix-dgram");
    let path = dir.join("eve.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let summary = replay_to_eve_socket(&dir, &path, "dgram");
    sock.set_nonblocking(true).unwrap();
    let got = datagrams(|b| sock.recv(b));
    // One record per datagram, newline-terminated as in eve.json.
    let want: Vec<String> = file_lines(&dir.join("eve.json"))
        .into_iter()
        .map(|l| l + "\n")
        .collect();
    assert_eq!(got, want);
    assert_names_sensor(&want);
    assert_eq!(summary["sinks"][0]["sent"], 8);
}

/// The datagrams waiting on a non-blocking socket, as text.
fn datagrams(mut recv: impl FnMut(&mut [u8]) -> std::io::Result<usize>) -> Vec<String> {
    let mut buf = vec![0u8; 1 << 16];
    let mut got = Vec::new();
    while let Ok(n) = recv(&mut buf) {
        got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    got
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
    // PROCID: the sensor's process id.
    assert!(procid.parse::<u32>().is_ok_and(|p| p > 0), "{msg}");
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

/// Replays with syslog over a datagram `transport` to `target` (its
/// `address` or `path` setting) under `facility` (name, code); checks what
/// `recv` then finds waiting against eve.json.
fn check_syslog_datagrams(
    dir: &Path,
    transport: &str,
    target: String,
    facility: (&str, u64),
    recv: impl FnMut(&mut [u8]) -> std::io::Result<usize>,
) {
    let summary = replay_with(
        dir,
        &sets(&[
            "sensor_name=gate-a",
            "outputs.syslog.enabled=true",
            &format!("outputs.syslog.transport={transport}"),
            &target,
            &format!("outputs.syslog.facility={}", facility.0),
        ]),
    );
    let got: Vec<Value> = datagrams(recv).iter().map(|m| check_rfc5424(m, facility.1)).collect();
    assert_eq!(got, eve_lines_as_json(dir));
    assert_eq!(summary["sinks"][0]["sent"], 8);
}

#[test]
fn syslog_over_udp() {
    let dir = scratch("syslog-udp");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_nonblocking(true).unwrap();
    let addr = sock.local_addr().unwrap();
    check_syslog_datagrams(
        &dir,
        "udp",
        format!("outputs.syslog.address={addr}"),
        ("local4", 20),
        |b| sock.recv(b),
    );
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
    sock.set_nonblocking(true).unwrap();
    let target = format!("outputs.syslog.path={}", path.display());
    check_syslog_datagrams(&dir, "unix", target, ("daemon", 3), |b| sock.recv(b));
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
    let (t_base, t_dead) = (
        base["elapsed_secs"].as_f64().unwrap(),
        dead["elapsed_secs"].as_f64().unwrap(),
    );
    eprintln!("replay of {alerts} alerts: {t_base:.3} s, with three dead sinks {t_dead:.3} s");
    assert!(
        t_dead < t_base * 2.0 + 1.0,
        "{t_base} s without, {t_dead} s with dead sinks"
    );
    let sinks = dead["sinks"].as_array().unwrap();
    assert_eq!(sinks.len(), 3);
    for s in sinks {
        assert_eq!(
            (s["sent"].as_u64(), s["dropped"].as_u64()),
            (Some(0), Some(alerts)),
            "{s}"
        );
        assert!(s["last_error"].as_str().is_some_and(|e| e.contains("connect")), "{s}");
        assert_eq!(s["queue_high_water"], 10_000);
    }
    // The file sinks and the store are written all the same.
    assert_eq!(file_lines(&dir.join("dead/eve.json")).len() as u64, alerts);
    assert_eq!(dead["stored"].as_u64(), Some(alerts));
}

// ---------------------------------------------------------------------------
// A replay the test feeds packet by packet through standard input, so it can
// act (rename a file, send SIGHUP, restart Redis) while the run is going on.

/// syn-flood.pcap under a rule that fires on every IP packet: ~13,000
/// alerts, one per packet.
fn flood() -> std::path::PathBuf {
    repo().join("pcaps/attacks/syn-flood.pcap")
}

const EVERY_PACKET: &str = "alert ip any any -> any any (msg:\"every packet\"; sid:1;)\n";

/// What a replay of `flood()` with `EVERY_PACKET` raises, run once without
/// any sink: for each alert, its packet number.
fn flood_alert_packets() -> &'static [u64] {
    static CNT: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    CNT.get_or_init(|| {
        let dir = scratch("flood-baseline");
        let rules = write_rules(&dir, EVERY_PACKET);
        let (out, _) = replay(&[&flood()], &[&rules], &dir.join("logs"), &["--no-rate"]);
        assert!(out.status.success());
        eve_records(&dir.join("logs"))
            .iter()
            .map(|r| r["pcap_cnt"].as_u64().unwrap())
            .collect()
    })
}

/// The alerts raised by the first `packets` packets of `flood()`.
fn flood_alerts_upto(packets: usize) -> usize {
    flood_alert_packets().iter().filter(|&&c| c <= packets as u64).count()
}

/// `vigie replay -` with `EVERY_PACKET`, reading `flood()` as the test
/// writes it.
struct Feeder {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    records: Vec<Vec<u8>>,
    fed: usize,
    logs: std::path::PathBuf,
    stderr: std::path::PathBuf,
}

impl Feeder {
    fn start(dir: &Path, sets: &[String]) -> Feeder {
        use std::io::Write;
        use std::process::Stdio;
        let rules = write_rules(dir, EVERY_PACKET);
        let logs = dir.join("logs");
        let stderr = dir.join("stderr.txt");
        let mut cmd = vigie();
        cmd.args(["-q", "replay", "--json", "--no-rate", "-l"])
            .arg(&logs)
            .arg("-S")
            .arg(&rules);
        for s in sets {
            cmd.arg("--set").arg(s);
        }
        cmd.arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = stdout.read_to_end(&mut all);
            all
        });
        let (header, records) = pcap_records(&flood());
        stdin.write_all(&header).unwrap();
        // The capture reader reads twice before its first packet: once the
        // sensor has taken the header, its second read returns with the
        // first packets fed instead of waiting for the ones after them.
        assert!(
            wait_until(60.0, || unread(&stdin) == 0),
            "the sensor did not read the capture header"
        );
        Feeder {
            child,
            stdin: Some(stdin),
            stdout: Some(stdout),
            records,
            fed: 0,
            logs,
            stderr,
        }
    }

    fn packets(&self) -> usize {
        self.records.len()
    }

    /// Writes the packets up to number `n`.
    fn feed_to(&mut self, n: usize) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().unwrap();
        for r in &self.records[self.fed..n] {
            stdin.write_all(r).unwrap();
        }
        stdin.flush().unwrap();
        self.fed = n;
    }

    fn eve(&self) -> std::path::PathBuf {
        self.logs.join("eve.json")
    }

    /// Waits until eve.json holds `n` records (it is written out once the
    /// sensor is idle for half a second).
    fn wait_for_eve(&self, n: usize, secs: f64) {
        let eve = self.eve();
        assert!(
            wait_until(secs, || file_lines(&eve).len() == n),
            "eve.json has {} records, not {n}, after {secs} s",
            file_lines(&eve).len()
        );
    }

    /// Ends the input and waits up to `secs` for the summary.
    fn finish(mut self, secs: f64) -> Value {
        self.stdin.take();
        let exited = wait_until(secs, || self.child.try_wait().unwrap().is_some());
        let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        assert!(exited, "the replay did not end within {secs} s; stderr:\n{stderr}");
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}; stderr:\n{stderr}");
        let out = self.stdout.take().unwrap().join().unwrap();
        serde_json::from_slice(&out).unwrap()
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Bytes written to a pipe and not read yet.
fn unread(pipe: &std::process::ChildStdin) -> usize {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD stores one int through the pointer, which is valid.
    let r = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &mut n) };
    if r == 0 {
        usize::try_from(n).unwrap_or(0)
    } else {
        usize::MAX
    }
}

/// The `pcap_cnt` of each EVE line.
fn packet_numbers(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["pcap_cnt"].as_u64().unwrap())
        .collect()
}

#[test]
fn sighup_mid_replay_continues_in_a_new_file_losing_nothing() {
    let dir = scratch("sighup-replay");
    let mut run = Feeder::start(&dir, &sets(&["sensor_name=gate-a"]));
    let half = run.packets() / 2;
    run.feed_to(half);
    let first = flood_alerts_upto(half);
    run.wait_for_eve(first, 60.0);
    // logrotate: rename, then SIGHUP; the sensor opens eve.json afresh.
    let (eve, rotated) = (run.eve(), run.logs.join("eve.json.1"));
    std::fs::rename(&eve, &rotated).unwrap();
    std::fs::rename(run.logs.join("fast.log"), run.logs.join("fast.log.1")).unwrap();
    let kill = std::process::Command::new("kill")
        .args(["-HUP", &run.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(wait_until(10.0, || eve.exists()), "eve.json not reopened after SIGHUP");
    let total = run.packets();
    run.feed_to(total);
    let logs = run.logs.clone();
    let summary = run.finish(120.0);

    let alerts = summary["alerts"].as_u64().unwrap();
    assert_eq!(alerts as usize, flood_alert_packets().len());
    let (old, new) = (file_lines(&rotated), file_lines(&eve));
    assert_eq!(old.len(), first, "the rotated file holds what came before SIGHUP");
    assert!(!new.is_empty());
    // Both files together: every alert once, in order.
    let all: Vec<u64> = packet_numbers(&old).into_iter().chain(packet_numbers(&new)).collect();
    assert_eq!(all, flood_alert_packets());
    let fast = file_lines(&logs.join("fast.log.1")).len() + file_lines(&logs.join("fast.log")).len();
    assert_eq!(fast as u64, alerts);
    assert_eq!(summary["stored"].as_u64(), Some(alerts));
}

// ---------------------------------------------------------------------------
// Redis: a real redis-server on loopback, started by the test.

use vigie::output::resp::{self, Reply};

/// A redis-server of the test's own, killed when dropped.
struct RedisServer {
    port: u16,
    dir: std::path::PathBuf,
    password: Option<String>,
    child: Option<std::process::Child>,
}

impl RedisServer {
    /// Starts one on a free port, or says why the test is skipped.
    fn start(dir: &Path, password: Option<&str>) -> Option<RedisServer> {
        if std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("SKIPPED: redis-server is not installed (apt-get install redis-server)");
            return None;
        }
        let mut s = RedisServer {
            port: free_port(),
            dir: dir.to_path_buf(),
            password: password.map(str::to_string),
            child: None,
        };
        s.up();
        Some(s)
    }

    /// Starts the server (again) on its port and waits until it answers.
    fn up(&mut self) {
        let mut cmd = std::process::Command::new("redis-server");
        cmd.args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir);
        if let Some(pw) = &self.password {
            cmd.args(["--requirepass", pw]);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("redis.log"))
            .unwrap();
        cmd.stdout(log).stderr(std::process::Stdio::null());
        self.child = Some(cmd.spawn().unwrap());
        let ready = wait_until(20.0, || {
            RedisClient::connect(self.port, self.password.as_deref())
                .is_some_and(|mut c| c.cmd(&["PING"]) == Reply::Simple("PONG".into()))
        });
        assert!(ready, "redis-server did not come up on port {}", self.port);
    }

    /// Kills the server; what it held is gone (no persistence).
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn client(&self) -> RedisClient {
        RedisClient::connect(self.port, self.password.as_deref()).expect("connect to redis-server")
    }

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Redis connection for checking what the sensor wrote.
struct RedisClient {
    w: std::net::TcpStream,
    r: BufReader<std::net::TcpStream>,
}

impl RedisClient {
    fn connect(port: u16, password: Option<&str>) -> Option<RedisClient> {
        let w = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        w.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        let r = BufReader::new(w.try_clone().ok()?);
        let mut c = RedisClient { w, r };
        if let Some(pw) = password {
            c.send(&["AUTH", pw]);
            c.read().ok()?;
        }
        Some(c)
    }

    fn send(&mut self, args: &[&str]) {
        let mut buf = Vec::new();
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        resp::encode(&mut buf, &args);
        std::io::Write::write_all(&mut self.w, &buf).unwrap();
    }

    fn read(&mut self) -> std::io::Result<Reply> {
        resp::read(&mut self.r)
    }

    fn cmd(&mut self, args: &[&str]) -> Reply {
        self.send(args);
        self.read().unwrap()
    }

    fn int(&mut self, args: &[&str]) -> i64 {
        match self.cmd(args) {
            Reply::Integer(n) => n,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    /// The elements of a list, head first.
    fn list(&mut self, key: &str) -> Vec<String> {
        match self.cmd(&["LRANGE", key, "0", "-1"]) {
            Reply::Array(Some(items)) => items.into_iter().map(text).collect(),
            other => panic!("LRANGE {key}: {other:?}"),
        }
    }

    /// The `eve` field of each stream entry, oldest first.
    fn stream(&mut self, key: &str) -> Vec<String> {
        let Reply::Array(Some(entries)) = self.cmd(&["XRANGE", key, "-", "+"]) else {
            panic!("XRANGE {key}");
        };
        entries
            .into_iter()
            .map(|e| match e {
                Reply::Array(Some(mut idf)) => match idf.pop() {
                    Some(Reply::Array(Some(mut fv))) if fv.len() == 2 => {
                        let v = fv.pop().map(text);
                        assert_eq!(fv.pop().map(text).as_deref(), Some("eve"));
                        v.unwrap()
                    }
                    other => panic!("stream entry fields: {other:?}"),
                },
                other => panic!("stream entry: {other:?}"),
            })
            .collect()
    }

    /// A field of `XINFO STREAM key`.
    fn stream_info(&mut self, key: &str, field: &str) -> Reply {
        let Reply::Array(Some(kv)) = self.cmd(&["XINFO", "STREAM", key]) else {
            panic!("XINFO STREAM {key}");
        };
        let mut it = kv.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            if text(k) == field {
                return v;
            }
        }
        panic!("XINFO STREAM {key} has no {field}");
    }
}

fn text(r: Reply) -> String {
    match r {
        Reply::Bulk(Some(b)) => String::from_utf8(b).unwrap(),
        Reply::Simple(s) => s,
        other => panic!("not a string: {other:?}"),
    }
}

/// Replays `flood()` with `EVERY_PACKET` and `sets`; the summary.
fn replay_flood(dir: &Path, sets: &[String]) -> Value {
    std::fs::create_dir_all(dir).unwrap();
    let rules = write_rules(dir, EVERY_PACKET);
    let mut extra = vec!["--no-rate"];
    for s in sets {
        extra.push("--set");
        extra.push(s);
    }
    let (out, summary) = replay(&[&flood()], &[&rules], &dir.join("logs"), &extra);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    summary
}

fn redis_sets(server: &RedisServer, mode: &str, key: &str, more: &[&str]) -> Vec<String> {
    let mut v = sets(&[
        "sensor_name=gate-a",
        "outputs.redis.enabled=true",
        &format!("outputs.redis.server={}", server.server()),
        &format!("outputs.redis.mode={mode}"),
        &format!("outputs.redis.key={key}"),
    ]);
    v.extend(sets(more));
    v
}

/// The one sink of a summary, checked to be Redis's.
fn redis_stats(summary: &Value) -> (u64, u64, u64) {
    let sinks = summary["sinks"].as_array().unwrap();
    assert_eq!(sinks.len(), 1, "{sinks:?}");
    let s = &sinks[0];
    assert_eq!(s["kind"], "redis");
    let n = |k: &str| s[k].as_u64().unwrap();
    (n("sent"), n("dropped"), n("reconnects"))
}

fn assert_names_sensor(lines: &[String]) {
    for l in lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["host"], "gate-a", "{l}");
    }
}

#[test]
fn redis_lists_in_order_with_auth_and_db() {
    let dir = scratch("redis-list");
    let Some(server) = RedisServer::start(&dir, Some("s3cret")) else {
        return;
    };
    // Suricata's `list`: LPUSH, so the oldest record is at the tail.
    let summary = replay_flood(
        &dir.join("lpush"),
        &redis_sets(
            &server,
            "list",
            "soc:eve",
            &[
                "outputs.redis.name=soc-bus",
                "outputs.redis.password=s3cret",
                "outputs.redis.db=2",
                "outputs.redis.queue=100000",
            ],
        ),
    );
    assert_eq!(summary["sinks"][0]["name"], "soc-bus");
    let eve = file_lines(&dir.join("lpush/logs/eve.json"));
    assert_eq!(eve.len(), flood_alert_packets().len());
    assert_eq!(summary["stored"].as_u64(), Some(eve.len() as u64));
    let mut c = server.client();
    assert_eq!(c.int(&["DBSIZE"]), 0, "written to db 2, not 0");
    c.cmd(&["SELECT", "2"]);
    let mut got = c.list("soc:eve");
    got.reverse();
    assert_eq!(got.len(), eve.len());
    assert!(got == eve, "the list holds eve.json's records in its order");
    assert_names_sensor(&got);
    assert_eq!(redis_stats(&summary), (eve.len() as u64, 0, 0));

    // `rpush`: appended at the tail.
    let summary = replay_with(
        &dir.join("rpush"),
        &redis_sets(
            &server,
            "rpush",
            "soc:rpush",
            &["outputs.redis.password=s3cret", "outputs.redis.db=2"],
        ),
    );
    assert_eq!(c.list("soc:rpush"), file_lines(&dir.join("rpush/eve.json")));
    assert_eq!(redis_stats(&summary), (8, 0, 0));
}

#[test]
fn redis_channel_reaches_a_subscriber_in_order() {
    let dir = scratch("redis-channel");
    let Some(server) = RedisServer::start(&dir, None) else {
        return;
    };
    let mut sub = server.client();
    assert!(matches!(sub.cmd(&["SUBSCRIBE", "soc-alerts"]), Reply::Array(Some(_))));
    let mut c = server.client();
    assert_eq!(
        c.cmd(&["PUBSUB", "NUMSUB", "soc-alerts"]),
        Reply::Array(Some(vec![Reply::Bulk(Some(b"soc-alerts".to_vec())), Reply::Integer(1)]))
    );
    // Until the test's own last message, published after the replay.
    let listener = std::thread::spawn(move || {
        sub.w.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut got = Vec::new();
        loop {
            let Ok(Reply::Array(Some(mut m))) = sub.read() else {
                panic!("the subscription ended before the last message");
            };
            assert_eq!(m.len(), 3);
            let payload = text(m.pop().unwrap());
            assert_eq!(text(m.pop().unwrap()), "soc-alerts");
            assert_eq!(text(m.pop().unwrap()), "message");
            if payload == "END" {
                return got;
            }
            got.push(payload);
        }
    });
    let summary = replay_flood(
        &dir,
        &redis_sets(&server, "channel", "soc-alerts", &["outputs.redis.queue=100000"]),
    );
    assert_eq!(c.int(&["PUBLISH", "soc-alerts", "END"]), 1);
    let got = listener.join().unwrap();
    let eve = file_lines(&dir.join("logs/eve.json"));
    assert_eq!(got.len(), eve.len());
    assert!(got == eve, "the subscriber got eve.json's records in its order");
    assert_names_sensor(&got);
    assert_eq!(redis_stats(&summary), (eve.len() as u64, 0, 0));
}

#[test]
fn redis_stream_capped_in_length() {
    let dir = scratch("redis-stream");
    let Some(server) = RedisServer::start(&dir, None) else {
        return;
    };
    let total = flood_alert_packets().len();
    // Suricata's default: trimmed to about 1000 (whole internal nodes).
    let summary = replay_flood(
        &dir.join("approx"),
        &redis_sets(
            &server,
            "stream",
            "soc:stream",
            &["outputs.redis.stream_maxlen=1000", "outputs.redis.queue=100000"],
        ),
    );
    assert_eq!(redis_stats(&summary), (total as u64, 0, 0));
    let eve = file_lines(&dir.join("approx/logs/eve.json"));
    assert_eq!(eve.len(), total);
    let mut c = server.client();
    assert_eq!(
        c.stream_info("soc:stream", "entries-added"),
        Reply::Integer(total as i64)
    );
    let kept = c.stream("soc:stream");
    // Redis's stream nodes hold 100 entries by default.
    assert!((1000..1100).contains(&kept.len()), "{} entries kept", kept.len());
    assert!(
        kept[..] == eve[eve.len() - kept.len()..],
        "the newest records, in order"
    );
    assert_names_sensor(&kept);

    // Trimmed exactly.
    let summary = replay_flood(
        &dir.join("exact"),
        &redis_sets(
            &server,
            "stream",
            "soc:exact",
            &[
                "outputs.redis.stream_maxlen=500",
                "outputs.redis.stream_trim_exact=true",
                "outputs.redis.queue=100000",
            ],
        ),
    );
    assert_eq!(redis_stats(&summary), (total as u64, 0, 0));
    let eve = file_lines(&dir.join("exact/logs/eve.json"));
    let kept = c.stream("soc:exact");
    assert_eq!(kept.len(), 500);
    assert!(kept[..] == eve[eve.len() - 500..]);
}

/// Redis killed and started again while the sensor runs: the replay never
/// waits for it, the sink reconnects, and every record is either in Redis
/// or counted as dropped. The kill comes while the input pauses, once Redis
/// has acknowledged everything so far, so the test knows what the killed
/// server held (it keeps nothing across the restart); records keep flowing
/// while it is down.
#[test]
fn redis_restart_mid_run_loses_exactly_what_is_counted() {
    let dir = scratch("redis-restart");
    let Some(mut server) = RedisServer::start(&dir, None) else {
        return;
    };
    // A small queue, so the outage overflows it.
    let mut run = Feeder::start(
        &dir,
        &redis_sets(&server, "rpush", "soc:eve", &["outputs.redis.queue=200"]),
    );
    let n = run.packets();
    let (p1, p2) = (n / 3, 2 * n / 3);

    // Up to p1, at a pace the queue keeps up with: all of it in Redis.
    let mut c = server.client();
    feed_paced(&mut run, &mut c, p1, 0);
    let mut got = c.list("soc:eve");
    drop(c);
    server.kill();

    // Redis is down: packets are still inspected at full pace.
    let t = std::time::Instant::now();
    run.feed_to(p2);
    run.wait_for_eve(flood_alerts_upto(p2), 60.0);
    eprintln!("{} packets inspected with Redis down in {:.2?}", p2 - p1, t.elapsed());

    // Redis is back: the sink reconnects on its own and delivers what it held.
    server.up();
    let mut c = server.client();
    let mut held = 0;
    assert!(
        wait_until(30.0, || {
            let before = c.int(&["LLEN", "soc:eve"]);
            std::thread::sleep(Duration::from_millis(500));
            held = c.int(&["LLEN", "soc:eve"]);
            held > 0 && held == before
        }),
        "nothing reached the restarted Redis"
    );
    // The rest, paced: every record now reaches Redis.
    feed_paced(&mut run, &mut c, n, held - flood_alerts_upto(p2) as i64);
    let t = std::time::Instant::now();
    let summary = run.finish(60.0);
    eprintln!("the replay ended {:.2?} after its last packet", t.elapsed());

    assert_eq!(summary["packets"].as_u64(), Some(n as u64));
    let eve = file_lines(&dir.join("logs/eve.json"));
    let total = eve.len();
    assert_eq!(total, flood_alert_packets().len());
    assert_eq!(summary["alerts"].as_u64(), Some(total as u64));
    assert_eq!(summary["stored"].as_u64(), Some(total as u64));

    got.extend(c.list("soc:eve"));
    let (sent, dropped, reconnects) = redis_stats(&summary);
    eprintln!(
        "{total} alerts: {} in Redis, {dropped} counted as dropped, {reconnects} reconnection(s)",
        got.len()
    );
    assert!(reconnects >= 1);
    assert!(dropped > 0, "the outage overflowed a 200-record queue");
    assert_eq!(sent as usize, got.len());
    assert_eq!(got.len() as u64 + dropped, total as u64, "received + dropped = alerts");
    // What arrived is eve.json's records in order, with gaps only.
    let mut rest = eve.iter();
    for g in &got {
        assert!(rest.any(|e| e == g), "a record out of order or not in eve.json: {g}");
    }
    let cnt = packet_numbers(&got);
    assert!(cnt.windows(2).all(|w| w[0] < w[1]));
    // Nothing lost before the outage, nor once the sink was back.
    let before = cnt.iter().filter(|&&c| c <= p1 as u64).count();
    let after = cnt.iter().filter(|&&c| c > p2 as u64).count();
    assert_eq!(before, flood_alerts_upto(p1));
    assert_eq!(after, flood_alerts_upto(n) - flood_alerts_upto(p2));
    assert_names_sensor(&got);
}

/// Feeds up to packet `to` in steps of 100, each time waiting until the
/// list holds `offset` plus the alerts fed so far.
fn feed_paced(run: &mut Feeder, c: &mut RedisClient, to: usize, offset: i64) {
    while run.fed < to {
        let next = (run.fed + 100).min(to);
        run.feed_to(next);
        let want = offset + flood_alerts_upto(next) as i64;
        assert!(
            wait_until(60.0, || c.int(&["LLEN", "soc:eve"]) == want),
            "Redis has {} records, not {want}",
            c.int(&["LLEN", "soc:eve"])
        );
    }
}
