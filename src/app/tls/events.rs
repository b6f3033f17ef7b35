//! Anomalies the TLS parser reports, and their `app-layer-event` names.

/// One kind of anomaly seen while parsing a TLS connection.
///
/// Each kind is recorded at most once per direction (see `TlsState::events`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsEvent {
    /// SSLv2 record header or message that does not make sense.
    InvalidSslv2Header,
    /// A TLS record header with an impossible length.
    InvalidTlsHeader,
    /// Record version whose major byte is not 3 (parsing of the direction stops).
    InvalidRecordVersion,
    /// Record content type outside 20..=24 (parsing of the direction stops).
    InvalidRecordType,
    /// Record longer than TLS allows (2^14 + 2048); it is still parsed.
    RecordTooLarge,
    /// Handshake message of a type TLS does not define, or sent the wrong way.
    InvalidHandshakeMessage,
    /// Handshake message whose inner lengths do not add up (hello that fails to parse).
    HandshakeInvalidLength,
    /// Handshake message longer than the reassembly cap; it is skipped.
    HandshakeTooLarge,
    /// Certificate message or DER certificate that does not parse.
    InvalidCertificate,
    /// Certificate chain longer than the kept maximum; the rest is ignored.
    TooManyCertificates,
    /// More than one server_name extension in a ClientHello.
    MultipleSniExtensions,
    /// server_name entry of a type other than host_name.
    InvalidSniType,
    /// server_name host name empty, longer than 255 bytes, or list malformed.
    InvalidSniLength,
    /// A heartbeat record was seen.
    HeartbeatMessage,
    /// Plaintext heartbeat request claiming more payload than the record holds (Heartbleed).
    OverflowHeartbeatMessage,
    /// Plaintext heartbeat of an unknown type or too short to be valid.
    InvalidHeartbeatMessage,
    /// Encrypted heartbeat response whose length differs from the request's.
    DataleakHeartbeatMismatch,
    /// SSLv2 ERROR message.
    ErrorMessageEncountered,
    /// The stream had a gap; parsing of that direction stopped.
    StreamGap,
}

impl TlsEvent {
    /// Every event kind, in declaration order.
    pub const ALL: [TlsEvent; 19] = [
        TlsEvent::InvalidSslv2Header,
        TlsEvent::InvalidTlsHeader,
        TlsEvent::InvalidRecordVersion,
        TlsEvent::InvalidRecordType,
        TlsEvent::RecordTooLarge,
        TlsEvent::InvalidHandshakeMessage,
        TlsEvent::HandshakeInvalidLength,
        TlsEvent::HandshakeTooLarge,
        TlsEvent::InvalidCertificate,
        TlsEvent::TooManyCertificates,
        TlsEvent::MultipleSniExtensions,
        TlsEvent::InvalidSniType,
        TlsEvent::InvalidSniLength,
        TlsEvent::HeartbeatMessage,
        TlsEvent::OverflowHeartbeatMessage,
        TlsEvent::InvalidHeartbeatMessage,
        TlsEvent::DataleakHeartbeatMismatch,
        TlsEvent::ErrorMessageEncountered,
        TlsEvent::StreamGap,
    ];

    /// Name used by `app-layer-event:tls.<name>`.
    ///
    /// Names are Suricata's own where Suricata has the same event (see
    /// [`TlsEvent::is_suricata_event`]); the others are this module's.
    pub fn name(self) -> &'static str {
        match self {
            TlsEvent::InvalidSslv2Header => "invalid_sslv2_header",
            TlsEvent::InvalidTlsHeader => "invalid_tls_header",
            TlsEvent::InvalidRecordVersion => "invalid_record_version",
            TlsEvent::InvalidRecordType => "invalid_record_type",
            TlsEvent::RecordTooLarge => "record_too_large",
            TlsEvent::InvalidHandshakeMessage => "invalid_handshake_message",
            TlsEvent::HandshakeInvalidLength => "handshake_invalid_length",
            TlsEvent::HandshakeTooLarge => "handshake_too_large",
            TlsEvent::InvalidCertificate => "invalid_certificate",
            TlsEvent::TooManyCertificates => "too_many_certificates",
            TlsEvent::MultipleSniExtensions => "multiple_sni_extensions",
            TlsEvent::InvalidSniType => "invalid_sni_type",
            TlsEvent::InvalidSniLength => "invalid_sni_length",
            TlsEvent::HeartbeatMessage => "heartbeat_message",
            TlsEvent::OverflowHeartbeatMessage => "overflow_heartbeat_message",
            TlsEvent::InvalidHeartbeatMessage => "invalid_heartbeat_message",
            TlsEvent::DataleakHeartbeatMismatch => "dataleak_heartbeat_mismatch",
            TlsEvent::ErrorMessageEncountered => "error_message_encountered",
            TlsEvent::StreamGap => "stream_gap",
        }
    }

    /// Whether [`TlsEvent::name`] is also an event name of Suricata's TLS parser.
    pub fn is_suricata_event(self) -> bool {
        !matches!(
            self,
            TlsEvent::RecordTooLarge
                | TlsEvent::HandshakeTooLarge
                | TlsEvent::TooManyCertificates
                | TlsEvent::StreamGap
        )
    }

    /// The event kind with this `app-layer-event` name.
    pub fn from_name(name: &str) -> Option<TlsEvent> {
        TlsEvent::ALL.into_iter().find(|e| e.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::TlsEvent;

    #[test]
    fn names_round_trip_and_are_unique() {
        for e in TlsEvent::ALL {
            assert_eq!(TlsEvent::from_name(e.name()), Some(e));
        }
        let mut names: Vec<&str> = TlsEvent::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TlsEvent::ALL.len());
        assert_eq!(TlsEvent::from_name("nope"), None);
    }
}
