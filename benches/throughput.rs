//! Throughput and load-time benchmark. Prints one table:
//!
//!   cargo bench --bench throughput [-- CAPTURE...]
//!
//! - rule load (parse + compile) of ET Open from ../shared/rules when present;
//! - packets/s and Gbit/s on a generated venue mix (HTTP, DNS, TLS, NTP) for
//!   decode + flow only (no rules), the bundled rules, and ET Open, each
//!   with the default rate rules off and on (and the overhead of turning
//!   them on);
//! - the same on a SYN flood from 300,000 spoofed sources (the rate
//!   engine's worst case: a new tracker per packet) and on any capture
//!   given on the command line.
//!
//! Packets are read into memory first so the figures measure the sensor,
//! not the disk. Each figure is the best of several rounds.

/// The sensor's allocator (see src/main.rs), so the figures are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie::capture::{CaptureFile, RawPacket, linktype};
use vigie::config::Config;
use vigie::detect::{Engine, EngineOptions};
use vigie::pipeline::build_lanes;
use vigie::rules::{Classifications, Loader, RuleSet};
use vigie::synth::{FrameTime, venue};
use vigie::timestamp::Timestamp;

const ROUNDS: usize = 5;

struct Packets {
    name: String,
    frames: Vec<(Timestamp, u32, Vec<u8>)>,
    bytes: u64,
}

/// Generated frames as the bench holds them: Ethernet, in memory.
fn packets(name: &str, frames: impl Iterator<Item = vigie::synth::Frame>) -> Packets {
    let frames: Vec<(Timestamp, u32, Vec<u8>)> = frames
        .map(|f| {
            (
                Timestamp::new(f.time.secs as i64, f.time.nanos),
                linktype::ETHERNET,
                f.data,
            )
        })
        .collect();
    let bytes = frames.iter().map(|f| f.2.len() as u64).sum();
    Packets {
        name: name.into(),
        frames,
        bytes,
    }
}

fn generated_mix() -> Packets {
    // Two minutes of a busy venue segment: ~150 new flows a second.
    let frames = venue::venue_traffic(7, FrameTime::new(1_717_264_800, 0), 120, 150.0);
    packets("generated venue mix", frames.into_iter())
}

fn from_capture(path: &Path) -> Packets {
    let mut file = CaptureFile::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut frames = Vec::new();
    let mut bytes = 0u64;
    while let Ok(Some(p)) = file.next_packet() {
        bytes += u64::from(p.wire_len);
        frames.push((p.ts, p.linktype, p.data.to_vec()));
    }
    Packets {
        name: path.display().to_string(),
        frames,
        bytes,
    }
}

fn rules_from(text: Option<&str>, file: Option<&Path>) -> RuleSet {
    let cfg = Config::default();
    let classes = Classifications::default();
    let mut loader = Loader::new(&cfg.vars, &classes);
    if let Some(t) = text {
        loader.add_text(t, "bundled");
    }
    if let Some(f) = file {
        loader.add_file(f).unwrap_or_else(|e| panic!("{e}"));
    }
    loader.finish()
}

fn syn_flood() -> Packets {
    let victim = "10.10.0.81:443".parse().expect("address");
    let frames = vigie::synth::syn_flood_stream(9, FrameTime::new(1_717_264_800, 0), 300_000, 50_000, victim);
    packets("SYN flood, 300k spoofed sources", frames)
}

/// Best-of-N time to push every packet through `workers` workers and the
/// sequencer, with the default rate rules when `rate`.
fn measure(engine: &Arc<Engine>, pkts: &Packets, rate: bool, workers: usize) -> (Duration, u64) {
    let cfg = Config {
        workers,
        ..Config::default()
    };
    let rate_rules = if rate {
        vigie::rate::load_configured(&cfg, &[]).unwrap_or_else(|e| panic!("{e}"))
    } else {
        Vec::new()
    };
    let mut best = Duration::MAX;
    let mut alerts_seen = 0;
    for _ in 0..ROUNDS {
        let mut lanes = build_lanes(&cfg, engine.clone(), rate_rules.clone());
        let mut alerts = Vec::new();
        let mut count = 0u64;
        let start = Instant::now();
        for (i, (ts, lt, data)) in pkts.frames.iter().enumerate() {
            let raw = RawPacket {
                ts: *ts,
                linktype: *lt,
                data,
                wire_len: data.len() as u32,
            };
            lanes
                .push(&raw, i as u64 + 1, &mut alerts)
                .unwrap_or_else(|e| panic!("{e}"));
            count += alerts.len() as u64;
            alerts.clear();
        }
        lanes.finish(&mut alerts).unwrap_or_else(|e| panic!("{e}"));
        count += alerts.len() as u64;
        best = best.min(start.elapsed());
        alerts_seen = count;
    }
    (best, alerts_seen)
}

