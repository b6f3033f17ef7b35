//! The TLS parser of one connection: stream bytes of both directions in, [`TlsState`] out.

use super::certificate::{cert_info, parse_certificate_message};
use super::direction::Direction;
use super::events::TlsEvent;
use super::handshake::{HandshakeAssembler, HsItem};
use super::hello::{parse_client_hello, parse_server_hello};
use super::keywords::{
    SSL_STATE_CLIENT_HELLO, SSL_STATE_CLIENT_KEYX, SSL_STATE_SERVER_HELLO, SSL_STATE_SERVER_KEYX, SSL_STATE_UNKNOWN,
};
use super::record::{CT_ALERT, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, CT_HEARTBEAT, Frame, Framer, Framing};
use super::sslv2::{V2Message, parse_v2_message};
use super::state::{ClientHello, TlsState};
use super::version::{SSL_V2, TLS_V13, is_known_version};

/// Handshake message types.
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;
const HS_SERVER_KEY_EXCHANGE: u8 = 12;
const HS_CLIENT_KEY_EXCHANGE: u8 = 16;
/// Other handshake types TLS (or a widespread extension of it) defines.
const HS_OTHER_KNOWN: [u8; 18] = [0, 3, 4, 5, 6, 8, 13, 14, 15, 20, 21, 22, 23, 24, 25, 26, 67, 254];

/// Heartbeat message types and the minimum padding (RFC 6520).
const HB_REQUEST: u8 = 1;
const HB_RESPONSE: u8 = 2;
const HB_MIN_PADDING: usize = 16;

/// Per-direction parsing machinery (the learned facts live in [`TlsState`]).
#[derive(Debug)]
struct DirParser {
    framer: Framer,
    handshake: HandshakeAssembler,
    /// Length of an encrypted heartbeat sent by the other side, awaiting this side's answer.
    heartbeat_expected: Option<usize>,
}

impl DirParser {
    fn new() -> Self {
        DirParser {
            framer: Framer::new(),
            handshake: HandshakeAssembler::default(),
            heartbeat_expected: None,
        }
    }
}

/// TLS parser of one connection.
///
/// Feed each direction's reassembled stream bytes in order, in chunks of any size: the
/// result does not depend on how the bytes are split. Memory is bounded: one record
/// (at most 64 KiB + header) and one handshake message (at most 256 KiB) per direction,
/// plus capped certificate chains.
#[derive(Debug)]
pub struct TlsParser {
    state: TlsState,
    dirs: [DirParser; 2],
}

impl Default for TlsParser {
    fn default() -> Self {
        Self::new()
    }
}

impl TlsParser {
    /// A parser for a new connection.
    pub fn new() -> Self {
        TlsParser {
            state: TlsState::default(),
            dirs: [DirParser::new(), DirParser::new()],
        }
    }

    /// What the connection revealed so far.
    pub fn state(&self) -> &TlsState {
        &self.state
    }

    /// Next bytes of one direction's stream.
    pub fn feed(&mut self, dir: Direction, mut data: &[u8]) {
        if self.state.dir(dir).stopped {
            return;
        }
        let [to_server, to_client] = &mut self.dirs;
        let (this, other) = match dir {
            Direction::ToServer => (to_server, to_client),
            Direction::ToClient => (to_client, to_server),
        };
        let state = &mut self.state;
        while let Some(frame) = this.framer.push(&mut data) {
            let mut switch_to_tls = false;
            match frame {
                Frame::Tls {
                    content_type,
                    version,
                    body,
                } => {
                    let heartbeats = Heartbeats {
                        this: &mut this.heartbeat_expected,
                        other: &mut other.heartbeat_expected,
                    };
                    on_tls_record(state, &mut this.handshake, heartbeats, dir, content_type, version, body)
                }
                Frame::TlsOpaque { version } => {
                    let d = state.dir_mut(dir);
                    d.record_version.get_or_insert(version);
                    d.version.get_or_insert(version);
                    d.application_data = true;
                }
                Frame::Ssl2 { body } => switch_to_tls = on_ssl2_record(state, dir, body),
                Frame::Anomaly(event) => state.push_event(dir, event),
                Frame::Fatal(event) => {
                    state.push_event(dir, event);
                    stop(state, this, dir);
                }
            }
            if switch_to_tls {
                this.framer.set_framing(Framing::Tls);
            }
            if state.dir(dir).stopped {
                break;
            }
        }
    }

