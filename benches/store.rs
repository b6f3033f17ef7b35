//! Store benchmark. Prints one table:
//!
//!   cargo bench --bench store
//!
//! - generates 2,000,000 alerts (VIGIE_BENCH_ROWS to change it) shaped like
//!   a week of a busy venue sensor: ~3,000 signatures, ~50,000 sources and
//!   ~1,000 targets with skewed (Zipf) popularity, timestamps over the last
//!   7 days in order, each with its real EVE record (HTTP metadata on web
//!   alerts);
//! - inserts them through the store's writer thread (`StoreWriter`, the
//!   path a replay takes: batched transactions, indexes, hourly counts) and
//!   reports alerts/s;
//! - times, median of several runs, the queries behind `vigie alerts --src
//!   IP --since 1h` (for the busiest source and a middling one) and `vigie
//!   alerts top --since 1d`, and a few other filters, through the library
//!   functions the command uses; then the commands themselves, end to end
//!   (process start included).
//!
//! The store is left in target/store-bench/vigie.db for a look afterwards.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use vigie::alert::{Alert, FlowSnapshot, SignatureInfo};
use vigie::decode::VlanIds;
use vigie::flow::Direction;
use vigie::output::eve;
use vigie::store::{AlertFilter, AlertRow, Page, StoreWriter, open_connection, query, top};
use vigie::synth::rng::Rng;
use vigie::timestamp::Timestamp;

const SIGNATURES: usize = 3_000;
const SOURCES: usize = 50_000;
const TARGETS: usize = 1_000;
const RUNS: usize = 11;
const WEEK_MICROS: i64 = 7 * 86_400 * 1_000_000;
const SENSOR: &str = "stadium-north";

/// Draws indices 0..n with probability proportional to 1 / (i + 1)^s.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|i| {
                total += 1.0 / ((i + 1) as f64).powf(s);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative
            .partition_point(|c| *c < x)
            .min(self.cumulative.len() - 1)
    }
}

fn source_ip(i: usize) -> IpAddr {
    let i = i as u32;
    IpAddr::V4(Ipv4Addr::new(
        23 + (i % 7) as u8 * 20,
        (i / 7 % 250) as u8 + 1,
        (i.wrapping_mul(13) % 250) as u8 + 1,
        (i / 1750) as u8 + 1,
    ))
}

fn target_ip(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 10, (i / 250) as u8, (i % 250) as u8 + 1))
}

struct Sig {
    info: Arc<SignatureInfo>,
    proto: u8,
    port: u16,
}

fn signatures() -> Vec<Sig> {
    const FAMILIES: &[(&str, &str)] = &[
        ("ET SCAN", "Attempted Information Leak"),
        ("ET WEB_SERVER", "Web Application Attack"),
        ("ET EXPLOIT", "Attempted Administrator Privilege Gain"),
        ("ET POLICY", "Potential Corporate Privacy Violation"),
        ("ET DOS", "Attempted Denial of Service"),
        ("ET MALWARE", "A Network Trojan was detected"),
        ("ET INFO", "Misc activity"),
        ("VIGIE RATE", "Detection of a Network Scan"),
    ];
    const THINGS: &[&str] = &[
        "Possible SQL Injection Attempt UNION SELECT in URI",
        "Suspicious inbound to mySQL port 3306",
        "Nmap Scripting Engine User-Agent Detected",
        "Apache log4j RCE Attempt (CVE-2021-44228) in HTTP Header",
        "Possible Path Traversal Attempt in URI",
        "Outbound SSH brute force from internal host",
        "Observed DNS Query to Dynamic DNS domain",
        "Self Signed Certificate in TLS handshake",
    ];
    const PORTS: &[(u8, u16)] = &[
        (6, 80),
        (6, 443),
        (6, 22),
        (17, 53),
        (6, 445),
        (6, 3389),
        (6, 8080),
        (17, 123),
    ];
    (0..SIGNATURES)
        .map(|k| {
            let (family, category) = FAMILIES[k % FAMILIES.len()];
            let (proto, port) = PORTS[k / 3 % PORTS.len()];
            Sig {
                info: Arc::new(SignatureInfo {
                    gid: 1,
                    sid: 2_000_000 + (k as u32) * 37,
                    rev: 1 + (k % 5) as u32,
                    msg: format!("{family} {} ({k})", THINGS[k / 8 % THINGS.len()]),
                    category: category.to_string(),
                    severity: match k % 10 {
                        0 | 1 => 1,
                        2..=6 => 2,
                        _ => 3,
                    },
                    metadata: Default::default(),
                    target_is_src: None,
                }),
                proto,
                port,
            }
        })
        .collect()
}

