//! Addresses of the attack scenarios: venue servers, attacking hosts and a pool of reflectors, all in test ranges.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use super::attacks::{SCANNER, WEB_ATTACKER, WEB_HOST};
pub use super::venue::{INTRANET_WEB as WEB, RESOLVER};

/// SSH bastion host.
pub const SSH_BASTION: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 22);
/// Windows host exposing RDP.
pub const RDP_HOST: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 33);
/// Ticketing API (HTTPS).
pub const TICKET_API: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 81);
/// The venue server network, swept by the host sweep.
pub const SERVER_NET: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 0);

/// External host running the TCP host sweep.
pub const HOST_SWEEPER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 12);
/// External host sending the UDP flood.
pub const UDP_FLOODER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 40);
/// External host sending the ICMP flood.
pub const ICMP_FLOODER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 41);
/// External host guessing SSH passwords.
pub const SSH_GUESSER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 45);
/// External host guessing RDP passwords.
pub const RDP_GUESSER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 61);
/// External hosts of the HTTP GET flood.
pub const HTTP_FLOODERS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(198, 51, 100, 81),
    Ipv4Addr::new(198, 51, 100, 82),
    Ipv4Addr::new(198, 51, 100, 83),
];
/// External host guessing web logins.
pub const LOGIN_GUESSER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 99);
/// Guest device running a DNS tunnel.
pub const TUNNEL_CLIENT: Ipv4Addr = Ipv4Addr::new(10, 20, 3, 44);
/// Guest device uploading in bulk.
pub const EXFIL_CLIENT: Ipv4Addr = Ipv4Addr::new(10, 20, 5, 17);
/// External drop site receiving the upload.
pub const EXFIL_SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 200);

/// `ip:port` as a socket address.
pub fn sock(ip: Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(ip), port)
}

/// Reflectors live in the benchmarking range 198.18.0.0/15: 512 /24 blocks of 254 hosts.
const REFLECTOR_BLOCKS: u32 = 512;
const HOSTS_PER_BLOCK: u32 = 254;

/// Number of distinct reflector addresses.
pub const REFLECTOR_POOL: u32 = REFLECTOR_BLOCKS * HOSTS_PER_BLOCK;

/// The `i`-th reflector (open resolver, NTP server, ...): distinct for every
/// `i` below [`REFLECTOR_POOL`] (then the pool repeats), scattered over
/// 198.18.0.0/15 and never a .0 or .255 address.
pub const fn reflector(i: u32) -> Ipv4Addr {
    let i = i % REFLECTOR_POOL;
    let (b, h) = (i % REFLECTOR_BLOCKS, i / REFLECTOR_BLOCKS);
    // An odd multiplier permutes the blocks; given the block, the host octet fixes `h`.
    let block = (b * 37) % REFLECTOR_BLOCKS;
    let host = 1 + (h + b * 7) % HOSTS_PER_BLOCK;
    Ipv4Addr::new(198, 18 + (block / 256) as u8, (block % 256) as u8, host as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn reflectors_are_distinct_and_in_range() {
        let all: HashSet<Ipv4Addr> = (0..REFLECTOR_POOL).map(reflector).collect();
        assert_eq!(all.len(), REFLECTOR_POOL as usize);
        for a in &all {
            let o = a.octets();
            assert!(
                o[0] == 198 && (o[1] == 18 || o[1] == 19) && o[3] != 0 && o[3] != 255,
                "{a}"
            );
        }
        assert_eq!(reflector(0), Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(reflector(REFLECTOR_POOL), reflector(0));
    }
}
