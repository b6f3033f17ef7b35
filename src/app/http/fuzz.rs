//! Fuzzing entry point: drives a parser with input-derived splits, gaps and limits, and reads every accessor.

use super::{
    Direction, HttpLimits, HttpParser, HttpTx, detect_request, detect_response, eve_object, looks_like_request,
    looks_like_response, normalize_uri,
};

/// Small deterministic generator seeded from the input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn touch(tx: &HttpTx) -> usize {
    let mut n = 0usize;
    for name in [
        "host",
        "user-agent",
        "content-type",
        "content-length",
        "transfer-encoding",
        "cookie",
        "",
    ] {
        n += tx.request_header(name).map_or(0, <[u8]>::len);
        n += tx.response_header(name).map_or(0, <[u8]>::len);
        n += tx.request_header_joined(name).map_or(0, |v| v.len());
        n += tx.response_header_joined(name).map_or(0, |v| v.len());
    }
    n += tx.host().map_or(0, |v| v.len());
    for v in [
        tx.host_raw(),
        tx.user_agent(),
        tx.cookie(),
        tx.set_cookie(),
        tx.referer(),
        tx.content_type(),
        tx.request_content_type(),
        tx.content_length(),
        tx.request_content_length(),
        tx.location(),
        tx.server(),
    ] {
        n += v.map_or(0, <[u8]>::len);
    }
    n += normalize_uri(&tx.uri_raw).len();
    n += eve_object(tx).to_string().len();
    n += tx.events.iter().filter_map(|e| e.suricata_name()).count();
    n += usize::from(tx.is_finished());
    n
}

/// Runs one input. Layout: byte 0 selects small or default limits and the
/// gap placement, bytes 1..4 seed the splits; the rest is cut in two, the
/// first part sent to the server, the second to the client, in interleaved
/// pieces of input-derived sizes.
pub fn fuzz_one(data: &[u8]) {
    let (head, body) = data.split_at_checked(4).unwrap_or((data, &[]));
    let mode = head.first().copied().unwrap_or(0);
    let seed = head
        .iter()
        .fold(0x9e37_79b9_7f4a_7c15_u64, |acc, &b| acc.rotate_left(8) ^ u64::from(b))
        | 1;
    let mut rng = Rng(seed);

    let limits = if mode & 1 == 1 {
        HttpLimits {
            max_header_line: 80,
            max_headers: 4,
            max_header_block: 300,
            request_body_limit: 64,
            response_body_limit: 64,
            max_decompressed: 512,
            max_transactions: 3,
            max_events: 16,
        }
    } else {
        HttpLimits::default()
    };
    let _ = (
        detect_request(body),
        detect_response(body),
        looks_like_request(body),
        looks_like_response(body),
    );

    let cut = usize::try_from(rng.below(body.len() as u64 + 1)).unwrap_or(0);
    let (to_server, to_client) = body.split_at_checked(cut).unwrap_or((body, &[]));
    let mut p = HttpParser::new(limits);
    let (mut s, mut c) = (to_server, to_client);
    let mut gaps = (mode >> 1) & 3;
    while !s.is_empty() || !c.is_empty() {
        let (dir, src) = if !s.is_empty() && (c.is_empty() || rng.below(2) == 0) {
            (Direction::ToServer, &mut s)
        } else {
            (Direction::ToClient, &mut c)
        };
        let n = usize::try_from(rng.below(src.len().min(64) as u64) + 1).unwrap_or(1);
        let (piece, rest) = src.split_at_checked(n).unwrap_or((src, &[]));
        p.feed(dir, piece);
        *src = rest;
        if gaps > 0 && rng.below(8) == 0 {
            gaps -= 1;
            p.gap(dir, rng.below(100) + 1);
        }
        if rng.below(16) == 0 {
            for tx in p.drain_finished() {
                touch(&tx);
            }
        }
        for tx in p.transactions() {
            touch(tx);
        }
    }
    p.finish();
    p.feed(Direction::ToServer, b"GET / HTTP/1.1\r\n\r\n");
    let _ = (p.events().len(), p.is_tunnel(), p.limits());
    for tx in p.drain_all() {
        touch(&tx);
    }
    let _ = p.take_events();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inputs() {
        fuzz_one(b"");
        fuzz_one(b"\x01");
        fuzz_one(b"\x00\x01\x02\x03GET / HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
        fuzz_one(b"\xff\xff\xff\xffPOST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcdeHTTP/1.1 200 OK\r\n\r\n");
    }
}