/// A week of alerts ending at `end`, in time order as a sensor writes them.
fn generate(rows: usize, end: Timestamp) -> Vec<AlertRow> {
    let sigs = signatures();
    let sig_pick = Zipf::new(SIGNATURES, 1.1);
    let src_pick = Zipf::new(SOURCES, 1.0);
    let dst_pick = Zipf::new(TARGETS, 0.9);
    let mut rng = Rng::new(2024);
    let start = end.as_micros() - WEEK_MICROS;
    let step = WEEK_MICROS / rows.max(1) as i64;
    (0..rows)
        .map(|i| {
            let sig = &sigs[sig_pick.draw(&mut rng)];
            let src = source_ip(src_pick.draw(&mut rng));
            let dst = target_ip(dst_pick.draw(&mut rng));
            let ts = Timestamp::from_micros(start + i as i64 * step + rng.range(0, step.max(1) as u64) as i64);
            let sport = 1024 + rng.range(0, 60_000) as u16;
            let web = sig.port == 80;
            let alert = Alert {
                ts,
                pcap_cnt: 0,
                flow_id: rng.next_u64() & ((1 << 51) - 1),
                src_ip: src,
                dest_ip: dst,
                src_port: sport,
                dest_port: sig.port,
                proto: sig.proto,
                ip_version: 4,
                has_ports: true,
                icmp: None,
                vlan: VlanIds::default(),
                direction: Direction::ToServer,
                pkt_src: if sig.proto == 6 {
                    "stream (flow timeout)"
                } else {
                    "wire/pcap"
                },
                signature: sig.info.clone(),
                action: "allowed",
                app_proto: web.then_some("http"),
                tx_id: web.then_some(0),
                app_meta: web.then(|| {
                    (
                        "http",
                        serde_json::json!({
                            "hostname": "tickets.venue.example",
                            "url": format!("/api/v2/seats?section={}", rng.range(1, 400)),
                            "http_method": "GET",
                            "status": 200,
                        }),
                    )
                }),
                traffic: None,
                threshold: None,
                xbits: None,
                silent: false,
                flow: FlowSnapshot {
                    pkts_toserver: rng.range(1, 40),
                    pkts_toclient: rng.range(0, 40),
                    bytes_toserver: rng.range(60, 40_000),
                    bytes_toclient: rng.range(0, 400_000),
                    start: Timestamp::from_micros(ts.as_micros() - rng.range(0, 5_000_000) as i64),
                    src_ip: src,
                    dest_ip: dst,
                    src_port: sport,
                    dest_port: sig.port,
                },
            };
            AlertRow::from_alert(&alert, eve::render(&alert, Some(SENSOR)), SENSOR, Some(1))
        })
        .collect()
}

fn bench_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/store-bench");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// CPU seconds this process has used, all threads, living or ended (Linux;
/// 0 elsewhere). Clock ticks of 1/100 s.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Median and slowest of `RUNS` timings of `f`, in milliseconds.
fn timed<T>(mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let out = last.unwrap_or_else(|| panic!("no runs"));
    (times[RUNS / 2], times[RUNS - 1], out)
}

fn row(what: &str, (median, worst, n): (f64, f64, usize)) {
    println!("| {what} | {median:.1} ms | {worst:.1} ms | {n} |");
}

