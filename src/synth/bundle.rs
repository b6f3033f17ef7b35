//! Public entry points: write the bundled deterministic demo captures and one capture per attack scenario.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::attacks::attack_suite;
use super::frame::{Frame, FrameTime, sort_by_time};
use super::pcap_writer::write_ethernet_pcap;
use super::rng::Rng;
use super::scenario::{ScenarioOptions, build, scenarios, write_scenario};
use super::venue::venue_traffic;

/// Benign capture: about 60 s of venue traffic.
pub const BENIGN_FILE: &str = "venue-benign.pcap";
/// Attack capture: about 30 s of venue traffic with attacks (a)-(f) mixed in.
pub const ATTACKS_FILE: &str = "venue-attacks.pcap";

/// Capture start: 2024-06-01T18:00:00Z, doors open.
pub const START: FrameTime = FrameTime {
    secs: 1_717_264_800,
    nanos: 0,
};
/// Background flows per second of the bundled captures.
pub const FLOWS_PER_SEC: f64 = 4.0;

/// Frames of `venue-benign.pcap`.
pub fn benign_frames(seed: u64) -> Vec<Frame> {
    venue_traffic(seed, START, 60, FLOWS_PER_SEC)
}

/// Frames of `venue-attacks.pcap`: 30 s of background with one attack every
/// 4 s from the 3rd second on.
pub fn attack_frames(seed: u64) -> Vec<Frame> {
    let mut rng = Rng::new(seed ^ 0xA77A_C4ED_5EED_0001);
    let mut frames = venue_traffic(rng.next_u64(), START, 30, FLOWS_PER_SEC);
    frames.extend(attack_suite(&mut rng, START.plus_millis(3_000), 4));
    sort_by_time(&mut frames);
    frames
}

/// Writes `venue-benign.pcap` and `venue-attacks.pcap` (Ethernet, microsecond
/// pcap) into `dir`, creating it if needed, and returns their paths.
/// The same seed always produces byte-identical files.
pub fn write_bundled_captures(dir: &Path, seed: u64) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let benign = dir.join(BENIGN_FILE);
    write_ethernet_pcap(&benign, benign_frames(seed))?;
    let attacks = dir.join(ATTACKS_FILE);
    write_ethernet_pcap(&attacks, attack_frames(seed))?;
    Ok(vec![benign, attacks])
}

/// How the bundled attack captures in pcaps/attacks/ are built: a short
/// background (the 10-minute benign test covers false positives) and an
/// attack long enough to cross every default rate rule, so the files stay small.
pub const BUNDLED_SCENARIO_OPTIONS: ScenarioOptions = ScenarioOptions {
    background_secs: 15,
    attack_offset_secs: 3,
    attack_secs: 8,
    rate_scale: 1.0,
    flows_per_sec: FLOWS_PER_SEC,
};

/// [`BUNDLED_SCENARIO_OPTIONS`] for scenario `name`: the bulk upload runs
/// at 300 KB/s so that 8 s of it crosses the 2 MB bulk-transfer rule.
pub fn bundled_scenario_options(name: &str) -> ScenarioOptions {
    match name {
        "bulk-exfil" => ScenarioOptions {
            rate_scale: 3.0,
            ..BUNDLED_SCENARIO_OPTIONS
        },
        _ => BUNDLED_SCENARIO_OPTIONS,
    }
}

