//! Fuzz target: arbitrary frames through the whole packet path (decode,
//! defrag, flows, reassembly, parsers, detection with the bundled rules).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use vigie::capture::RawPacket;
use vigie::config::Config;
use vigie::detect::{Engine, EngineOptions};
use vigie::pipeline::Worker;
use vigie::timestamp::Timestamp;

fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let set = vigie::rules::sources::load_rules(&Config::default(), &[]).expect("bundled rules load");
            Arc::new(Engine::build(set, EngineOptions::default()))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    // The input is a sequence of frames: [link type][len hi][len lo][bytes].
    let cfg = Config::default();
    let mut worker = Worker::new(&cfg, engine());
    let mut alerts = Vec::new();
    let mut rest = data;
    let mut n = 0u64;
    while rest.len() >= 3 {
        let linktype = [1u32, 101, 113, 276, 0, 12][usize::from(rest[0]) % 6];
        let len = (usize::from(rest[1]) << 8 | usize::from(rest[2])).min(rest.len() - 3);
        let frame = &rest[3..3 + len];
        rest = &rest[3 + len..];
        n += 1;
        let raw = RawPacket { ts: Timestamp::new(n as i64, 0), linktype, data: frame, wire_len: frame.len() as u32 };
        worker.process(&raw, n, &mut alerts);
    }
    worker.finish(&mut alerts);
});
