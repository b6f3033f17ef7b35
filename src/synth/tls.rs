//! TLS records for a TLS 1.3-style handshake: ClientHello with SNI, ServerHello, CCS and opaque application data.

use super::rng::Rng;

/// TLS record content types.
pub mod content_type {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
}

const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const LEGACY_VERSION: u16 = 0x0303;
const GROUP_X25519: u16 = 0x001D;
/// Largest plaintext fragment a record may carry.
const MAX_FRAGMENT: usize = 16_384;

const EXT_SERVER_NAME: u16 = 0x0000;
const EXT_SUPPORTED_GROUPS: u16 = 0x000A;
const EXT_EC_POINT_FORMATS: u16 = 0x000B;
const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000D;
const EXT_ALPN: u16 = 0x0010;
const EXT_EXTENDED_MASTER_SECRET: u16 = 0x0017;
const EXT_SESSION_TICKET: u16 = 0x0023;
const EXT_SUPPORTED_VERSIONS: u16 = 0x002B;
const EXT_PSK_MODES: u16 = 0x002D;
const EXT_KEY_SHARE: u16 = 0x0033;
const EXT_RENEGOTIATION_INFO: u16 = 0xFF01;

const CIPHER_SUITES: [u16; 9] = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8];
const SIGNATURE_ALGORITHMS: [u16; 8] = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

/// Appends `data` prefixed by its length in `width` big-endian bytes (1, 2 or 3).
/// Data longer than the prefix allows is cut so the framing stays consistent.
fn push_vec(out: &mut Vec<u8>, width: usize, data: &[u8]) {
    let max = (1usize << (8 * width)) - 1;
    let data = &data[..data.len().min(max)];
    out.extend_from_slice(&(data.len() as u32).to_be_bytes()[4 - width..]);
    out.extend_from_slice(data);
}

fn push_ext(out: &mut Vec<u8>, ext_type: u16, body: &[u8]) {
    out.extend_from_slice(&ext_type.to_be_bytes());
    push_vec(out, 2, body);
}

fn u16_list(items: &[u16]) -> Vec<u8> {
    items.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// One record per fragment of at most 16 KiB.
pub fn records(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    for fragment in payload.chunks(MAX_FRAGMENT) {
        out.push(content_type);
        out.extend_from_slice(&version.to_be_bytes());
        push_vec(&mut out, 2, fragment);
    }
    out
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type];
    push_vec(&mut out, 3, body);
    out
}

/// A ClientHello record and the session id it offered (the server echoes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    pub session_id: [u8; 32],
    pub record: Vec<u8>,
}

/// A browser-like ClientHello naming `sni` in the server_name extension.
pub fn client_hello(rng: &mut Rng, sni: &str) -> ClientHello {
    let mut session_id = [0u8; 32];
    rng.bytes(&mut session_id);
    let mut body = LEGACY_VERSION.to_be_bytes().to_vec();
    body.extend_from_slice(&rng.byte_vec(32));
    push_vec(&mut body, 1, &session_id);
    push_vec(&mut body, 2, &u16_list(&CIPHER_SUITES));
    push_vec(&mut body, 1, &[0]);

    let mut exts = Vec::new();
    let mut host_name = vec![0u8]; // name type: host_name
    push_vec(&mut host_name, 2, sni.as_bytes());
    let mut server_names = Vec::new();
    push_vec(&mut server_names, 2, &host_name);
    push_ext(&mut exts, EXT_SERVER_NAME, &server_names);
    push_ext(&mut exts, EXT_EXTENDED_MASTER_SECRET, &[]);
    push_ext(&mut exts, EXT_RENEGOTIATION_INFO, &[0]);
    let mut groups = Vec::new();
    push_vec(&mut groups, 2, &u16_list(&[GROUP_X25519, 0x0017, 0x0018]));
    push_ext(&mut exts, EXT_SUPPORTED_GROUPS, &groups);
    push_ext(&mut exts, EXT_EC_POINT_FORMATS, &[1, 0]);
    push_ext(&mut exts, EXT_SESSION_TICKET, &[]);
    let mut alpn_list = Vec::new();
    for proto in [&b"h2"[..], b"http/1.1"] {
        push_vec(&mut alpn_list, 1, proto);
    }
    let mut alpn = Vec::new();
    push_vec(&mut alpn, 2, &alpn_list);
    push_ext(&mut exts, EXT_ALPN, &alpn);
    let mut sigs = Vec::new();
    push_vec(&mut sigs, 2, &u16_list(&SIGNATURE_ALGORITHMS));
    push_ext(&mut exts, EXT_SIGNATURE_ALGORITHMS, &sigs);
    let mut share = GROUP_X25519.to_be_bytes().to_vec();
    push_vec(&mut share, 2, &rng.byte_vec(32));
    let mut shares = Vec::new();
    push_vec(&mut shares, 2, &share);
    push_ext(&mut exts, EXT_KEY_SHARE, &shares);
    push_ext(&mut exts, EXT_PSK_MODES, &[1, 1]);
    let mut versions = Vec::new();
    push_vec(&mut versions, 1, &u16_list(&[0x0304, 0x0303]));
    push_ext(&mut exts, EXT_SUPPORTED_VERSIONS, &versions);
    push_vec(&mut body, 2, &exts);

    let record = records(content_type::HANDSHAKE, 0x0301, &handshake(HS_CLIENT_HELLO, &body));
    ClientHello { session_id, record }
}

