//! `vigie rules check`: diagnostics in `file:line: sid N: reason` form, the
//! summary by reason, `--strict`, and ET Open loading every rule whose
//! keywords vigie has.

mod common;

use common::*;

#[test]
fn diagnostics_and_strict() {
    let dir = scratch("rules-check");
    let rules = write_rules(
        &dir,
        "alert tcp any any -> any 80 (msg:\"ok\"; content:\"x\"; sid:1;)\n\
         # a comment\n\
         alert tcp any any -> any any (msg:\"lua\"; lua:script.lua; sid:2010935;)\n\
         alert tcp any any -> any any (msg:\"dup\"; content:\"y\"; sid:1;)\n",
    );
    let out = run(vigie().args(["rules", "check"]).arg(&rules));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "{}:3: sid 2010935: unsupported keyword 'lua'",
            rules.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}:4: sid 1: duplicate sid", rules.display())),
        "{text}"
    );
    assert!(text.contains("loaded     1"), "{text}");
    assert!(text.contains("rejected   2"), "{text}");
    let strict = run(vigie().args(["rules", "check", "--strict"]).arg(&rules));
    assert_eq!(strict.status.code(), Some(1));
    let bundled = run(vigie().args(["rules", "check", "--strict"]));
    assert!(bundled.status.success(), "the bundled rules must all load");
}

#[test]
fn et_open_loads_every_rule_with_known_keywords() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/rules is not beside the repository");
        return;
    };
    let et = shared.join("rules/et-open-2024.rules");
    let out = run(vigie().args(["rules", "check", "--summary"]).arg(&et));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let loaded: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("loaded"))
        .and_then(|v| v.trim().parse().ok())
        .expect("loaded line");
    assert!(loaded >= 3500, "{text}");
    // Every rejection must be for a protocol or keyword vigie lacks, never
    // a parse failure of something it supports.
    for line in text.lines().skip_while(|l| !l.starts_with("rejected")).skip(1) {
        let Some(reason) = line.trim().split_once("  ").map(|(_, r)| r.trim()) else {
            break;
        };
        if line.starts_with("ip-only") {
            break;
        }
        assert!(
            reason.starts_with("unsupported protocol") || reason.starts_with("unsupported keyword"),
            "unexpected rejection class: {line}\n{text}"
        );
    }
}
