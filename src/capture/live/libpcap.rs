//! The libpcap source (the `libpcap` cargo feature): for systems without
//! AF_PACKET and for link types the AF_PACKET source does not map. A
//! non-blocking pcap handle in immediate mode, waited on with poll(2);
//! BPF filters by pcap_setfilter, drops from pcap_stats.

use super::sys::{self, Readiness};
use super::{Backend, LiveError, LiveOptions, LiveSource, LiveStats};
use crate::capture::{RawPacket, linktype};
use crate::timestamp::Timestamp;
use std::os::fd::AsFd;
use std::time::Duration;

pub struct PcapSource {
    capture: pcap::Capture<pcap::Active>,
    iface: String,
    linktype: u32,
    delivered: u64,
    received: Counter32,
    drops: Counter32,
    if_drops: Counter32,
}

/// A 32-bit counter that libpcap reports as a running total (and that
/// wraps), kept as a 64-bit total.
#[derive(Clone, Copy, Debug, Default)]
struct Counter32 {
    last: u32,
    total: u64,
}

impl Counter32 {
    fn update(&mut self, now: u32) -> u64 {
        self.total += u64::from(now.wrapping_sub(self.last));
        self.last = now;
        self.total
    }
}

impl PcapSource {
    pub fn open(iface: &str, o: &LiveOptions) -> Result<Self, LiveError> {
        let pcap_err = |call| {
            move |e: pcap::Error| LiveError::Pcap {
                iface: iface.to_string(),
                call,
                reason: e.to_string(),
            }
        };
        if o.fanout_group.is_some() {
            return Err(LiveError::Unsupported {
                iface: iface.to_string(),
                reason: "the libpcap back end has no fanout group; use AF_PACKET (Linux)".into(),
            });
        }
        let buffer = u64::from(o.block_size) * u64::from(o.block_count);
        let capture = pcap::Capture::from_device(iface)
            .map_err(pcap_err("pcap_create"))?
            .promisc(o.promisc)
            .snaplen(i32::try_from(o.snaplen).unwrap_or(i32::MAX))
            .immediate_mode(true)
            .precision(pcap::Precision::Nano)
            .buffer_size(i32::try_from(buffer).unwrap_or(i32::MAX))
            .timeout(i32::try_from(o.block_timeout.as_millis()).unwrap_or(i32::MAX))
            .open()
            .map_err(pcap_err("pcap_activate"))?;
        let mut capture = capture.setnonblock().map_err(pcap_err("pcap_setnonblock"))?;
        if let Some(expr) = o.bpf.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            capture.filter(expr, true).map_err(|e| LiveError::Filter {
                iface: iface.to_string(),
                expr: expr.to_string(),
                reason: e.to_string(),
            })?;
        }
        // DLT and LINKTYPE values agree for every link type vigie decodes
        // except raw IP, whose DLT is 12 or 14: both are read as raw IP.
        let link = u32::try_from(capture.get_datalink().0).unwrap_or(u32::MAX);
        if !linktype::is_supported(link) {
            return Err(LiveError::UnsupportedLinkType {
                iface: iface.to_string(),
                linktype: link,
            });
        }
        tracing::debug!(iface, linktype = link, "libpcap source open");
        Ok(PcapSource {
            capture,
            iface: iface.to_string(),
            linktype: link,
            delivered: 0,
            received: Counter32::default(),
            drops: Counter32::default(),
            if_drops: Counter32::default(),
        })
    }

    /// Hands what libpcap has buffered to `f`.
    fn dispatch(&mut self, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<usize, LiveError> {
        let link = self.linktype;
        let n = self
            .capture
            .dispatch(None, |p| {
                // With nanosecond precision the "usec" field holds nanoseconds.
                let nanos = u32::try_from(p.header.ts.tv_usec).unwrap_or(0);
                // time_t is 32 bits on some targets.
                #[allow(clippy::useless_conversion)]
                let secs = i64::from(p.header.ts.tv_sec);
                let packet = RawPacket {
                    ts: Timestamp::new(secs, nanos),
                    linktype: link,
                    data: p.data,
                    wire_len: p.header.len,
                };
                f(&packet);
            })
            .map_err(|e| LiveError::Pcap {
                iface: self.iface.clone(),
                call: "pcap_dispatch",
                reason: e.to_string(),
            })?;
        self.delivered += n as u64;
        Ok(n)
    }
}

impl LiveSource for PcapSource {
    fn next_batch(&mut self, timeout: Duration, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<usize, LiveError> {
        // libpcap may hold packets already read from the kernel, which poll
        // would not report.
        let n = self.dispatch(f)?;
        if n > 0 {
            return Ok(n);
        }
        let ready = sys::poll_readable(self.capture.as_fd(), timeout)
            .map_err(|e| LiveError::sys(&self.iface, "poll(pcap)", e))?;
        match ready {
            Readiness::Readable | Readiness::Error => self.dispatch(f),
            Readiness::TimedOut | Readiness::Interrupted => Ok(0),
        }
    }

    fn stats(&mut self) -> Result<LiveStats, LiveError> {
        let s = self.capture.stats().map_err(|e| LiveError::Pcap {
            iface: self.iface.clone(),
            call: "pcap_stats",
            reason: e.to_string(),
        })?;
        Ok(LiveStats {
            delivered: self.delivered,
            received: self.received.update(s.received),
            kernel_drops: self.drops.update(s.dropped),
            freeze_count: None,
            if_drops: Some(self.if_drops.update(s.if_dropped)),
        })
    }

    fn interface(&self) -> &str {
        &self.iface
    }

    fn linktype(&self) -> u32 {
        self.linktype
    }

    fn backend(&self) -> Backend {
        Backend::Libpcap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fanout_group_is_refused() {
        let o = LiveOptions {
            backend: Backend::Libpcap,
            fanout_group: Some(1),
            ..LiveOptions::default()
        };
        let e = PcapSource::open("eth0", &o)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("eth0: the libpcap back end has no fanout group"), "{e}");
    }

    #[test]
    fn running_totals_survive_a_wrap() {
        let mut c = Counter32::default();
        assert_eq!(c.update(10), 10);
        assert_eq!(c.update(u32::MAX), u64::from(u32::MAX));
        assert_eq!(c.update(4), u64::from(u32::MAX) + 5);
    }
}
