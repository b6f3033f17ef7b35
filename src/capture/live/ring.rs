//! The layout of a TPACKET_V3 ring block (linux/if_packet.h): the block
//! descriptor and the frames packed in it, read from a block the kernel has
//! handed over. Plain safe code over `&[u8]`: every offset and length the
//! kernel wrote is checked against the block, so a bad header ends the walk
//! of that block with a reason instead of reading outside it.

/// Offset of `hdr.bh1.block_status` in `struct tpacket_block_desc`.
pub const BLOCK_STATUS_OFFSET: usize = 8;
/// `struct tpacket_block_desc` with its `tpacket_hdr_v1`.
const BLOCK_DESC_LEN: usize = 48;
const NUM_PKTS: usize = 12;
const OFFSET_TO_FIRST_PKT: usize = 16;
const BLK_LEN: usize = 20;

/// `struct tpacket3_hdr`.
const FRAME_HDR_LEN: usize = 48;
const TP_NEXT_OFFSET: usize = 0;
const TP_SEC: usize = 4;
const TP_NSEC: usize = 8;
const TP_SNAPLEN: usize = 12;
const TP_LEN: usize = 16;
const TP_STATUS: usize = 20;
const TP_MAC: usize = 24;
const TP_VLAN_TCI: usize = 32;
const TP_VLAN_TPID: usize = 36;
/// The `struct sockaddr_ll` the kernel writes after the frame header, at
/// TPACKET_ALIGN(sizeof(struct tpacket3_hdr)); `sll_pkttype` is its byte 10.
const SLL_PKTTYPE: usize = 48 + 10;

/// `tp_status` bits of a frame.
pub const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
pub const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;

/// `sll_pkttype` of a frame the host sent.
pub const PACKET_OUTGOING: u8 = 4;

/// One frame of a block, borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub sec: u32,
    pub nsec: u32,
    /// Length on the wire (`tp_len`).
    pub wire_len: u32,
    pub status: u32,
    pub vlan_tci: u16,
    pub vlan_tpid: u16,
    /// `sll_pkttype`, when the frame leaves room for its link address.
    pub pkttype: Option<u8>,
    /// The captured bytes from the link header on (`tp_snaplen` of them).
    pub data: &'a [u8],
}

/// Why the walk of a block stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadBlock {
    /// Index of the frame in the block (0-based).
    pub frame: u32,
    /// Offset of that frame in the block.
    pub offset: usize,
    pub reason: &'static str,
}

impl std::fmt::Display for BadBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "frame {} at offset {}: {}", self.frame, self.offset, self.reason)
    }
}

/// The frames of a block, in the order the kernel wrote them.
pub struct Frames<'a> {
    block: &'a [u8],
    remaining: u32,
    index: u32,
    offset: usize,
    /// Set when the previous frame's next offset was unusable.
    pending: Option<&'static str>,
}

/// Walks `block`, a whole block of the ring that the kernel has handed over.
pub fn frames(block: &[u8]) -> Result<Frames<'_>, BadBlock> {
    let bad = |reason| BadBlock {
        frame: 0,
        offset: 0,
        reason,
    };
    let (Some(num_pkts), Some(first), Some(blk_len)) = (
        read_u32(block, NUM_PKTS),
        read_u32(block, OFFSET_TO_FIRST_PKT),
        read_u32(block, BLK_LEN),
    ) else {
        return Err(bad("block shorter than its descriptor"));
    };
    let used = usize::try_from(blk_len).unwrap_or(usize::MAX);
    if used > block.len() {
        return Err(bad("block length beyond the block"));
    }
    let first = usize::try_from(first).unwrap_or(usize::MAX);
    if num_pkts > 0 && first < BLOCK_DESC_LEN {
        return Err(bad("first frame inside the block descriptor"));
    }
    Ok(Frames {
        // Frames lie within the part of the block the kernel says it used;
        // an empty block may report 0 used bytes.
        block: &block[..used.max(BLOCK_DESC_LEN.min(block.len()))],
        remaining: num_pkts,
        index: 0,
        offset: first,
        pending: None,
    })
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, BadBlock>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let item = match self.pending {
            Some(reason) => Err(reason),
            None => self.frame_at(self.offset),
        };
        match item {
            Ok((frame, next)) => {
                self.remaining -= 1;
                self.index += 1;
                if next < FRAME_HDR_LEN {
                    // A next offset that does not move past the header would
                    // loop over or overlap frames.
                    self.pending = Some("next frame offset does not move past the frame header");
                } else {
                    self.offset = self.offset.saturating_add(next);
                }
                Some(Ok(frame))
            }
            Err(reason) => {
                let bad = BadBlock {
                    frame: self.index,
                    offset: self.offset,
                    reason,
                };
                self.remaining = 0;
                Some(Err(bad))
            }
        }
    }
}

