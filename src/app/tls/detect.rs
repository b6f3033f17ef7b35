//! Protocol detection: do the first bytes of a stream (either direction) look like TLS or SSL?

pub use crate::app::Detection;

/// Longest record that may carry a hello.
const MAX_RECORD_LEN: usize = 16384 + 2048;
/// Shortest possible hello body: version, random, session id length.
const MIN_HELLO_LEN: usize = 2 + 32 + 1;

/// Check the first bytes of a stream.
///
/// TLS: a handshake record (type 22, version 3.0 to 3.4, length 1 to 2^14 + 2048) whose first
/// message is a ClientHello or ServerHello of plausible length (at least 35 and below 64 KiB)
/// with version 3.0 to 3.4. When the first record is shorter than those 6 bytes, only the
/// bytes it holds are checked.
///
/// SSLv2: a 2-byte header record holding a CLIENT-HELLO (version 0x0002 or 3.0 to 3.4,
/// cipher specs a non-empty multiple of 3 bytes, session id at most 32 bytes, challenge 16
/// to 32 bytes) whose lengths add up to the record length.
pub fn detect(data: &[u8]) -> Detection {
    match data.first() {
        None => Detection::NeedMore,
        Some(22) => detect_tls(data),
        Some(b) if b & 0x80 != 0 => detect_sslv2(data),
        Some(_) => Detection::No,
    }
}

/// Check each expected byte that is present; `NeedMore` when all present ones pass.
fn check(data: &[u8], needed: usize, rules: &[(usize, &dyn Fn(u8) -> bool)]) -> Option<Detection> {
    for (at, ok) in rules {
        match data.get(*at) {
            Some(b) if !ok(*b) => return Some(Detection::No),
            _ => {}
        }
    }
    (data.len() < needed).then_some(Detection::NeedMore)
}

fn detect_tls(data: &[u8]) -> Detection {
    let minor = |b: u8| b <= 4;
    if let Some(d) = check(data, 5, &[(1, &|b| b == 3), (2, &minor)]) {
        return d;
    }
    let record_len = usize::from(u16::from_be_bytes([data[3], data[4]]));
    if record_len == 0 || record_len > MAX_RECORD_LEN {
        return Detection::No;
    }
    // Bytes of the first record that belong to the hello header: type, length, version.
    let in_record = record_len.min(6);
    let hello = &data[5..data.len().min(5 + in_record)];
    let rules: [(usize, &dyn Fn(u8) -> bool); 6] = [
        (0, &|b| b == 1 || b == 2),
        (1, &|b| b == 0),
        (2, &|_| true),
        (3, &|_| true),
        (4, &|b| b == 3),
        (5, &minor),
    ];
    if let Some(d) = check(hello, in_record, &rules[..in_record]) {
        return d;
    }
    if in_record >= 4 {
        let hello_len = usize::from(hello[1]) << 16 | usize::from(hello[2]) << 8 | usize::from(hello[3]);
        if hello_len < MIN_HELLO_LEN {
            return Detection::No;
        }
    }
    Detection::Yes
}

fn detect_sslv2(data: &[u8]) -> Detection {
    let rules: [(usize, &dyn Fn(u8) -> bool); 3] = [(2, &|b| b == 1), (3, &|b| b == 0 || b == 3), (4, &|_| true)];
    if let Some(d) = check(data, 11, &rules) {
        return d;
    }
    let be16 = |at: usize| usize::from(u16::from_be_bytes([data[at], data[at + 1]]));
    let record_len = usize::from(data[0] & 0x7f) << 8 | usize::from(data[1]);
    let version = be16(3);
    let (specs, sid, challenge) = (be16(5), be16(7), be16(9));
    let version_ok = version == 0x0002 || (0x0300..=0x0304).contains(&version);
    let ok = version_ok
        && specs > 0
        && specs % 3 == 0
        && sid <= 32
        && (16..=32).contains(&challenge)
        && record_len == 9 + specs + sid + challenge;
    if ok { Detection::Yes } else { Detection::No }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT_HELLO_START: [u8; 11] = [22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3];

    #[test]
    fn tls_hello() {
        assert_eq!(detect(&CLIENT_HELLO_START), Detection::Yes);
        for n in 0..CLIENT_HELLO_START.len() {
            assert_eq!(detect(&CLIENT_HELLO_START[..n]), Detection::NeedMore, "prefix {n}");
        }
        let mut server = CLIENT_HELLO_START;
        server[5] = 2;
        assert_eq!(detect(&server), Detection::Yes);
    }

    #[test]
    fn tls_rejections() {
        let cases: [(usize, u8); 6] = [(1, 2), (2, 5), (5, 11), (6, 1), (9, 2), (10, 9)];
        for (at, value) in cases {
            let mut bad = CLIENT_HELLO_START;
            bad[at] = value;
            assert_eq!(detect(&bad), Detection::No, "byte {at} = {value}");
        }
        assert_eq!(detect(&[22, 3, 1, 0, 0]), Detection::No);
        assert_eq!(detect(&[22, 3, 1, 0xff, 0xff]), Detection::No);
        assert_eq!(detect(&[22, 3, 1, 0, 200, 1, 0, 0, 10, 3, 3]), Detection::No);
        assert_eq!(detect(b"GET / HTTP/1.1\r\n"), Detection::No);
        assert_eq!(detect(b""), Detection::NeedMore);
    }

    #[test]
    fn tiny_first_record() {
        // A ClientHello fragmented into 1-byte records.
        assert_eq!(detect(&[22, 3, 1, 0, 1, 1, 22, 3, 1, 0, 1, 0]), Detection::Yes);
        assert_eq!(detect(&[22, 3, 1, 0, 1, 9, 22]), Detection::No);
    }

    #[test]
    fn sslv2_hello() {
        let hello = [0x80, 0x2e, 1, 0, 2, 0, 0x15, 0, 0, 0, 0x10];
        assert_eq!(detect(&hello), Detection::Yes);
        assert_eq!(detect(&hello[..10]), Detection::NeedMore);
        let mut bad = hello;
        bad[1] = 0x2f;
        assert_eq!(detect(&bad), Detection::No);
        let compat = [0x80, 0x2e, 1, 3, 1, 0, 0x15, 0, 0, 0, 0x10];
        assert_eq!(detect(&compat), Detection::Yes);
    }

    #[test]
    fn random_data_rarely_matches() {
        let mut seed = 0x1234_5678_u64;
        let mut hits = 0;
        for _ in 0..100_000 {
            let mut buf = [0u8; 16];
            for b in &mut buf {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *b = (seed >> 33) as u8;
            }
            if detect(&buf) == Detection::Yes {
                hits += 1;
            }
        }
        assert_eq!(hits, 0);
    }
}
