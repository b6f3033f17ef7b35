//! TLS/SSL protocol version numbers and their names as Suricata's EVE writes them.

use std::borrow::Cow;

/// SSL 2.0 as this module stores it (major 2, minor 0), whatever the wire said (`0x0002`).
pub const SSL_V2: u16 = 0x0200;
/// SSL 3.0.
pub const SSL_V3: u16 = 0x0300;
/// TLS 1.0.
pub const TLS_V10: u16 = 0x0301;
/// TLS 1.1.
pub const TLS_V11: u16 = 0x0302;
/// TLS 1.2.
pub const TLS_V12: u16 = 0x0303;
/// TLS 1.3.
pub const TLS_V13: u16 = 0x0304;

/// Name of a version as Suricata writes `tls.version` in EVE.
///
/// Suricata's spellings are kept as they are, including the odd one out: TLS 1.0 is
/// written `"TLSv1"`, the later ones `"TLS 1.1"`, `"TLS 1.2"`, `"TLS 1.3"`.
/// `0` and every value not listed give `"UNDETERMINED"`; [`eve_version_string`] renders
/// those as Suricata does instead (`0x7f1c`-style hex, TLS 1.3 drafts).
pub fn version_string(v: u16) -> &'static str {
    match v {
        0x0002 | SSL_V2 => "SSLv2",
        SSL_V3 => "SSLv3",
        TLS_V10 => "TLSv1",
        TLS_V11 => "TLS 1.1",
        TLS_V12 => "TLS 1.2",
        TLS_V13 => "TLS 1.3",
        _ => "UNDETERMINED",
    }
}

/// Name of a version for the EVE `version` field: [`version_string`] for the known
/// versions and `0` (`"UNDETERMINED"`), `"TLS 1.3 draft-NN"` for draft versions `0x7fNN`,
/// `"TLS 1.3 draft-NN-fb"` for the `0xfbNN` variants, and lowercase hex (`"0x0305"`) for anything else, as Suricata does.
pub fn eve_version_string(v: u16) -> Cow<'static, str> {
    match v {
        0 | 0x0002 | SSL_V2 | SSL_V3 | TLS_V10 | TLS_V11 | TLS_V12 | TLS_V13 => Cow::Borrowed(version_string(v)),
        0x7f10..=0x7f1c => Cow::Owned(format!("TLS 1.3 draft-{}", v & 0xff)),
        0x7f00..=0x7f0f => Cow::Borrowed("TLS 1.3 draft-<16"),
        0xfb14..=0xfb17 | 0xfb1a => Cow::Owned(format!("TLS 1.3 draft-{}-fb", v & 0xff)),
        _ => Cow::Owned(format!("0x{v:04x}")),
    }
}

/// Whether `v` is a version a peer may really speak (SSLv3 to TLS 1.3, or a TLS 1.3 draft),
/// as opposed to GREASE or noise in a `supported_versions` list.
pub fn is_known_version(v: u16) -> bool {
    matches!(v, SSL_V3..=TLS_V13) || (v >> 8) == 0x7f
}

/// GREASE values (RFC 8701): `0x?a?a` with both bytes equal.
pub fn is_grease(v: u16) -> bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_suricata() {
        assert_eq!(version_string(0), "UNDETERMINED");
        assert_eq!(version_string(0x0002), "SSLv2");
        assert_eq!(version_string(SSL_V2), "SSLv2");
        assert_eq!(version_string(SSL_V3), "SSLv3");
        assert_eq!(version_string(TLS_V10), "TLSv1");
        assert_eq!(version_string(TLS_V11), "TLS 1.1");
        assert_eq!(version_string(TLS_V12), "TLS 1.2");
        assert_eq!(version_string(TLS_V13), "TLS 1.3");
        assert_eq!(version_string(0x0305), "UNDETERMINED");
        assert_eq!(eve_version_string(0x0305), "0x0305");
        assert_eq!(eve_version_string(0x7f1c), "TLS 1.3 draft-28");
        assert_eq!(eve_version_string(0xfb17), "TLS 1.3 draft-23-fb");
        assert_eq!(eve_version_string(TLS_V12), "TLS 1.2");
        assert_eq!(eve_version_string(0), "UNDETERMINED");
    }

    #[test]
    fn grease_values() {
        let all: Vec<u16> = (0..=0xffffu16).filter(|v| is_grease(*v)).collect();
        assert_eq!(all.len(), 16);
        assert!(all.iter().all(|v| v & 0x0f0f == 0x0a0a));
        assert!(is_grease(0x0a0a) && is_grease(0xfafa));
        assert!(!is_grease(0x1a2a));
    }
}
