//! The AF_PACKET source (Linux): one socket with a TPACKET_V3 receive ring,
//! optionally in a fanout group shared with the other workers' sockets.
//! Sets the socket up, waits with poll(2), walks the blocks the kernel
//! hands over and gives each block back after the caller has seen its
//! packets. System calls live in sys.rs, the block layout in ring.rs.

use super::sys::{self, PacketSocket, Readiness, Ring};
use super::{Backend, LiveError, LiveOptions, LiveSource, LiveStats, bpf, ring};
use crate::capture::{RawPacket, linktype};
use crate::timestamp::Timestamp;
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

const ARPHRD_ETHER: u16 = 1;
const ARPHRD_LOOPBACK: u16 = 772;
const ARPHRD_NONE: u16 = 0xfffe;

pub struct AfPacketSource {
    // Field order is drop order: unmap the ring, then close the socket.
    ring: Ring,
    socket: PacketSocket,
    iface: String,
    ifindex: i32,
    linktype: u32,
    /// On loopback every packet passes the tap twice, going out and coming
    /// back in: only the incoming copy is kept (as libpcap does).
    skip_outgoing: bool,
    next_block: usize,
    /// A frame with its VLAN tag put back in, when the kernel stripped it.
    scratch: Vec<u8>,
    stats: LiveStats,
    freeze_count: u64,
    /// ENETDOWN was reported and not yet followed by a packet.
    link_down: bool,
    /// The ring's block timeout.
    block_timeout: Duration,
}

impl AfPacketSource {
    pub fn open(iface: &str, o: &LiveOptions) -> Result<Self, LiveError> {
        let sys_err = |call| move |e: io::Error| LiveError::sys(iface, call, e);
        let page = sys::page_size();
        if !(o.block_size as usize).is_multiple_of(page) {
            return Err(LiveError::InvalidOptions {
                iface: iface.to_string(),
                reason: format!("block size {} is not a multiple of the page size {page}", o.block_size),
            });
        }
        bpf::check_compiler(iface, o.bpf.as_deref())?;
        let socket = PacketSocket::open().map_err(sys_err("socket(AF_PACKET, SOCK_RAW)"))?;
        let ifindex = socket.ifindex(iface).map_err(|e| match e.raw_os_error() {
            Some(libc::ENODEV) => LiveError::NoSuchInterface {
                iface: iface.to_string(),
            },
            _ => LiveError::sys(iface, "ioctl(SIOCGIFINDEX)", e),
        })?;
        let hatype = socket.hardware_type(iface).map_err(sys_err("ioctl(SIOCGIFHWADDR)"))?;
        let link = match hatype {
            // Loopback frames carry an Ethernet header with zero addresses.
            ARPHRD_ETHER | ARPHRD_LOOPBACK => linktype::ETHERNET,
            // tun and similar devices: the packet starts at the IP header.
            ARPHRD_NONE => linktype::RAW,
            other => {
                return Err(LiveError::UnsupportedHardware {
                    iface: iface.to_string(),
                    hatype: other,
                });
            }
        };
        // The filter goes on before bind, so no packet escapes it.
        let program = bpf::program(iface, o.bpf.as_deref(), link, o.snaplen)?;
        socket
            .attach_filter(&program)
            .map_err(sys_err("setsockopt(SO_ATTACH_FILTER)"))?;
        socket.set_tpacket_v3().map_err(sys_err("setsockopt(PACKET_VERSION)"))?;
        let tov = u32::try_from(o.block_timeout.as_millis()).unwrap_or(u32::MAX);
        socket
            .set_rx_ring(o.block_size, o.block_count, o.frame_size, tov)
            .map_err(sys_err("setsockopt(PACKET_RX_RING)"))?;
        let ring = Ring::map(&socket, o.block_size, o.block_count).map_err(sys_err("mmap(PACKET_RX_RING)"))?;
        if o.promisc {
            socket
                .add_promisc(ifindex)
                .map_err(sys_err("setsockopt(PACKET_ADD_MEMBERSHIP)"))?;
        }
        socket.bind(ifindex).map_err(sys_err("bind(AF_PACKET)"))?;
        if let Some(group) = o.fanout_group {
            socket
                .join_fanout(group, o.fanout_defrag)
                .map_err(sys_err("setsockopt(PACKET_FANOUT)"))?;
        }
        tracing::debug!(
            iface,
            ifindex,
            hatype,
            linktype = link,
            fanout = ?o.fanout_group,
            ring_bytes = u64::from(o.block_size) * u64::from(o.block_count),
            "AF_PACKET source open"
        );
        Ok(AfPacketSource {
            ring,
            socket,
            iface: iface.to_string(),
            ifindex,
            linktype: link,
            skip_outgoing: hatype == ARPHRD_LOOPBACK,
            next_block: 0,
            scratch: Vec::new(),
            stats: LiveStats {
                freeze_count: Some(0),
                ..LiveStats::default()
            },
            freeze_count: 0,
            link_down: false,
            block_timeout: o.block_timeout,
        })
    }

