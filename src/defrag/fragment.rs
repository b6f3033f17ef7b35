//! What one IP fragment says about itself: the datagram it belongs to, its
//! place in it, and (for the first fragment) the headers to rebuild it with.

use crate::decode::{IpLayer, VlanIds};
use std::net::IpAddr;

/// Identifies the datagram a fragment belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DatagramKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub proto: u8,
    pub vlan: VlanIds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment<'a> {
    pub key: DatagramKey,
    /// Byte offset of `data` in the reassembled payload.
    pub offset: u32,
    pub more: bool,
    pub data: &'a [u8],
    /// Headers before the fragmentable part: the IPv4 header, or the IPv6
    /// header plus extension headers preceding the Fragment header.
    pub unfragmentable: &'a [u8],
    /// IPv6: where, inside `unfragmentable`, the next-header byte that must
    /// name the reassembled payload's protocol sits.
    pub next_header_at: usize,
}

const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const DEST_OPTS: u8 = 60;
const AUTH: u8 = 51;

/// The fragment view of a decoded packet, `None` if it is not a fragment
/// or its headers are inconsistent.
pub fn fragment_of<'a>(ip: &IpLayer<'a>, vlan: VlanIds) -> Option<Fragment<'a>> {
    if !ip.fragmented {
        return None;
    }
    match ip.version {
        4 => {
            let hlen = ip.header.len();
            Some(Fragment {
                key: DatagramKey {
                    src: ip.src,
                    dst: ip.dst,
                    id: ip.id,
                    proto: ip.proto,
                    vlan,
                },
                offset: u32::from(ip.frag_offset) * 8,
                more: ip.more_fragments,
                data: ip.raw.get(hlen..)?,
                unfragmentable: ip.header,
                next_header_at: 9,
            })
        }
        6 => ipv6_fragment(ip, vlan),
        _ => None,
    }
}

/// Walks IPv6 extension headers to the Fragment header.
fn ipv6_fragment<'a>(ip: &IpLayer<'a>, vlan: VlanIds) -> Option<Fragment<'a>> {
    let raw = ip.raw;
    let mut next = *raw.get(6)?;
    let mut next_at = 6;
    let mut at = 40;
    for _ in 0..16 {
        match next {
            FRAGMENT => {
                let h = raw.get(at..at + 8)?;
                let off_flags = u16::from_be_bytes([h[2], h[3]]);
                let id = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
                return Some(Fragment {
                    key: DatagramKey {
                        src: ip.src,
                        dst: ip.dst,
                        id,
                        proto: h[0],
                        vlan,
                    },
                    offset: u32::from(off_flags >> 3) * 8,
                    more: off_flags & 1 != 0,
                    data: raw.get(at + 8..)?,
                    unfragmentable: raw.get(..at)?,
                    next_header_at: next_at,
                });
            }
            HOP_BY_HOP | ROUTING | DEST_OPTS => {
                let len = (usize::from(*raw.get(at + 1)?) + 1) * 8;
                next = *raw.get(at)?;
                next_at = at;
                at += len;
            }
            AUTH => {
                let len = (usize::from(*raw.get(at + 1)?) + 2) * 4;
                next = *raw.get(at)?;
                next_at = at;
                at += len;
            }
            _ => return None,
        }
    }
    None
}