    /// Bytes of one direction are missing. Parsing of that direction stops for good: TLS
    /// records carry no marker to resynchronise on, and what the keywords need comes from
    /// the handshake, before the data that gaps usually hit. The other direction goes on.
    pub fn gap(&mut self, dir: Direction) {
        if self.state.dir(dir).stopped {
            return;
        }
        self.state.dir_mut(dir).gap = true;
        self.state.push_event(dir, TlsEvent::StreamGap);
        let i = match dir {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        };
        stop(&mut self.state, &mut self.dirs[i], dir);
    }
}

fn stop(state: &mut TlsState, dp: &mut DirParser, dir: Direction) {
    state.dir_mut(dir).stopped = true;
    dp.framer.kill();
    dp.handshake.reset();
}

/// Encrypted heartbeat lengths awaiting an answer, from this side and from the other one.
struct Heartbeats<'a> {
    this: &'a mut Option<usize>,
    other: &'a mut Option<usize>,
}

fn on_tls_record(
    state: &mut TlsState,
    handshake: &mut HandshakeAssembler,
    heartbeats: Heartbeats<'_>,
    dir: Direction,
    content_type: u8,
    version: u16,
    mut body: &[u8],
) {
    let d = state.dir_mut(dir);
    d.record_version.get_or_insert(version);
    d.version.get_or_insert(version);
    match content_type {
        CT_CHANGE_CIPHER_SPEC => {
            d.change_cipher_spec = true;
            d.encrypted = true;
            handshake.reset();
        }
        CT_ALERT => {
            d.alert = true;
            if let (false, [level, description]) = (d.encrypted, body) {
                d.last_alert = Some((*level, *description));
            }
            state.alert_seen = true;
        }
        CT_HANDSHAKE if !d.encrypted => {
            while let Some(item) = handshake.next(&mut body) {
                match item {
                    HsItem::Message { msg_type, body } => on_handshake(state, dir, msg_type, body),
                    HsItem::TooLarge { .. } => state.push_event(dir, TlsEvent::HandshakeTooLarge),
                }
                if state.dir(dir).encrypted {
                    handshake.reset();
                    break;
                }
            }
        }
        CT_HANDSHAKE => {}
        CT_HEARTBEAT => on_heartbeat(state, heartbeats, dir, body),
        _ => {}
    }
}

fn on_heartbeat(state: &mut TlsState, heartbeats: Heartbeats<'_>, dir: Direction, body: &[u8]) {
    state.dir_mut(dir).heartbeat = true;
    state.push_event(dir, TlsEvent::HeartbeatMessage);
    if state.dir(dir).encrypted {
        match heartbeats.this.take() {
            Some(expected) if expected != body.len() => state.push_event(dir, TlsEvent::DataleakHeartbeatMismatch),
            Some(_) => {}
            None => *heartbeats.other = Some(body.len()),
        }
        return;
    }
    let (Some(&kind), Some(claimed)) = (body.first(), body.get(1..3)) else {
        state.push_event(dir, TlsEvent::InvalidHeartbeatMessage);
        return;
    };
    let claimed = usize::from(u16::from_be_bytes([claimed[0], claimed[1]]));
    if kind == HB_REQUEST && 3 + claimed + HB_MIN_PADDING > body.len() {
        state.push_event(dir, TlsEvent::OverflowHeartbeatMessage);
    } else if (kind != HB_REQUEST && kind != HB_RESPONSE) || body.len() < 3 + HB_MIN_PADDING {
        state.push_event(dir, TlsEvent::InvalidHeartbeatMessage);
    }
}

/// The version a ClientHello asks for: first real entry of supported_versions, else
/// legacy_version.
fn client_version(ch: &ClientHello) -> u16 {
    ch.supported_versions
        .iter()
        .copied()
        .find(|v| is_known_version(*v))
        .unwrap_or(ch.legacy_version)
}

