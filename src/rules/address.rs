//! Address sets for rule headers and variables: IPv4 and IPv6 addresses,
//! CIDR blocks and ranges, combined with the list grammar.

use super::lists::ListSet;
use super::ranges::RangeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    pub v4: RangeSet<u32>,
    pub v6: RangeSet<u128>,
}

impl IpSet {
    pub fn is_any(&self) -> bool {
        self.v4.is_full() && self.v6.is_full()
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    fn only_v4(set: RangeSet<u32>) -> Self {
        IpSet {
            v4: set,
            v6: RangeSet::empty(),
        }
    }

    fn only_v6(set: RangeSet<u128>) -> Self {
        IpSet {
            v4: RangeSet::empty(),
            v6: set,
        }
    }

    /// Parses one address, CIDR block or `a-b` range.
    pub fn parse_atom(t: &str) -> Result<IpSet, String> {
        if let Some((lo, hi)) = t.split_once('-') {
            let (lo, hi) = (lo.trim(), hi.trim());
            return match (lo.parse::<IpAddr>(), hi.parse::<IpAddr>()) {
                (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(b))) if a <= b => {
                    Ok(Self::only_v4(RangeSet::single(u32::from(a), u32::from(b))))
                }
                (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(b))) if a <= b => {
                    Ok(Self::only_v6(RangeSet::single(u128::from(a), u128::from(b))))
                }
                _ => Err(format!("'{t}' is not a valid address range")),
            };
        }
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| format!("'{t}' is not an IP address"))?;
        match ip {
            IpAddr::V4(a) => {
                let bits = parse_prefix(prefix, 32, t)?;
                let base = u32::from(a);
                let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
                let lo = base & mask;
                Ok(Self::only_v4(RangeSet::single(lo, lo | !mask)))
            }
            IpAddr::V6(a) => {
                let bits = parse_prefix(prefix, 128, t)?;
                let base = u128::from(a);
                let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
                let lo = base & mask;
                Ok(Self::only_v6(RangeSet::single(lo, lo | !mask)))
            }
        }
    }

    /// A short human form for diagnostics and summaries.
    pub fn describe(&self) -> String {
        if self.is_any() {
            return "any".into();
        }
        let mut parts: Vec<String> = self
            .v4
            .ranges()
            .iter()
            .map(|&(lo, hi)| describe_range(IpAddr::V4(Ipv4Addr::from(lo)), IpAddr::V4(Ipv4Addr::from(hi))))
            .collect();
        parts.extend(
            self.v6
                .ranges()
                .iter()
                .map(|&(lo, hi)| describe_range(IpAddr::V6(Ipv6Addr::from(lo)), IpAddr::V6(Ipv6Addr::from(hi)))),
        );
        parts.join(",")
    }
}

fn describe_range(lo: IpAddr, hi: IpAddr) -> String {
    if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }
}

fn parse_prefix(prefix: Option<&str>, max: u32, whole: &str) -> Result<u32, String> {
    match prefix {
        None => Ok(max),
        Some(p) => {
            // A dotted netmask (10.0.0.0/255.0.0.0) is accepted for IPv4.
            if max == 32
                && let Ok(mask) = p.parse::<Ipv4Addr>()
            {
                let m = u32::from(mask);
                if m.leading_ones() + m.trailing_zeros() == 32 {
                    return Ok(m.leading_ones());
                }
                return Err(format!("'{whole}': netmask is not contiguous"));
            }
            match p.parse::<u32>() {
                Ok(b) if b <= max => Ok(b),
                _ => Err(format!("'{whole}': invalid prefix length")),
            }
        }
    }
}

impl ListSet for IpSet {
    fn any() -> Self {
        IpSet {
            v4: RangeSet::full(),
            v6: RangeSet::full(),
        }
    }
    fn union(&self, o: &Self) -> Self {
        IpSet {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }
    fn complement(&self) -> Self {
        IpSet {
            v4: self.v4.complement(),
            v6: self.v6.complement(),
        }
    }
    fn minus(&self, o: &Self) -> Self {
        IpSet {
            v4: self.v4.minus(&o.v4),
            v6: self.v6.minus(&o.v6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_and_ranges() {
        let s = IpSet::parse_atom("10.1.2.3/16").unwrap();
        assert!(s.contains(ip("10.1.255.255")) && !s.contains(ip("10.2.0.0")));
        let r = IpSet::parse_atom("192.168.1.10-192.168.1.20").unwrap();
        assert!(r.contains(ip("192.168.1.15")) && !r.contains(ip("192.168.1.21")));
        let v6 = IpSet::parse_atom("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let m = IpSet::parse_atom("10.0.0.0/255.0.0.0").unwrap();
        assert!(m.contains(ip("10.200.0.1")));
        assert!(IpSet::parse_atom("0.0.0.0/0").unwrap().v4.is_full());
    }

    #[test]
    fn bad_atoms() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0",
            "hello",
            "10.0.0.9-10.0.0.1",
            "10.0.0.0/255.0.255.0",
        ] {
            assert!(IpSet::parse_atom(bad).is_err(), "{bad}");
        }
    }
}
