//! TLS/SSL application layer: parses both directions of a reassembled TCP stream into a
//! [`TlsState`] (hellos, certificates, flags, events) for the TLS rule keywords, JA3/JA3S/JA4
//! fingerprints, protocol detection and the EVE `tls` object. Owns nothing outside this folder.
//!
//! Use: one [`TlsParser`] per connection; [`TlsParser::feed`] each direction's stream bytes in
//! order (any chunking), [`TlsParser::gap`] when bytes are missing, read [`TlsParser::state`].
//!
//! Conventions (Suricata's): certificate subject/issuer `C=US, O=Let's Encrypt, CN=R3`
//! (short names, RDNs in certificate order, `", "` between RDNs, `" + "` inside a
//! multi-valued RDN); serial `00:8B:AD` (uppercase hex bytes, `:`, leading zero byte kept);
//! fingerprint: SHA-1 of the DER, `4b:b8:...` (lowercase hex bytes, `:`); dates in EVE
//! `2023-01-01T00:00:00` (UTC); `tls.version` names from [`version_string`] (`TLSv1` for
//! TLS 1.0). `ssl_version` / `ssl_state` bits: see [`keywords`].
//!
//! Limits: a record (64 KiB + header) and a handshake message (256 KiB) buffered per
//! direction; 16 certificates per chain, DER kept up to 64 KiB each. TLS over TCP only
//! (no DTLS, no QUIC); TLS 1.3 certificates are encrypted and therefore never seen.

pub mod buffers;
mod certificate;
pub mod detect;
pub mod direction;
pub mod eve;
pub mod events;
mod extensions;
pub mod fuzz;
mod handshake;
mod hello;
mod hexfmt;
pub mod ja3;
pub mod ja4;
pub mod keywords;
pub mod parser;
mod record;
mod sslv2;
pub mod state;
pub mod timefmt;
pub mod version;

#[cfg(test)]
mod test_builders;
#[cfg(test)]
mod test_certs;
#[cfg(test)]
mod tests;

pub use detect::{Detection, detect};
pub use direction::Direction;
pub use eve::eve_object;
pub use events::TlsEvent;
pub use fuzz::fuzz_one;
pub use ja3::{ja3_hash, ja3_string, ja3s_hash, ja3s_string};
pub use ja4::{ja4, ja4_raw};
pub use keywords::*;
pub use parser::TlsParser;
pub use state::{CertInfo, ClientHello, DirState, ServerHello, TlsState};
pub use timefmt::eve_time;
pub use version::{eve_version_string, version_string};