    /// Hands the packets of the current block to `f`, gives the block back
    /// and moves to the next one. Returns the packets handed.
    fn walk_block(&mut self, f: &mut dyn FnMut(&RawPacket<'_>)) -> usize {
        let index = self.next_block;
        let Some(block) = self.ring.user_block(index) else {
            return 0;
        };
        let mut handed = 0;
        match ring::frames(block) {
            Err(bad) => tracing::warn!(iface = %self.iface, block = index, "skipped a ring block: {bad}"),
            Ok(frames) => {
                for frame in frames {
                    let frame = match frame {
                        Ok(frame) => frame,
                        Err(bad) => {
                            tracing::warn!(iface = %self.iface, block = index, "rest of a ring block skipped: {bad}");
                            break;
                        }
                    };
                    if self.skip_outgoing && frame.pkttype == Some(ring::PACKET_OUTGOING) {
                        continue;
                    }
                    let packet = to_raw_packet(&frame, self.linktype, &mut self.scratch);
                    f(&packet);
                    handed += 1;
                }
            }
        }
        self.ring.release(index);
        self.next_block = (index + 1) % self.ring.block_count();
        self.stats.delivered += handed as u64;
        handed
    }

    /// Collects the error poll(2) reported. A link going down is only
    /// logged: the socket resumes when it comes back up. The kernel reports
    /// a removed interface the same way; that one is an error, since the
    /// socket will never receive again.
    fn socket_error(&mut self) -> Result<(), LiveError> {
        let err = self
            .socket
            .take_error()
            .map_err(|e| LiveError::sys(&self.iface, "getsockopt(SO_ERROR)", e))?;
        match err {
            Some(e) if e.raw_os_error() == Some(libc::ENETDOWN) => {
                if self.socket.ifindex(&self.iface).ok() != Some(self.ifindex) {
                    return Err(LiveError::InterfaceGone {
                        iface: self.iface.clone(),
                    });
                }
                if !self.link_down {
                    tracing::warn!(iface = %self.iface, "link is down; waiting for it to come back");
                    self.link_down = true;
                }
                Ok(())
            }
            Some(e) => Err(LiveError::sys(&self.iface, "poll(AF_PACKET)", e)),
            None => Ok(()),
        }
    }
}

/// The frame as the decoder wants it. The kernel strips the outer VLAN tag
/// of every received frame into the frame header; it is put back, in a copy,
/// so that rules and the decoder see the frame as it was on the wire.
fn to_raw_packet<'a>(frame: &ring::Frame<'a>, link: u32, scratch: &'a mut Vec<u8>) -> RawPacket<'a> {
    let ts = Timestamp::new(i64::from(frame.sec), frame.nsec);
    if frame.status & ring::TP_STATUS_VLAN_VALID != 0 && link == linktype::ETHERNET && frame.data.len() >= 12 {
        let tpid = if frame.status & ring::TP_STATUS_VLAN_TPID_VALID != 0 && frame.vlan_tpid != 0 {
            frame.vlan_tpid
        } else {
            0x8100
        };
        scratch.clear();
        scratch.extend_from_slice(&frame.data[..12]);
        scratch.extend_from_slice(&tpid.to_be_bytes());
        scratch.extend_from_slice(&frame.vlan_tci.to_be_bytes());
        scratch.extend_from_slice(&frame.data[12..]);
        return RawPacket {
            ts,
            linktype: link,
            data: scratch,
            wire_len: frame.wire_len.saturating_add(4),
        };
    }
    RawPacket {
        ts,
        linktype: link,
        data: frame.data,
        wire_len: frame.wire_len,
    }
}

impl LiveSource for AfPacketSource {
    fn next_batch(&mut self, timeout: Duration, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<usize, LiveError> {
        // A timeout too long for a deadline (Duration::MAX) waits for ever.
        let deadline = Instant::now().checked_add(timeout);
        let mut handed = 0;
        // At most one turn of the ring per call, so that a busy link still
        // lets the caller look at its stop flag.
        let mut blocks = 0;
        while blocks < self.ring.block_count() {
            if self.ring.user_block(self.next_block).is_some() {
                handed += self.walk_block(f);
                blocks += 1;
                if self.link_down {
                    tracing::info!(iface = %self.iface, "link is back");
                    self.link_down = false;
                }
                continue;
            }
            if blocks > 0 {
                break;
            }
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => timeout,
            };
            if left.is_zero() {
                break;
            }
            let ready = sys::poll_readable(self.socket.as_fd(), left)
                .map_err(|e| LiveError::sys(&self.iface, "poll(AF_PACKET)", e))?;
            match ready {
                Readiness::Readable | Readiness::Interrupted => {}
                Readiness::TimedOut => break,
                Readiness::Error => self.socket_error()?,
            }
        }
        Ok(handed)
    }

