//! Transforms: keywords after a sticky buffer that rewrite it before the
//! content keywords look (dotprefix, to_lowercase, url_decode, to_sha256, …).

use md5::{Digest, Md5};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transform {
    DotPrefix,
    ToLowercase,
    ToUppercase,
    UrlDecode,
    StripWhitespace,
    CompressWhitespace,
    ToMd5,
    ToSha1,
    ToSha256,
    HeaderLowercase,
}

impl Transform {
    pub fn from_keyword(name: &str) -> Option<Transform> {
        Some(match name {
            "dotprefix" => Transform::DotPrefix,
            "to_lowercase" => Transform::ToLowercase,
            "to_uppercase" => Transform::ToUppercase,
            "url_decode" => Transform::UrlDecode,
            "strip_whitespace" => Transform::StripWhitespace,
            "compress_whitespace" => Transform::CompressWhitespace,
            "to_md5" => Transform::ToMd5,
            "to_sha1" => Transform::ToSha1,
            "to_sha256" => Transform::ToSha256,
            "header_lowercase" => Transform::HeaderLowercase,
            _ => return None,
        })
    }

    pub fn apply(self, input: &[u8]) -> Vec<u8> {
        match self {
            Transform::DotPrefix => {
                let mut v = Vec::with_capacity(input.len() + 1);
                v.push(b'.');
                v.extend_from_slice(input);
                v
            }
            Transform::ToLowercase => input.to_ascii_lowercase(),
            Transform::ToUppercase => input.to_ascii_uppercase(),
            Transform::UrlDecode => url_decode(input),
            Transform::StripWhitespace => input.iter().copied().filter(|b| !is_space(*b)).collect(),
            Transform::CompressWhitespace => {
                let mut v = Vec::with_capacity(input.len());
                let mut in_space = false;
                for &b in input {
                    if is_space(b) {
                        if !in_space {
                            v.push(b' ');
                        }
                        in_space = true;
                    } else {
                        v.push(b);
                        in_space = false;
                    }
                }
                v
            }
            Transform::ToMd5 => Md5::digest(input).to_vec(),
            Transform::ToSha1 => sha1::Sha1::digest(input).to_vec(),
            Transform::ToSha256 => sha2::Sha256::digest(input).to_vec(),
            Transform::HeaderLowercase => header_lowercase(input),
        }
    }
}

/// Applies transforms in order.
pub fn apply_all(transforms: &[Transform], input: &[u8]) -> Vec<u8> {
    let mut buf = input.to_vec();
    for t in transforms {
        buf = t.apply(&buf);
    }
    buf
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `%XX` sequences to bytes and `+` to space; malformed escapes stay as they are.
fn url_decode(input: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => match (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    v.push((h << 4) | l);
                    i += 3;
                    continue;
                }
                _ => v.push(b'%'),
            },
            b'+' => v.push(b' '),
            b => v.push(b),
        }
        i += 1;
    }
    v
}

/// Lowercases each header name (up to the first ':' of every line).
fn header_lowercase(input: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(input.len());
    let mut in_name = true;
    for &b in input {
        if b == b'\n' {
            in_name = true;
            v.push(b);
        } else if in_name && b == b':' {
            in_name = false;
            v.push(b);
        } else if in_name {
            v.push(b.to_ascii_lowercase());
        } else {
            v.push(b);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transform() {
        assert_eq!(Transform::DotPrefix.apply(b"example.com"), b".example.com");
        assert_eq!(Transform::ToLowercase.apply(b"AbC"), b"abc");
        assert_eq!(Transform::ToUppercase.apply(b"AbC"), b"ABC");
        assert_eq!(Transform::UrlDecode.apply(b"a%27b+c%zz%4"), b"a'b c%zz%4");
        assert_eq!(Transform::StripWhitespace.apply(b" a \tb\r\nc "), b"abc");
        assert_eq!(Transform::CompressWhitespace.apply(b"a  \t b\r\n\r\nc"), b"a b c");
        assert_eq!(
            Transform::HeaderLowercase.apply(b"Host: A\r\nUser-Agent: X\r\n"),
            b"host: A\r\nuser-agent: X\r\n"
        );
        assert_eq!(Transform::ToMd5.apply(b"abc").len(), 16);
        assert_eq!(Transform::ToSha1.apply(b"abc").len(), 20);
        let sha = Transform::ToSha256.apply(b"abc");
        assert_eq!(&sha[..4], &[0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(
            apply_all(&[Transform::ToLowercase, Transform::DotPrefix], b"X.COM"),
            b".x.com"
        );
    }
}
