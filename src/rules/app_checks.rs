//! Values of the TLS keywords that compare rather than inspect a buffer:
//! `tls.version`, `ssl_version` and `ssl_state`.

/// Version bits for `ssl_version`.
pub mod version_bit {
    pub const SSLV2: u8 = 1 << 0;
    pub const SSLV3: u8 = 1 << 1;
    pub const TLS10: u8 = 1 << 2;
    pub const TLS11: u8 = 1 << 3;
    pub const TLS12: u8 = 1 << 4;
    pub const TLS13: u8 = 1 << 5;

    /// The bit of a wire version number (0x0300 SSLv3 … 0x0304 TLS 1.3).
    pub fn of(version: u16) -> u8 {
        match version {
            0x0002 | 0x0200 => SSLV2,
            0x0300 => SSLV3,
            0x0301 => TLS10,
            0x0302 => TLS11,
            0x0303 => TLS12,
            0x0304 => TLS13,
            _ => 0,
        }
    }
}

/// Handshake state bits for `ssl_state`.
pub mod state_bit {
    pub const CLIENT_HELLO: u8 = 1 << 0;
    pub const SERVER_HELLO: u8 = 1 << 1;
    pub const CLIENT_KEYX: u8 = 1 << 2;
    pub const SERVER_KEYX: u8 = 1 << 3;
    pub const UNKNOWN: u8 = 1 << 4;
}

/// `tls.version:1.2` (also `1.0`, `1.1`, `1.3`, `3.0`/`ssl3`).
pub fn tls_version(v: &str) -> Result<u16, String> {
    Ok(match v.trim().trim_matches('"') {
        "1.0" => 0x0301,
        "1.1" => 0x0302,
        "1.2" => 0x0303,
        "1.3" => 0x0304,
        "3.0" | "ssl3" | "sslv3" => 0x0300,
        other => {
            let hex = other
                .strip_prefix("0x")
                .ok_or_else(|| format!("unknown TLS version '{other}'"))?;
            u16::from_str_radix(hex, 16).map_err(|_| format!("unknown TLS version '{other}'"))?
        }
    })
}

fn bit_list(v: &str, lookup: impl Fn(&str) -> Option<u8>, what: &str) -> Result<(u8, u8), String> {
    let (mut any_of, mut none_of) = (0u8, 0u8);
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (neg, name) = match item.strip_prefix('!') {
            Some(n) => (true, n.trim()),
            None => (false, item),
        };
        let bit = lookup(name).ok_or_else(|| format!("unknown {what} '{name}'"))?;
        if neg {
            none_of |= bit;
        } else {
            any_of |= bit;
        }
    }
    if any_of == 0 && none_of == 0 {
        return Err(format!("no {what} given"));
    }
    Ok((any_of, none_of))
}

pub fn ssl_versions(v: &str) -> Result<(u8, u8), String> {
    use version_bit::*;
    bit_list(
        v,
        |n| {
            Some(match n {
                "sslv2" => SSLV2,
                "sslv3" => SSLV3,
                "tls1.0" => TLS10,
                "tls1.1" => TLS11,
                "tls1.2" => TLS12,
                "tls1.3" => TLS13,
                _ => return None,
            })
        },
        "ssl version",
    )
}

pub fn ssl_states(v: &str) -> Result<(u8, u8), String> {
    use state_bit::*;
    let v = v.replace('|', ",");
    bit_list(
        &v,
        |n| {
            Some(match n {
                "client_hello" => CLIENT_HELLO,
                "server_hello" => SERVER_HELLO,
                "client_keyx" => CLIENT_KEYX,
                "server_keyx" => SERVER_KEYX,
                "unknown" => UNKNOWN,
                _ => return None,
            })
        },
        "ssl state",
    )
}

/// Whether a set of seen bits satisfies an `any_of`/`none_of` pair: at
/// least one wanted bit (if any are wanted) and none of the excluded.
pub fn bits_match(seen: u8, any_of: u8, none_of: u8) -> bool {
    (any_of == 0 || seen & any_of != 0) && seen & none_of == 0
}

/// `ssl_version` semantics: each listed version is its own test and any
/// passing one is enough; `!v` passes when the side speaks another
/// version. A side whose version is unknown matches nothing.
pub fn version_matches(version_bit: u8, any_of: u8, none_of: u8) -> bool {
    if version_bit == 0 {
        return false;
    }
    // A negated item passes when some excluded version is not this one.
    version_bit & any_of != 0 || none_of & !version_bit != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(tls_version("1.2"), Ok(0x0303));
        assert_eq!(tls_version("0x0304"), Ok(0x0304));
        assert!(tls_version("9").is_err());
        let (any, none) = ssl_versions("sslv3,!tls1.3").unwrap();
        assert_eq!((any, none), (version_bit::SSLV3, version_bit::TLS13));
        assert!(ssl_versions("tls9").is_err());
        let (any, _) = ssl_states("client_hello|server_hello").unwrap();
        assert_eq!(any, state_bit::CLIENT_HELLO | state_bit::SERVER_HELLO);
        assert!(bits_match(version_bit::TLS12, 0, version_bit::TLS13));
        assert!(!bits_match(version_bit::TLS13, 0, version_bit::TLS13));
        assert!(!bits_match(version_bit::TLS12, version_bit::SSLV3, 0));
        use version_bit::*;
        assert!(version_matches(TLS10, TLS12, TLS13), "!tls1.3,tls1.2 on TLS 1.0");
        assert!(!version_matches(TLS10, 0, TLS10), "!tls1.0 on TLS 1.0");
        assert!(version_matches(TLS10, TLS10 | TLS11, 0));
        assert!(!version_matches(0, 0, SSLV3), "unknown version");
    }
}
