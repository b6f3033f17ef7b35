//! fast.log: Suricata's one-line alert format.

use crate::alert::{Alert, proto_name};
use std::net::IpAddr;

fn endpoint(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("{a}:{port}"),
    }
}

/// One fast.log line, newline included.
pub fn render(a: &Alert) -> String {
    let sig = &a.signature;
    // ICMP shows type and code where the ports would be.
    let (sp, dp) = match a.icmp {
        Some((t, c)) => (u16::from(t), u16::from(c)),
        None => (a.src_port, a.dest_port),
    };
    let class = if sig.category.is_empty() {
        "(null)"
    } else {
        sig.category.as_str()
    };
    format!(
        "{}  [**] [{}:{}:{}] {} [**] [Classification: {}] [Priority: {}] {{{}}} {} -> {}\n",
        a.ts.fastlog(),
        sig.gid,
        sig.sid,
        sig.rev,
        sig.msg,
        class,
        sig.severity,
        proto_name(a.proto),
        endpoint(a.src_ip, sp),
        endpoint(a.dest_ip, dp),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        let a = crate::output::eve::tests::sample();
        assert_eq!(
            render(&a),
            "09/18/2023-06:13:41.532140  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root [**] \
             [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.2:80 -> 10.0.0.1:40000\n"
        );
    }
}
