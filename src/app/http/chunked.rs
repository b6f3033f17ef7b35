//! Chunk-size lines of the chunked transfer coding: hexadecimal size and optional extension.

use super::bytes::{is_space, strip_cr, trim_start};

/// What a chunk-size line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ChunkLine {
    /// A size, and whether a `;extension` followed it.
    Size { size: u64, extension: bool },
    /// Only whitespace: tolerated and skipped.
    Empty,
    /// Not a chunk size.
    Invalid,
}

/// Parses a chunk-size line (LF removed): optional leading whitespace, hex
/// digits, optional whitespace, then end of line or `;` and an extension.
pub(super) fn parse_chunk_line(line: &[u8]) -> ChunkLine {
    let l = trim_start(strip_cr(line));
    if l.iter().all(|&b| is_space(b) || b == b'\r') {
        return ChunkLine::Empty;
    }
    let digits = l.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return ChunkLine::Invalid;
    }
    let mut size: u64 = 0;
    for &d in l.get(..digits).unwrap_or_default() {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d.wrapping_sub(b'A').wrapping_add(10),
        };
        size = match size.checked_mul(16).and_then(|s| s.checked_add(u64::from(v))) {
            Some(s) => s,
            None => return ChunkLine::Invalid,
        };
    }
    let rest = trim_start(l.get(digits..).unwrap_or_default());
    match rest.first() {
        None => ChunkLine::Size { size, extension: false },
        Some(b';') => ChunkLine::Size { size, extension: true },
        Some(_) => ChunkLine::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChunkLine::*;

    #[test]
    fn sizes() {
        assert_eq!(
            parse_chunk_line(b"1a\r"),
            Size {
                size: 26,
                extension: false
            }
        );
        assert_eq!(
            parse_chunk_line(b"FF"),
            Size {
                size: 255,
                extension: false
            }
        );
        assert_eq!(
            parse_chunk_line(b"0"),
            Size {
                size: 0,
                extension: false
            }
        );
        assert_eq!(
            parse_chunk_line(b"  5  \r"),
            Size {
                size: 5,
                extension: false
            }
        );
        assert_eq!(
            parse_chunk_line(b"000000000000000000000010"),
            Size {
                size: 16,
                extension: false
            }
        );
        assert_eq!(
            parse_chunk_line(b"ffffffffffffffff"),
            Size {
                size: u64::MAX,
                extension: false
            }
        );
    }

    #[test]
    fn extensions() {
        assert_eq!(
            parse_chunk_line(b"5;name=value\r"),
            Size {
                size: 5,
                extension: true
            }
        );
        assert_eq!(
            parse_chunk_line(b"5 ; x"),
            Size {
                size: 5,
                extension: true
            }
        );
    }

    #[test]
    fn invalid_and_empty() {
        assert_eq!(parse_chunk_line(b"\r"), Empty);
        assert_eq!(parse_chunk_line(b""), Empty);
        assert_eq!(parse_chunk_line(b"  "), Empty);
        assert_eq!(parse_chunk_line(b"xyz"), Invalid);
        assert_eq!(parse_chunk_line(b"5 x"), Invalid);
        assert_eq!(parse_chunk_line(b"-5"), Invalid);
        assert_eq!(parse_chunk_line(b"10000000000000000"), Invalid);
    }
}
