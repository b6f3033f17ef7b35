//! RDP connection start: TPKT-framed X.224 Connection Request/Confirm with the RDP negotiation structures.

/// RDP's TCP port.
pub const RDP_PORT: u16 = 3389;

/// Security protocols of the negotiation request/response.
pub mod protocol {
    pub const RDP: u32 = 0;
    pub const SSL: u32 = 1;
    pub const HYBRID: u32 = 2;
    pub const HYBRID_EX: u32 = 8;
}

const TPKT_VERSION: u8 = 3;
const X224_CONNECTION_REQUEST: u8 = 0xE0;
const X224_CONNECTION_CONFIRM: u8 = 0xD0;
const TYPE_RDP_NEG_REQ: u8 = 1;
const TYPE_RDP_NEG_RSP: u8 = 2;

/// TPKT header (version 3, total length) around an X.224 TPDU.
fn tpkt(tpdu: &[u8]) -> Vec<u8> {
    let mut out = vec![TPKT_VERSION, 0];
    out.extend_from_slice(&((4 + tpdu.len()) as u16).to_be_bytes());
    out.extend_from_slice(tpdu);
    out
}

/// X.224 TPDU: length indicator, code, references and class 0, then user data.
fn x224(code: u8, src_ref: u16, data: &[u8]) -> Vec<u8> {
    let mut out = vec![(6 + data.len()) as u8, code, 0, 0];
    out.extend_from_slice(&src_ref.to_be_bytes());
    out.push(0);
    out.extend_from_slice(data);
    out
}

/// An 8-byte negotiation structure (request or response).
fn negotiation(kind: u8, flags: u8, protocols: u32) -> [u8; 8] {
    let mut n = [kind, flags, 8, 0, 0, 0, 0, 0];
    n[4..8].copy_from_slice(&protocols.to_le_bytes());
    n
}

/// The client's first bytes: Connection Request with the
/// `Cookie: mstshash=<user>` routing token and an RDP_NEG_REQ.
pub fn connection_request(user: &str, requested: u32) -> Vec<u8> {
    let user: String = user.chars().filter(|c| c.is_ascii_graphic()).take(100).collect();
    let mut data = format!("Cookie: mstshash={user}\r\n").into_bytes();
    data.extend_from_slice(&negotiation(TYPE_RDP_NEG_REQ, 0, requested));
    tpkt(&x224(X224_CONNECTION_REQUEST, 0, &data))
}

/// The server's Connection Confirm selecting `selected`.
pub fn connection_confirm(src_ref: u16, selected: u32) -> Vec<u8> {
    // Flags: extended client data, dynvc graphics pipeline, restricted admin, redirected auth.
    tpkt(&x224(
        X224_CONNECTION_CONFIRM,
        src_ref,
        &negotiation(TYPE_RDP_NEG_RSP, 0x1F, selected),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_confirm_bytes() {
        let cr = connection_request("administrator", protocol::SSL | protocol::HYBRID);
        assert_eq!(&cr[..4], &[3, 0, 0, 0x33]);
        assert_eq!(cr.len(), 0x33);
        assert_eq!(usize::from(cr[4]), cr.len() - 5);
        assert_eq!(&cr[5..11], &[0xE0, 0, 0, 0, 0, 0]);
        assert!(cr[11..].starts_with(b"Cookie: mstshash=administrator\r\n"));
        assert_eq!(&cr[cr.len() - 8..], &[1, 0, 8, 0, 3, 0, 0, 0]);
        let cc = connection_confirm(0x1234, protocol::HYBRID);
        assert_eq!(
            cc,
            [
                3, 0, 0, 0x13, 0x0E, 0xD0, 0, 0, 0x12, 0x34, 0, 2, 0x1F, 8, 0, 2, 0, 0, 0
            ]
        );
        assert_eq!(
            connection_request("bad user\r\n", protocol::RDP)[11..28],
            *b"Cookie: mstshash="
        );
    }
}
