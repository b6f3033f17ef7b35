//! Hand assembly of DNS messages for the tests.

/// Header flags of a standard query with recursion desired.
pub const QUERY_RD: u16 = 0x0100;
/// Header flags of a standard response: QR, RD, RA.
pub const RESPONSE: u16 = 0x8180;

pub fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    for c in counts {
        out.extend_from_slice(&c.to_be_bytes());
    }
    out
}

/// Labels of a dotted name, ending with the root label.
pub fn name(dotted: &str) -> Vec<u8> {
    let mut out = labels(dotted);
    out.push(0);
    out
}

/// Labels of a dotted name without the root label (to put a pointer after).
pub fn labels(dotted: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in dotted.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out
}

pub fn pointer(offset: u16) -> Vec<u8> {
    (0xC000 | offset).to_be_bytes().to_vec()
}

pub fn question(out: &mut Vec<u8>, name: &[u8], qtype: u16, qclass: u16) {
    out.extend_from_slice(name);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&qclass.to_be_bytes());
}

pub fn record(out: &mut Vec<u8>, name: &[u8], rtype: u16, ttl: u32, rdata: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
}

/// A one-question query.
pub fn query(id: u16, qname: &str, qtype: u16) -> Vec<u8> {
    let mut out = header(id, QUERY_RD, [1, 0, 0, 0]);
    question(&mut out, &name(qname), qtype, 1);
    out
}

/// A response to [`query`] with one A answer whose owner name points at the question.
pub fn response_a(id: u16, qname: &str, addr: [u8; 4]) -> Vec<u8> {
    let mut out = header(id, RESPONSE, [1, 1, 0, 0]);
    question(&mut out, &name(qname), 1, 1);
    record(&mut out, &pointer(12), 1, 300, &addr);
    out
}

/// The message with its TCP length prefix.
pub fn tcp(msg: &[u8]) -> Vec<u8> {
    let mut out = (msg.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(msg);
    out
}

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}
