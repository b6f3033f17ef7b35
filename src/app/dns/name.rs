//! DNS domain names on the wire: label sequences, compression pointers, and their dotted form.

use super::limits::{MAX_NAME_LEN, MAX_POINTER_JUMPS, MAX_WIRE_NAME_LEN};

/// A decoded domain name in dotted form, without the trailing dot (the root is empty).
/// Case is kept as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsName {
    pub value: Vec<u8>,
    /// Set when the dotted form was longer than [`MAX_NAME_LEN`] and was cut.
    pub truncated: bool,
}

/// Why a name could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// The name ran past the end of the message.
    OutOfBounds,
    /// A label used the reserved 0x40 or 0x80 type bits.
    BadLabelType,
    /// A compression pointer pointed outside the message.
    PointerOutOfRange,
    /// A compression pointer did not lead strictly before all of the name read so far (which any
    /// loop needs), or more than `MAX_POINTER_JUMPS` pointers were followed.
    Loop,
}

/// A name read from a message, with where the bytes after it start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadName {
    pub name: DnsName,
    /// Offset of the first byte after the name where it was written (not where pointers led).
    pub end: usize,
    /// The name was longer than RFC 1035 allows on the wire.
    pub too_long: bool,
}

/// Reads the name starting at `start` in `msg` (the whole DNS message, so pointers resolve).
pub fn read_name(msg: &[u8], start: usize) -> Result<ReadName, NameError> {
    let mut pos = start;
    let mut end: Option<usize> = None;
    let mut jumps = 0usize;
    // Lowest offset read so far: the start, then each pointer target in turn.
    let mut lowest = start;
    // Most names fit: one allocation instead of one per doubling.
    let mut out: Vec<u8> = Vec::with_capacity(64);
    let mut labels = 0usize;
    let mut wire_len = 0usize;
    let mut truncated = false;
    loop {
        let len = *msg.get(pos).ok_or(NameError::OutOfBounds)?;
        match len & 0xC0 {
            0x00 if len == 0 => {
                let end = end.unwrap_or(pos + 1);
                let too_long = wire_len + 1 > MAX_WIRE_NAME_LEN;
                return Ok(ReadName {
                    name: DnsName { value: out, truncated },
                    end,
                    too_long,
                });
            }
            0x00 => {
                let label_len = usize::from(len);
                let label = msg.get(pos + 1..pos + 1 + label_len).ok_or(NameError::OutOfBounds)?;
                wire_len += 1 + label_len;
                if labels > 0 {
                    truncated |= !append_capped(&mut out, b".");
                }
                truncated |= !append_capped(&mut out, label);
                labels += 1;
                pos += 1 + label_len;
                if let (Some(end), true) = (end, truncated) {
                    // Nothing more can be kept and the name's end is already known.
                    return Ok(ReadName {
                        name: DnsName { value: out, truncated },
                        end,
                        too_long: true,
                    });
                }
            }
            0xC0 => {
                let low = *msg.get(pos + 1).ok_or(NameError::OutOfBounds)?;
                let target = (usize::from(len & 0x3F) << 8) | usize::from(low);
                if end.is_none() {
                    end = Some(pos + 2);
                }
                if target >= msg.len() {
                    return Err(NameError::PointerOutOfRange);
                }
                // Compressors point at names written earlier, so each pointer must lead before
                // everything read so far: no loop can then form. The budget bounds the work.
                if target >= lowest || jumps >= MAX_POINTER_JUMPS {
                    return Err(NameError::Loop);
                }
                lowest = target;
                jumps += 1;
                pos = target;
            }
            _ => return Err(NameError::BadLabelType),
        }
    }
}

/// Appends as much of `bytes` as fits under [`MAX_NAME_LEN`]; false if something was cut.
fn append_capped(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let room = MAX_NAME_LEN.saturating_sub(out.len());
    let take = room.min(bytes.len());
    out.extend_from_slice(&bytes[..take]);
    take == bytes.len()
}
