//! One worker or several: the same alerts, record for record (as a
//! multiset of EVE alert records), on every bundled capture and on every
//! capture of the conformance kit.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The alert records of an eve.json, each serialised with sorted keys,
/// counted.
fn alert_multiset(eve: &Path) -> BTreeMap<String, usize> {
    let mut set = BTreeMap::new();
    let text = std::fs::read_to_string(eve).unwrap_or_default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["event_type"] == "alert" {
            *set.entry(v.to_string()).or_insert(0) += 1;
        }
    }
    set
}

fn captures() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in ["pcaps", "pcaps/attacks"] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "pcap") {
                all.push(e.path());
            }
        }
    }
    all.sort();
    all
}

#[test]
fn bundled_captures_raise_the_same_alerts_with_one_or_three_workers() {
    let work = scratch("workers-bundled");
    let caps = captures();
    assert!(caps.len() >= 19, "{caps:?}");
    let mut total = 0;
    for cap in &caps {
        let name = cap.file_stem().unwrap().to_string_lossy().into_owned();
        let mut sets = Vec::new();
        for workers in ["1", "3"] {
            let out_dir = work.join(format!("{name}-{workers}"));
            let out = run(vigie()
                .args(["-q", "replay", "--json", "-j", workers, "-l"])
                .arg(&out_dir)
                .arg(cap));
            assert!(out.status.success(), "{name} -j {workers}");
            let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(summary["workers"], workers.parse::<u64>().unwrap());
            sets.push(alert_multiset(&out_dir.join("eve.json")));
        }
        assert_eq!(sets[0], sets[1], "{name}: alerts differ between 1 and 3 workers");
        total += sets[0].values().sum::<usize>();
    }
    assert!(total >= 30, "only {total} alerts over the bundled captures");
}

#[test]
fn conformance_captures_raise_the_same_alerts_with_one_or_three_workers() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/conformance is not beside the repository");
        return;
    };
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: python3 with PyYAML is needed to run sv-run.py");
        return;
    }
    let work = scratch("workers-conformance");
    let list = work.join("all.txt");
    let mut names = String::new();
    for l in ["core.txt", "extended.txt"] {
        names.push_str(&std::fs::read_to_string(shared.join("conformance").join(l)).unwrap());
        names.push('\n');
    }
    std::fs::write(&list, names).unwrap();
    let mut runs = Vec::new();
    for workers in ["1", "3"] {
        let dir = work.join(format!("j{workers}"));
        std::fs::create_dir_all(&dir).unwrap();
        let engine = format!(
            "{} -q replay -j {workers} {{pcap}} -S {{rules}} -l {{outdir}} {{args}}",
            env!("CARGO_BIN_EXE_vigie")
        );
        let out = Command::new("python3")
            .arg(shared.join("conformance/sv-run.py"))
            .args(["--engine", &engine, "--keep", "-q", "--workdir"])
            .arg(&dir)
            .arg("--list")
            .arg(&list)
            .output()
            .expect("run sv-run.py");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!("-j {workers}: {}", text.lines().last().unwrap_or(""));
        // Output folders are named after the test plus a random suffix.
        let mut by_test = BTreeMap::new();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let test = name.rsplit_once('-').map_or(name.clone(), |(t, _)| t.to_string());
            by_test.insert(test, alert_multiset(&e.path().join("eve.json")));
        }
        runs.push(by_test);
    }
    assert!(runs[0].len() >= 150, "only {} tests ran", runs[0].len());
    let differing: Vec<&String> = runs[0].keys().filter(|t| runs[0].get(*t) != runs[1].get(*t)).collect();
    assert!(
        differing.is_empty(),
        "alerts differ between 1 and 3 workers: {differing:?}"
    );
    let alerts: usize = runs[0].values().flat_map(|s| s.values()).sum();
    assert!(alerts >= 200, "only {alerts} alerts over the conformance captures");
}
