//! The API end to end over a real store: credentials on every endpoint,
//! the resumable alert stream, decisions added, checked, fed and revoked.

mod common;

use common::http::*;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A store with the bundled attack capture's alerts and decisions, served.
fn served(tag: &str) -> Served {
    let dir = scratch(tag);
    let cfg = api_config(&dir, "");
    let out = run(vigie()
        .args(["-q", "replay", "-c"])
        .arg(&cfg)
        .arg(repo().join("pcaps/venue-attacks.pcap")));
    assert!(out.status.success());
    spawn_served(vigie().args(["serve", "-c"]).arg(&cfg))
}

const READ_ENDPOINTS: &[&str] = &[
    "/healthz",
    "/metrics",
    "/v1/stats",
    "/v1/alerts",
    "/v1/alerts/stream?after=999999",
    "/v1/decisions",
    "/v1/decisions/stream",
    "/v1/check?ip=203.0.113.66",
    "/v1/feeds/blocklist.txt",
    "/v1/feeds/openc2",
];

#[test]
fn every_endpoint_refuses_missing_and_insufficient_credentials() {
    let s = served("api-auth");
    let read = bearer(READ_TOKEN);
    let wrong = bearer("not-a-token-at-all-0000");
    for path in READ_ENDPOINTS {
        assert_eq!(http(&s.addr, "GET", path, &[], None).0, 401, "{path} without a token");
        assert_eq!(
            http(&s.addr, "GET", path, &[("Authorization", &wrong)], None).0,
            401,
            "{path} with an unknown token"
        );
    }
    // Admin operations refuse a read token (and a bouncer key) with 403.
    let add = r#"{"value":"198.51.100.9","type":"block","duration":"1h","reason":"test"}"#;
    for auth in [("Authorization", read.as_str()), ("X-Api-Key", BOUNCER_KEY)] {
        assert_eq!(http(&s.addr, "POST", "/v1/decisions", &[auth], Some(add)).0, 403);
        assert_eq!(http(&s.addr, "DELETE", "/v1/decisions/1", &[auth], None).0, 403);
    }
    assert_eq!(http(&s.addr, "POST", "/v1/decisions", &[], Some(add)).0, 401);
    assert_eq!(http(&s.addr, "DELETE", "/v1/decisions/1", &[], None).0, 401);
    // A bouncer key opens the bouncer feeds only.
    let key = [("X-Api-Key", BOUNCER_KEY)];
    assert_eq!(http(&s.addr, "GET", "/v1/decisions/stream", &key, None).0, 200);
    assert_eq!(http(&s.addr, "GET", "/v1/feeds/blocklist.txt", &key, None).0, 200);
    for path in [
        "/v1/alerts",
        "/v1/stats",
        "/metrics",
        "/healthz",
        "/v1/check?ip=1.2.3.4",
    ] {
        assert_eq!(
            http(&s.addr, "GET", path, &key, None).0,
            403,
            "{path} with a bouncer key"
        );
    }
    // And the read token opens every read endpoint.
    for path in READ_ENDPOINTS.iter().filter(|p| !p.contains("stream")) {
        assert_eq!(
            http(&s.addr, "GET", path, &[("Authorization", &read)], None).0,
            200,
            "{path}"
        );
    }
    // Oversized bodies are refused.
    let huge = format!(
        r#"{{"value":"198.51.100.9","type":"block","reason":"{}"}}"#,
        "x".repeat(100_000)
    );
    let admin = bearer(ADMIN_TOKEN);
    assert_eq!(
        http(
            &s.addr,
            "POST",
            "/v1/decisions",
            &[("Authorization", &admin)],
            Some(&huge)
        )
        .0,
        413
    );
}