fn row(label: &str, pkts: &Packets, d: Duration, alerts: u64) {
    let secs = d.as_secs_f64();
    let pps = pkts.frames.len() as f64 / secs;
    let gbps = pkts.bytes as f64 * 8.0 / secs / 1e9;
    println!(
        "| {:<44} | {:>9} | {:>8.0} | {:>11.0} | {:>7.3} | {:>7} |",
        label,
        pkts.frames.len(),
        pkts.bytes as f64 / pkts.frames.len().max(1) as f64,
        pps,
        gbps,
        alerts
    );
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let et_open = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/rules/et-open-2024.rules");
    let et_open = et_open.exists().then_some(et_open);

    println!("## Rule load (parse + compile)\n");
    println!("| rule set | loaded | rejected | best of {ROUNDS} |");
    println!("|---|---:|---:|---:|");
    let mut et_engine = None;
    if let Some(path) = et_open.as_ref().filter(|_| {
        std::env::var("VIGIE_BENCH_ONLY").is_err() || std::env::var("VIGIE_BENCH_ONLY").as_deref() == Ok("et")
    }) {
        let mut best = Duration::MAX;
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let set = rules_from(None, Some(path));
            let (loaded, rejected) = (set.rules.len(), set.rejected());
            let engine = Engine::build(set, EngineOptions::default());
            best = best.min(start.elapsed());
            if et_engine.is_none() {
                println!(
                    "| ET Open ({}) | {loaded} | {rejected} | {:.3} s |",
                    path.display(),
                    best.as_secs_f64()
                );
            }
            et_engine = Some(Arc::new(engine));
        }
        println!("\nbest ET Open load: {:.3} s", best.as_secs_f64());
    } else {
        println!("| ET Open | skipped: ../shared/rules/et-open-2024.rules not found | | |");
    }

    let empty = Arc::new(Engine::build(RuleSet::default(), EngineOptions::default()));
    let bundled = Arc::new(Engine::build(
        rules_from(Some(vigie::rules::sources::BUNDLED_RULES), None),
        EngineOptions::default(),
    ));
    let mut inputs = vec![generated_mix(), syn_flood()];
    inputs.extend(args.iter().map(|p| from_capture(p)));

    // VIGIE_BENCH_ONLY=decode|bundled|et limits the rows (for profiling one).
    let only = std::env::var("VIGIE_BENCH_ONLY").unwrap_or_default();
    let want = |row: &str| only.is_empty() || only == row;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("\n## Throughput, packets in memory (best of {ROUNDS})\n");
    println!("| workload | packets | avg B | packets/s | Gbit/s | alerts |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut overheads = Vec::new();
    for pkts in &inputs {
        if want("decode") {
            let (d, a) = measure(&empty, pkts, false, 1);
            row(
                &format!("{}: no rules (decode, flows, streams, parsers)", pkts.name),
                pkts,
                d,
                a,
            );
        }
        let mut engines = vec![("bundled rules", &bundled)];
        if let Some(e) = et_engine.as_ref() {
            engines.push(("ET Open", e));
        }
        for (label, engine) in engines {
            let key = if label == "ET Open" { "et" } else { "bundled" };
            if !want(key) {
                continue;
            }
            let (off, a) = measure(engine, pkts, false, 1);
            row(&format!("{}: {label}", pkts.name), pkts, off, a);
            let (on, a) = measure(engine, pkts, true, 1);
            row(&format!("{}: {label} + rate rules", pkts.name), pkts, on, a);
            if cores > 1 {
                let (d, a) = measure(engine, pkts, true, cores);
                row(
                    &format!("{}: {label} + rate rules, {cores} workers", pkts.name),
                    pkts,
                    d,
                    a,
                );
            }
            let cost = (on.as_secs_f64() / off.as_secs_f64() - 1.0) * 100.0;
            overheads.push(format!("{}, {label}: {cost:+.1}% time", pkts.name));
        }
    }
    println!("\n## Cost of the default rate rules (packets/s lost when on)\n");
    for o in overheads {
        println!("- {o}");
    }
    if let Some(rss) = vigie::pipeline::peak_rss_bytes() {
        println!("\npeak resident memory of the whole bench: {:.0} MB", rss as f64 / 1e6);
    }
}
