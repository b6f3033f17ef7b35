//! Every unsafe line of the live sources, behind safe wrappers: the
//! AF_PACKET socket (options, ioctls, statistics), the mmap'd TPACKET_V3
//! ring and poll(2). Each unsafe block states what makes it sound. Knows
//! nothing of frames: ring.rs reads the blocks this hands out.

#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

/// What poll(2) saw on a descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    Readable,
    TimedOut,
    /// POLLERR or POLLHUP: the socket has an error to collect.
    Error,
    /// A signal interrupted the wait.
    Interrupted,
}

/// Waits until `fd` is readable, for at most `timeout` (rounded up to a
/// millisecond so that a short wait does not spin).
#[cfg_attr(not(any(target_os = "linux", feature = "libpcap")), allow(dead_code))]
pub fn poll_readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<Readiness> {
    let mut ms = timeout.as_millis();
    if timeout.as_nanos() > ms * 1_000_000 {
        ms += 1;
    }
    let ms = libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX);
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one live pollfd, matching nfds = 1; poll writes only its revents.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::Interrupted => Ok(Readiness::Interrupted),
            _ => Err(e),
        };
    }
    if rc == 0 {
        return Ok(Readiness::TimedOut);
    }
    if pfd.revents & libc::POLLNVAL != 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    if pfd.revents & libc::POLLIN != 0 {
        return Ok(Readiness::Readable);
    }
    Ok(Readiness::Error)
}

#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(target_os = "linux")]
mod linux {
    use super::super::bpf::BpfInsn;
    use super::super::ring::BLOCK_STATUS_OFFSET;
    use std::io;
    use std::mem::size_of;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
    use std::ptr::NonNull;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// `TPACKET_V3` of `enum tpacket_versions`.
    const TPACKET_V3: libc::c_int = 2;
    const TP_STATUS_KERNEL: u32 = 0;
    const TP_STATUS_USER: u32 = 1;

    fn check(rc: libc::c_int) -> io::Result<()> {
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// The system's page size.
    pub fn page_size() -> usize {
        // SAFETY: sysconf takes no pointers.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
    }

    /// An AF_PACKET SOCK_RAW socket; closed on drop.
    pub struct PacketSocket {
        fd: OwnedFd,
    }

    /// Kernel counters read (and reset) by PACKET_STATISTICS.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct RingCounters {
        /// Packets that passed the filter, the dropped ones included.
        pub packets: u32,
        pub drops: u32,
        pub freeze_count: u32,
    }

    impl PacketSocket {
        /// A socket that receives nothing until [`PacketSocket::bind`] names
        /// its interface and protocol, so that no packet of another
        /// interface, or an unfiltered one, slips in while it is set up.
        pub fn open() -> io::Result<Self> {
            // SAFETY: socket(2) takes no pointers.
            let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
            check(fd)?;
            // SAFETY: `fd` was just returned by socket(2); nothing else owns it.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            Ok(PacketSocket { fd })
        }

        fn ifreq(name: &str) -> io::Result<libc::ifreq> {
            // SAFETY: ifreq is plain old data (a name array and a union of
            // integers, sockaddrs and a pointer) for which all-zero bytes are valid.
            let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
            if name.len() >= ifr.ifr_name.len() || name.bytes().any(|b| b == 0) {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            for (dst, b) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
                *dst = b as libc::c_char;
            }
            Ok(ifr)
        }

