//! `vigie alerts`, `vigie alerts top` and `vigie store prune` driven as an
//! analyst would, over the store a replay of the bundled captures left.

mod common;

use common::{eve_records, replay, repo, run, scratch, vigie};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn attacks() -> PathBuf {
    repo().join("pcaps/venue-attacks.pcap")
}

/// Replays the bundled attack capture into a fresh log directory.
fn replayed(name: &str) -> PathBuf {
    let dir = scratch(name);
    let (out, _) = replay(&[&attacks()], &[], &dir, &[]);
    assert!(out.status.success());
    dir
}

/// `vigie alerts ARGS -l DIR`: its stdout lines (the command must succeed).
fn alerts(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = run(vigie().arg("alerts").args(args).arg("-l").arg(dir));
    assert!(out.status.success(), "vigie alerts {args:?} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn json_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn eve_alerts(dir: &Path) -> Vec<Value> {
    eve_records(dir)
        .into_iter()
        .filter(|r| r["event_type"] == "alert")
        .collect()
}

#[test]
fn filters_select_what_eve_json_holds() {
    let dir = replayed("alerts-filters");
    let eve = eve_alerts(&dir);
    assert_eq!(eve.len(), 8);
    let all = json_lines(&alerts(&dir, &["--format", "json", "--limit", "0"]));
    assert_eq!(all.len(), eve.len());
    for (row, record) in all.iter().zip(&eve) {
        assert_eq!(row["timestamp"], record["timestamp"]);
        assert_eq!(row["sid"], record["alert"]["signature_id"]);
        assert_eq!(row["src_ip"], record["src_ip"]);
        assert_eq!(row["signature"], record["alert"]["signature"]);
        assert!(row.get("eve").is_none());
    }
    let ids: Vec<i64> = all.iter().filter_map(|r| r["id"].as_i64()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let count_eve = |f: &dyn Fn(&Value) -> bool| eve.iter().filter(|r| f(r)).count();
    let by = |args: &[&str]| json_lines(&alerts(&dir, &[&["--format", "json"], args].concat()));

    let sid = by(&["--sid", "9100001"]);
    assert_eq!(sid.len(), 1);
    assert_eq!(sid[0]["signature"], "VIGIE WEB SQL injection UNION SELECT in request");

    let src = by(&["--src", "203.0.113.66"]);
    assert_eq!(src.len(), count_eve(&|r| r["src_ip"] == "203.0.113.66"));
    assert!(src.len() >= 3 && src.iter().all(|r| r["src_ip"] == "203.0.113.66"));

    let dst = by(&["--dst", "10.10.0.80"]);
    assert_eq!(dst.len(), count_eve(&|r| r["dest_ip"] == "10.10.0.80"));
    assert!(dst.iter().all(|r| r["dest_ip"] == "10.10.0.80"));

    let severe = by(&["--severity", "1"]);
    assert_eq!(
        severe.len(),
        count_eve(&|r| r["alert"]["severity"].as_u64().is_some_and(|s| s <= 1))
    );

    // Since and until take RFC 3339 times; the capture is from 2024-06-01.
    let cut = "2024-06-01T18:00:12Z";
    let later = by(&["--since", cut]);
    let want = count_eve(&|r| r["timestamp"].as_str().is_some_and(|t| t > "2024-06-01T18:00:12"));
    assert!(want > 0 && want < eve.len());
    assert_eq!(later.len(), want);
    assert_eq!(by(&["--until", cut]).len(), eve.len() - want);
    assert_eq!(by(&["--since", cut, "--src", "203.0.113.66"]).len(), 0);
    // Durations count back from now: a 2024 capture is older than a day.
    assert!(by(&["--since", "1d"]).is_empty());
    assert_eq!(by(&["--since", "10000d"]).len(), eve.len());

    let newest = by(&["--limit", "2"]);
    assert_eq!(newest, all[all.len() - 2..].to_vec());

    // Mistakes are refused with the flag named.
    let out = run(vigie().args(["alerts", "--since", "soon", "-l"]).arg(&dir));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since"));
    let out = run(vigie().args(["alerts", "--src", "nowhere", "-l"]).arg(&dir));
    assert!(!out.status.success());
    let out = run(vigie().args(["alerts", "--store"]).arg(dir.join("missing.db")));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at"));
}

#[test]
fn eve_and_table_formats() {
    let dir = replayed("alerts-formats");
    let eve_text = std::fs::read_to_string(dir.join("eve.json")).unwrap();
    let eve_lines: Vec<&str> = eve_text
        .lines()
        .filter(|l| l.contains("\"event_type\":\"alert\""))
        .collect();
    let out = alerts(&dir, &["--format", "eve", "--limit", "0"]);
    // The stored records, byte for byte as eve.json has them.
    assert_eq!(out, eve_lines);
    let parsed = json_lines(&out);
    assert_eq!(parsed, eve_alerts(&dir));

    let table = alerts(&dir, &["--store", &dir.join("vigie.db").display().to_string()]);
    assert_eq!(table.len(), 9, "{table:#?}");
    assert!(table[0].starts_with("TIME (UTC)") && table[0].contains("SOURCE → TARGET"));
    let sqli = table
        .iter()
        .find(|l| l.contains("9100001"))
        .unwrap_or_else(|| panic!("{table:#?}"));
    assert!(sqli.starts_with("2024-06-01 18:00:03"), "{sqli}");
    assert!(
        sqli.contains("203.0.113.66:34579 → 10.10.0.80:80") && sqli.ends_with("TCP"),
        "{sqli}"
    );
    // Aligned: the message column starts at the same place on every line.
    let col = table[0].find("MESSAGE").unwrap_or(0);
    for line in &table[1..] {
        let prefix: String = line.chars().take(col).collect();
        assert!(prefix.ends_with("  "), "{line}");
    }
}

#[test]
fn top_shows_signatures_sources_and_targets() {
    let dir = replayed("alerts-top");
    let eve = eve_alerts(&dir);
    let json = json_lines(&alerts(
        &dir,
        &[
            "top",
            "--since",
            "2024-06-01T00:00:00Z",
            "--until",
            "2024-06-02T00:00:00Z",
            "--format",
            "json",
        ],
    ));
    let v = &json[0];
    assert_eq!(v["from"], "2024-06-01T00:00:00.000000+0000");
    assert_eq!(v["to"], "2024-06-02T00:00:00.000000+0000");
    let total = |key: &str| -> u64 {
        v[key]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["count"].as_u64()).sum())
            .unwrap_or(0)
    };
    assert_eq!(total("signatures"), eve.len() as u64);
    assert_eq!(total("sources"), eve.len() as u64);
    let busiest_src = eve.iter().filter(|r| r["src_ip"] == v["sources"][0]["ip"]).count();
    assert_eq!(v["sources"][0]["count"].as_u64(), Some(busiest_src as u64));
    assert_eq!(v["sources"][0]["ip"], "203.0.113.66");
    assert_eq!(v["targets"][0]["ip"], "10.10.0.80");
    let limited = json_lines(&alerts(
        &dir,
        &[
            "top",
            "--since",
            "2024-06-01T00:00:00Z",
            "--limit",
            "2",
            "--format",
            "json",
        ],
    ));
    assert_eq!(limited[0]["signatures"].as_array().map(Vec::len), Some(2));

    let table = alerts(&dir, &["top", "--since", "2024-06-01T00:00:00Z"]).join("\n");
    for section in ["Busiest signatures", "Busiest sources", "Busiest targets"] {
        assert!(table.contains(section), "{table}");
    }
    assert!(table.contains("VIGIE WEB Log4Shell JNDI lookup in request"), "{table}");
    // The default period, the last day, holds none of a 2024 capture.
    let empty = json_lines(&alerts(&dir, &["top", "--format", "json"]));
    assert_eq!(empty[0]["signatures"], Value::Array(vec![]));
}

