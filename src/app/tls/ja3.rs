//! JA3 (ClientHello) and JA3S (ServerHello) fingerprints: decimal field lists and their MD5.
//!
//! JA3 string: `version,ciphers,extensions,groups,point_formats`; JA3S string:
//! `version,cipher,extensions`. Values are decimal, joined by `-` within a field, fields by
//! `,`; GREASE values are left out; an empty list is an empty field. The version is the
//! hello's legacy_version field. The hash is the lowercase hex MD5 of the string.

use md5::{Digest, Md5};

use super::hexfmt::hex_lower;
use super::state::{ClientHello, ServerHello};
use super::version::is_grease;

/// Appends `values` in decimal, `-` between them, GREASE left out; one
/// string for the whole fingerprint (a TLS flow's hello is fingerprinted
/// once, but a string per value made JA3 the sensor's busiest allocator).
fn push_joined<T: Copy + Into<u32>>(out: &mut String, values: &[T]) {
    let mut first = true;
    for v in values
        .iter()
        .map(|v| (*v).into())
        .filter(|v| !u16::try_from(*v).is_ok_and(is_grease))
    {
        if !first {
            out.push('-');
        }
        first = false;
        push_decimal(out, v);
    }
}

/// Appends `v` in decimal (the formatting machinery costs more than the
/// whole fingerprint's other work).
fn push_decimal(out: &mut String, v: u32) {
    let mut digits = [0u8; 10];
    let mut n = v;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// The JA3 string of a ClientHello.
pub fn ja3_string(ch: &ClientHello) -> String {
    let mut out = String::with_capacity(160);
    push_decimal(&mut out, ch.legacy_version.into());
    out.push(',');
    push_joined(&mut out, &ch.cipher_suites);
    out.push(',');
    push_joined(&mut out, &ch.extensions);
    out.push(',');
    push_joined(&mut out, &ch.supported_groups);
    out.push(',');
    push_joined(&mut out, &ch.ec_point_formats);
    out
}

/// The JA3 hash (MD5 of [`ja3_string`], 32 lowercase hex digits).
pub fn ja3_hash(ch: &ClientHello) -> String {
    ja3_hash_of(&ja3_string(ch))
}

/// The JA3 hash of a JA3 string already made.
pub fn ja3_hash_of(ja3: &str) -> String {
    hex_lower(&Md5::digest(ja3.as_bytes()))
}

/// The JA3S string of a ServerHello.
pub fn ja3s_string(sh: &ServerHello) -> String {
    let mut out = String::with_capacity(64);
    push_decimal(&mut out, sh.legacy_version.into());
    out.push(',');
    push_decimal(&mut out, sh.cipher.into());
    out.push(',');
    push_joined(&mut out, &sh.extensions);
    out
}

/// The JA3S hash (MD5 of [`ja3s_string`]).
pub fn ja3s_hash(sh: &ServerHello) -> String {
    hex_lower(&Md5::digest(ja3s_string(sh).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_format_writes_them() {
        for v in [0u32, 7, 9, 10, 99, 100, 771, 4865, 65535, u32::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, v);
            assert_eq!(s, format!("x{v}"));
        }
    }

    /// The example of the JA3 README (salesforce/ja3).
    #[test]
    fn published_ja3_example() {
        let ch = ClientHello {
            legacy_version: 769,
            cipher_suites: vec![47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            extensions: vec![0, 10, 11],
            supported_groups: vec![23, 24, 25],
            ec_point_formats: vec![0],
            ..ClientHello::default()
        };
        assert_eq!(
            ja3_string(&ch),
            "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
        );
        assert_eq!(ja3_hash(&ch), "ada70206e40642a3e4461f35503241d5");
    }

    /// The JA3S string of the example of the JA3S description (salesforce/ja3); the hash is
    /// its MD5 as computed by an independent tool.
    #[test]
    fn published_ja3s_example() {
        let sh = ServerHello {
            legacy_version: 769,
            cipher: 47,
            extensions: vec![65281, 0, 11, 35, 5, 16],
            ..ServerHello::default()
        };
        assert_eq!(ja3s_string(&sh), "769,47,65281-0-11-35-5-16");
        assert_eq!(ja3s_hash(&sh), "836ce314215654b5b1f85f97c73e506f");
    }

    #[test]
    fn grease_is_removed_everywhere() {
        let ch = ClientHello {
            legacy_version: 771,
            cipher_suites: vec![0x0a0a, 4865, 4866, 0xfafa],
            extensions: vec![0x2a2a, 0, 23, 0x3a3a, 10],
            supported_groups: vec![0x4a4a, 29, 23],
            ec_point_formats: vec![0],
            ..ClientHello::default()
        };
        assert_eq!(ja3_string(&ch), "771,4865-4866,0-23-10,29-23,0");
        let plain = ClientHello {
            cipher_suites: vec![4865, 4866],
            extensions: vec![0, 23, 10],
            supported_groups: vec![29, 23],
            ..ch.clone()
        };
        assert_eq!(ja3_hash(&ch), ja3_hash(&plain));
        assert_eq!(ja3_hash(&ch).len(), 32);
    }

    #[test]
    fn empty_fields_stay() {
        let ch = ClientHello {
            legacy_version: 768,
            cipher_suites: vec![4, 5],
            ..ClientHello::default()
        };
        assert_eq!(ja3_string(&ch), "768,4-5,,,");
    }
}
