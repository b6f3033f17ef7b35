//! Certificate messages: the chain split into DER certificates, each summarised as a
//! [`CertInfo`] in Suricata's formats.

use sha1::{Digest, Sha1};
use tls_parser::TlsMessageHandshake;
use x509_parser::extensions::GeneralName;
use x509_parser::objects::oid_registry;
use x509_parser::prelude::{X509Certificate, X509Name};

use super::events::TlsEvent;
use super::hexfmt::{colon_hex_lower, colon_hex_upper};
use super::state::CertInfo;

/// Most certificates kept from one chain.
pub(super) const MAX_CERTS: usize = 16;
/// Largest DER certificate whose bytes are kept for `tls.certs`.
pub(super) const MAX_CERT_DER: usize = 64 * 1024;
/// Most subjectAltName DNS names kept per certificate.
const MAX_SANS: usize = 256;

/// Parse a (TLS <= 1.2) Certificate message body into `out`, leaf first.
pub(super) fn parse_certificate_message(body: &[u8], out: &mut Vec<CertInfo>, events: &mut Vec<TlsEvent>) {
    let chain = match tls_parser::parse_tls_handshake_msg_certificate(body) {
        Ok((rest, TlsMessageHandshake::Certificate(contents))) => {
            // The parser quietly drops a truncated last entry: check the lengths add up.
            let declared = body.get(..3).map_or(0, |b| {
                usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2])
            });
            let used: usize = contents.cert_chain.iter().map(|c| 3 + c.data.len()).sum();
            if used != declared || !rest.is_empty() {
                events.push(TlsEvent::InvalidCertificate);
            }
            contents.cert_chain
        }
        _ => {
            events.push(TlsEvent::InvalidCertificate);
            return;
        }
    };
    if chain.len() > MAX_CERTS {
        events.push(TlsEvent::TooManyCertificates);
    }
    for raw in chain.iter().take(MAX_CERTS) {
        out.push(cert_info(raw.data, events));
    }
}

/// Summarise one DER certificate. The fingerprint is always filled; the text fields only
/// when the DER parses (`parsed`).
pub(super) fn cert_info(der: &[u8], events: &mut Vec<TlsEvent>) -> CertInfo {
    let mut info = CertInfo {
        der_len: der.len(),
        der: (der.len() <= MAX_CERT_DER).then(|| der.to_vec()),
        fingerprint_sha1: colon_hex_lower(&Sha1::digest(der)),
        ..CertInfo::default()
    };
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => fill_from_x509(&mut info, &cert, events),
        Err(_) => events.push(TlsEvent::InvalidCertificate),
    }
    info
}

fn fill_from_x509(info: &mut CertInfo, cert: &X509Certificate<'_>, events: &mut Vec<TlsEvent>) {
    info.parsed = true;
    info.subject = dn_string(cert.subject(), events);
    info.issuer = dn_string(cert.issuer(), events);
    info.serial = colon_hex_upper(cert.raw_serial());
    info.not_before = cert.validity().not_before.timestamp();
    info.not_after = cert.validity().not_after.timestamp();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        info.subject_alt_names = san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some((*dns).to_string()),
                _ => None,
            })
            .take(MAX_SANS)
            .collect();
    }
}

/// A distinguished name as Suricata renders it: `SHORT=value` per attribute, RDNs joined by
/// `", "` in certificate order, multi-valued RDNs joined by `" + "`. An attribute type with
/// no short name is written as its dotted OID.
fn dn_string(name: &X509Name<'_>, events: &mut Vec<TlsEvent>) -> String {
    if name.to_string_with_registry(oid_registry()).is_err() {
        events.push(TlsEvent::InvalidCertificate);
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_der_gets_fingerprint_only() {
        let mut events = Vec::new();
        let info = cert_info(b"not a certificate", &mut events);
        assert!(!info.parsed);
        assert_eq!(info.fingerprint_sha1.len(), 59);
        assert_eq!(info.subject, "");
        assert_eq!(events, vec![TlsEvent::InvalidCertificate]);
    }

    #[test]
    fn bad_chain_lengths() {
        let mut out = Vec::new();
        let mut events = Vec::new();
        parse_certificate_message(&[0, 0, 9, 0, 0, 2, 1, 2], &mut out, &mut events);
        assert!(events.contains(&TlsEvent::InvalidCertificate));
        let mut events = Vec::new();
        parse_certificate_message(&[0, 0, 0], &mut out, &mut events);
        assert!(events.is_empty() && out.is_empty());
    }
}