        /// The interface's index (SIOCGIFINDEX), in this thread's network namespace.
        pub fn ifindex(&self, name: &str) -> io::Result<i32> {
            let mut ifr = Self::ifreq(name)?;
            // SAFETY: `ifr` is a live, NUL-terminated ifreq; SIOCGIFINDEX writes only into it.
            check(unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::SIOCGIFINDEX as _, &mut ifr) })?;
            // SAFETY: on success SIOCGIFINDEX has set the union's ifindex member.
            Ok(unsafe { ifr.ifr_ifru.ifru_ifindex })
        }

        /// The interface's hardware type (ARPHRD_*, SIOCGIFHWADDR).
        pub fn hardware_type(&self, name: &str) -> io::Result<u16> {
            let mut ifr = Self::ifreq(name)?;
            // SAFETY: as in `ifindex`; SIOCGIFHWADDR writes a sockaddr into the union.
            check(unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::SIOCGIFHWADDR as _, &mut ifr) })?;
            // SAFETY: on success SIOCGIFHWADDR has set the union's hwaddr member.
            Ok(unsafe { ifr.ifr_ifru.ifru_hwaddr.sa_family })
        }

        /// setsockopt(2) with a plain-data value the kernel copies.
        fn set<T: Copy>(&self, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
            let len =
                libc::socklen_t::try_from(size_of::<T>()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            // SAFETY: `value` points to size_of::<T>() readable bytes for the
            // whole call; the kernel only copies them in.
            check(unsafe { libc::setsockopt(self.fd.as_raw_fd(), level, name, (value as *const T).cast(), len) })
        }

        pub fn set_tpacket_v3(&self) -> io::Result<()> {
            self.set(libc::SOL_PACKET, libc::PACKET_VERSION, &TPACKET_V3)
        }

        /// PACKET_RX_RING: `block_count` blocks of `block_size` bytes, handed
        /// over when full or after `block_timeout_ms`.
        pub fn set_rx_ring(
            &self,
            block_size: u32,
            block_count: u32,
            frame_size: u32,
            block_timeout_ms: u32,
        ) -> io::Result<()> {
            let req = libc::tpacket_req3 {
                tp_block_size: block_size,
                tp_block_nr: block_count,
                tp_frame_size: frame_size,
                tp_frame_nr: (block_size / frame_size).saturating_mul(block_count),
                tp_retire_blk_tov: block_timeout_ms,
                tp_sizeof_priv: 0,
                tp_feature_req_word: 0,
            };
            self.set(libc::SOL_PACKET, libc::PACKET_RX_RING, &req)
        }

        /// PACKET_ADD_MEMBERSHIP with PACKET_MR_PROMISC: promiscuous mode for
        /// as long as the socket is open (the kernel counts the requests).
        pub fn add_promisc(&self, ifindex: i32) -> io::Result<()> {
            let mreq = libc::packet_mreq {
                mr_ifindex: ifindex,
                mr_type: libc::PACKET_MR_PROMISC as libc::c_ushort,
                mr_alen: 0,
                mr_address: [0; 8],
            };
            self.set(libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mreq)
        }

        /// SO_ATTACH_FILTER: a classic BPF program run on every packet.
        pub fn attach_filter(&self, program: &[BpfInsn]) -> io::Result<()> {
            let mut insns: Vec<libc::sock_filter> = program
                .iter()
                .map(|i| libc::sock_filter {
                    code: i.code,
                    jt: i.jt,
                    jf: i.jf,
                    k: i.k,
                })
                .collect();
            let len = u16::try_from(insns.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            let prog = libc::sock_fprog {
                len,
                filter: insns.as_mut_ptr(),
            };
            // `insns` outlives the call; the kernel copies the program.
            self.set(libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &prog)
        }

        /// Starts receiving every protocol on `ifindex`.
        pub fn bind(&self, ifindex: i32) -> io::Result<()> {
            let addr = libc::sockaddr_ll {
                sll_family: libc::AF_PACKET as libc::c_ushort,
                sll_protocol: (libc::ETH_P_ALL as u16).to_be(),
                sll_ifindex: ifindex,
                sll_hatype: 0,
                sll_pkttype: 0,
                sll_halen: 0,
                sll_addr: [0; 8],
            };
            let len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            // SAFETY: `addr` is a live sockaddr_ll of `len` bytes; bind only reads it.
            check(unsafe { libc::bind(self.fd.as_raw_fd(), (&addr as *const libc::sockaddr_ll).cast(), len) })
        }

        /// Joins fanout group `group`: packets spread by the kernel's flow
        /// hash; with `defrag`, IPv4 fragments reassembled before hashing.
        pub fn join_fanout(&self, group: u16, defrag: bool) -> io::Result<()> {
            let mut mode: u32 = libc::PACKET_FANOUT_HASH;
            if defrag {
                mode |= libc::PACKET_FANOUT_FLAG_DEFRAG;
            }
            let arg: libc::c_int = (u32::from(group) | (mode << 16)) as libc::c_int;
            self.set(libc::SOL_PACKET, libc::PACKET_FANOUT, &arg)
        }

        /// getsockopt(2) into `value`, a struct of plain integers (any bytes
        /// the kernel writes are a valid value of it).
        fn get<T: Copy>(&self, level: libc::c_int, name: libc::c_int, value: &mut T) -> io::Result<()> {
            let mut len =
                libc::socklen_t::try_from(size_of::<T>()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            // SAFETY: `value` is size_of::<T>() writable bytes and `len` says
            // so; the kernel writes at most `len` bytes, integers only.
            check(unsafe { libc::getsockopt(self.fd.as_raw_fd(), level, name, (value as *mut T).cast(), &mut len) })
        }

        /// PACKET_STATISTICS; the kernel resets its counters on each read.
        pub fn take_counters(&self) -> io::Result<RingCounters> {
            let mut st = libc::tpacket_stats_v3 {
                tp_packets: 0,
                tp_drops: 0,
                tp_freeze_q_cnt: 0,
            };
            self.get(libc::SOL_PACKET, libc::PACKET_STATISTICS, &mut st)?;
            Ok(RingCounters {
                packets: st.tp_packets,
                drops: st.tp_drops,
                freeze_count: st.tp_freeze_q_cnt,
            })
        }

        /// Collects (and clears) the socket's pending error (SO_ERROR).
        pub fn take_error(&self) -> io::Result<Option<io::Error>> {
            let mut err: libc::c_int = 0;
            self.get(libc::SOL_SOCKET, libc::SO_ERROR, &mut err)?;
            Ok((err != 0).then(|| io::Error::from_raw_os_error(err)))
        }
    }

    impl AsFd for PacketSocket {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.fd.as_fd()
        }
    }

    /// The socket's receive ring mapped into memory; unmapped on drop.
    ///
    /// A block belongs either to the kernel or to the reader, as its
    /// `block_status` word says: the kernel writes a block only while it is
    /// TP_STATUS_KERNEL, then stores TP_STATUS_USER after its last write
    /// (with a write barrier); the reader reads the block only after seeing
    /// TP_STATUS_USER (acquire) and gives it back by storing
    /// TP_STATUS_KERNEL (release) once it no longer borrows it.
    pub struct Ring {
        base: NonNull<u8>,
        len: usize,
        block_size: usize,
        block_count: usize,
    }

    // SAFETY: the mapping is owned by this value alone (only `&mut self`
    // gives blocks back); moving it to another thread moves that ownership.
    unsafe impl Send for Ring {}

    impl Ring {
        /// Maps the ring set up by [`PacketSocket::set_rx_ring`].
        pub fn map(socket: &PacketSocket, block_size: u32, block_count: u32) -> io::Result<Ring> {
            let block_size = block_size as usize;
            let block_count = block_count as usize;
            let len = block_size
                .checked_mul(block_count)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
            // SAFETY: a fresh shared mapping of the socket's ring; no existing
            // memory is touched, and the result is checked before any use.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    socket.fd.as_raw_fd(),
                    0,
                )
            };
            if ptr == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            let base = NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
            Ok(Ring {
                base,
                len,
                block_size,
                block_count,
            })
        }

        pub fn block_count(&self) -> usize {
            self.block_count
        }

        fn status(&self, index: usize) -> Option<&AtomicU32> {
            if index >= self.block_count {
                return None;
            }
            let at = index * self.block_size + BLOCK_STATUS_OFFSET;
            // SAFETY: `at + 4 <= len` since index < block_count and a block is
            // larger than its descriptor; the mapping is page aligned and
            // block_size a multiple of the page size, so the word is 4-byte
            // aligned. The kernel and this reader access it only atomically
            // (the kernel with a barrier before, we with acquire/release).
            Some(unsafe { AtomicU32::from_ptr(self.base.as_ptr().add(at).cast::<u32>()) })
        }

        /// Block `index`, if the kernel has handed it over.
        pub fn user_block(&self, index: usize) -> Option<&[u8]> {
            let status = self.status(index)?;
            if status.load(Ordering::Acquire) & TP_STATUS_USER == 0 {
                return None;
            }
            // SAFETY: the block lies within the mapping (index < block_count)
            // and belongs to the reader until `release`, which takes `&mut
            // self` and so cannot run while this borrow lives; the kernel
            // does not write a block marked TP_STATUS_USER.
            Some(unsafe {
                std::slice::from_raw_parts(self.base.as_ptr().add(index * self.block_size), self.block_size)
            })
        }

        /// Gives block `index` back to the kernel.
        pub fn release(&mut self, index: usize) {
            if let Some(status) = self.status(index) {
                status.store(TP_STATUS_KERNEL, Ordering::Release);
            }
        }
    }

    impl Drop for Ring {
        fn drop(&mut self) {
            // SAFETY: `base`/`len` are the mapping made in `map`, unmapped
            // once; no block borrow can outlive `self`.
            let rc = unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
            if rc != 0 {
                tracing::warn!("munmap of a capture ring failed: {}", io::Error::last_os_error());
            }
        }
    }
}
