//! What one TLS connection revealed, as owned data readable by detection and logging.

use super::direction::Direction;
use super::events::TlsEvent;

/// The ClientHello of the connection (the first one, when a HelloRetryRequest caused a second).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` field of the hello (0x0303 for TLS 1.2 and 1.3 clients).
    pub legacy_version: u16,
    /// The 32 random bytes.
    pub random: Vec<u8>,
    /// Legacy session id (0 to 32 bytes).
    pub session_id: Vec<u8>,
    /// Offered cipher suites, in order, GREASE included.
    pub cipher_suites: Vec<u16>,
    /// Offered compression methods.
    pub compression: Vec<u8>,
    /// Extension types, in order, GREASE included.
    pub extensions: Vec<u16>,
    /// First `host_name` of the server_name extension (at most 255 bytes).
    pub sni: Option<Vec<u8>>,
    /// supported_groups (formerly elliptic_curves), in order, GREASE included.
    pub supported_groups: Vec<u16>,
    /// ec_point_formats, in order.
    pub ec_point_formats: Vec<u8>,
    /// signature_algorithms, in order, GREASE included.
    pub signature_algorithms: Vec<u16>,
    /// ALPN protocol names, in order.
    pub alpn: Vec<Vec<u8>>,
    /// supported_versions, in order, GREASE included.
    pub supported_versions: Vec<u16>,
}

/// The ServerHello of the connection (the real one when a HelloRetryRequest came first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` field of the hello (0x0303 for TLS 1.3).
    pub legacy_version: u16,
    /// The 32 random bytes.
    pub random: Vec<u8>,
    /// Legacy session id echoed or chosen by the server.
    pub session_id: Vec<u8>,
    /// Selected cipher suite.
    pub cipher: u16,
    /// Selected compression method.
    pub compression: u8,
    /// Extension types, in order.
    pub extensions: Vec<u16>,
    /// Version from the supported_versions extension (TLS 1.3 negotiation).
    pub selected_version: Option<u16>,
    /// ALPN protocol selected by the server (zero or one name).
    pub alpn: Vec<Vec<u8>>,
    /// This hello is a HelloRetryRequest (its random is the RFC 8446 magic value).
    pub hello_retry_request: bool,
}

/// One certificate of a chain.
///
/// Text fields follow Suricata's EVE conventions; they are empty when `parsed` is false.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// Length of the DER encoding.
    pub der_len: usize,
    /// The DER bytes, unless longer than the per-certificate cap.
    pub der: Option<Vec<u8>>,
    /// Whether the DER parsed as an X.509 certificate.
    pub parsed: bool,
    /// Subject DN, e.g. `C=US, O=Let's Encrypt, CN=R3`.
    pub subject: String,
    /// Issuer DN, same format as `subject`.
    pub issuer: String,
    /// Serial number, uppercase hex bytes joined by `:` (leading `00` kept), e.g. `00:8B:AD`.
    pub serial: String,
    /// SHA-1 of the DER, lowercase hex bytes joined by `:`. Computed even when `parsed` is false.
    pub fingerprint_sha1: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// DNS names of the subjectAltName extension, in order (capped).
    pub subject_alt_names: Vec<String>,
}

/// What one direction of the connection showed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirState {
    /// Protocol version this side speaks: from its hello (ClientHello: first known entry of
    /// supported_versions, else legacy_version; ServerHello: selected version, else
    /// legacy_version; SSLv2: `0x0200`), or, before any hello, from its first record header.
    pub version: Option<u16>,
    /// Version of the first TLS record header of this side.
    pub record_version: Option<u16>,
    /// A hello was seen from this side.
    pub hello: bool,
    /// ClientKeyExchange (to server) or ServerKeyExchange (to client) seen.
    pub key_exchange: bool,
    /// ChangeCipherSpec seen.
    pub change_cipher_spec: bool,
    /// An application_data record seen (this includes TLS 1.3 encrypted handshake records).
    pub application_data: bool,
    /// An alert record seen.
    pub alert: bool,
    /// Level and description of the last plaintext alert.
    pub last_alert: Option<(u8, u8)>,
    /// A heartbeat record seen.
    pub heartbeat: bool,
    /// Further handshake records of this side are encrypted and not parsed.
    pub encrypted: bool,
    /// Parsing of this side has stopped (gap, or framing that cannot be followed).
    pub stopped: bool,
    /// A gap was reported for this side.
    pub gap: bool,
}

