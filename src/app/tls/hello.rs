//! ClientHello and ServerHello bodies turned into owned [`ClientHello`] / [`ServerHello`].

use tls_parser::{SNIType, TlsExtension};

use super::events::TlsEvent;
use super::extensions::split_extensions;
use super::state::{ClientHello, ServerHello};

/// Extension type numbers this module looks inside.
const EXT_SERVER_NAME: u16 = 0;
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_EC_POINT_FORMATS: u16 = 11;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_ALPN: u16 = 16;
const EXT_SUPPORTED_VERSIONS: u16 = 43;

/// Longest host name kept from server_name (a DNS name cannot be longer).
const MAX_SNI_LEN: usize = 255;

/// ServerHello.random of a HelloRetryRequest (RFC 8446, 4.1.3): SHA-256 of "HelloRetryRequest".
pub(super) const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Parse a ClientHello body. Problems are pushed to `events`; `None` when the fixed part
/// does not parse.
pub(super) fn parse_client_hello(body: &[u8], events: &mut Vec<TlsEvent>) -> Option<ClientHello> {
    let Ok((rest, ch)) = tls_parser::parse_tls_handshake_client_hello(body) else {
        events.push(TlsEvent::HandshakeInvalidLength);
        return None;
    };
    let mut out = ClientHello {
        legacy_version: ch.version.0,
        random: ch.random.to_vec(),
        session_id: ch.session_id.unwrap_or_default().to_vec(),
        cipher_suites: ch.ciphers.iter().map(|c| c.0).collect(),
        compression: ch.comp.iter().map(|c| c.0).collect(),
        ..ClientHello::default()
    };
    if !rest.is_empty() {
        events.push(TlsEvent::HandshakeInvalidLength);
    }
    let Some(block) = ch.ext else {
        return Some(out);
    };
    let (exts, complete) = split_extensions(block);
    if !complete {
        events.push(TlsEvent::HandshakeInvalidLength);
    }
    let mut sni_seen = false;
    for ext in exts {
        out.extensions.push(ext.ext_type);
        if !matches!(
            ext.ext_type,
            EXT_SERVER_NAME
                | EXT_SUPPORTED_GROUPS
                | EXT_EC_POINT_FORMATS
                | EXT_SIGNATURE_ALGORITHMS
                | EXT_ALPN
                | EXT_SUPPORTED_VERSIONS
        ) {
            continue;
        }
        let parsed = tls_parser::parse_tls_client_hello_extension(ext.encoded).map(|(_, e)| e);
        match (ext.ext_type, parsed) {
            (EXT_SERVER_NAME, parsed) => {
                if sni_seen {
                    events.push(TlsEvent::MultipleSniExtensions);
                    continue;
                }
                sni_seen = true;
                match parsed {
                    Ok(TlsExtension::SNI(names)) => out.sni = pick_sni(&names, events),
                    _ => events.push(TlsEvent::InvalidSniLength),
                }
            }
            (_, Ok(TlsExtension::EllipticCurves(groups))) => {
                out.supported_groups = groups.iter().map(|g| g.0).collect()
            }
            (_, Ok(TlsExtension::EcPointFormats(formats))) => out.ec_point_formats = formats.to_vec(),
            (_, Ok(TlsExtension::SignatureAlgorithms(algs))) => out.signature_algorithms = algs,
            (_, Ok(TlsExtension::ALPN(names))) => out.alpn = names.iter().map(|n| n.to_vec()).collect(),
            (_, Ok(TlsExtension::SupportedVersions(versions))) => {
                out.supported_versions = versions.iter().map(|v| v.0).collect()
            }
            _ => events.push(TlsEvent::HandshakeInvalidLength),
        }
    }
    Some(out)
}

/// The host name to keep from a server_name list, with Suricata's checks: the first entry
/// must be a host_name, at most 255 bytes, not empty.
fn pick_sni(names: &[(SNIType, &[u8])], events: &mut Vec<TlsEvent>) -> Option<Vec<u8>> {
    let Some((kind, name)) = names.first() else {
        events.push(TlsEvent::InvalidSniLength);
        return None;
    };
    if kind.0 != 0 {
        events.push(TlsEvent::InvalidSniType);
        return None;
    }
    if name.is_empty() || name.len() > MAX_SNI_LEN {
        events.push(TlsEvent::InvalidSniLength);
        return None;
    }
    Some(name.to_vec())
}

/// Parse a ServerHello body (also a HelloRetryRequest). Problems are pushed to `events`.
pub(super) fn parse_server_hello(body: &[u8], events: &mut Vec<TlsEvent>) -> Option<ServerHello> {
    let Ok((rest, sh)) = tls_parser::parse_tls_handshake_server_hello(body) else {
        events.push(TlsEvent::HandshakeInvalidLength);
        return None;
    };
    let mut out = ServerHello {
        legacy_version: sh.version.0,
        random: sh.random.to_vec(),
        session_id: sh.session_id.unwrap_or_default().to_vec(),
        cipher: sh.cipher.0,
        compression: sh.compression.0,
        hello_retry_request: sh.random == HELLO_RETRY_REQUEST_RANDOM,
        ..ServerHello::default()
    };
    if !rest.is_empty() {
        events.push(TlsEvent::HandshakeInvalidLength);
    }
    let Some(block) = sh.ext else {
        return Some(out);
    };
    let (exts, complete) = split_extensions(block);
    if !complete {
        events.push(TlsEvent::HandshakeInvalidLength);
    }
    for ext in exts {
        out.extensions.push(ext.ext_type);
        if !matches!(ext.ext_type, EXT_ALPN | EXT_SUPPORTED_VERSIONS) {
            continue;
        }
        match tls_parser::parse_tls_server_hello_extension(ext.encoded).map(|(_, e)| e) {
            Ok(TlsExtension::ALPN(names)) => out.alpn = names.iter().map(|n| n.to_vec()).collect(),
            Ok(TlsExtension::SupportedVersions(versions)) if versions.len() == 1 => {
                out.selected_version = versions.first().map(|v| v.0)
            }
            _ => events.push(TlsEvent::HandshakeInvalidLength),
        }
    }
    Some(out)
}
