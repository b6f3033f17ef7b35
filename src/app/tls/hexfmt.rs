//! Hex renderings of byte strings used by fingerprints, serials and hashes.

const LOWER: &[u8; 16] = b"0123456789abcdef";
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn render(bytes: &[u8], digits: &[u8; 16], sep: Option<char>) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if let (Some(c), true) = (sep, i > 0) {
            s.push(c);
        }
        s.push(char::from(digits[usize::from(b >> 4)]));
        s.push(char::from(digits[usize::from(b & 0xf)]));
    }
    s
}

/// `"0a1b"`: lowercase, no separator.
pub(super) fn hex_lower(bytes: &[u8]) -> String {
    render(bytes, LOWER, None)
}

/// `"0a:1b"`: lowercase, bytes joined by `:` (certificate fingerprints).
pub(super) fn colon_hex_lower(bytes: &[u8]) -> String {
    render(bytes, LOWER, Some(':'))
}

/// `"0A:1B"`: uppercase, bytes joined by `:` (certificate serials).
pub(super) fn colon_hex_upper(bytes: &[u8]) -> String {
    render(bytes, UPPER, Some(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        assert_eq!(hex_lower(&[0x0a, 0xbc]), "0abc");
        assert_eq!(colon_hex_lower(&[0x0a, 0xbc, 0xff]), "0a:bc:ff");
        assert_eq!(colon_hex_upper(&[0x00, 0x8b]), "00:8B");
        assert_eq!(colon_hex_upper(&[]), "");
        assert_eq!(colon_hex_upper(&[7]), "07");
    }
}
