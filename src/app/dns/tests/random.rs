//! Random and mutated inputs: nothing may panic and bounds must hold.

use super::super::direction::Direction::{ToClient, ToServer};
use super::super::fuzz::fuzz_one;
use super::super::limits::MAX_NAME_LEN;
use super::super::message::parse_message;
use super::super::parser::{DnsParser, Transport};
use super::build::{Rng, query, response_a, tcp};

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(42);
    for _ in 0..3000 {
        let len = rng.below(600);
        fuzz_one(&rng.bytes(len));
    }
}

#[test]
fn mutated_messages_never_panic_and_stay_bounded() {
    let mut rng = Rng::new(7);
    let seeds = [
        query(1, "www.example.com", 1),
        response_a(1, "www.example.com", [1, 2, 3, 4]),
    ];
    for i in 0..3000 {
        let mut msg = seeds[i % 2].clone();
        for _ in 0..1 + rng.below(6) {
            let at = rng.below(msg.len());
            match rng.below(4) {
                0 => msg[at] = rng.next_u64() as u8,
                1 => msg[at] ^= 0xC0,
                2 => msg.truncate(at),
                _ => msg.insert(at, rng.next_u64() as u8),
            }
            if msg.is_empty() {
                msg.push(0);
            }
        }
        if let Ok(m) = parse_message(&msg) {
            let names = m
                .questions
                .iter()
                .map(|q| &q.name)
                .chain(m.answers.iter().map(|r| &r.name));
            assert!(names.into_iter().all(|n| n.len() <= MAX_NAME_LEN));
        }
        fuzz_one(&msg);
        let mut p = DnsParser::new(Transport::Tcp);
        p.feed(ToServer, &tcp(&msg));
        p.feed(ToClient, &msg);
        p.gap(ToClient);
        p.feed(ToClient, &tcp(&msg));
        p.finish();
        let _ = p.drain();
    }
}
