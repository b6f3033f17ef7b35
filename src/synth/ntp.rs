//! NTPv4 client requests and server responses (48-byte packets, RFC 5905).

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
}
