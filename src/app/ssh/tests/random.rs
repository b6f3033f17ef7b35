//! Random and mutated inputs: nothing may panic.

use super::super::direction::Direction::{ToClient, ToServer};
use super::super::fuzz::fuzz_one;
use super::super::parser::SshParser;
use super::build::client_stream;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5EED);
    for i in 0..3000 {
        let len = rng.below(700);
        let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 3 == 0 {
            data.splice(0..0, b"SSH-2.0-x\r\n".iter().copied());
        }
        fuzz_one(&data);
    }
}

#[test]
fn mutated_streams_never_panic() {
    let mut rng = Rng(99);
    let base = client_stream();
    for _ in 0..3000 {
        let mut s = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(s.len());
            match rng.below(3) {
                0 => s[at] = rng.next() as u8,
                1 => s.truncate(at.max(1)),
                _ => s.insert(at, rng.next() as u8),
            }
        }
        fuzz_one(&s);
        let mut p = SshParser::new();
        let cut = rng.below(s.len() + 1);
        p.feed(ToServer, &s[..cut]);
        p.feed(ToClient, &s);
        p.feed(ToServer, &s[cut..]);
    }
}
