//! The classic BPF program attached to an AF_PACKET socket: a filter
//! expression (`-f 'not port 22'`) compiled by libpcap when the `libpcap`
//! feature is built (refused with a clear error otherwise), and the snap
//! length, which the program's accepting returns enforce in the kernel.

use super::LiveError;

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfInsn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// `BPF_RET | BPF_K`: return the constant `k` (bytes to keep, 0 drops).
const RET_K: u16 = 0x06;

/// Refuses a filter expression up front when there is nothing to compile it.
pub fn check_compiler(iface: &str, filter: Option<&str>) -> Result<(), LiveError> {
    match filter.map(str::trim).filter(|f| !f.is_empty()) {
        Some(expr) if !cfg!(feature = "libpcap") => Err(LiveError::FilterNeedsLibpcap {
            iface: iface.to_string(),
            expr: expr.to_string(),
        }),
        _ => Ok(()),
    }
}

/// The program for a socket: the compiled filter, or one that accepts
/// everything, with every accepting return keeping `snaplen` bytes.
pub fn program(iface: &str, filter: Option<&str>, link: u32, snaplen: u32) -> Result<Vec<BpfInsn>, LiveError> {
    let mut prog = match filter.map(str::trim).filter(|f| !f.is_empty()) {
        Some(expr) => compile(iface, expr, link)?,
        None => vec![BpfInsn {
            code: RET_K,
            jt: 0,
            jf: 0,
            k: snaplen,
        }],
    };
    for insn in &mut prog {
        if insn.code == RET_K && insn.k != 0 {
            insn.k = snaplen;
        }
    }
    Ok(prog)
}

#[cfg(feature = "libpcap")]
fn compile(iface: &str, expr: &str, link: u32) -> Result<Vec<BpfInsn>, LiveError> {
    let bad = |reason: String| LiveError::Filter {
        iface: iface.to_string(),
        expr: expr.to_string(),
        reason,
    };
    // libpcap wants its DLT value: DLT_RAW is 12 on Linux, not LINKTYPE_RAW.
    let dlt = match link {
        crate::capture::linktype::RAW => 12,
        other => other as i32,
    };
    let dead = pcap::Capture::dead(pcap::Linktype(dlt)).map_err(|e| bad(e.to_string()))?;
    let compiled = dead.compile(expr, true).map_err(|e| bad(e.to_string()))?;
    compiled
        .get_instructions()
        .iter()
        .map(|insn| parse_insn(&insn.to_string()).ok_or_else(|| bad(format!("unreadable instruction {insn}"))))
        .collect()
}

#[cfg(not(feature = "libpcap"))]
fn compile(iface: &str, expr: &str, _link: u32) -> Result<Vec<BpfInsn>, LiveError> {
    Err(LiveError::FilterNeedsLibpcap {
        iface: iface.to_string(),
        expr: expr.to_string(),
    })
}

/// The pcap crate shows an instruction as `code jt jf k` (all decimal),
/// the one safe way it offers to read the compiled program.
#[cfg_attr(not(feature = "libpcap"), allow(dead_code))]
fn parse_insn(text: &str) -> Option<BpfInsn> {
    let mut it = text.split_ascii_whitespace();
    let insn = BpfInsn {
        code: it.next()?.parse().ok()?,
        jt: it.next()?.parse().ok()?,
        jf: it.next()?.parse().ok()?,
        k: it.next()?.parse().ok()?,
    };
    it.next().is_none().then_some(insn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::linktype;

    #[test]
    fn without_a_filter_the_program_keeps_snaplen_bytes() {
        let p = program("eth0", None, linktype::ETHERNET, 1500).ok();
        assert_eq!(
            p,
            Some(vec![BpfInsn {
                code: RET_K,
                jt: 0,
                jf: 0,
                k: 1500
            }])
        );
        assert_eq!(
            program("eth0", Some("  "), linktype::ETHERNET, 1500)
                .ok()
                .map(|p| p.len()),
            Some(1)
        );
    }

    #[test]
    fn instructions_read_back_from_their_text() {
        assert_eq!(
            parse_insn("21 0 5 2048"),
            Some(BpfInsn {
                code: 21,
                jt: 0,
                jf: 5,
                k: 2048
            })
        );
        assert_eq!(parse_insn("21 0 5"), None);
        assert_eq!(parse_insn("21 0 5 1 9"), None);
        assert_eq!(parse_insn("x 0 5 1"), None);
    }

    #[cfg(not(feature = "libpcap"))]
    #[test]
    fn a_filter_without_libpcap_says_how_to_build() {
        let e = program("eth0", Some("udp"), linktype::ETHERNET, 1500)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("eth0") && e.contains("--features libpcap"), "{e}");
    }

    #[cfg(feature = "libpcap")]
    #[test]
    fn a_compiled_filter_keeps_snaplen_and_drops_with_zero() {
        let p = program("eth0", Some("udp"), linktype::ETHERNET, 1500).unwrap_or_default();
        let rets: Vec<u32> = p.iter().filter(|i| i.code == RET_K).map(|i| i.k).collect();
        assert!(rets.contains(&1500) && rets.contains(&0), "{p:?}");
        let e = program("eth0", Some("udp and and"), linktype::ETHERNET, 1500)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("eth0") && e.contains("udp and and"), "{e}");
    }
}