/// Writes `<name>.pcap` for every scenario of the catalog, built with the
/// options `opts` gives for its name, into `dir`, creating it if needed, and
/// returns their paths in catalog order. The same seed always produces
/// byte-identical files.
pub fn write_scenario_captures(
    dir: &Path,
    seed: u64,
    opts: impl Fn(&str) -> ScenarioOptions,
) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for info in scenarios() {
        let scenario = build(info.name, seed, &opts(info.name))
            .ok_or_else(|| io::Error::other(format!("scenario {} missing from the catalog", info.name)))?;
        let path = dir.join(format!("{}.pcap", info.name));
        write_scenario(&path, &scenario)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::super::attacks::{JNDI_USER_AGENT, SQLI_PATH, TRAVERSAL_PATH};
    use super::super::test_support::check_frames;
    use super::*;
    use pcap_parser::PcapCapture;

    fn scratch_dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("synth-bundle-{}-{tag}", std::process::id()))
    }

    fn read_back(path: &Path) -> Vec<Frame> {
        let bytes = fs::read(path).unwrap();
        let cap = PcapCapture::from_file(&bytes).unwrap();
        let t = |b: &pcap_parser::LegacyPcapBlock| FrameTime::new(b.ts_sec.into(), b.ts_usec * 1000);
        cap.blocks.iter().map(|b| Frame::new(t(b), b.data.to_vec())).collect()
    }

    #[test]
    fn same_seed_same_bytes_and_sizes() {
        let (a, b, c) = (scratch_dir("a"), scratch_dir("b"), scratch_dir("c"));
        let pa = write_bundled_captures(&a, 42).unwrap();
        let pb = write_bundled_captures(&b, 42).unwrap();
        let pc = write_bundled_captures(&c, 43).unwrap();
        assert!(pa.len() == 2 && pa[0].ends_with(BENIGN_FILE) && pa[1].ends_with(ATTACKS_FILE));
        for (i, limit) in [(0, 1_000_000), (1, 1_500_000)] {
            let x = fs::read(&pa[i]).unwrap();
            assert_eq!(x, fs::read(&pb[i]).unwrap(), "{} differs", pa[i].display());
            assert_ne!(x, fs::read(&pc[i]).unwrap());
            assert!(x.len() < limit && x.len() > limit / 10, "{} bytes", x.len());
        }
        for d in [a, b, c] {
            fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn written_files_parse_and_carry_the_attacks() {
        let dir = scratch_dir("parse");
        let paths = write_bundled_captures(&dir, 7).unwrap();
        let (benign, attacks) = (read_back(&paths[0]), read_back(&paths[1]));
        fs::remove_dir_all(dir).unwrap();
        let has = |frames: &[Frame], s: &[u8]| frames.iter().any(|f| f.data.windows(s.len()).any(|w| w == s));

        let s = check_frames(&benign);
        assert!(
            s.tls_snis.len() > 50 && s.dns > 100 && s.http_requests.len() > 20,
            "{s:?}"
        );
        let span = benign.last().unwrap().time.secs - START.secs;
        assert!((59..=61).contains(&span), "benign spans {span} s");
        assert!(!has(&benign, b"uid=0(root)") && !has(&benign, b"jndi:"));

        let s = check_frames(&attacks);
        let targets: Vec<&str> = s.http_requests.iter().map(|(t, _)| t.as_str()).collect();
        assert!(targets.contains(&SQLI_PATH) && targets.contains(&TRAVERSAL_PATH));
        assert!(has(&attacks, JNDI_USER_AGENT.as_bytes()));
        assert!(has(&attacks, b"uid=0(root) gid=0(root)"));
        assert!(s.icmp >= 254 && s.tcp > 2048);
        let span = attacks.last().unwrap().time.secs - START.secs;
        assert!((29..=32).contains(&span), "attack capture spans {span} s");
    }

    #[test]
    fn scenario_captures_are_written() {
        let (a, b) = (scratch_dir("scen-a"), scratch_dir("scen-b"));
        let pa = write_scenario_captures(&a, 5, bundled_scenario_options).unwrap();
        let pb = write_scenario_captures(&b, 5, bundled_scenario_options).unwrap();
        assert_eq!(pa.len(), scenarios().len());
        for ((x, y), info) in pa.iter().zip(&pb).zip(scenarios()) {
            assert!(x.ends_with(format!("{}.pcap", info.name)));
            let bytes = fs::read(x).unwrap();
            assert_eq!(bytes, fs::read(y).unwrap(), "{} differs", info.name);
            assert!(bytes.len() < 3_000_000, "{}: {} bytes", info.name, bytes.len());
            let frames = read_back(x);
            assert!(frames.len() > 500 && frames.windows(2).all(|w| w[0].time <= w[1].time));
        }
        for d in [a, b] {
            fs::remove_dir_all(d).unwrap();
        }
    }
}
