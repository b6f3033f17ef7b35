//! `base64_decode` and `base64_data`: decode base64 text found in a buffer
//! and inspect the decoded bytes with the keywords that follow
//! `base64_data`. Decoding follows RFC 4648: it stops at the first byte
//! outside the alphabet (padding included).

use super::rule::Inspect;

/// Most input bytes one `base64_decode` reads.
pub const MAX_BYTES: usize = 65_535;

/// A `base64_decode` step and the steps of its `base64_data` list.
#[derive(Clone, Debug, Default)]
pub struct Base64Decode {
    /// Input bytes to decode at most (the rest of the buffer, up to
    /// [`MAX_BYTES`], when not given).
    pub bytes: usize,
    /// Bytes skipped before decoding: from the buffer's start, or with
    /// `relative` from the end of the previous match.
    pub offset: usize,
    pub relative: bool,
    /// Inspected over the decoded bytes (`base64_data`); empty, the step
    /// only needs some bytes to decode.
    pub then: Vec<Inspect>,
}

/// Parses `bytes N, offset N, relative` (each optional, any order).
pub fn parse_base64_decode(value: Option<&str>) -> Result<Base64Decode, String> {
    let mut d = Base64Decode {
        bytes: MAX_BYTES,
        ..Base64Decode::default()
    };
    let Some(value) = value else {
        return Ok(d);
    };
    for option in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let (name, arg) = match option.split_once(char::is_whitespace) {
            Some((n, a)) => (n, Some(a.trim())),
            None => (option, None),
        };
        let number = |what: &str| -> Result<usize, String> {
            let text = arg.ok_or_else(|| format!("{what} needs a number"))?;
            text.parse::<usize>()
                .map_err(|_| format!("{what} '{text}' is not a number"))
        };
        match name {
            "bytes" => {
                let n = number("bytes")?;
                if n == 0 || n > MAX_BYTES {
                    return Err(format!("bytes {n} is out of 1..={MAX_BYTES}"));
                }
                d.bytes = n;
            }
            "offset" => {
                let n = number("offset")?;
                if n > MAX_BYTES {
                    return Err(format!("offset {n} is over {MAX_BYTES}"));
                }
                d.offset = n;
            }
            "relative" if arg.is_none() => d.relative = true,
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    Ok(d)
}

/// The value of a base64 alphabet byte, or `None` outside it.
fn sextet(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes `text` into `out` (cleared first) up to its first byte outside
/// the alphabet, and returns how many bytes of `text` it read. A last group
/// of 2 or 3 characters gives its whole bytes; a lone last character gives
/// none.
pub fn decode_into(text: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut acc: u32 = 0;
    let mut held = 0;
    let mut read = 0;
    for v in text.iter().map_while(|&b| sextet(b)) {
        read += 1;
        acc = acc << 6 | v;
        held += 1;
        if held == 4 {
            out.extend_from_slice(&acc.to_be_bytes()[1..]);
            acc = 0;
            held = 0;
        }
    }
    match held {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&((acc >> 2) as u16).to_be_bytes()),
        _ => {}
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Vec<u8> {
        let mut out = vec![0xAA];
        let read = decode_into(text.as_bytes(), &mut out);
        assert_eq!(read, text.bytes().take_while(|b| sextet(*b).is_some()).count());
        out
    }

    #[test]
    fn decodes_whole_and_partial_groups() {
        assert_eq!(decode("dGhpc2lzYXRlc3QK"), b"thisisatest\n");
        assert_eq!(decode("dGhpc2lzYX"), b"thisisa");
        assert_eq!(decode("dGhpc2lzYXR"), b"thisisat");
        assert_eq!(decode("dGhpc2lzY"), b"thisis");
        assert_eq!(decode(""), b"");
    }

    #[test]
    fn stops_at_the_first_byte_outside_the_alphabet() {
        assert_eq!(decode("dGVzdA==dGVzdA=="), b"test");
        assert_eq!(decode("dGVz dA"), b"tes");
        assert_eq!(decode("%2BdGVz"), b"");
        assert_eq!(decode("+/+/"), [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn options_parse_in_any_order_and_refuse_nonsense() {
        let d = parse_base64_decode(Some("bytes 17, offset 1, relative")).unwrap();
        assert_eq!((d.bytes, d.offset, d.relative), (17, 1, true));
        let d = parse_base64_decode(Some("relative,offset 0")).unwrap();
        assert_eq!((d.bytes, d.offset, d.relative), (MAX_BYTES, 0, true));
        let d = parse_base64_decode(None).unwrap();
        assert_eq!((d.bytes, d.offset, d.relative), (MAX_BYTES, 0, false));
        for bad in [
            "bytes",
            "bytes x",
            "bytes 0",
            "bytes 70000",
            "offset -1",
            "depth 3",
            "relative 1",
        ] {
            assert!(parse_base64_decode(Some(bad)).is_err(), "{bad}");
        }
    }
}
