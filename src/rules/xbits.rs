//! `xbits`: named bits kept per host or per address pair, across flows
//! (`xbits:set,name,track ip_src,expire 60`). The rule only records what
//! to test and change; the bits live in the sequencer (`detect::xbits`),
//! which sees every match in capture order.

use super::flow_keywords::NameTable;

/// What one `xbits` keyword does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XbitCmd {
    Set,
    Unset,
    Toggle,
    IsSet,
    IsNotSet,
}

impl XbitCmd {
    pub fn is_test(self) -> bool {
        matches!(self, XbitCmd::IsSet | XbitCmd::IsNotSet)
    }
}

/// Whose bit: the packet's source, its destination, or the two together
/// (either way round).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XbitTrack {
    IpSrc,
    IpDst,
    IpPair,
}

/// Seconds a set bit lives when the rule does not say.
pub const DEFAULT_EXPIRE_SECS: u32 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XbitOp {
    pub cmd: XbitCmd,
    /// Interned name (shared table, `xbits:` prefix, so a flowbit of the
    /// same name stays apart).
    pub name: u32,
    pub track: XbitTrack,
    pub expire_secs: u32,
}

/// Parses `cmd,name,track ip_src|ip_dst|ip_pair[,expire N]`.
pub fn parse_xbits(value: &str, names: &mut NameTable) -> Result<XbitOp, String> {
    let mut parts = value.split(',').map(str::trim);
    let cmd = match parts.next().unwrap_or("") {
        "set" => XbitCmd::Set,
        "unset" => XbitCmd::Unset,
        "toggle" => XbitCmd::Toggle,
        "isset" => XbitCmd::IsSet,
        "isnotset" => XbitCmd::IsNotSet,
        other => return Err(format!("unknown command '{other}'")),
    };
    let name = parts.next().filter(|n| !n.is_empty()).ok_or("needs a name")?;
    if name.contains(char::is_whitespace) {
        return Err(format!("'{name}' is not a name"));
    }
    let mut track = None;
    let mut expire_secs = DEFAULT_EXPIRE_SECS;
    for option in parts {
        let (key, arg) = option.split_once(char::is_whitespace).unwrap_or((option, ""));
        match (key, arg.trim()) {
            ("track", "ip_src") => track = Some(XbitTrack::IpSrc),
            ("track", "ip_dst") => track = Some(XbitTrack::IpDst),
            ("track", "ip_pair") => track = Some(XbitTrack::IpPair),
            ("track", other) => return Err(format!("track '{other}' is not supported (ip_src, ip_dst, ip_pair)")),
            ("expire", n) => {
                expire_secs = n
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("expire '{n}' is not a number of seconds"))?;
            }
            _ => return Err(format!("unknown option '{option}'")),
        }
    }
    let track = track.ok_or("needs 'track ip_src', 'track ip_dst' or 'track ip_pair'")?;
    Ok(XbitOp {
        cmd,
        name: names.intern(&format!("xbits:{name}")),
        track,
        expire_secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_rules_use() {
        let mut names = NameTable::default();
        let op = parse_xbits("set,ET.x,track ip_src,expire 15", &mut names).unwrap();
        assert_eq!((op.cmd, op.track, op.expire_secs), (XbitCmd::Set, XbitTrack::IpSrc, 15));
        let again = parse_xbits("isset, ET.x, track ip_dst", &mut names).unwrap();
        assert_eq!(again.name, op.name);
        assert_eq!(
            (again.cmd, again.track, again.expire_secs),
            (XbitCmd::IsSet, XbitTrack::IpDst, 30)
        );
        let pair = parse_xbits("unset,other,track ip_pair, expire 60", &mut names).unwrap();
        assert_ne!(pair.name, op.name);
        assert_eq!(pair.track, XbitTrack::IpPair);
        assert_ne!(
            names.intern("ET.x"),
            op.name,
            "a flowbit of the same name is another bit"
        );
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        let mut names = NameTable::default();
        for bad in [
            "",
            "flip,x,track ip_src",
            "set,,track ip_src",
            "set,x",
            "set,x,track tx",
            "set,x,track ip_src,expire 0",
            "set,x,track ip_src,expire soon",
            "set,x,track ip_src,ttl 3",
        ] {
            assert!(parse_xbits(bad, &mut names).is_err(), "{bad}");
        }
    }
}