/// A TLS 1.3 ServerHello record (echoing `session_id`) followed by the
/// middlebox-compatibility ChangeCipherSpec record.
pub fn server_hello(rng: &mut Rng, session_id: &[u8]) -> Vec<u8> {
    let mut body = LEGACY_VERSION.to_be_bytes().to_vec();
    body.extend_from_slice(&rng.byte_vec(32));
    push_vec(&mut body, 1, &session_id[..session_id.len().min(32)]);
    body.extend_from_slice(&0x1301u16.to_be_bytes());
    body.push(0);
    let mut exts = Vec::new();
    push_ext(&mut exts, EXT_SUPPORTED_VERSIONS, &0x0304u16.to_be_bytes());
    let mut share = GROUP_X25519.to_be_bytes().to_vec();
    push_vec(&mut share, 2, &rng.byte_vec(32));
    push_ext(&mut exts, EXT_KEY_SHARE, &share);
    push_vec(&mut body, 2, &exts);
    let mut out = records(
        content_type::HANDSHAKE,
        LEGACY_VERSION,
        &handshake(HS_SERVER_HELLO, &body),
    );
    out.extend_from_slice(&change_cipher_spec());
    out
}

/// The one-byte ChangeCipherSpec record.
pub fn change_cipher_spec() -> Vec<u8> {
    records(content_type::CHANGE_CIPHER_SPEC, LEGACY_VERSION, &[1])
}

/// Opaque (encrypted-looking) application data of `len` bytes, split into records.
pub fn application_data(rng: &mut Rng, len: usize) -> Vec<u8> {
    records(content_type::APPLICATION_DATA, LEGACY_VERSION, &rng.byte_vec(len))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{client_hello_sni, parse_tls_stream};
    use super::*;

    #[test]
    fn client_hello_framing_and_sni() {
        let mut rng = Rng::new(1);
        let ch = client_hello(&mut rng, "tickets.example.org");
        let recs = parse_tls_stream(&ch.record).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].0, content_type::HANDSHAKE);
        assert_eq!(client_hello_sni(&recs[0].1).as_deref(), Some("tickets.example.org"));
        assert_eq!(&recs[0].1[39..71], &ch.session_id);
    }

    #[test]
    fn server_flight_and_data() {
        let mut rng = Rng::new(2);
        let mut stream = server_hello(&mut rng, &[7; 32]);
        stream.extend_from_slice(&application_data(&mut rng, 20_000));
        let recs = parse_tls_stream(&stream).unwrap();
        let types: Vec<u8> = recs.iter().map(|r| r.0).collect();
        assert_eq!(types, [22, 20, 23, 23]);
        assert_eq!(recs[0].1[0], HS_SERVER_HELLO);
        assert_eq!(recs[2].1.len() + recs[3].1.len(), 20_000);
    }
}
