//! Fuzzing entry point: any byte string becomes a chunked, two-direction feed, and every
//! accessor is read back.

use super::detect::detect;
use super::direction::Direction;
use super::eve::eve_object;
use super::ja3::{ja3_hash, ja3_string, ja3s_hash, ja3s_string};
use super::ja4::{ja4, ja4_raw};
use super::parser::TlsParser;

/// Feed `data` to a parser and read everything back; must never panic.
///
/// The first 4 bytes (when present) seed the choices: chunk sizes (1 to 64 bytes),
/// direction of each chunk, and rare gaps.
pub fn fuzz_one(data: &[u8]) {
    let (seed, body) = if data.len() >= 4 {
        data.split_at(4)
    } else {
        (&[][..], data)
    };
    let mut x = seed
        .iter()
        .fold(0x9e37_79b9_u32, |acc, b| acc.rotate_left(8) ^ u32::from(*b))
        | 1;
    let mut next = move || {
        // xorshift32
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let _ = detect(body);
    let mut parser = TlsParser::new();
    let mut rest = body;
    while !rest.is_empty() {
        let r = next();
        let n = (1 + (r & 63) as usize).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        let dir = if r & 0x100 == 0 {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        if r >> 24 == 0xff {
            parser.gap(dir);
        }
        parser.feed(dir, chunk);
        rest = tail;
    }
    read_everything(&parser);
}

fn read_everything(parser: &TlsParser) {
    let st = parser.state();
    let _ = (
        st.version(),
        st.server_version(),
        st.sni(),
        st.leaf(),
        st.certs().count(),
    );
    let _ = (st.ssl_versions_seen(), st.ssl_states_seen());
    for dir in [Direction::ToServer, Direction::ToClient] {
        let _ = (st.dir(dir), st.ssl_version_bits(dir), st.parsing_stopped(dir));
    }
    let _ = (
        st.cert_subject(),
        st.cert_issuer(),
        st.cert_serial(),
        st.cert_fingerprint(),
    );
    let _ = (
        st.ja3_hash(),
        st.ja3_string(),
        st.ja3s_hash(),
        st.ja3s_string(),
        st.ja4_hash(),
    );
    if let Some(ch) = &st.client_hello {
        let _ = (ja3_string(ch), ja3_hash(ch), ja4(ch), ja4_raw(ch));
    }
    if let Some(sh) = &st.server_hello {
        let _ = (ja3s_string(sh), ja3s_hash(sh));
    }
    let _ = eve_object(st).to_string();
}

#[cfg(test)]
mod tests {
    use super::super::certificate::cert_info;
    use super::super::test_builders::Rng;
    use super::super::test_certs::leaf_der;
    use super::super::tests::{tls12_conversation, tls13_conversation};
    use super::super::timefmt::eve_time;
    use super::*;

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0xdead_beef);
        for _ in 0..3000 {
            let n = rng.below(800);
            fuzz_one(&rng.bytes(n));
        }
    }

    #[test]
    fn random_records_never_panic() {
        let mut rng = Rng(42);
        for _ in 0..2000 {
            let mut input = rng.bytes(4);
            for _ in 0..1 + rng.below(6) {
                let content_type = 20 + rng.below(5) as u8;
                let len = rng.below(400);
                let mut body = rng.bytes(len);
                if content_type == 22 && len >= 4 {
                    body[0] = [1, 2, 11, 12, 14, 16, 99][rng.below(7)];
                    body[1] = 0;
                    body[2] = (rng.below(2) as u8) * ((len - 4) >> 8) as u8;
                    body[3] = if rng.below(2) == 0 {
                        (len - 4) as u8
                    } else {
                        rng.next() as u8
                    };
                }
                input.extend([content_type, 3, rng.below(5) as u8]);
                input.extend((len as u16).to_be_bytes());
                input.extend(body);
            }
            fuzz_one(&input);
        }
    }

    #[test]
    fn mutated_handshakes_never_panic() {
        let mut rng = Rng(1234);
        let base: Vec<_> = tls12_conversation().into_iter().chain(tls13_conversation()).collect();
        for case in 0..2000 {
            let mut parser = TlsParser::new();
            for (dir, bytes) in &base {
                let mut bytes = bytes.clone();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(bytes.len());
                    bytes[at] = if case % 2 == 0 {
                        rng.next() as u8
                    } else {
                        bytes[at] ^ (1 << rng.below(8))
                    };
                }
                if rng.below(10) == 0 {
                    bytes.truncate(rng.below(bytes.len()));
                }
                let mut rest = &bytes[..];
                while !rest.is_empty() {
                    let n = (1 + rng.below(300)).min(rest.len());
                    parser.feed(*dir, &rest[..n]);
                    rest = &rest[n..];
                }
            }
            read_everything(&parser);
        }
    }

    #[test]
    fn mutated_certificates_never_panic() {
        let mut rng = Rng(77);
        let leaf = leaf_der();
        for _ in 0..3000 {
            let mut der = leaf.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(der.len());
                der[at] = rng.next() as u8;
            }
            let mut events = Vec::new();
            let info = cert_info(&der, &mut events);
            let _ = (eve_time(info.not_before), eve_time(info.not_after));
        }
    }
}