#[test]
fn alerts_page_by_cursor_and_filter() {
    let s = served("api-alerts");
    let auth = bearer(READ_TOKEN);
    let h = [("Authorization", auth.as_str())];
    let (code, body) = http(&s.addr, "GET", "/v1/alerts?limit=3", &h, None);
    assert_eq!(code, 200);
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["alerts"].as_array().unwrap().len(), 3);
    let next = page["next"].as_i64().unwrap();
    let (_, body) = http(&s.addr, "GET", &format!("/v1/alerts?limit=100&after={next}"), &h, None);
    let rest: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rest["alerts"].as_array().unwrap().len(), 5);
    assert!(rest["next"].is_null());
    let (_, body) = http(&s.addr, "GET", "/v1/alerts?src=203.0.113.66&severity=1", &h, None);
    let web: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sids: Vec<u64> = web["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["eve"]["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    assert_eq!(sids, vec![9100001, 9100002, 9100003]);
    assert_eq!(http(&s.addr, "GET", "/v1/alerts?src=nope", &h, None).0, 400);
}

#[test]
fn decisions_are_added_checked_fed_and_revoked() {
    let s = served("api-decisions");
    let read = bearer(READ_TOKEN);
    let admin = bearer(ADMIN_TOKEN);
    let r = [("Authorization", read.as_str())];
    let a = [("Authorization", admin.as_str())];
    // The policy blocked the web attacker from the replay.
    let (_, body) = http(&s.addr, "GET", "/v1/check?ip=203.0.113.66", &r, None);
    let check: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(check["allowed"], false, "{check}");
    assert!(
        check["decisions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("web-exploit")
    );
    // An analyst blocks a range; protected addresses need force.
    let (code, body) = http(
        &s.addr,
        "POST",
        "/v1/decisions",
        &a,
        Some(r#"{"value":"198.51.100.0/24","type":"block","duration":"2h","reason":"botnet"}"#),
    );
    assert_eq!(code, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["decision"]["id"]
        .as_i64()
        .unwrap();
    let (code, body) = http(
        &s.addr,
        "POST",
        "/v1/decisions",
        &a,
        Some(r#"{"value":"10.10.0.53","type":"block","reason":"oops"}"#),
    );
    assert_eq!(code, 400);
    assert!(body.contains("protected range 'DNS resolvers'"), "{body}");
    let (_, body) = http(&s.addr, "GET", "/v1/check?ip=198.51.100.42", &r, None);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["allowed"],
        false
    );
    // Feeds carry it.
    let (_, list) = http(&s.addr, "GET", "/v1/feeds/blocklist.txt", &r, None);
    assert!(
        list.lines().any(|l| l == "198.51.100.0/24") && list.lines().any(|l| l == "203.0.113.66"),
        "{list}"
    );
    let (_, oc2) = http(&s.addr, "GET", "/v1/feeds/openc2", &r, None);
    let cmds: serde_json::Value = serde_json::from_str(&oc2).unwrap();
    let range = cmds
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["target"]["ipv4_net"] == "198.51.100.0/24")
        .expect("deny for the range");
    assert_eq!(range["action"], "deny");
    assert!(range["actuator"]["slpf"].is_object() && range["args"]["stop_time"].is_i64());
    // Revoked: gone from the check and the feeds; revoking twice is a 404.
    assert_eq!(http(&s.addr, "DELETE", &format!("/v1/decisions/{id}"), &a, None).0, 200);
    assert_eq!(http(&s.addr, "DELETE", &format!("/v1/decisions/{id}"), &a, None).0, 404);
    let (_, body) = http(&s.addr, "GET", "/v1/check?ip=198.51.100.42", &r, None);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["allowed"],
        true
    );
    let (_, list) = http(&s.addr, "GET", "/v1/feeds/blocklist.txt", &r, None);
    assert!(!list.contains("198.51.100.0/24"));
    // Metrics count what is in force.
    let (_, metrics) = http(&s.addr, "GET", "/metrics", &r, None);
    assert!(
        metrics.contains("vigie_decisions_active{type=\"block\"} 4"),
        "{metrics}"
    );
    assert!(metrics.contains("vigie_alerts_stored{severity=\"1\"} 3"), "{metrics}");
}

/// Reads SSE events from an open connection until `want` alert events or
/// the deadline; returns their ids.
fn read_events(reader: &mut BufReader<TcpStream>, want: usize, deadline: Instant) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut line = String::new();
    let mut current: Option<i64> = None;
    while ids.len() < want && Instant::now() < deadline {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => continue,
        }
        let l = line.trim_end();
        if let Some(id) = l.strip_prefix("id:") {
            current = id.trim().parse().ok();
        } else if l.starts_with("data:")
            && let Some(id) = current.take()
        {
            ids.push(id);
        }
    }
    ids
}

