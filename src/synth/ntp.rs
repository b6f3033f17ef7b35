//! NTP packets: NTPv4 client requests and server responses (48 bytes, RFC 5905) and mode 7 monlist responses.

use std::net::Ipv4Addr;

use super::frame::FrameTime;

/// Size of an NTP packet without extensions.
pub const NTP_PACKET_LEN: usize = 48;

/// Seconds between the NTP era start (1900) and the Unix epoch.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// 32.32 fixed-point NTP timestamp (era 0, wrapping like real clocks do in 2036).
pub fn ntp_timestamp(t: FrameTime) -> u64 {
    let secs = (t.secs.wrapping_add(NTP_UNIX_OFFSET) & 0xFFFF_FFFF) << 32;
    let frac = (u64::from(t.nanos) << 32) / 1_000_000_000;
    secs | frac
}

/// A client (mode 3) request stamped with its transmit time.
pub fn client_request(transmit: FrameTime) -> [u8; NTP_PACKET_LEN] {
    let mut p = [0u8; NTP_PACKET_LEN];
    p[0] = 0x23; // LI 0, version 4, mode 3
    p[2] = 6; // poll 64 s
    p[3] = 0xE9; // precision 2^-23
    p[40..48].copy_from_slice(&ntp_timestamp(transmit).to_be_bytes());
    p
}

/// A stratum-2 server (mode 4) answer. `origin` is the client's transmit time.
pub fn server_response(
    origin: FrameTime,
    receive: FrameTime,
    transmit: FrameTime,
    upstream: Ipv4Addr,
) -> [u8; NTP_PACKET_LEN] {
    let mut p = [0u8; NTP_PACKET_LEN];
    p[0] = 0x24; // LI 0, version 4, mode 4
    p[1] = 2; // stratum
    p[2] = 6;
    p[3] = 0xE9;
    p[4..8].copy_from_slice(&0x0000_0150u32.to_be_bytes()); // root delay
    p[8..12].copy_from_slice(&0x0000_0210u32.to_be_bytes()); // root dispersion
    p[12..16].copy_from_slice(&upstream.octets());
    let reference = FrameTime::new(receive.secs.saturating_sub(37), receive.nanos);
    p[16..24].copy_from_slice(&ntp_timestamp(reference).to_be_bytes());
    p[24..32].copy_from_slice(&ntp_timestamp(origin).to_be_bytes());
    p[32..40].copy_from_slice(&ntp_timestamp(receive).to_be_bytes());
    p[40..48].copy_from_slice(&ntp_timestamp(transmit).to_be_bytes());
    p
}

/// Size of one `MON_GETLIST_1` entry in a mode 7 response.
pub const MONLIST_ITEM_LEN: usize = 72;
/// Entries a mode 7 response carries at most (its data area is 500 bytes).
pub const MONLIST_ITEMS_PER_PACKET: usize = 6;
/// Mode 7 request code of the monitor list (`MON_GETLIST_1`).
const REQ_MON_GETLIST_1: u8 = 42;
/// Implementation number of the reference daemon (`IMPL_XNTPD`).
const IMPL_XNTPD: u8 = 3;

/// One host the server has heard from, as the monitor list reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonitorEntry {
    /// The remote host.
    pub addr: Ipv4Addr,
    /// The server's own address that host talked to.
    pub local: Ipv4Addr,
    pub port: u16,
    /// Packets received from the host.
    pub count: u32,
    /// Average and last interval between its packets, in seconds.
    pub avg_interval: u32,
    pub last_interval: u32,
    pub mode: u8,
    pub version: u8,
}

/// A mode 7 `MON_GETLIST_1` response packet with up to
/// [`MONLIST_ITEMS_PER_PACKET`] entries: 8-byte header then 72-byte items.
/// `more` marks that further packets of the same answer follow.
pub fn monlist_response(sequence: u8, more: bool, entries: &[MonitorEntry]) -> Vec<u8> {
    let entries = &entries[..entries.len().min(MONLIST_ITEMS_PER_PACKET)];
    let mut p = Vec::with_capacity(8 + entries.len() * MONLIST_ITEM_LEN);
    // Response bit, more bit, version 2, mode 7.
    p.push(0x80 | if more { 0x40 } else { 0 } | (2 << 3) | 7);
    p.push(sequence & 0x7F);
    p.push(IMPL_XNTPD);
    p.push(REQ_MON_GETLIST_1);
    p.extend_from_slice(&(entries.len() as u16).to_be_bytes()); // error 0, item count
    p.extend_from_slice(&(MONLIST_ITEM_LEN as u16).to_be_bytes());
    for e in entries {
        for word in [e.avg_interval, e.last_interval, 0, e.count] {
            p.extend_from_slice(&word.to_be_bytes());
        }
        p.extend_from_slice(&e.addr.octets());
        p.extend_from_slice(&e.local.octets());
        p.extend_from_slice(&0u32.to_be_bytes()); // flags
        p.extend_from_slice(&e.port.to_be_bytes());
        p.push(e.mode);
        p.push(e.version);
        p.extend_from_slice(&[0; 8]); // IPv6 flag, unused
        p.extend_from_slice(&[0; 32]); // IPv6 remote and local addresses
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_modes() {
        // 2024-01-01T00:00:00.5Z: NTP seconds 3913056000, half a second of fraction.
        let t = FrameTime::new(1_704_067_200, 500_000_000);
        assert_eq!(ntp_timestamp(t), (3_913_056_000u64 << 32) | 0x8000_0000);
        let req = client_request(t);
        assert_eq!(req[0] & 0x7, 3);
        assert_eq!(req[0] >> 3 & 0x7, 4);
        let resp = server_response(t, t.plus_millis(10), t.plus_millis(11), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(resp[0] & 0x7, 4);
        assert_eq!(&resp[24..32], &req[40..48]);
        assert_eq!(resp.len(), NTP_PACKET_LEN);
    }

    #[test]
    fn monlist_layout() {
        let e = MonitorEntry {
            addr: Ipv4Addr::new(192, 0, 2, 9),
            local: Ipv4Addr::new(198, 18, 0, 1),
            port: 123,
            count: 77,
            avg_interval: 64,
            last_interval: 3,
            mode: 3,
            version: 4,
        };
        let p = monlist_response(5, true, &[e; 9]);
        assert_eq!(p.len(), 8 + 6 * 72);
        assert_eq!(&p[..8], &[0xD7, 5, 3, 42, 0, 6, 0, 72]);
        assert_eq!(&p[8 + 16..8 + 24], &[192, 0, 2, 9, 198, 18, 0, 1]);
        assert_eq!(&p[8 + 28..8 + 32], &[0, 123, 3, 4]);
        assert_eq!(monlist_response(6, false, &[e])[0], 0x97);
    }
}