#[test]
fn prune_on_demand_and_during_a_replay() {
    let dir = replayed("alerts-prune");
    let prune = |args: &[&str]| {
        let out = run(vigie().args(["store", "prune"]).args(args).arg("-l").arg(&dir));
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let before = json_lines(&alerts(&dir, &["--format", "json", "--limit", "0"]));
    let (ok, text) = prune(&["--max-rows", "3"]);
    assert!(ok);
    assert!(text.contains("pruned 5 alerts (5 beyond 3 rows)"), "{text}");
    let after = json_lines(&alerts(&dir, &["--format", "json", "--limit", "0"]));
    assert_eq!(after, before[5..].to_vec());
    // The top view forgets them too.
    let top = json_lines(&alerts(
        &dir,
        &["top", "--since", "2024-06-01T00:00:00Z", "--format", "json"],
    ));
    let counted: u64 = top[0]["signatures"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["count"].as_u64()).sum())
        .unwrap_or(0);
    assert_eq!(counted, 3);
    let (ok, text) = prune(&["--max-age", "100000d"]);
    assert!(ok && text.contains("pruned 0 alerts"), "{text}");
    // By alert time: a 2024 capture is more than a day old.
    let (ok, text) = prune(&["--max-age", "1d"]);
    assert!(ok && text.contains("pruned 3 alerts (3 older than 1d)"), "{text}");
    assert!(alerts(&dir, &["--format", "json"]).is_empty());
    let (ok, _) = prune(&[]);
    assert!(!ok, "pruning with no limit configured or given must fail");

    // Configured retention runs during a replay, and once more at its end.
    let dir = scratch("alerts-prune-replay");
    let (out, summary) = replay(&[&attacks()], &[], &dir, &["--set", "outputs.store.max_rows=2"]);
    assert!(out.status.success());
    assert_eq!(summary["retention"]["alerts_by_rows"], 6);
    assert_eq!(alerts(&dir, &["--format", "json"]).len(), 2);
    // The run's counters are in its row.
    let store = vigie::store::Store::open(&dir.join("vigie.db")).unwrap();
    let record = store.run(1).unwrap().unwrap();
    assert_eq!(record.counters.packets, summary["packets"].as_u64().unwrap());
    assert_eq!(record.counters.alerts, 8);
    assert!(record.finished_at.is_some());
}