impl<'a> Frames<'a> {
    /// The frame at `start` and its `tp_next_offset`.
    fn frame_at(&self, start: usize) -> Result<(Frame<'a>, usize), &'static str> {
        let block = self.block;
        let hdr_end = start.checked_add(FRAME_HDR_LEN).ok_or("frame offset overflows")?;
        if hdr_end > block.len() {
            return Err("frame header beyond the block");
        }
        let h = &block[start..hdr_end];
        let field32 = |at| read_u32(h, at).unwrap_or(0);
        let field16 = |at| read_u16(h, at).unwrap_or(0);
        let mac = usize::from(field16(TP_MAC));
        let snaplen = usize::try_from(field32(TP_SNAPLEN)).map_err(|_| "snap length overflows")?;
        if mac < FRAME_HDR_LEN {
            return Err("packet data overlaps the frame header");
        }
        let data_start = start + mac;
        let data_end = data_start.checked_add(snaplen).ok_or("snap length overflows")?;
        if data_end > block.len() {
            return Err("packet data beyond the block");
        }
        // The link address sits between the header and the data when the
        // kernel left room for it.
        let pkttype = if mac > SLL_PKTTYPE {
            block.get(start + SLL_PKTTYPE).copied()
        } else {
            None
        };
        let next = usize::try_from(field32(TP_NEXT_OFFSET)).unwrap_or(usize::MAX);
        let frame = Frame {
            sec: field32(TP_SEC),
            nsec: field32(TP_NSEC),
            wire_len: field32(TP_LEN),
            status: field32(TP_STATUS),
            vlan_tci: field32(TP_VLAN_TCI) as u16,
            vlan_tpid: field16(TP_VLAN_TPID),
            pkttype,
            data: &block[data_start..data_end],
        };
        Ok((frame, next))
    }
}

fn read_u32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes(bytes.try_into().ok()?))
}