    fn stats(&mut self) -> Result<LiveStats, LiveError> {
        let c = self
            .socket
            .take_counters()
            .map_err(|e| LiveError::sys(&self.iface, "getsockopt(PACKET_STATISTICS)", e))?;
        self.stats.received += u64::from(c.packets);
        self.stats.kernel_drops += u64::from(c.drops);
        self.freeze_count += u64::from(c.freeze_count);
        self.stats.freeze_count = Some(self.freeze_count);
        Ok(self.stats)
    }

    fn interface(&self) -> &str {
        &self.iface
    }

    fn linktype(&self) -> u32 {
        self.linktype
    }

    fn backend(&self) -> Backend {
        Backend::AfPacket
    }

    fn delivery_delay(&self) -> Duration {
        self.block_timeout
    }

    fn behind(&self) -> bool {
        self.ring.user_block(self.next_block).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(data: &[u8], status: u32, tci: u16, tpid: u16) -> ring::Frame<'_> {
        ring::Frame {
            sec: 5,
            nsec: 6,
            wire_len: data.len() as u32,
            status,
            vlan_tci: tci,
            vlan_tpid: tpid,
            pkttype: Some(0),
            data,
        }
    }

    #[test]
    fn a_stripped_vlan_tag_is_put_back() {
        let mut eth = vec![0xaa; 6];
        eth.extend([0xbb; 6]);
        eth.extend([0x08, 0x00, 0x45]);
        let mut scratch = Vec::new();
        let f = frame(
            &eth,
            ring::TP_STATUS_VLAN_VALID | ring::TP_STATUS_VLAN_TPID_VALID,
            0x2064,
            0x88a8,
        );
        let p = to_raw_packet(&f, linktype::ETHERNET, &mut scratch);
        assert_eq!(&p.data[12..16], &[0x88, 0xa8, 0x20, 0x64]);
        assert_eq!(&p.data[16..], &[0x08, 0x00, 0x45]);
        assert_eq!(p.wire_len, eth.len() as u32 + 4);
        assert_eq!(p.ts, Timestamp::new(5, 6));

        let mut scratch = Vec::new();
        let f = frame(&eth, ring::TP_STATUS_VLAN_VALID, 7, 0);
        assert_eq!(
            &to_raw_packet(&f, linktype::ETHERNET, &mut scratch).data[12..16],
            &[0x81, 0, 0, 7]
        );

        let mut scratch = Vec::new();
        let f = frame(&eth, 0, 7, 0);
        assert_eq!(to_raw_packet(&f, linktype::ETHERNET, &mut scratch).data, &eth[..]);
    }
}
