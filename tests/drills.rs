//! `vigie drill` end to end: every bundled drill passes (one per attack
//! capture), a drill that asks for the wrong thing fails with its reason,
//! a broken drill file is named, and the HTML report renders its timelines
//! in a headless browser.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bundled_drills() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("drills"))
        .expect("drills/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

/// Runs `vigie drill` and returns (exit code, JSON result, stdout).
fn drill(drills: &[PathBuf], out: &Path) -> (i32, serde_json::Value, String) {
    let output = vigie().arg("drill").arg("-o").arg(out).args(drills).output().unwrap();
    let json = std::fs::read_to_string(out.join("drill-results.json")).expect("drill-results.json");
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_str(&json).expect("JSON result"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn every_bundled_drill_passes() {
    let drills = bundled_drills();
    // One drill per bundled attack capture, plus the mixed capture.
    for capture in std::fs::read_dir(repo().join("pcaps/attacks")).unwrap() {
        let stem = capture
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            drills.iter().any(|d| d.file_stem().unwrap().to_string_lossy() == stem),
            "no drill for pcaps/attacks/{stem}.pcap"
        );
    }
    let out = scratch("drills-bundled");
    let (code, result, stdout) = drill(&drills, &out);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(result["failed"], 0);
    assert_eq!(result["passed"].as_u64().unwrap() as usize, drills.len());
    assert!(stdout.contains(&format!("{} drills: {} passed, 0 failed", drills.len(), drills.len())));
    for d in result["drills"].as_array().unwrap() {
        assert_eq!(d["passed"], true, "{}", d["name"]);
        assert!(d["attack"]["start"].is_f64(), "{}: attack start", d["name"]);
        for e in d["expectations"].as_array().unwrap() {
            assert!(e["count"].as_u64().unwrap() >= 1);
            if let Some(within) = e["within_secs"].as_f64() {
                let delay = e["delay_secs"].as_f64().unwrap();
                assert!((0.0..=within).contains(&delay), "{}: {e}", d["name"]);
            }
        }
        // The timeline saw the attack, and the attacker is among the top talkers.
        let attack: u64 = d["timeline"]["attack_packets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert!(attack > 0, "{}: no attack packets in the timeline", d["name"]);
        assert!(!d["timeline"]["alerts"].as_array().unwrap().is_empty());
        // Each drill's outputs are kept for the analyst.
        let slug = Path::new(d["file"].as_str().unwrap()).file_stem().unwrap().to_owned();
        assert!(out.join(slug).join("eve.json").exists());
    }
    // The SYN flood names its victim; the port scan its scanner.
    let by_name = |n: &str| {
        result["drills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == n)
            .cloned()
            .unwrap()
    };
    let syn = by_name("syn-flood");
    assert_eq!(syn["timeline"]["alerts"][0]["dst"], "10.10.0.81");
    let scan = by_name("port-scan");
    let scanner = scan["top_talkers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["addr"] == "203.0.113.7")
        .expect("the scanner among the top talkers");
    assert_eq!(scanner["attacker"], true);
}

#[test]
fn wrong_expectations_fail_with_reasons() {
    let dir = scratch("drills-failing");
    let capture = repo().join("pcaps/attacks/port-scan.pcap");
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, format!("captures = [{capture:?}]\n{body}")).unwrap();
        p
    };
    let wrong_sid = write(
        "wrong-sid.toml",
        "[attack]\nattacker = \"203.0.113.7\"\nvictim = \"10.10.0.80\"\n[[expect]]\nsid = 9200004\n",
    );
    let too_slow = write(
        "too-slow.toml",
        "[attack]\nattacker = \"203.0.113.7\"\nvictim = \"10.10.0.80\"\n[[expect]]\nsid = 9200001\nwithin_secs = 0.1\n",
    );
    let wrong_host = write(
        "wrong-host.toml",
        "[attack]\nattacker = \"198.51.100.1\"\nvictim = \"10.10.0.80\"\n[[expect]]\nsid = 9200001\n",
    );
    let noisy = write(
        "noisy.toml",
        "max_other_alerts = 0\n[attack]\nattacker = \"203.0.113.7\"\nvictim = \"10.10.0.80\"\n[[expect]]\nsid = 9200001\n",
    );
    let broken = write("broken.toml", "[attack]\nattacker = \"203.0.113.7\"\n");
    let out = dir.join("out");
    let (code, result, stdout) = drill(&[wrong_sid, too_slow, wrong_host, noisy, broken], &out);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        (result["passed"].as_u64(), result["failed"].as_u64()),
        (Some(0), Some(5))
    );
    let reason = |i: usize| {
        result["drills"][i]["expectations"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        reason(0).contains("0 matching alerts, expected at least 1"),
        "{}",
        reason(0)
    );
    assert!(reason(1).contains("expected within 0.1 s"), "{}", reason(1));
    assert!(reason(2).contains("0 matching alerts"), "{}", reason(2));
    let noisy_errors = result["drills"][3]["errors"].to_string();
    assert!(
        noisy_errors.contains("1 alerts matched no expectation"),
        "{noisy_errors}"
    );
    let broken_errors = result["drills"][4]["errors"].to_string();
    assert!(
        broken_errors.contains("broken.toml") && broken_errors.contains("victim"),
        "{broken_errors}"
    );
    assert!(stdout.contains("wrong-sid") && stdout.contains("FAIL"));
}

/// Debian's chromium, when installed (CI installs it).
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

#[test]
fn html_report_renders_its_timelines_in_a_headless_browser() {
    let out = scratch("drills-html");
    let drills: Vec<PathBuf> = ["syn-flood", "port-scan", "web-attacks"]
        .iter()
        .map(|n| repo().join("drills").join(format!("{n}.toml")))
        .collect();
    let (code, _, stdout) = drill(&drills, &out);
    assert_eq!(code, 0, "{stdout}");
    let html_path = out.join("drill-report.html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_eq!(html.matches("<svg class=\"timeline\"").count(), 3);
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the report is self-contained"
    );

    let Some(browser) = chromium() else {
        eprintln!("skipped the browser check: chromium is not installed (apt-get install chromium)");
        return;
    };
    let profile = out.join("chromium-profile");
    let dom = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html_path.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The page's script measures each laid-out timeline and counts its bars.
    assert!(
        dom.contains("data-timelines-rendered=\"3\""),
        "{}",
        &dom[..dom.len().min(2000)]
    );
    let bars: u64 = dom
        .split("data-timeline-bars=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("bar count");
    assert!(bars > 30, "{bars} bars");
}
