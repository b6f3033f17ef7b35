//! A minimal HTTP/1.0 client and helpers to run the API for tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const READ_TOKEN: &str = "read-token-0123456789";
pub const ADMIN_TOKEN: &str = "admin-token-0123456789";
pub const BOUNCER_KEY: &str = "bouncer-key-0123456789";

/// A vigie.toml with a log dir, an API on a free loopback port and the
/// three test credentials, plus `extra` TOML.
pub fn api_config(dir: &Path, extra: &str) -> std::path::PathBuf {
    let cfg = dir.join("vigie.toml");
    let text = format!(
        r#"{extra}
[outputs]
log_dir = "{}"

[api]
listen = "127.0.0.1:0"
heartbeat_secs = 1
tokens = [
  {{ name = "soc", token = "{READ_TOKEN}", scope = "read" }},
  {{ name = "ops", token = "{ADMIN_TOKEN}", scope = "admin" }},
]
bouncer_keys = [ {{ name = "edge", key = "{BOUNCER_KEY}" }} ]
"#,
        dir.join("logs").display()
    );
    std::fs::write(&cfg, text).expect("write vigie.toml");
    cfg
}

/// A vigie process serving the API, killed when dropped.
pub struct Served {
    pub child: Child,
    pub addr: String,
    /// What it wrote on stderr after the address line (drained by a thread
    /// so a chatty process never blocks on a full pipe).
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd` (a `serve` or `replay --serve`) and waits for the address
/// it prints on stderr.
pub fn spawn_served(cmd: &mut Command) -> Served {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vigie");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let announced = line.trim().strip_prefix("vigie: API on ");
        if let Some(rest) = announced.and_then(|a| a.strip_prefix("http://").or(a.strip_prefix("https://"))) {
            let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
            let sink = text.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                while stderr.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    if let Ok(mut t) = sink.lock() {
                        t.push_str(&line);
                    }
                    line.clear();
                }
            });
            return Served {
                child,
                addr: rest.to_string(),
                stderr: text,
            };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("vigie did not report its API address; last line: {line}");
}

/// One request; returns (status, body). HTTP/1.0, so the body ends with the connection.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, String) {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    exchange(s, addr, method, path, headers, body)
}

/// One HTTP/1.0 request over `s`, whatever carries it; returns (status, body)
/// (status 0 when the answer is not HTTP).
pub fn exchange(
    mut s: impl Read + Write,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
