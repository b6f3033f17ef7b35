//! Port sets for rule headers and variables: `80`, `1024:`, `:1023`,
//! `1000:2000`, combined with the list grammar.

use super::lists::ListSet;
use super::ranges::RangeSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSet(pub RangeSet<u16>);

impl PortSet {
    pub fn is_any(&self) -> bool {
        self.0.is_full()
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0.contains(port)
    }

    pub fn parse_atom(t: &str) -> Result<PortSet, String> {
        let port = |s: &str| {
            s.trim()
                .parse::<u16>()
                .map_err(|_| format!("'{t}' is not a valid port"))
        };
        let set = match t.split_once(':') {
            Some((lo, hi)) => {
                let lo = if lo.trim().is_empty() { 0 } else { port(lo)? };
                let hi = if hi.trim().is_empty() { u16::MAX } else { port(hi)? };
                if lo > hi {
                    return Err(format!("'{t}': range is reversed"));
                }
                RangeSet::single(lo, hi)
            }
            None => {
                let p = port(t)?;
                RangeSet::single(p, p)
            }
        };
        Ok(PortSet(set))
    }

    /// The individual ports, when there are at most `limit` of them.
    pub fn small_list(&self, limit: usize) -> Option<Vec<u16>> {
        if self.0.count_saturating() > limit as u128 {
            return None;
        }
        Some(self.0.ranges().iter().flat_map(|&(lo, hi)| lo..=hi).collect())
    }
}

impl ListSet for PortSet {
    fn any() -> Self {
        PortSet(RangeSet::full())
    }
    fn union(&self, o: &Self) -> Self {
        PortSet(self.0.union(&o.0))
    }
    fn complement(&self) -> Self {
        PortSet(self.0.complement())
    }
    fn minus(&self, o: &Self) -> Self {
        PortSet(self.0.minus(&o.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms() {
        assert!(PortSet::parse_atom("80").unwrap().contains(80));
        let open_hi = PortSet::parse_atom("1024:").unwrap();
        assert!(open_hi.contains(65535) && !open_hi.contains(1023));
        let open_lo = PortSet::parse_atom(":1023").unwrap();
        assert!(open_lo.contains(0) && !open_lo.contains(1024));
        assert!(PortSet::parse_atom("70000").is_err());
        assert!(PortSet::parse_atom("90:80").is_err());
        assert_eq!(
            PortSet::parse_atom("80:82").unwrap().small_list(8),
            Some(vec![80, 81, 82])
        );
        assert_eq!(PortSet::parse_atom("1:1000").unwrap().small_list(8), None);
    }
}
