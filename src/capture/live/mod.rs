//! Live packet sources: the one interface a capture worker reads a network
//! link through, and [`open_live`], which picks a back end: AF_PACKET with a
//! TPACKET_V3 ring (Linux, the default build) or libpcap (the `libpcap`
//! feature). Owns sockets, rings and kernel counters; never interprets a
//! packet and never spawns a thread (one source per worker, the caller's).

#![deny(unsafe_code)]

#[cfg(target_os = "linux")]
mod afpacket;
#[cfg(target_os = "linux")]
mod bpf;
mod error;
#[cfg(all(feature = "libpcap", unix))]
mod libpcap;
#[cfg(target_os = "linux")]
mod ring;
#[cfg(unix)]
mod sys;

pub use error::LiveError;

use super::RawPacket;
use std::time::Duration;

/// A live link read one batch at a time by the thread that owns it.
pub trait LiveSource: Send {
    /// Waits at most `timeout` for packets, then hands each one that is
    /// ready to `f`, in arrival order, and returns how many it handed. 0
    /// after the timeout is the normal answer on a quiet link: it lets the
    /// caller check its stop flag. The packet borrows the source's buffer
    /// and is valid only during the call of `f`.
    fn next_batch(&mut self, timeout: Duration, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<usize, LiveError>;

    /// Counters since the source was opened (the kernel's, accumulated).
    fn stats(&mut self) -> Result<LiveStats, LiveError>;

    /// The interface name it was opened on.
    fn interface(&self) -> &str;

    /// The link type of every packet it hands (see [`super::linktype`]).
    fn linktype(&self) -> u32;

    /// Which back end reads the link.
    fn backend(&self) -> Backend;

    /// How long after its capture a packet may still be waiting in the
    /// kernel to be handed over (a ring block not yet full waits this long).
    fn delivery_delay(&self) -> Duration {
        Duration::from_millis(100)
    }

    /// Packets are ready that `next_batch` did not hand over yet (it hands
    /// at most a ring's turn per call).
    fn behind(&self) -> bool {
        false
    }
}

/// Which implementation reads the link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// AF_PACKET on Linux, else libpcap when the feature is built.
    #[default]
    Auto,
    /// AF_PACKET with a TPACKET_V3 ring (Linux only).
    AfPacket,
    /// libpcap (the `libpcap` cargo feature).
    Libpcap,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::AfPacket => "af-packet",
            Backend::Libpcap => "libpcap",
        }
    }
}

/// How to open a live source.
///
/// For several workers on one link, open one source per worker with the same
/// `fanout_group` (and the same other options): the kernel then hands each
/// packet to exactly one of them, by a hash of its addresses and ports that
/// is the same in both directions, so a flow stays on one worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveOptions {
    pub backend: Backend,
    /// AF_PACKET fanout group id (PACKET_FANOUT_HASH); the id is shared by
    /// every socket of the group in one network namespace.
    pub fanout_group: Option<u16>,
    /// With a fanout group: let the kernel reassemble IPv4 fragments before
    /// hashing (PACKET_FANOUT_FLAG_DEFRAG), so that a fragmented datagram
    /// goes to the worker of its flow. The sockets then receive the
    /// reassembled datagram, not the fragments: fragment-level anomalies
    /// (overlaps, tiny fragments) are not seen. Without it the fragments
    /// are hashed by addresses alone and reach the sensor as sent.
    pub fanout_defrag: bool,
    /// Bytes per ring block: a multiple of the page size.
    pub block_size: u32,
    /// Blocks in the ring; the ring takes `block_size * block_count` bytes.
    pub block_count: u32,
    /// TPACKET frame size: a multiple of 16 that divides `block_size`. With
    /// TPACKET_V3 frames are packed by their real length; this only sizes
    /// the kernel's frame count.
    pub frame_size: u32,
    /// How long the kernel keeps a block that is not full before handing it
    /// over, so that a slow link still flows.
    pub block_timeout: Duration,
    /// Bytes kept of each packet.
    pub snaplen: u32,
    /// Put the interface in promiscuous mode while the source is open.
    pub promisc: bool,
    /// A BPF filter expression (`not port 22`); AF_PACKET compiles it with
    /// libpcap, so it needs the `libpcap` feature.
    pub bpf: Option<String>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            backend: Backend::Auto,
            fanout_group: None,
            fanout_defrag: true,
            block_size: 1 << 20,
            block_count: 32,
            frame_size: 2048,
            block_timeout: Duration::from_millis(20),
            snaplen: 262_144,
            promisc: true,
            bpf: None,
        }
    }
}

/// Counters of one source since it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LiveStats {
    /// Packets handed to the caller by `next_batch`.
    pub delivered: u64,
    /// Packets the kernel (or libpcap) accepted for this source after the
    /// filter, the dropped ones included.
    pub received: u64,
    /// Packets dropped because the ring (or buffer) was full.
    pub kernel_drops: u64,
    /// AF_PACKET: times the ring froze because every block was still held
    /// by the reader.
    pub freeze_count: Option<u64>,
    /// libpcap: packets dropped by the interface or its driver.
    pub if_drops: Option<u64>,
}