fn read_u16(b: &[u8], at: usize) -> Option<u16> {
    let bytes = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_ne_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block as the kernel lays it out, with frames of the given payloads.
    struct BlockBuilder {
        buf: Vec<u8>,
        frames: Vec<usize>,
    }

    impl BlockBuilder {
        fn new(size: usize) -> Self {
            let mut buf = vec![0u8; size];
            put32(&mut buf, OFFSET_TO_FIRST_PKT, BLOCK_DESC_LEN as u32);
            BlockBuilder {
                buf,
                frames: Vec::new(),
            }
        }

        fn frame(mut self, sec: u32, payload: &[u8], pkttype: u8) -> Self {
            let start = self.frames.last().map_or(BLOCK_DESC_LEN, |&last| {
                let mac = usize::from(u16::from_ne_bytes([
                    self.buf[last + TP_MAC],
                    self.buf[last + TP_MAC + 1],
                ]));
                let snap = u32::from_ne_bytes(self.buf[last + TP_SNAPLEN..last + TP_SNAPLEN + 4].try_into().unwrap());
                (last + mac + snap as usize).next_multiple_of(16)
            });
            if let Some(&last) = self.frames.last() {
                put32(&mut self.buf, last + TP_NEXT_OFFSET, (start - last) as u32);
            }
            let mac = 80; // header, sockaddr_ll, alignment
            put32(&mut self.buf, start + TP_SEC, sec);
            put32(&mut self.buf, start + TP_NSEC, 7);
            put32(&mut self.buf, start + TP_SNAPLEN, payload.len() as u32);
            put32(&mut self.buf, start + TP_LEN, payload.len() as u32 + 10);
            self.buf[start + TP_MAC..start + TP_MAC + 2].copy_from_slice(&(mac as u16).to_ne_bytes());
            self.buf[start + SLL_PKTTYPE] = pkttype;
            self.buf[start + mac..start + mac + payload.len()].copy_from_slice(payload);
            self.frames.push(start);
            let n = self.frames.len() as u32;
            put32(&mut self.buf, NUM_PKTS, n);
            let used = (start + mac + payload.len()) as u32;
            put32(&mut self.buf, BLK_LEN, used);
            self
        }
    }

    fn put32(b: &mut [u8], at: usize, v: u32) {
        b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    }

    fn walk(block: &[u8]) -> (Vec<Frame<'_>>, Option<BadBlock>) {
        let mut ok = Vec::new();
        let mut bad = None;
        match frames(block) {
            Err(e) => bad = Some(e),
            Ok(it) => {
                for f in it {
                    match f {
                        Ok(f) => ok.push(f),
                        Err(e) => bad = Some(e),
                    }
                }
            }
        }
        (ok, bad)
    }

    #[test]
    fn frames_are_read_in_order_with_their_fields() {
        let b = BlockBuilder::new(4096)
            .frame(1, b"first frame", 0)
            .frame(2, b"second", PACKET_OUTGOING)
            .frame(3, &[0xab; 300], 3);
        let (ok, bad) = walk(&b.buf);
        assert_eq!(bad, None);
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[0].data, b"first frame");
        assert_eq!((ok[0].sec, ok[0].nsec, ok[0].wire_len), (1, 7, 21));
        assert_eq!(ok[1].pkttype, Some(PACKET_OUTGOING));
        assert_eq!(ok[2].data, &[0xab; 300][..]);
    }

    #[test]
    fn an_empty_block_has_no_frames() {
        let b = BlockBuilder::new(4096);
        assert_eq!(walk(&b.buf), (vec![], None));
        assert!(frames(&[0u8; 10]).is_err());
    }

    #[test]
    fn hostile_offsets_stop_the_walk_inside_the_block() {
        let good = BlockBuilder::new(4096).frame(1, b"aaaa", 0).frame(2, b"bbbb", 0);
        let first = good.frames[0];
        let second = good.frames[1];

        // Snap length running past the end of the block.
        let mut b = good.buf.clone();
        put32(&mut b, second + TP_SNAPLEN, 5000);
        let (ok, bad) = walk(&b);
        assert_eq!(ok.len(), 1);
        assert_eq!(bad.map(|e| e.reason), Some("packet data beyond the block"));

        // A huge snap length that overflows when added to the offset.
        let mut b = good.buf.clone();
        put32(&mut b, first + TP_SNAPLEN, u32::MAX);
        assert_eq!(walk(&b).0.len(), 0);

        // Next offset pointing outside the block.
        let mut b = good.buf.clone();
        put32(&mut b, first + TP_NEXT_OFFSET, u32::MAX);
        let (ok, bad) = walk(&b);
        assert_eq!(ok.len(), 1);
        assert_eq!(bad.map(|e| e.frame), Some(1));

        // Next offset of 0 with frames left: no endless loop over one frame.
        let mut b = good.buf.clone();
        put32(&mut b, first + TP_NEXT_OFFSET, 0);
        put32(&mut b, NUM_PKTS, u32::MAX);
        let (ok, bad) = walk(&b);
        assert_eq!(ok.len(), 1);
        assert!(bad.is_some());

        // More packets announced than the block holds.
        let mut b = good.buf.clone();
        put32(&mut b, NUM_PKTS, 1000);
        let (ok, bad) = walk(&b);
        assert_eq!(ok.len(), 2);
        assert!(bad.is_some());

        // Data offset inside the frame header.
        let mut b = good.buf.clone();
        b[first + TP_MAC..first + TP_MAC + 2].copy_from_slice(&4u16.to_ne_bytes());
        assert_eq!(
            walk(&b).1.map(|e| e.reason),
            Some("packet data overlaps the frame header")
        );

        // First frame in the descriptor, block length beyond the block.
        let mut b = good.buf.clone();
        put32(&mut b, OFFSET_TO_FIRST_PKT, 3);
        assert!(frames(&b).is_err());
        let mut b = good.buf.clone();
        put32(&mut b, BLK_LEN, 1 << 20);
        assert!(frames(&b).is_err());
    }

    #[test]
    fn random_headers_never_read_outside_the_block() {
        // A fixed pseudo-random sweep: every field of every header garbage.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut b = BlockBuilder::new(1024).frame(1, b"xxxxxxxx", 0).frame(2, b"yy", 0).buf;
            for _ in 0..8 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x as usize) % (b.len() - 4);
                let v = (x >> 32) as u32;
                put32(&mut b, at & !3, v);
            }
            let (ok, _) = walk(&b);
            for f in ok {
                let start = f.data.as_ptr() as usize - b.as_ptr() as usize;
                assert!(start + f.data.len() <= b.len());
            }
        }
    }
}
