//! The TLS buffers and checks rules inspect, from a connection's [`TlsState`].

use super::eve::eve_object;
use super::state::TlsState;
use crate::detect::TxBuffers;
use crate::flow::Direction;
use crate::rules::buffer::{AppProto, BufferId};
use std::borrow::Cow;

impl TxBuffers for TlsState {
    fn proto(&self) -> AppProto {
        AppProto::Tls
    }

    fn buffers<'s>(&'s self, id: BufferId, _dir: Direction, out: &mut Vec<Cow<'s, [u8]>>) {
        let text = |s: Option<&'s str>| s.map(|s| Cow::Borrowed(s.as_bytes()));
        let owned = |s: Option<String>| s.map(|s| Cow::Owned(s.into_bytes()));
        let one = match id {
            BufferId::TlsSni => self.sni().map(Cow::Borrowed),
            BufferId::TlsCertSubject => text(self.cert_subject()),
            BufferId::TlsCertIssuer => text(self.cert_issuer()),
            BufferId::TlsCertSerial => text(self.cert_serial()),
            BufferId::TlsCertFingerprint => text(self.cert_fingerprint()),
            BufferId::Ja3Hash => text(self.ja3_hash()),
            BufferId::Ja3String => text(self.ja3_string()),
            BufferId::Ja3sHash => owned(self.ja3s_hash()),
            BufferId::Ja3sString => owned(self.ja3s_string()),
            BufferId::Ja4Hash => text(self.ja4_hash()),
            BufferId::TlsCerts => {
                out.extend(self.certs().map(Cow::Borrowed));
                None
            }
            _ => None,
        };
        out.extend(one);
    }

    fn tls_version(&self) -> Option<u16> {
        self.version()
    }

    fn ssl_versions(&self, dir: Direction) -> u8 {
        self.ssl_version_bits(dir)
    }

    fn ssl_states(&self) -> u8 {
        self.ssl_states_seen()
    }

    fn eve(&self, _dir: Direction) -> Option<(&'static str, serde_json::Value)> {
        Some(("tls", eve_object(self)))
    }
}