/// Everything the parser learned about one connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsState {
    /// The ClientHello, once parsed.
    pub client_hello: Option<ClientHello>,
    /// The ServerHello, once parsed.
    pub server_hello: Option<ServerHello>,
    /// Server certificate chain as sent, leaf first (capped in count).
    pub certificates: Vec<CertInfo>,
    /// Client certificate chain (mutual authentication), leaf first (capped in count).
    pub client_certificates: Vec<CertInfo>,
    /// A ClientHello message was seen (TLS or SSLv2), parsed or not.
    pub client_hello_seen: bool,
    /// A ServerHello message was seen (TLS or SSLv2), parsed or not.
    pub server_hello_seen: bool,
    /// A server Certificate message was seen.
    pub certificate_seen: bool,
    /// An alert was seen in either direction.
    pub alert_seen: bool,
    /// SSLv2 framing was seen (a genuine SSLv2 hello, not a v2-compatible TLS hello).
    pub sslv2_detected: bool,
    /// The server accepted the client's session id (TLS <= 1.2 resumption).
    pub session_resumed: bool,
    /// The server answered with a HelloRetryRequest.
    pub hello_retry_request: bool,
    /// Client-to-server side.
    pub to_server: DirState,
    /// Server-to-client side.
    pub to_client: DirState,
    /// Anomalies, in the order first seen; each (direction, kind) at most once.
    pub events: Vec<(Direction, TlsEvent)>,
    /// `SSL_STATE_*` bits of the handshake messages seen so far (see `ssl_states_seen`).
    pub(super) states_seen: u8,
    /// JA3 (string, hash) and JA4 of the ClientHello, made the first time
    /// a rule or a log asks: a connection's transactions are inspected
    /// several times, and the ClientHello never changes once seen.
    pub(super) ja3: Derived<(String, String)>,
    pub(super) ja4: Derived<String>,
}

/// A value computed once from the rest of a state; it takes no part in
/// comparing states.
#[derive(Clone, Debug, Default)]
pub struct Derived<T>(std::sync::OnceLock<T>);

impl<T> Derived<T> {
    pub fn get_or_init(&self, make: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(make)
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Derived<T> {}

impl TlsState {
    /// Both hellos are behind and encrypted application data flows: what
    /// follows in the stream is ciphertext, which content rules have
    /// nothing to read in.
    pub fn encrypted_data_flowing(&self) -> bool {
        self.client_hello_seen
            && self.server_hello_seen
            && (self.to_server.application_data || self.to_client.application_data)
    }

    /// One side of the connection.
    pub fn dir(&self, dir: Direction) -> &DirState {
        match dir {
            Direction::ToServer => &self.to_server,
            Direction::ToClient => &self.to_client,
        }
    }

    pub(super) fn dir_mut(&mut self, dir: Direction) -> &mut DirState {
        match dir {
            Direction::ToServer => &mut self.to_server,
            Direction::ToClient => &mut self.to_client,
        }
    }

    /// Record an anomaly (once per direction and kind).
    pub(super) fn push_event(&mut self, dir: Direction, event: TlsEvent) {
        if !self.events.contains(&(dir, event)) {
            self.events.push((dir, event));
        }
    }

    /// Whether this anomaly was seen in either direction.
    pub fn has_event(&self, event: TlsEvent) -> bool {
        self.events.iter().any(|(_, e)| *e == event)
    }

    /// Negotiated version: the server's supported_versions choice (TLS 1.3), else the
    /// ServerHello legacy version, else whatever the server side showed (SSLv2 hello,
    /// record header), else the ClientHello version, else the client side's.
    pub fn version(&self) -> Option<u16> {
        if let Some(sh) = &self.server_hello {
            return Some(sh.selected_version.unwrap_or(sh.legacy_version));
        }
        self.to_client
            .version
            .or_else(|| self.client_hello.as_ref().map(|ch| ch.legacy_version))
            .or(self.to_server.version)
    }

    /// The version the server side speaks (what Suricata logs as `tls.version`).
    pub fn server_version(&self) -> Option<u16> {
        self.to_client.version
    }

    /// Host name from the ClientHello server_name extension.
    pub fn sni(&self) -> Option<&[u8]> {
        self.client_hello.as_ref()?.sni.as_deref()
    }

    /// First certificate of the server chain.
    pub fn leaf(&self) -> Option<&CertInfo> {
        self.certificates.first()
    }

    /// DER of each kept server certificate, leaf first (one `tls.certs` buffer each).
    pub fn certs(&self) -> impl Iterator<Item = &[u8]> {
        self.certificates.iter().filter_map(|c| c.der.as_deref())
    }

    /// Whether parsing of this side has stopped.
    pub fn parsing_stopped(&self, dir: Direction) -> bool {
        self.dir(dir).stopped
    }
}
