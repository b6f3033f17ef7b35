//! The grouped, prefiltered engine raises exactly the alerts of a plain
//! engine that evaluates every rule on every packet, over generated traffic
//! and a generated rule set that exercises every grouping dimension.

use std::sync::Arc;
use vigie::config::Config;
use vigie::detect::{Engine, EngineOptions};
use vigie::pipeline::Worker;
use vigie::rules::{Classifications, Loader};
use vigie::synth::{Rng, bundle};

/// Rules built from substrings of the traffic itself, so many of them match,
/// with every header shape the grouping distinguishes.
fn generated_rules(frames: &[vigie::synth::Frame], rng: &mut Rng) -> String {
    let protos = ["tcp", "udp", "ip", "icmp"];
    let addrs = [
        "any",
        "$HOME_NET",
        "$EXTERNAL_NET",
        "10.10.0.0/16",
        "[10.20.0.0/16,!10.20.1.0/24]",
    ];
    let ports = ["any", "80", "443", "53", "[80,443,8080]", "1024:", "!80", "$HTTP_PORTS"];
    let flows = [
        "",
        "flow:to_server;",
        "flow:to_client;",
        "flow:established,to_server;",
        "flow:not_established;",
    ];
    let mut out = String::new();
    for sid in 1..=400u32 {
        let f = &frames[rng.index(frames.len())].data;
        let proto = protos[rng.index(protos.len())];
        let mut opts = String::new();
        opts.push_str(flows[rng.index(flows.len())]);
        // A content taken from the frame (past the headers) when there is one.
        if f.len() > 70 && rng.percent(85) {
            let start = 54 + rng.index(f.len() - 60);
            let len = 1 + rng.index(8.min(f.len() - start));
            let hex: Vec<String> = f[start..start + len].iter().map(|b| format!("{b:02x}")).collect();
            opts.push_str(&format!("content:\"|{}|\";", hex.join(" ")));
            if rng.percent(30) {
                opts.push_str("nocase;");
            }
            if rng.percent(20) {
                opts.push_str(&format!(
                    "content:!\"|{:02x}{:02x}|\"; distance:0;",
                    rng.range(0, 256),
                    rng.range(0, 256)
                ));
            }
        }
        if rng.percent(15) {
            opts.push_str(&format!("dsize:>{};", rng.range(0, 400)));
        }
        if proto == "tcp" && rng.percent(20) {
            opts.push_str(["flags:S;", "flags:PA+;", "flags:!R;"][rng.index(3)]);
        }
        if rng.percent(10) {
            opts.push_str(&format!("flowbits:set,fb{};", rng.range(0, 5)));
        }
        if rng.percent(10) {
            opts.push_str(&format!("flowbits:isset,fb{};", rng.range(0, 5)));
        }
        let (sa, da) = (addrs[rng.index(addrs.len())], addrs[rng.index(addrs.len())]);
        let (sp, dp) = if proto == "tcp" || proto == "udp" {
            (ports[rng.index(ports.len())], ports[rng.index(ports.len())])
        } else {
            ("any", "any")
        };
        let dir = if rng.percent(10) { "<>" } else { "->" };
        out.push_str(&format!(
            "alert {proto} {sa} {sp} {dir} {da} {dp} (msg:\"gen {sid}\"; {opts} sid:{sid};)\n"
        ));
    }
    out
}

fn run(engine: Arc<Engine>, frames: &[vigie::synth::Frame]) -> Vec<(u64, u32)> {
    let cfg = Config::default();
    let mut worker = Worker::new(&cfg, engine);
    let mut alerts = Vec::new();
    let mut out = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        worker.process(&f.raw(), i as u64 + 1, &mut alerts);
        out.extend(alerts.drain(..).map(|a| (a.pcap_cnt, a.signature.sid)));
    }
    out.sort();
    out
}

#[test]
fn grouped_engine_equals_evaluate_every_rule() {
    let frames = bundle::attack_frames(42);
    let mut rng = Rng::new(2024);
    let text = generated_rules(&frames, &mut rng);
    let build = |prefilter: bool| {
        let cfg = Config::default();
        let classes = Classifications::default();
        let mut loader = Loader::new(&cfg.vars, &classes);
        loader.add_text(&text, "generated.rules");
        loader.add_text(vigie::rules::sources::BUNDLED_RULES, "bundled");
        let set = loader.finish();
        assert!(
            set.diagnostics.is_empty(),
            "{:#?}",
            &set.diagnostics[..set.diagnostics.len().min(5)]
        );
        Arc::new(Engine::build(set, EngineOptions { prefilter }))
    };
    let grouped = run(build(true), &frames);
    let reference = run(build(false), &frames);
    assert!(
        grouped.len() > 1000,
        "the generated rules should match often, got {}",
        grouped.len()
    );
    let distinct: std::collections::BTreeSet<u32> = grouped.iter().map(|a| a.1).collect();
    assert!(distinct.len() > 100, "only {} rules ever matched", distinct.len());
    if grouped != reference {
        let g: std::collections::BTreeSet<_> = grouped.iter().collect();
        let r: std::collections::BTreeSet<_> = reference.iter().collect();
        let missing: Vec<_> = r.difference(&g).take(10).collect();
        let extra: Vec<_> = g.difference(&r).take(10).collect();
        eprintln!("missing from grouped: {missing:?}\nextra in grouped: {extra:?}");
        for (_, sid) in missing.iter().take(3) {
            eprintln!("{}", text.lines().nth(*sid as usize - 1).unwrap_or(""));
        }
    }
    assert_eq!(grouped.len(), reference.len());
    assert!(grouped == reference, "grouped and reference engines disagree");
}
