//! Splitting a hello's extension block into (type, bytes) entries, in wire order.

/// One extension as sent: its type and its whole encoding (type, length and data), ready for
/// tls-parser's per-extension parsers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RawExtension<'a> {
    pub(super) ext_type: u16,
    pub(super) encoded: &'a [u8],
}

/// Split an extension block; the flag is false when the block ends in a truncated entry
/// (the entries before it are still returned).
pub(super) fn split_extensions(mut block: &[u8]) -> (Vec<RawExtension<'_>>, bool) {
    let mut out = Vec::new();
    while !block.is_empty() {
        if block.len() < 4 {
            return (out, false);
        }
        let ext_type = u16::from_be_bytes([block[0], block[1]]);
        let len = usize::from(u16::from_be_bytes([block[2], block[3]]));
        if block.len() < 4 + len {
            return (out, false);
        }
        let (encoded, rest) = block.split_at(4 + len);
        out.push(RawExtension { ext_type, encoded });
        block = rest;
    }
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_flags_truncation() {
        let block = [0, 0, 0, 1, 9, 0xff, 1, 0, 0];
        let (exts, ok) = split_extensions(&block);
        assert!(ok);
        assert_eq!(exts.len(), 2);
        assert_eq!(exts[0].ext_type, 0);
        assert_eq!(exts[0].encoded, &[0, 0, 0, 1, 9]);
        assert_eq!(exts[1].ext_type, 0xff01);
        let (exts, ok) = split_extensions(&block[..8]);
        assert!(!ok);
        assert_eq!(exts.len(), 1);
        let (exts, ok) = split_extensions(&[0, 1]);
        assert!(!ok && exts.is_empty());
    }
}