#[test]
fn follow_prints_alerts_as_they_are_stored() {
    let dir = replayed("alerts-follow");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["alerts", "--follow", "--format", "json", "-l"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let take = |n: usize| -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        while got.len() < n && Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                got.push(serde_json::from_str(&line).unwrap());
            }
        }
        got
    };
    let first = take(8);
    assert_eq!(first.len(), 8);
    // Another replay into the same store: its alerts show up.
    let web = repo().join("pcaps/attacks/web-attacks.pcap");
    let (out, summary) = replay(&[&web], &[], &dir, &[]);
    assert!(out.status.success());
    let more = summary["alerts"].as_u64().unwrap() as usize;
    assert!(more > 0);
    let next = take(more);
    let extra = rx.recv_timeout(Duration::from_millis(600));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(next.len(), more);
    assert!(extra.is_err(), "nothing more to print: {extra:?}");
    assert!(next.iter().all(|r| r["run_id"] == 2), "{next:?}");
    let ids: Vec<i64> = next.iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(ids, (9..9 + more as i64).collect::<Vec<_>>());
}

#[test]
fn the_api_pages_through_the_same_query() {
    use common::http::{READ_TOKEN, api_config, bearer, http, spawn_served};
    let dir = replayed("alerts-api");
    let cfg = api_config(&dir, "");
    let served = spawn_served(
        vigie()
            .arg("serve")
            .arg("-c")
            .arg(&cfg)
            .arg("--store")
            .arg(dir.join("vigie.db")),
    );
    let auth = bearer(READ_TOKEN);
    let get = |path: &str| -> (u16, Value) {
        let (status, body) = http(&served.addr, "GET", path, &[("Authorization", &auth)], None);
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    };
    let eve = eve_alerts(&dir);
    // Pages of 3 from the start, `next` to the following one.
    let mut seen = Vec::new();
    let mut after = 0;
    for _ in 0..5 {
        let (status, page) = get(&format!("/v1/alerts?limit=3&after={after}"));
        assert_eq!(status, 200, "{page}");
        seen.extend(page["alerts"].as_array().cloned().unwrap_or_default());
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    let records: Vec<Value> = seen.iter().map(|a| a["eve"].clone()).collect();
    assert_eq!(records, eve);
    let (_, page) = get("/v1/alerts?src=203.0.113.66&since=2024-06-01T00:00:00Z&sensor=nowhere");
    assert_eq!(page["alerts"], Value::Array(vec![]));
    let (_, page) = get("/v1/alerts?src=203.0.113.66&since=2024-06-01T00:00:00Z");
    let from_src = page["alerts"].as_array().map(Vec::len);
    assert_eq!(
        from_src,
        Some(eve.iter().filter(|r| r["src_ip"] == "203.0.113.66").count())
    );
    assert_eq!(page["next"], Value::Null);
    assert_eq!(get("/v1/alerts?src=nowhere").0, 400);
    assert_eq!(get("/v1/alerts?since=soon").0, 400);
}
