//! JA4 fingerprint of a ClientHello (FoxIO's published definition, TLS over TCP).
//!
//! `JA4 = a_b_c` where
//! - `a` = `t` + version code + `d` (server_name present) or `i` + number of cipher suites and
//!   number of extensions (2 digits each, capped at 99, GREASE left out; the extension count
//!   includes server_name and ALPN) + first and last character of the first ALPN value
//!   (`00` when there is none; when either character is not an ASCII letter or digit, the
//!   first and last digit of the value's hex encoding instead);
//! - `b` = first 12 hex digits of SHA-256 of the sorted cipher suites as 4-digit lowercase hex
//!   joined by `,` (`000000000000` when there are none);
//! - `c` = the same over the sorted extensions without server_name and ALPN, followed, when
//!   signature algorithms were sent, by `_` and the signature algorithms in their original
//!   order (`000000000000` when there are no such extensions).
//!
//! The version code comes from the highest supported_versions entry when the extension is
//! present, else from legacy_version: `13`, `12`, `11`, `10`, `s3`, `s2`, else `00`.

use sha2::{Digest, Sha256};

use super::hexfmt::hex_lower;
use super::state::ClientHello;
use super::version::{SSL_V2, SSL_V3, TLS_V10, TLS_V11, TLS_V12, TLS_V13, is_grease};

const EXT_SERVER_NAME: u16 = 0;
const EXT_ALPN: u16 = 16;
const EMPTY_HASH: &str = "000000000000";

fn version_code(ch: &ClientHello) -> &'static str {
    let offered = ch.supported_versions.iter().copied().filter(|v| !is_grease(*v)).max();
    let version = if ch.supported_versions.is_empty() {
        ch.legacy_version
    } else {
        offered.unwrap_or(0)
    };
    match version {
        TLS_V13 => "13",
        TLS_V12 => "12",
        TLS_V11 => "11",
        TLS_V10 => "10",
        SSL_V3 => "s3",
        SSL_V2 | 0x0002 => "s2",
        _ => "00",
    }
}

fn alpn_code(ch: &ClientHello) -> String {
    let Some(first) = ch.alpn.first().filter(|v| !v.is_empty()) else {
        return "00".to_string();
    };
    let (a, z) = (first[0], first[first.len() - 1]);
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        return format!("{}{}", char::from(a), char::from(z));
    }
    let hex = hex_lower(first);
    let digits = hex.as_bytes();
    format!("{}{}", char::from(digits[0]), char::from(digits[digits.len() - 1]))
}

fn hex_list(values: &[u16]) -> String {
    values.iter().map(|v| format!("{v:04x}")).collect::<Vec<_>>().join(",")
}

fn truncated_sha256(text: &str) -> String {
    let mut hex = hex_lower(&Sha256::digest(text.as_bytes()));
    hex.truncate(12);
    hex
}

/// The three JA4 parts before hashing: `a`, sorted cipher list, extension list with
/// signature algorithms.
fn parts(ch: &ClientHello) -> (String, String, String) {
    let mut ciphers: Vec<u16> = ch.cipher_suites.iter().copied().filter(|v| !is_grease(*v)).collect();
    let exts: Vec<u16> = ch.extensions.iter().copied().filter(|v| !is_grease(*v)).collect();
    let sigalgs: Vec<u16> = ch
        .signature_algorithms
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .collect();
    let a = format!(
        "t{}{}{:02}{:02}{}",
        version_code(ch),
        if exts.contains(&EXT_SERVER_NAME) { 'd' } else { 'i' },
        ciphers.len().min(99),
        exts.len().min(99),
        alpn_code(ch)
    );
    ciphers.sort_unstable();
    let mut hashed_exts: Vec<u16> = exts
        .into_iter()
        .filter(|e| *e != EXT_SERVER_NAME && *e != EXT_ALPN)
        .collect();
    hashed_exts.sort_unstable();
    let mut c = hex_list(&hashed_exts);
    if !sigalgs.is_empty() {
        c.push('_');
        c.push_str(&hex_list(&sigalgs));
    }
    let c = if hashed_exts.is_empty() { String::new() } else { c };
    (a, hex_list(&ciphers), c)
}

/// The JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`.
pub fn ja4(ch: &ClientHello) -> String {
    let (a, b, c) = parts(ch);
    let hb = if b.is_empty() {
        EMPTY_HASH.to_string()
    } else {
        truncated_sha256(&b)
    };
    let hc = if c.is_empty() {
        EMPTY_HASH.to_string()
    } else {
        truncated_sha256(&c)
    };
    format!("{a}_{hb}_{hc}")
}

/// The unhashed form (`ja4_r`): `a_ciphers_extensions_sigalgs`.
pub fn ja4_raw(ch: &ClientHello) -> String {
    let (a, b, c) = parts(ch);
    format!("{a}_{b}_{c}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Chrome example of FoxIO's JA4 technical details.
    fn chrome() -> ClientHello {
        ClientHello {
            legacy_version: 0x0303,
            cipher_suites: vec![
                0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
                0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x3a3a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d,
                0x002b, 0x001b, 0x4469, 0x0015, 0x5a5a,
            ],
            signature_algorithms: vec![0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            supported_versions: vec![0xdada, 0x0304, 0x0303],
            sni: Some(b"example.com".to_vec()),
            ..ClientHello::default()
        }
    }

    #[test]
    fn published_example() {
        let ch = chrome();
        assert_eq!(
            ja4_raw(&ch),
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
             0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_\
             0403,0804,0401,0503,0805,0501,0806,0601"
        );
        assert_eq!(ja4(&ch), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    }

    #[test]
    fn sni_alpn_and_version_codes() {
        let mut ch = chrome();
        ch.extensions.retain(|e| *e != 0);
        assert!(ja4(&ch).starts_with("t13i1515h2_8daaf6152771_e5627efa2ab1"));
        ch.supported_versions.clear();
        ch.alpn.clear();
        assert!(ja4(&ch).starts_with("t12i151500_"));
        ch.alpn = vec![vec![0xab, 0x01, 0xcd]];
        assert!(ja4(&ch).starts_with("t12i1515ad_"));
        ch.alpn = vec![b"x".to_vec()];
        assert!(ja4(&ch).starts_with("t12i1515xx_"));
        ch.legacy_version = 0x0300;
        assert!(ja4(&ch).starts_with("ts3"));
    }

    #[test]
    fn empty_lists_and_caps() {
        let ch = ClientHello {
            legacy_version: 0x0301,
            ..ClientHello::default()
        };
        assert_eq!(ja4(&ch), "t10i000000_000000000000_000000000000");
        let ch = ClientHello {
            legacy_version: 0x0303,
            cipher_suites: (1..=150).collect(),
            extensions: (100..=250).collect(),
            ..ClientHello::default()
        };
        assert!(ja4(&ch).starts_with("t12i999900_"));
        let no_sigalgs = ClientHello {
            extensions: vec![0x000a],
            ..ClientHello::default()
        };
        assert_eq!(ja4_raw(&no_sigalgs), "t00i000100__000a");
    }
}
