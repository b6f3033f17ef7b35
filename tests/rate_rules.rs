//! Rate rules through the binary: benign venue traffic raises none, a
//! custom rule file is used in place of the defaults, and a broken file is
//! refused with an error naming the file, the rule and the field.

mod common;

use common::*;

#[test]
fn ten_minutes_of_benign_venue_traffic_raise_no_rate_alert() {
    let dir = scratch("benign-600");
    let pcap = dir.join("benign.pcap");
    let out = run(vigie().args(["synth", "--benign-secs", "600", "-o"]).arg(&pcap));
    assert!(out.status.success());
    let (out, summary) = replay(&[&pcap], &[], &dir.join("logs"), &[]);
    assert!(out.status.success());
    assert!(summary["packets"].as_u64().unwrap() > 25_000, "{summary}");
    let rate = &summary["rate"];
    assert_eq!(rate["alerts"], 0, "{rate}");
    assert_eq!(summary["alerts"], 0, "{:?}", summary["top_signatures"]);
    // Every default rule was evaluated, and benign traffic stays far below each threshold.
    let peaks = rate["peaks"].as_array().unwrap();
    assert_eq!(peaks.len(), 17);
    for p in peaks {
        let (peak, threshold) = (p["peak"].as_f64().unwrap(), p["threshold"].as_f64().unwrap());
        assert!(
            peak < threshold * 0.25,
            "sid {} reached {peak} of {threshold}",
            p["sid"]
        );
    }
}

#[test]
fn a_rate_rule_file_replaces_the_defaults() {
    let dir = scratch("rate-custom");
    let rules = dir.join("tight.rate.toml");
    std::fs::write(
        &rules,
        r#"
[[rule]]
sid = 9290001
msg = "test: ten ICMP echo requests to one host"
classtype = "attempted-recon"
match = { proto = "icmp", icmp_type = 8 }
group_by = "src_dst"
count = "packets"
threshold = 10
window = "10s"
cooldown = "1h"
"#,
    )
    .unwrap();
    let capture = repo().join("pcaps/attacks/icmp-flood.pcap");
    let (out, summary) = replay(&[&capture], &[], &dir, &["--rate-rules", rules.to_str().unwrap()]);
    assert!(out.status.success());
    let triples = alert_triples(&dir);
    let rate: Vec<_> = triples.iter().filter(|t| t.0 >= 9_200_000).collect();
    assert_eq!(
        rate,
        vec![&(9290001, "198.51.100.41".to_string(), "10.10.0.80".to_string())],
        "{summary}"
    );
    let eve = eve_records(&dir);
    let meta = &eve.iter().find(|r| r["alert"]["signature_id"] == 9290001).unwrap()["alert"]["metadata"];
    assert_eq!(meta["rate_key"][0], "198.51.100.41->10.10.0.80");
    assert_eq!(meta["rate_window"][0], "10s");
}

#[test]
fn a_broken_rate_rule_is_refused_with_file_rule_and_field() {
    let dir = scratch("rate-broken");
    let rules = dir.join("broken.rate.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nsid = 9290001\nmsg = \"ok\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = 1\nwindow = \"1s\"\n\n\
         [[rule]]\nsid = 9290002\nmsg = \"bad\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = -3\nwindow = \"1s\"\n",
    )
    .unwrap();
    for cmd in [
        vigie()
            .args(["replay", "--rate-rules"])
            .arg(&rules)
            .arg(repo().join("pcaps/venue-benign.pcap")),
        vigie().args(["rules", "check"]).arg(&rules),
    ] {
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("broken.rate.toml: rule 2 (sid 9290002): threshold"),
            "{err}"
        );
    }
    let good = dir.join("good.rate.toml");
    std::fs::write(&good, rules_text_first_only()).unwrap();
    let out = run(vigie().args(["rules", "check"]).arg(&good));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("rate rules 1 loaded"));
}

fn rules_text_first_only() -> &'static str {
    "[[rule]]\nsid = 9290001\nmsg = \"ok\"\ngroup_by = \"src\"\ncount = \"packets\"\nthreshold = 1\nwindow = \"1s\"\n"
}
