//! Suricata's own verification tests (the conformance kit beside the
//! repository): the packet-level core tests must pass, and every EVE record
//! written while running them must validate against Suricata's schema.
//! Skips with a message when the kit or Python's yaml/jsonschema are absent.

mod common;

use common::*;
use std::process::Command;

/// Core tests whose rules use only packet and stream keywords: all must pass
/// (the application ones count toward the 90% asserted below).
const MUST_PASS: &[&str] = &[
    "alert-no-3whs-established",
    "alert-testmyids-midstream",
    "bug-1045",
    "bug-1401-03",
    "bug-2769",
    "bug-4623",
    "bug-5162",
    "bug-5633-gre-01",
    "bug-6244-tcp-rst-with-data",
    "bug-7851-01",
    "decode-erspan-typeII-01",
    "decode-nsh-type1",
    "decode-nsh-type2",
    "detect-app-layer-protocol-03",
    "detect-bytejump-01",
    "detect-bytejump-02",
    "detect-bytejump-05",
    "detect-bytejump-06",
    "detect-dotprefix-03",
    "detect-icmp-id-02",
    "detect-ipopts",
    "detection_filter-distinct-dstport",
    "detection_filter-distinct-dstport-no-dups",
    "streamsize-keyword",
    "streamsize-keyword-02-prefilter",
    "tcp-fastopen-06",
    "tcp-split-handshake-01-4whs",
];

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn core_set_packet_level_tests_pass_and_eve_validates() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/conformance is not beside the repository");
        return;
    };
    if !python_has("yaml") {
        eprintln!("skipped: python3 with PyYAML is needed to run sv-run.py");
        return;
    }
    let work = scratch("conformance");
    let engine = format!(
        "{} -q replay {{pcap}} -S {{rules}} -l {{outdir}} {{args}}",
        env!("CARGO_BIN_EXE_vigie")
    );
    let out = Command::new("python3")
        .arg(shared.join("conformance/sv-run.py"))
        .args(["--engine", &engine, "--keep", "--workdir"])
        .arg(&work)
        .arg("--list")
        .arg(shared.join("conformance/core.txt"))
        .output()
        .expect("run sv-run.py");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{}", text.lines().last().unwrap_or(""));
    let passed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("PASS  "))
        .filter_map(|l| l.split(':').next())
        .collect();
    let missing: Vec<&&str> = MUST_PASS.iter().filter(|t| !passed.contains(t)).collect();
    assert!(
        missing.is_empty(),
        "packet-level core tests failing: {missing:?}\n{text}"
    );
    let failed = text.lines().filter(|l| l.starts_with("FAIL  ")).count();
    let share = passed.len() as f64 / (passed.len() + failed).max(1) as f64;
    assert!(share >= 0.9, "core pass rate {:.1}% under 90%\n{text}", share * 100.0);

    if !python_has("jsonschema") {
        eprintln!("skipped EVE schema validation: python3 jsonschema missing");
        return;
    }
    let mut checked = 0;
    for entry in std::fs::read_dir(&work).unwrap().flatten() {
        let eve = entry.path().join("eve.json");
        if std::fs::metadata(&eve).map(|m| m.len() > 0).unwrap_or(false) {
            let out = Command::new("python3")
                .arg(shared.join("conformance/eve-check.py"))
                .arg(&eve)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                eve.display(),
                String::from_utf8_lossy(&out.stdout)
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} eve.json files were checked");
}
