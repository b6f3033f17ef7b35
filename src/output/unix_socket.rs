//! EVE to a Unix socket a local collector listens on: one record per line
//! on a stream socket, one record per datagram on a datagram socket (each
//! newline-terminated, the bytes of an eve.json line). Owns the config and
//! the framing; delivery is the generic sink's.

use super::link::{Endpoint, FramedTransport};
use super::sink::{DEFAULT_QUEUE, Record, Sink, SinkError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[outputs.eve_socket]`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnixSocketConfig {
    pub enabled: bool,
    /// Names the sink in the summary, the logs and the metrics (default:
    /// its kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The socket the collector listens on.
    pub path: PathBuf,
    pub kind: SocketKind,
    /// Records waiting for the socket before new ones are dropped.
    pub queue: usize,
}

impl Default for UnixSocketConfig {
    fn default() -> Self {
        UnixSocketConfig {
            enabled: false,
            name: None,
            path: PathBuf::from("/run/vigie/eve.sock"),
            kind: SocketKind::Stream,
            queue: DEFAULT_QUEUE,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SocketKind {
    #[default]
    Stream,
    Dgram,
}

fn line(r: &Record, buf: &mut Vec<u8>) {
    buf.extend_from_slice(r.line.as_bytes());
    buf.push(b'\n');
}

/// Starts the sink's thread.
pub fn start(cfg: &UnixSocketConfig) -> Result<Sink, SinkError> {
    let (endpoint, kind) = match cfg.kind {
        SocketKind::Stream => (Endpoint::UnixStream(cfg.path.clone()), "stream"),
        SocketKind::Dgram => (Endpoint::UnixDgram(cfg.path.clone()), "dgram"),
    };
    let target = format!("{} ({kind})", cfg.path.display());
    if cfg.path.as_os_str().is_empty() {
        return Err(SinkError::Config {
            sink: "eve_socket".into(),
            message: "path is empty".into(),
        });
    }
    let transport = FramedTransport::new(endpoint, format!("eve_socket {target}"), line);
    Sink::start("eve_socket", cfg.name.as_deref(), target, cfg.queue, transport)
}
