//! What Suricata's TLS rule keywords inspect: `ssl_version` / `ssl_state` bitmasks and the
//! sticky buffers (`tls.cert_*`, `ja3.*`, `ja3s.*`, `ja4.hash`).

use super::direction::Direction;
use super::ja3::{ja3_hash_of, ja3_string, ja3s_hash, ja3s_string};
use super::ja4::ja4;
use super::state::TlsState;
use super::version::{SSL_V2, SSL_V3, TLS_V10, TLS_V11, TLS_V12, TLS_V13};

/// `ssl_version` bit: SSLv2 (`sslv2`).
pub const SSL_VERSION_SSLV2: u8 = 0x01;
/// `ssl_version` bit: SSLv3 (`sslv3`).
pub const SSL_VERSION_SSLV3: u8 = 0x02;
/// `ssl_version` bit: TLS 1.0 (`tls1.0`).
pub const SSL_VERSION_TLS10: u8 = 0x04;
/// `ssl_version` bit: TLS 1.1 (`tls1.1`).
pub const SSL_VERSION_TLS11: u8 = 0x08;
/// `ssl_version` bit: TLS 1.2 (`tls1.2`).
pub const SSL_VERSION_TLS12: u8 = 0x10;
/// `ssl_version` bit: TLS 1.3 and its drafts (`tls1.3`).
pub const SSL_VERSION_TLS13: u8 = 0x20;

/// `ssl_state` bit: a ClientHello (TLS or SSLv2 CLIENT-HELLO) was seen (`client_hello`).
pub const SSL_STATE_CLIENT_HELLO: u8 = 0x01;
/// `ssl_state` bit: a ServerHello (TLS or SSLv2 SERVER-HELLO) was seen (`server_hello`).
pub const SSL_STATE_SERVER_HELLO: u8 = 0x02;
/// `ssl_state` bit: a ClientKeyExchange (or SSLv2 CLIENT-MASTER-KEY) was seen (`client_keyx`).
pub const SSL_STATE_CLIENT_KEYX: u8 = 0x04;
/// `ssl_state` bit: a ServerKeyExchange was seen (`server_keyx`).
pub const SSL_STATE_SERVER_KEYX: u8 = 0x08;
/// `ssl_state` bit: a plaintext handshake message of a type TLS does not define (`unknown`).
pub const SSL_STATE_UNKNOWN: u8 = 0x10;

/// The `SSL_VERSION_*` bit of a version number; 0 for anything else.
pub fn ssl_version_bit(version: u16) -> u8 {
    match version {
        0x0002 | SSL_V2 => SSL_VERSION_SSLV2,
        SSL_V3 => SSL_VERSION_SSLV3,
        TLS_V10 => SSL_VERSION_TLS10,
        TLS_V11 => SSL_VERSION_TLS11,
        TLS_V12 => SSL_VERSION_TLS12,
        TLS_V13 | 0x7f00..=0x7fff | 0xfb14..=0xfb17 | 0xfb1a => SSL_VERSION_TLS13,
        _ => 0,
    }
}

impl TlsState {
    /// `SSL_VERSION_*` bit of the version one side speaks (see `DirState::version`); this is
    /// what Suricata's `ssl_version` compares for a packet of that direction.
    pub fn ssl_version_bits(&self, dir: Direction) -> u8 {
        self.dir(dir).version.map_or(0, ssl_version_bit)
    }

    /// Union of [`TlsState::ssl_version_bits`] over both sides.
    pub fn ssl_versions_seen(&self) -> u8 {
        self.ssl_version_bits(Direction::ToServer) | self.ssl_version_bits(Direction::ToClient)
    }

    /// `SSL_STATE_*` bits of every handshake message seen so far, both sides.
    pub fn ssl_states_seen(&self) -> u8 {
        self.states_seen
    }

    /// `tls.cert_subject`: subject of the server's leaf certificate.
    pub fn cert_subject(&self) -> Option<&str> {
        self.leaf().filter(|c| c.parsed).map(|c| c.subject.as_str())
    }

    /// `tls.cert_issuer`: issuer of the server's leaf certificate.
    pub fn cert_issuer(&self) -> Option<&str> {
        self.leaf().filter(|c| c.parsed).map(|c| c.issuer.as_str())
    }

    /// `tls.cert_serial`: serial of the server's leaf certificate (`00:8B:AD:...`).
    pub fn cert_serial(&self) -> Option<&str> {
        self.leaf().filter(|c| c.parsed).map(|c| c.serial.as_str())
    }

    /// `tls.cert_fingerprint`: SHA-1 of the server's leaf certificate (`4b:b8:...`).
    pub fn cert_fingerprint(&self) -> Option<&str> {
        self.leaf().filter(|c| c.parsed).map(|c| c.fingerprint_sha1.as_str())
    }

    /// JA3 string and hash of the ClientHello, made once.
    fn ja3(&self) -> Option<&(String, String)> {
        let ch = self.client_hello.as_ref()?;
        Some(self.ja3.get_or_init(|| {
            let text = ja3_string(ch);
            let hash = ja3_hash_of(&text);
            (text, hash)
        }))
    }

    /// `ja3.string`.
    pub fn ja3_string(&self) -> Option<&str> {
        self.ja3().map(|(text, _)| text.as_str())
    }

    /// `ja3.hash`.
    pub fn ja3_hash(&self) -> Option<&str> {
        self.ja3().map(|(_, hash)| hash.as_str())
    }

    /// `ja3s.string`.
    pub fn ja3s_string(&self) -> Option<String> {
        self.server_hello.as_ref().map(ja3s_string)
    }

    /// `ja3s.hash`.
    pub fn ja3s_hash(&self) -> Option<String> {
        self.server_hello.as_ref().map(ja3s_hash)
    }

    /// `ja4.hash`.
    pub fn ja4_hash(&self) -> Option<&str> {
        let ch = self.client_hello.as_ref()?;
        Some(self.ja4.get_or_init(|| ja4(ch)).as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_bits() {
        assert_eq!(ssl_version_bit(0x0002), SSL_VERSION_SSLV2);
        assert_eq!(ssl_version_bit(0x0300), SSL_VERSION_SSLV3);
        assert_eq!(ssl_version_bit(0x0301), SSL_VERSION_TLS10);
        assert_eq!(ssl_version_bit(0x0302), SSL_VERSION_TLS11);
        assert_eq!(ssl_version_bit(0x0303), SSL_VERSION_TLS12);
        assert_eq!(ssl_version_bit(0x0304), SSL_VERSION_TLS13);
        assert_eq!(ssl_version_bit(0x7f1c), SSL_VERSION_TLS13);
        assert_eq!(ssl_version_bit(0x0305), 0);
        let mut st = TlsState::default();
        assert_eq!(st.ssl_versions_seen(), 0);
        st.to_server.version = Some(0x0301);
        st.to_client.version = Some(0x0303);
        assert_eq!(st.ssl_versions_seen(), SSL_VERSION_TLS10 | SSL_VERSION_TLS12);
        assert_eq!(st.ssl_version_bits(Direction::ToClient), SSL_VERSION_TLS12);
    }
}
