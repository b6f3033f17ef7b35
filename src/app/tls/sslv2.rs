//! SSLv2 handshake messages (CLIENT-HELLO, CLIENT-MASTER-KEY, SERVER-HELLO, ERROR).

/// SSLv2 message types.
const MT_ERROR: u8 = 0;
const MT_CLIENT_HELLO: u8 = 1;
const MT_CLIENT_MASTER_KEY: u8 = 2;
const MT_SERVER_HELLO: u8 = 4;
/// SERVER-HELLO certificate type for X.509.
const CERT_TYPE_X509: u8 = 1;

/// A cleartext SSLv2 message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum V2Message<'a> {
    /// CLIENT-HELLO: `version` is 0x0002 for SSLv2, 0x03xx for a TLS client's compatible hello.
    ClientHello { version: u16 },
    /// CLIENT-MASTER-KEY: the client side is encrypted after it.
    ClientMasterKey,
    /// SERVER-HELLO with its X.509 certificate, if any.
    ServerHello {
        version: u16,
        certificate: Option<&'a [u8]>,
    },
    /// ERROR.
    Error,
    /// Any other type (encrypted or not parsed).
    Other,
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

/// Parse one SSLv2 record body; `None` when its lengths do not fit.
pub(super) fn parse_v2_message(body: &[u8]) -> Option<V2Message<'_>> {
    match *body.first()? {
        MT_CLIENT_HELLO => {
            let version = be16(body, 1)? as u16;
            let (specs, sid, challenge) = (be16(body, 3)?, be16(body, 5)?, be16(body, 7)?);
            let plausible = specs > 0 && specs % 3 == 0 && sid <= 32 && (16..=32).contains(&challenge);
            (plausible && 9 + specs + sid + challenge <= body.len()).then_some(V2Message::ClientHello { version })
        }
        MT_CLIENT_MASTER_KEY => Some(V2Message::ClientMasterKey),
        MT_SERVER_HELLO => {
            let cert_type = *body.get(2)?;
            let version = be16(body, 3)? as u16;
            let (cert_len, specs, conn_id) = (be16(body, 5)?, be16(body, 7)?, be16(body, 9)?);
            if 11 + cert_len + specs + conn_id > body.len() {
                return None;
            }
            let certificate = (cert_type == CERT_TYPE_X509 && cert_len > 0).then(|| &body[11..11 + cert_len]);
            Some(V2Message::ServerHello { version, certificate })
        }
        MT_ERROR => Some(V2Message::Error),
        _ => Some(V2Message::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello() {
        let mut body = vec![1, 0, 2, 0, 3, 0, 0, 0, 16, 1, 0, 0x80];
        body.extend([7u8; 16]);
        assert_eq!(parse_v2_message(&body), Some(V2Message::ClientHello { version: 2 }));
        assert_eq!(parse_v2_message(&body[..20]), None);
        assert_eq!(parse_v2_message(&[]), None);
    }

    #[test]
    fn server_hello() {
        let body = [4, 0, 1, 0, 2, 0, 2, 0, 3, 0, 1, 0xaa, 0xbb, 1, 0, 0x80, 5];
        assert_eq!(
            parse_v2_message(&body),
            Some(V2Message::ServerHello {
                version: 2,
                certificate: Some(&[0xaa, 0xbb][..])
            })
        );
        assert_eq!(parse_v2_message(&body[..16]), None);
    }
}