fn open_stream(addr: &str, last_event_id: Option<i64>) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let resume = last_event_id
        .map(|id| format!("Last-Event-ID: {id}\r\n"))
        .unwrap_or_default();
    let after = if last_event_id.is_none() { "?after=0" } else { "" };
    write!(
        s,
        "GET /v1/alerts/stream{after} HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {READ_TOKEN}\r\n{resume}\r\n"
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    assert!(status.contains(" 200 "), "{status}");
    r
}

#[test]
fn a_consumer_cut_off_mid_run_gets_every_alert_exactly_once() {
    let dir = scratch("api-sse");
    let cfg = api_config(&dir, "");
    // One alert per packet (the ttl test keeps the rule off the once-a-flow
    // IP-only path) of ten minutes of traffic: tens of thousands, still
    // being written while the consumer reads.
    let pcap = dir.join("benign.pcap");
    assert!(
        run(vigie().args(["synth", "--benign-secs", "600", "-o"]).arg(&pcap))
            .status
            .success()
    );
    let rules = write_rules(
        &dir,
        "alert ip any any -> any any (msg:\"every packet\"; ttl:>0; sid:1;)\n",
    );
    let mut s = spawn_served(
        vigie()
            .args(["replay", "--serve", "--no-rate", "--json", "-c"])
            .arg(&cfg)
            .arg("-S")
            .arg(&rules)
            .arg(&pcap),
    );
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut first = open_stream(&s.addr, None);
    let mut got = read_events(&mut first, 2000, deadline);
    assert_eq!(got.len(), 2000);
    drop(first); // cut off
    let mut second = open_stream(&s.addr, got.last().copied());
    // The replay's JSON summary (stdout) gives the total once it is done;
    // meanwhile the stream keeps being read.
    let stdout = s.child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut r = BufReader::new(stdout);
        while r.read_line(&mut text).map(|n| n > 0).unwrap_or(false) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                let _ = tx.send(v["alerts"].as_u64().unwrap_or(0) as usize);
                return;
            }
        }
    });
    let mut total = None;
    while Instant::now() < deadline {
        got.extend(read_events(&mut second, 1000, Instant::now() + Duration::from_secs(1)));
        total = total.or_else(|| rx.try_recv().ok());
        if total.is_some_and(|t| got.len() >= t) {
            break;
        }
    }
    let total = total.expect("the replay finished and printed its summary");
    assert!(total > 25_000, "{total}");
    let mut sorted = got.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), got.len(), "an alert came twice");
    assert_eq!(got.len(), total, "alerts lost");
    assert_eq!(sorted, (1..=total as i64).collect::<Vec<_>>());
}

#[test]
fn a_stop_does_not_wait_on_an_open_alert_stream() {
    let mut s = served("api-stop");
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let request = format!(
        "GET /v1/alerts/stream HTTP/1.0\r\nHost: {}\r\nAuthorization: {}\r\n\r\n",
        s.addr,
        bearer(READ_TOKEN)
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut status = String::new();
    BufReader::new(stream.try_clone().unwrap())
        .read_line(&mut status)
        .unwrap();
    assert!(status.starts_with("HTTP/1.0 200"), "{status}");

    let stopped_at = Instant::now();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(
        wait_until(20.0, || s.child.try_wait().unwrap().is_some()),
        "vigie kept serving the stream 20 s after SIGTERM"
    );
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // The drain gives answers in progress a few seconds, no more.
    assert!(
        stopped_at.elapsed() < Duration::from_secs(15),
        "{:?}",
        stopped_at.elapsed()
    );
    drop(stream);
}