fn on_handshake(state: &mut TlsState, dir: Direction, msg_type: u8, body: &[u8]) {
    let mut events = Vec::new();
    match msg_type {
        HS_CLIENT_HELLO => {
            state.client_hello_seen = true;
            state.states_seen |= SSL_STATE_CLIENT_HELLO;
            if dir == Direction::ToClient {
                events.push(TlsEvent::InvalidHandshakeMessage);
            } else if let Some(ch) = parse_client_hello(body, &mut events) {
                let d = state.dir_mut(dir);
                d.hello = true;
                d.version = Some(client_version(&ch));
                state.client_hello.get_or_insert(ch);
            }
        }
        HS_SERVER_HELLO => {
            state.server_hello_seen = true;
            state.states_seen |= SSL_STATE_SERVER_HELLO;
            if dir == Direction::ToServer {
                events.push(TlsEvent::InvalidHandshakeMessage);
            } else if let Some(sh) = parse_server_hello(body, &mut events) {
                let d = state.dir_mut(dir);
                d.hello = true;
                d.version = Some(sh.selected_version.unwrap_or(sh.legacy_version));
                if sh.hello_retry_request {
                    state.hello_retry_request = true;
                } else if sh.selected_version == Some(TLS_V13) {
                    // Everything after a TLS 1.3 ServerHello is encrypted.
                    d.encrypted = true;
                } else if let Some(ch) = &state.client_hello {
                    state.session_resumed = !ch.session_id.is_empty() && ch.session_id == sh.session_id;
                }
                if state.server_hello.as_ref().is_none_or(|prev| prev.hello_retry_request) {
                    state.server_hello = Some(sh);
                }
            }
        }
        HS_CERTIFICATE => {
            let chain = match dir {
                Direction::ToClient => {
                    state.certificate_seen = true;
                    &mut state.certificates
                }
                Direction::ToServer => &mut state.client_certificates,
            };
            if chain.is_empty() {
                parse_certificate_message(body, chain, &mut events);
            }
        }
        HS_SERVER_KEY_EXCHANGE => {
            state.states_seen |= SSL_STATE_SERVER_KEYX;
            match dir {
                Direction::ToClient => state.to_client.key_exchange = true,
                Direction::ToServer => events.push(TlsEvent::InvalidHandshakeMessage),
            }
        }
        HS_CLIENT_KEY_EXCHANGE => {
            state.states_seen |= SSL_STATE_CLIENT_KEYX;
            match dir {
                Direction::ToServer => state.to_server.key_exchange = true,
                Direction::ToClient => events.push(TlsEvent::InvalidHandshakeMessage),
            }
        }
        t if HS_OTHER_KNOWN.contains(&t) => {}
        _ => {
            state.states_seen |= SSL_STATE_UNKNOWN;
            events.push(TlsEvent::InvalidHandshakeMessage);
        }
    }
    for event in events {
        state.push_event(dir, event);
    }
}

/// Handle one SSLv2 record; true when the direction continues with TLS records (after the
/// SSLv2-compatible hello of a TLS client).
fn on_ssl2_record(state: &mut TlsState, dir: Direction, body: &[u8]) -> bool {
    if state.dir(dir).encrypted {
        state.dir_mut(dir).application_data = true;
        return false;
    }
    let Some(msg) = parse_v2_message(body) else {
        state.push_event(dir, TlsEvent::InvalidSslv2Header);
        return false;
    };
    match (msg, dir) {
        (V2Message::ClientHello { version }, Direction::ToServer) => {
            state.client_hello_seen = true;
            state.states_seen |= SSL_STATE_CLIENT_HELLO;
            let d = state.dir_mut(dir);
            d.hello = true;
            if version == 0x0002 {
                d.version = Some(SSL_V2);
                state.sslv2_detected = true;
                false
            } else {
                d.version = Some(version);
                true
            }
        }
        (V2Message::ClientMasterKey, Direction::ToServer) => {
            state.states_seen |= SSL_STATE_CLIENT_KEYX;
            let d = state.dir_mut(dir);
            d.key_exchange = true;
            d.encrypted = true;
            false
        }
        (V2Message::ServerHello { version, certificate }, Direction::ToClient) => {
            state.server_hello_seen = true;
            state.states_seen |= SSL_STATE_SERVER_HELLO;
            state.sslv2_detected = true;
            let d = state.dir_mut(dir);
            d.hello = true;
            d.encrypted = true;
            d.version = Some(if version == 0x0002 { SSL_V2 } else { version });
            if let (Some(der), true) = (certificate, state.certificates.is_empty()) {
                state.certificate_seen = true;
                let mut events = Vec::new();
                state.certificates.push(cert_info(der, &mut events));
                for event in events {
                    state.push_event(dir, event);
                }
            }
            false
        }
        (V2Message::Error, _) => {
            state.push_event(dir, TlsEvent::ErrorMessageEncountered);
            false
        }
        (V2Message::Other, _) => false,
        _ => {
            state.push_event(dir, TlsEvent::InvalidSslv2Header);
            false
        }
    }
}
