//! A fuzzing entry point driving every SSH entry point and accessor with arbitrary bytes.

use super::banner::SshBanner;
use super::config::SshConfig;
use super::detect::detect;
use super::direction::Direction;
use super::eve::{eve_object, eve_object_with};
use super::kexinit::KexInit;
use super::parser::SshParser;

/// Feeds `data` to parsers in chunks whose sizes, directions and gaps are drawn from the data
/// itself, with and without a valid identification line first, calling every accessor along the
/// way. Must never panic.
pub fn fuzz_one(data: &[u8]) {
    let _ = detect(data);
    let _ = SshBanner::parse(data);
    let _ = KexInit::parse(data);
    let tight = SshConfig {
        banner_slack: 3,
        max_pre_banner_lines: 2,
        max_packet_len: 300,
        max_kexinit_len: 64,
    };
    let mut parsers = [SshParser::new(), SshParser::with_config(tight), SshParser::new()];
    for dir in [Direction::ToServer, Direction::ToClient] {
        parsers[2].feed(dir, b"SSH-2.0-Fuzz\r\n");
    }
    let mut state = data.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    let mut dir = Direction::ToServer;
    let mut rest = data;
    while !rest.is_empty() {
        state = next(state);
        let size = 1 + (state % 48) as usize;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        for p in &mut parsers {
            p.feed(dir, chunk);
            if (state >> 20) % 32 == 0 {
                p.gap(dir);
            }
            touch(p);
        }
        if (state >> 8) % 3 == 0 {
            dir = match dir {
                Direction::ToServer => Direction::ToClient,
                Direction::ToClient => Direction::ToServer,
            };
        }
        rest = tail;
    }
}

fn touch(p: &SshParser) {
    for dir in [Direction::ToServer, Direction::ToClient] {
        let _ = p
            .banner(dir)
            .map(|b| (b.proto_version.len(), b.software_version.len(), b.comments.is_some()));
        let _ = p.state(dir);
        let _ = p.kexinit(dir).map(|k| k.kex_algorithms.len());
    }
    let _ = (p.hassh(), p.hassh_string(), p.hassh_server(), p.hassh_server_string());
    let _ = (p.events().len(), p.encrypted(), p.done());
    let _ = eve_object(p);
    let _ = eve_object_with(p, false);
}

fn next(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
