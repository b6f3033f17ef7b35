//! A fuzzing entry point driving every DNS entry point and accessor with arbitrary bytes.

use super::detect::{detect_tcp, detect_udp};
use super::direction::Direction;
use super::eve::{eve_object, eve_object_for};
use super::message::parse_message;
use super::parser::{DnsParser, DnsTx, Transport};

/// Feeds `data` to a UDP and a TCP parser in chunks whose sizes, directions and gaps are drawn
/// from the data itself, and calls every accessor along the way. Must never panic.
pub fn fuzz_one(data: &[u8]) {
    let _ = parse_message(data);
    let _ = detect_udp(data);
    let _ = detect_tcp(data);
    let mut udp = DnsParser::new(Transport::Udp);
    let mut tcp = DnsParser::new(Transport::Tcp);
    let mut state = data.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    let mut dir = Direction::ToServer;
    let mut rest = data;
    while !rest.is_empty() {
        state = next(state);
        let size = 1 + (state % 64) as usize;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        udp.feed(dir, chunk);
        tcp.feed(dir, chunk);
        if (state >> 20) % 16 == 0 {
            udp.gap(dir);
            tcp.gap(dir);
        }
        if (state >> 8) % 3 == 0 {
            dir = other(dir);
        }
        touch(udp.transactions());
        touch(tcp.transactions());
        if (state >> 32) % 4 == 0 {
            touch(&udp.drain());
            touch(&tcp.drain());
        }
        let _ = tcp.buffered();
        rest = tail;
    }
    udp.feed(Direction::ToClient, data);
    if let Ok(len) = u16::try_from(data.len()) {
        tcp.feed(Direction::ToClient, &len.to_be_bytes());
        tcp.feed(Direction::ToClient, data);
    }
    for parser in [&mut udp, &mut tcp] {
        touch(parser.transactions());
        parser.finish();
        touch(&parser.drain());
        let _ = parser.transport();
    }
}

fn touch(txs: &[DnsTx]) {
    for tx in txs {
        let _ = eve_object(tx);
        let _ = eve_object_for(tx, Direction::ToServer);
        let _ = eve_object_for(tx, Direction::ToClient);
        let _ = tx.query_names().map(<[u8]>::len).sum::<usize>();
        let _ = tx.is_complete();
        let _ = tx.message(Direction::ToClient).map(|m| m.events.len());
        let _ = tx.events.iter().map(|e| e.name().len()).sum::<usize>();
    }
}

fn next(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

fn other(dir: Direction) -> Direction {
    match dir {
        Direction::ToServer => Direction::ToClient,
        Direction::ToClient => Direction::ToServer,
    }
}