fn cli(db: &Path, args: &[&str]) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .arg("alerts")
        .args(args)
        .arg("--store")
        .arg(db)
        .output()
        .unwrap_or_else(|e| panic!("vigie: {e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout.iter().filter(|b| **b == b'\n').count()
}

fn main() {
    let rows: usize = std::env::var("VIGIE_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let dir = bench_dir();
    let db = dir.join("vigie.db");
    let end = Timestamp::now();

    let t = Instant::now();
    let alerts = generate(rows, end);
    let eve_bytes: usize = alerts.iter().map(|r| r.eve.len()).sum();
    eprintln!(
        "generated {rows} alerts ({:.0} bytes of EVE each) in {:.1} s",
        eve_bytes as f64 / rows.max(1) as f64,
        t.elapsed().as_secs_f64()
    );

    let mut writer = StoreWriter::start(db.clone(), StoreWriter::QUEUE).unwrap_or_else(|e| panic!("{e}"));
    let cpu = cpu_secs();
    let t = Instant::now();
    for row in alerts {
        writer.insert(row).unwrap_or_else(|e| panic!("{e}"));
    }
    let written = writer.finish().unwrap_or_else(|e| panic!("{e}"));
    let insert = t.elapsed();
    let cpu = cpu_secs() - cpu;
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("vigie.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);

    println!("## Store, {rows} alerts over 7 days\n");
    println!(
        "bulk insert through StoreWriter: **{:.0} alerts/s** ({written} in {:.1} s wall); \
         {:.0} alerts per CPU-second ({cpu:.1} s of CPU, writer and sender); store {:.0} MB\n",
        written as f64 / insert.as_secs_f64(),
        insert.as_secs_f64(),
        written as f64 / cpu.max(0.01),
        size as f64 / 1e6
    );

    let conn = open_connection(&db).unwrap_or_else(|e| panic!("{e}"));
    let now = Timestamp::now().as_micros();
    let hour_ago = now - 3_600_000_000;
    let day_ago = now - 86_400_000_000;
    let busiest = source_ip(0);
    let middling = source_ip(200);
    println!("| query (library, 100 newest matches) | median | slowest | rows |");
    println!("|---|---:|---:|---:|");
    let q = |what: &str, filter: AlertFilter| {
        let plan = query::plan(&conn, &filter, Page::Newest, 100)
            .unwrap_or_default()
            .join("; ");
        let (m, w, n) = timed(|| {
            query::alerts(&conn, &filter, Page::Newest, 100)
                .unwrap_or_else(|e| panic!("{e}"))
                .len()
        });
        row(what, (m, w, n));
        eprintln!("  plan for {what}: {plan}");
    };
    q(
        &format!("--src {busiest} --since 1h (busiest source)"),
        AlertFilter {
            src: Some(busiest),
            since: Some(hour_ago),
            ..Default::default()
        },
    );
    q(
        &format!("--src {middling} --since 1h"),
        AlertFilter {
            src: Some(middling),
            since: Some(hour_ago),
            ..Default::default()
        },
    );
    q(
        &format!("--src {busiest} (all time)"),
        AlertFilter {
            src: Some(busiest),
            ..Default::default()
        },
    );
    q(
        "--since 1h",
        AlertFilter {
            since: Some(hour_ago),
            ..Default::default()
        },
    );
    q(
        "--since 7d",
        AlertFilter {
            since: Some(now - 7 * 86_400_000_000),
            ..Default::default()
        },
    );
    q(
        "--until 6d (the oldest day)",
        AlertFilter {
            until: Some(now - 6 * 86_400_000_000),
            ..Default::default()
        },
    );
    q(
        "--sid 2000000 --since 1d (busiest signature)",
        AlertFilter {
            sid: Some(2_000_000),
            since: Some(day_ago),
            ..Default::default()
        },
    );
    q(
        "--severity 1 --since 1h",
        AlertFilter {
            severity: Some(1),
            since: Some(hour_ago),
            ..Default::default()
        },
    );
    let (m, w, view) = timed(|| top::top(&conn, day_ago, now + 1, 10).unwrap_or_else(|e| panic!("{e}")));
    row(
        "top --since 1d (signatures, sources, targets)",
        (m, w, view.signatures.len() + view.sources.len() + view.targets.len()),
    );
    let (m, w, view) =
        timed(|| top::top(&conn, now - 7 * 86_400_000_000, now + 1, 10).unwrap_or_else(|e| panic!("{e}")));
    row(
        "top --since 7d",
        (m, w, view.signatures.len() + view.sources.len() + view.targets.len()),
    );

    println!("\n| command, end to end | median | slowest | lines |");
    println!("|---|---:|---:|---:|");
    let src = busiest.to_string();
    row(
        &format!("vigie alerts --src {src} --since 1h --format json"),
        timed(|| cli(&db, &["--src", &src, "--since", "1h", "--format", "json"])),
    );
    row(
        "vigie alerts top --since 1d",
        timed(|| cli(&db, &["top", "--since", "1d"])),
    );
}