/// Opens `iface` for live capture with the back end `options.backend` names.
pub fn open_live(iface: &str, options: &LiveOptions) -> Result<Box<dyn LiveSource>, LiveError> {
    check_interface_name(iface)?;
    check_options(iface, options)?;
    match options.backend {
        Backend::AfPacket | Backend::Auto if cfg!(target_os = "linux") => open_af_packet(iface, options),
        Backend::Libpcap | Backend::Auto => open_libpcap(iface, options),
        Backend::AfPacket => Err(LiveError::Unsupported {
            iface: iface.to_string(),
            reason: "AF_PACKET exists only on Linux; use the libpcap back end (--features libpcap)".into(),
        }),
    }
}

#[cfg(target_os = "linux")]
fn open_af_packet(iface: &str, options: &LiveOptions) -> Result<Box<dyn LiveSource>, LiveError> {
    Ok(Box::new(afpacket::AfPacketSource::open(iface, options)?))
}

#[cfg(not(target_os = "linux"))]
fn open_af_packet(iface: &str, _options: &LiveOptions) -> Result<Box<dyn LiveSource>, LiveError> {
    Err(LiveError::Unsupported {
        iface: iface.to_string(),
        reason: "AF_PACKET exists only on Linux".into(),
    })
}

#[cfg(all(feature = "libpcap", unix))]
fn open_libpcap(iface: &str, options: &LiveOptions) -> Result<Box<dyn LiveSource>, LiveError> {
    Ok(Box::new(libpcap::PcapSource::open(iface, options)?))
}

#[cfg(not(all(feature = "libpcap", unix)))]
fn open_libpcap(iface: &str, _options: &LiveOptions) -> Result<Box<dyn LiveSource>, LiveError> {
    Err(LiveError::Unsupported {
        iface: iface.to_string(),
        reason: "the libpcap back end is not built: build vigie with --features libpcap (on a Unix system)".into(),
    })
}

/// Linux interface names: 1 to 15 bytes, no NUL, `/` or white space.
fn check_interface_name(iface: &str) -> Result<(), LiveError> {
    let bad = |reason| {
        Err(LiveError::BadInterfaceName {
            iface: iface.to_string(),
            reason,
        })
    };
    if iface.is_empty() {
        return bad("empty");
    }
    if iface.len() > 15 {
        return bad("longer than 15 bytes");
    }
    if iface.bytes().any(|b| b == 0 || b == b'/' || b.is_ascii_whitespace()) {
        return bad("contains NUL, '/' or white space");
    }
    Ok(())
}

/// Sizes the kernel would refuse with a bare EINVAL, refused here with the reason.
fn check_options(iface: &str, o: &LiveOptions) -> Result<(), LiveError> {
    let bad = |reason: String| {
        Err(LiveError::InvalidOptions {
            iface: iface.to_string(),
            reason,
        })
    };
    // The AF_PACKET source also wants a multiple of the page size; it checks that itself.
    if o.block_size == 0 {
        return bad("block size is 0".into());
    }
    if o.block_count == 0 {
        return bad("block count is 0".into());
    }
    if u64::from(o.block_size) * u64::from(o.block_count) > 1 << 32 {
        return bad(format!(
            "ring of {} blocks of {} bytes is larger than 4 GiB",
            o.block_count, o.block_size
        ));
    }
    if o.frame_size < 128 || !o.frame_size.is_multiple_of(16) || !o.block_size.is_multiple_of(o.frame_size) {
        return bad(format!(
            "frame size {} must be a multiple of 16, at least 128, that divides the block size {}",
            o.frame_size, o.block_size
        ));
    }
    let tov = o.block_timeout.as_millis();
    if !(1..=60_000).contains(&tov) {
        return bad(format!("block timeout {tov} ms is not within 1 ms to 60 s"));
    }
    if o.snaplen < 64 {
        return bad(format!("snaplen {} is below 64 bytes", o.snaplen));
    }
    if let Some(f) = &o.bpf
        && f.contains('\0')
    {
        return bad("BPF filter contains a NUL byte".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_and_sizes_are_refused_before_any_syscall() {
        let o = LiveOptions::default();
        assert!(matches!(open_live("", &o), Err(LiveError::BadInterfaceName { .. })));
        assert!(matches!(
            open_live("a-very-long-interface-name", &o),
            Err(LiveError::BadInterfaceName { .. })
        ));
        assert!(matches!(
            open_live("eth0/x", &o),
            Err(LiveError::BadInterfaceName { .. })
        ));
        let odd = LiveOptions {
            block_count: 0,
            ..LiveOptions::default()
        };
        let e = open_live("eth0", &odd).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("eth0") && e.contains("block count is 0"), "{e}");
        let frame = LiveOptions {
            frame_size: 1000,
            ..LiveOptions::default()
        };
        assert!(matches!(
            open_live("eth0", &frame),
            Err(LiveError::InvalidOptions { .. })
        ));
    }

    #[cfg(all(target_os = "linux", not(feature = "libpcap")))]
    #[test]
    fn a_filter_without_libpcap_is_refused_before_any_syscall() {
        let o = LiveOptions {
            bpf: Some("not port 22".into()),
            ..LiveOptions::default()
        };
        let e = open_live("eth0", &o).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            e,
            "eth0: BPF filter \"not port 22\" needs libpcap to compile it: build vigie with --features libpcap"
        );
    }
}
