//! Builders of TLS wire bytes for tests: records, handshake messages, hellos, extensions.

pub(super) fn u16be(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}

fn u24be(v: usize) -> [u8; 3] {
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// One TLS record.
pub(super) fn record(content_type: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend(u16be(version));
    out.extend(u16be(body.len() as u16));
    out.extend(body);
    out
}

/// Records of `content_type` carrying `payload` cut into fragments of the given sizes (the
/// last fragment takes the rest).
pub(super) fn fragmented(content_type: u8, version: u16, payload: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = payload;
    for size in sizes {
        if rest.is_empty() {
            break;
        }
        let n = (*size).min(rest.len());
        out.extend(record(content_type, version, &rest[..n]));
        rest = &rest[n..];
    }
    if !rest.is_empty() {
        out.extend(record(content_type, version, rest));
    }
    out
}

/// One handshake message (type, 24-bit length, body).
pub(super) fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type];
    out.extend(u24be(body.len()));
    out.extend(body);
    out
}

/// One extension.
pub(super) fn ext(ext_type: u16, data: &[u8]) -> Vec<u8> {
    let mut out = u16be(ext_type).to_vec();
    out.extend(u16be(data.len() as u16));
    out.extend(data);
    out
}

/// server_name with one entry per (type, name).
pub(super) fn sni_ext_entries(entries: &[(u8, &[u8])]) -> Vec<u8> {
    let mut list = Vec::new();
    for (kind, name) in entries {
        list.push(*kind);
        list.extend(u16be(name.len() as u16));
        list.extend(*name);
    }
    let mut data = u16be(list.len() as u16).to_vec();
    data.extend(list);
    ext(0, &data)
}

pub(super) fn sni_ext(name: &[u8]) -> Vec<u8> {
    sni_ext_entries(&[(0, name)])
}

/// An extension whose data is a 2-byte-length-prefixed list of u16 (groups, sigalgs).
pub(super) fn u16_list_ext(ext_type: u16, values: &[u16]) -> Vec<u8> {
    let mut data = u16be((values.len() * 2) as u16).to_vec();
    for v in values {
        data.extend(u16be(*v));
    }
    ext(ext_type, &data)
}

pub(super) fn point_formats_ext(formats: &[u8]) -> Vec<u8> {
    let mut data = vec![formats.len() as u8];
    data.extend(formats);
    ext(11, &data)
}

pub(super) fn alpn_ext(names: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for n in names {
        list.push(n.len() as u8);
        list.extend(*n);
    }
    let mut data = u16be(list.len() as u16).to_vec();
    data.extend(list);
    ext(16, &data)
}

/// ClientHello supported_versions (1-byte length list).
pub(super) fn versions_ext_client(versions: &[u16]) -> Vec<u8> {
    let mut data = vec![(versions.len() * 2) as u8];
    for v in versions {
        data.extend(u16be(*v));
    }
    ext(43, &data)
}

/// ServerHello supported_versions (the selected version).
pub(super) fn versions_ext_server(version: u16) -> Vec<u8> {
    ext(43, &u16be(version))
}

/// ClientHello body.
pub(super) fn client_hello_body(version: u16, session_id: &[u8], ciphers: &[u16], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = u16be(version).to_vec();
    out.extend((0..32u8).map(|i| i.wrapping_mul(7)));
    out.push(session_id.len() as u8);
    out.extend(session_id);
    out.extend(u16be((ciphers.len() * 2) as u16));
    for c in ciphers {
        out.extend(u16be(*c));
    }
    out.extend([1, 0]);
    let block: Vec<u8> = exts.concat();
    if !exts.is_empty() {
        out.extend(u16be(block.len() as u16));
        out.extend(block);
    }
    out
}

/// ServerHello body.
pub(super) fn server_hello_body(
    version: u16,
    random: &[u8; 32],
    session_id: &[u8],
    cipher: u16,
    exts: &[Vec<u8>],
) -> Vec<u8> {
    let mut out = u16be(version).to_vec();
    out.extend(random);
    out.push(session_id.len() as u8);
    out.extend(session_id);
    out.extend(u16be(cipher));
    out.push(0);
    let block: Vec<u8> = exts.concat();
    if !exts.is_empty() {
        out.extend(u16be(block.len() as u16));
        out.extend(block);
    }
    out
}

/// Certificate message body (TLS <= 1.2) for a chain of DER certificates.
pub(super) fn certificate_body(chain: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for der in chain {
        list.extend(u24be(der.len()));
        list.extend(*der);
    }
    let mut out = u24be(list.len()).to_vec();
    out.extend(list);
    out
}

/// Decode a hex string (whitespace ignored).
pub(super) fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}

/// Deterministic pseudo-random numbers for tests (SplitMix64).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(super) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}
