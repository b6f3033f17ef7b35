//! Keywords on IP, TCP and ICMP header fields: ttl, tos, id, ip_proto,
//! ipopts, fragbits, fragoffset, flags, seq, ack, window, itype, icode,
//! icmp_id, icmp_seq.

use super::numeric::NumCmp;
use crate::decode::packet::ipopt;
use crate::decode::tcp_flags;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitsMode {
    /// Exactly these bits (outside the mask).
    Exact,
    /// These bits and possibly others (`+`).
    All,
    /// Any of these bits (`*`).
    Any,
    /// None of these bits (`!`).
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitsTest {
    pub bits: u8,
    pub mode: BitsMode,
    /// Bits to ignore.
    pub ignore: u8,
}

impl BitsTest {
    pub fn matches(&self, value: u8) -> bool {
        let v = value & !self.ignore;
        match self.mode {
            BitsMode::Exact => v == self.bits,
            BitsMode::All => v & self.bits == self.bits,
            BitsMode::Any => v & self.bits != 0 || self.bits == 0,
            BitsMode::Not => v & self.bits == 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderTest {
    Ttl(NumCmp),
    Tos(NumCmp),
    IpId(NumCmp),
    IpProto(NumCmp),
    IpOpts(u16),
    FragBits(BitsTest),
    FragOffset(NumCmp),
    TcpFlags(BitsTest),
    Seq(u32),
    Ack(u32),
    Window(NumCmp),
    Itype(NumCmp),
    Icode(NumCmp),
    IcmpId(u16),
    IcmpSeq(u16),
}

impl HeaderTest {
    pub fn needs_tcp(&self) -> bool {
        matches!(
            self,
            HeaderTest::TcpFlags(_) | HeaderTest::Seq(_) | HeaderTest::Ack(_) | HeaderTest::Window(_)
        )
    }

    pub fn needs_icmp(&self) -> bool {
        matches!(
            self,
            HeaderTest::Itype(_) | HeaderTest::Icode(_) | HeaderTest::IcmpId(_) | HeaderTest::IcmpSeq(_)
        )
    }
}

fn letter_bit(c: char) -> Option<u8> {
    Some(match c.to_ascii_uppercase() {
        'F' => tcp_flags::FIN,
        'S' => tcp_flags::SYN,
        'R' => tcp_flags::RST,
        'P' => tcp_flags::PSH,
        'A' => tcp_flags::ACK,
        'U' => tcp_flags::URG,
        'C' | '1' => tcp_flags::CWR,
        'E' | '2' => tcp_flags::ECE,
        _ => return None,
    })
}

/// `flags:[!|*|+]FSRPAUCE0[,mask]`.
pub fn parse_flags(value: &str) -> Result<BitsTest, String> {
    let (spec, mask) = match value.split_once(',') {
        Some((s, m)) => (s.trim(), Some(m.trim())),
        None => (value.trim(), None),
    };
    let mut mode = BitsMode::Exact;
    let mut bits = 0u8;
    let mut saw_zero = false;
    for c in spec.chars() {
        match c {
            '!' => mode = BitsMode::Not,
            '*' => mode = BitsMode::Any,
            '+' => mode = BitsMode::All,
            '0' => saw_zero = true,
            c => bits |= letter_bit(c).ok_or_else(|| format!("flags: unknown flag '{c}'"))?,
        }
    }
    if spec.is_empty() || (bits == 0 && !saw_zero) {
        return Err("flags: no flag given".into());
    }
    let mut ignore = 0u8;
    if let Some(m) = mask {
        for c in m.chars() {
            ignore |= letter_bit(c).ok_or_else(|| format!("flags: unknown mask flag '{c}'"))?;
        }
    }
    Ok(BitsTest { bits, mode, ignore })
}

/// Fragment bits as stored in `BitsTest`: M=1, D=2, R=4.
pub const FRAG_MORE: u8 = 1;
pub const FRAG_DONT: u8 = 2;
pub const FRAG_RESERVED: u8 = 4;

/// `fragbits:[*+!]MDR`.
pub fn parse_fragbits(value: &str) -> Result<BitsTest, String> {
    let mut mode = BitsMode::Exact;
    let mut bits = 0u8;
    for c in value.trim().chars() {
        match c.to_ascii_uppercase() {
            '!' => mode = BitsMode::Not,
            '*' => mode = BitsMode::Any,
            '+' => mode = BitsMode::All,
            'M' => bits |= FRAG_MORE,
            'D' => bits |= FRAG_DONT,
            'R' => bits |= FRAG_RESERVED,
            c => return Err(format!("fragbits: unknown bit '{c}'")),
        }
    }
    if bits == 0 {
        return Err("fragbits: no bit given".into());
    }
    Ok(BitsTest { bits, mode, ignore: 0 })
}

pub fn parse_ipopts(value: &str) -> Result<u16, String> {
    Ok(match value.trim() {
        "rr" => ipopt::RR,
        "eol" => ipopt::EOL,
        "nop" => ipopt::NOP,
        "ts" => ipopt::TS,
        "sec" => ipopt::SEC,
        "esec" => ipopt::ESEC,
        "lsrr" => ipopt::LSRR,
        "ssrr" => ipopt::SSRR,
        "satid" => ipopt::SATID,
        "rtralt" => ipopt::RTRALT,
        "cipso" => ipopt::CIPSO,
        "qs" => ipopt::QS,
        "any" => u16::MAX,
        other => return Err(format!("ipopts: unknown option '{other}'")),
    })
}

/// `ip_proto:[!<>]N` or a protocol name.
pub fn parse_ip_proto(value: &str) -> Result<NumCmp, String> {
    let v = value.trim();
    let (prefix, name) = match v.find(|c: char| c.is_ascii_alphanumeric()) {
        Some(i) => (&v[..i], &v[i..]),
        None => return Err(format!("ip_proto: '{v}' is not a protocol")),
    };
    let number = match name.to_ascii_lowercase().as_str() {
        "icmp" => 1,
        "igmp" => 2,
        "ipip" | "ipv4" => 4,
        "tcp" => 6,
        "udp" => 17,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "rsvp" => 46,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "ipv6-icmp" | "icmpv6" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "pim" => 103,
        "sctp" => 132,
        _ => return NumCmp::parse(v, 255),
    };
    NumCmp::parse(&format!("{prefix}{number}"), 255)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcp_flags::*;

    #[test]
    fn flags_modes() {
        let sa = parse_flags("SA").unwrap();
        assert!(sa.matches(SYN | ACK) && !sa.matches(SYN | ACK | PSH) && !sa.matches(SYN));
        let plus = parse_flags("S+").unwrap();
        assert!(plus.matches(SYN | ACK) && !plus.matches(ACK));
        let any = parse_flags("*SF").unwrap();
        assert!(any.matches(FIN) && !any.matches(ACK));
        let not = parse_flags("!R").unwrap();
        assert!(not.matches(SYN) && !not.matches(RST | ACK));
        let masked = parse_flags("S,CE").unwrap();
        assert!(masked.matches(SYN | CWR | ECE) && !masked.matches(SYN | ACK));
        let zero = parse_flags("0").unwrap();
        assert!(zero.matches(0) && !zero.matches(SYN));
        assert!(parse_flags("X").is_err() && parse_flags("").is_err());
    }

    #[test]
    fn fragbits_and_ipopts() {
        let m = parse_fragbits("M").unwrap();
        assert!(m.matches(FRAG_MORE) && !m.matches(FRAG_MORE | FRAG_DONT));
        let d = parse_fragbits("+D").unwrap();
        assert!(d.matches(FRAG_DONT | FRAG_MORE));
        assert!(parse_fragbits("Q").is_err());
        assert_eq!(parse_ipopts("lsrr").unwrap(), ipopt::LSRR);
        assert!(parse_ipopts("bogus").is_err());
    }

    #[test]
    fn ip_proto_names() {
        assert_eq!(parse_ip_proto("TCP").unwrap(), NumCmp::Eq(6));
        assert_eq!(parse_ip_proto("!gre").unwrap(), NumCmp::Ne(47));
        assert_eq!(parse_ip_proto(">50").unwrap(), NumCmp::Gt(50));
        assert!(parse_ip_proto("nonsense").is_err());
    }
}
