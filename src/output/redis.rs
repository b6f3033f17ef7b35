//! EVE to Redis, the bus several sensors share to feed one SOC (each record
//! names its sensor in EVE `host`), in Suricata's modes: a list (`list` and
//! `lpush` push at the head with LPUSH, as Suricata does, so a BRPOP
//! consumer reads oldest first; `rpush` appends at the tail), a channel
//! (PUBLISH) or a stream (`XADD key MAXLEN ~ N * eve <json>`, or `MAXLEN =`
//! to trim exactly). A batch is pipelined over one connection and a record
//! counts as sent only once Redis has answered its command; a record whose
//! answer never came is counted as dropped. Owns the config, AUTH/SELECT
//! and the commands; the wire format is `resp`, delivery the generic sink's.

use super::link::{Endpoint, Link, check_host_port};
use super::resp::{self, Reply};
use super::sink::{DEFAULT_QUEUE, Delivery, Record, Sink, SinkError, Transport};
use serde::{Deserialize, Serialize};
use std::io::BufReader;
use std::net::TcpStream;

/// `[outputs.redis]`
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    pub enabled: bool,
    /// Names the sink in the summary, the logs and the metrics (default:
    /// its kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `host:port`
    pub server: String,
    pub mode: RedisMode,
    /// The list, channel or stream.
    pub key: String,
    /// Sent with AUTH after connecting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Chosen with SELECT after connecting (0: left as is).
    pub db: u32,
    /// Stream mode: the length Redis trims the stream to; 0: no trimming.
    pub stream_maxlen: u64,
    /// Stream mode: trim to exactly `stream_maxlen` (`MAXLEN =`) rather
    /// than to whole internal nodes (`MAXLEN ~`, cheaper, Suricata's default).
    pub stream_trim_exact: bool,
    /// Records waiting for Redis before new ones are dropped.
    pub queue: usize,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            enabled: false,
            name: None,
            server: "127.0.0.1:6379".into(),
            mode: RedisMode::List,
            key: "vigie".into(),
            password: None,
            db: 0,
            stream_maxlen: 100_000,
            stream_trim_exact: false,
            queue: DEFAULT_QUEUE,
        }
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("enabled", &self.enabled)
            .field("name", &self.name)
            .field("server", &self.server)
            .field("mode", &self.mode)
            .field("key", &self.key)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("db", &self.db)
            .field("stream_maxlen", &self.stream_maxlen)
            .field("stream_trim_exact", &self.stream_trim_exact)
            .field("queue", &self.queue)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RedisMode {
    /// LPUSH onto a list (Suricata's `list`).
    #[default]
    List,
    Lpush,
    /// RPUSH onto a list.
    Rpush,
    /// PUBLISH on a channel.
    #[serde(alias = "publish")]
    Channel,
    /// XADD to a stream.
    #[serde(alias = "xadd")]
    Stream,
}

impl RedisMode {
    fn name(self) -> &'static str {
        match self {
            RedisMode::List => "list",
            RedisMode::Lpush => "lpush",
            RedisMode::Rpush => "rpush",
            RedisMode::Channel => "channel",
            RedisMode::Stream => "stream",
        }
    }
}

/// Appends the command that hands `r` to Redis.
fn command(cfg: &RedisConfig, maxlen: &[u8], r: &Record, buf: &mut Vec<u8>) {
    let key = cfg.key.as_bytes();
    let line = r.line.as_bytes();
    match cfg.mode {
        RedisMode::List | RedisMode::Lpush => resp::encode(buf, &[b"LPUSH", key, line]),
        RedisMode::Rpush => resp::encode(buf, &[b"RPUSH", key, line]),
        RedisMode::Channel => resp::encode(buf, &[b"PUBLISH", key, line]),
        RedisMode::Stream if cfg.stream_maxlen > 0 => {
            let trim: &[u8] = if cfg.stream_trim_exact { b"=" } else { b"~" };
            resp::encode(buf, &[b"XADD", key, b"MAXLEN", trim, maxlen, b"*", b"eve", line]);
        }
        RedisMode::Stream => resp::encode(buf, &[b"XADD", key, b"*", b"eve", line]),
    }
}

struct RedisTransport {
    cfg: RedisConfig,
    maxlen: Vec<u8>,
    label: String,
    link: Option<(Link, BufReader<TcpStream>)>,
    buf: Vec<u8>,
}

impl RedisTransport {
    fn io(&self, context: &'static str, source: std::io::Error) -> SinkError {
        SinkError::Io {
            sink: self.label.clone(),
            context,
            source,
        }
    }

    /// Sends one command on a fresh connection and wants a non-error reply.
    fn handshake(&self, link: &mut Link, reader: &mut BufReader<TcpStream>, args: &[&[u8]]) -> Result<(), SinkError> {
        let mut buf = Vec::new();
        resp::encode(&mut buf, args);
        let name = String::from_utf8_lossy(args[0]).into_owned();
        if let Some(s) = link.tcp() {
            std::io::Write::write_all(s, &buf).map_err(|e| self.io("write", e))?;
        }
        match resp::read(reader).map_err(|e| self.io("read", e))? {
            Reply::Error(msg) => Err(SinkError::Protocol {
                sink: self.label.clone(),
                message: format!("{name} refused: {msg}"),
            }),
            _ => Ok(()),
        }
    }
}

impl Transport for RedisTransport {
    fn connect(&mut self) -> Result<(), SinkError> {
        let mut link = Link::connect(&Endpoint::Tcp(self.cfg.server.clone())).map_err(|e| self.io("connect", e))?;
        let stream = link.tcp().map(|s| s.try_clone());
        let reader = match stream {
            Some(Ok(s)) => BufReader::with_capacity(64 << 10, s),
            Some(Err(e)) => return Err(self.io("connect", e)),
            None => return Err(self.io("connect", std::io::ErrorKind::Unsupported.into())),
        };
        let mut reader = reader;
        if let Some(pw) = &self.cfg.password {
            self.handshake(&mut link, &mut reader, &[b"AUTH", pw.as_bytes()])?;
        }
        if self.cfg.db != 0 {
            let db = self.cfg.db.to_string();
            self.handshake(&mut link, &mut reader, &[b"SELECT", db.as_bytes()])?;
        }
        self.link = Some((link, reader));
        Ok(())
    }

    fn peer_closed(&mut self) -> bool {
        match self.link.as_mut() {
            Some((link, reader)) => !reader.buffer().is_empty() || link.peer_closed(),
            None => true,
        }
    }

    fn deliver(&mut self, batch: &[Record]) -> Delivery {
        let Some((link, reader)) = self.link.as_mut() else {
            return Delivery {
                broken: true,
                ..Default::default()
            };
        };
        let (cfg, maxlen) = (&self.cfg, self.maxlen.as_slice());
        let frame = |r: &Record, buf: &mut Vec<u8>| command(cfg, maxlen, r, buf);
        let written = link.send(batch, &frame, &mut self.buf, &self.label);
        // Only answered commands count; a write that failed half way may
        // still have answers for the commands that went out whole.
        let mut d = Delivery {
            broken: written.broken,
            error: written.error,
            ..Default::default()
        };
        for _ in 0..written.delivered {
            match resp::read(reader) {
                Ok(Reply::Error(msg)) => {
                    d.refused += 1;
                    d.error = Some(SinkError::Protocol {
                        sink: self.label.clone(),
                        message: format!("{} refused: {msg}", self.cfg.mode.name()),
                    });
                }
                Ok(_) => d.delivered += 1,
                Err(source) => {
                    d.broken = true;
                    d.error = Some(SinkError::Io {
                        sink: self.label.clone(),
                        context: "read",
                        source,
                    });
                    break;
                }
            }
        }
        d
    }

    fn disconnect(&mut self) {
        self.link = None;
    }
}

/// Starts the sink's thread.
pub fn start(cfg: &RedisConfig) -> Result<Sink, SinkError> {
    let config_err = |message: String| SinkError::Config {
        sink: format!("redis {}", cfg.server),
        message,
    };
    check_host_port(&cfg.server).map_err(|m| config_err(format!("server: {m}")))?;
    if cfg.key.is_empty() {
        return Err(config_err("key is empty".into()));
    }
    let target = format!("{} {} {}", cfg.server, cfg.mode.name(), cfg.key);
    let transport = RedisTransport {
        cfg: cfg.clone(),
        maxlen: cfg.stream_maxlen.to_string().into_bytes(),
        label: format!("redis {}", cfg.server),
        link: None,
        buf: Vec::new(),
    };
    Sink::start("redis", cfg.name.as_deref(), target, cfg.queue, transport)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn cmd(mode: RedisMode, maxlen: u64) -> String {
        cmd_with(RedisConfig {
            mode,
            stream_maxlen: maxlen,
            ..Default::default()
        })
    }

    /// The command for a record `{}`, CRLFs shown as spaces.
    fn cmd_with(cfg: RedisConfig) -> String {
        let r = Record {
            line: Arc::from("{}"),
            severity: 1,
        };
        let mut buf = Vec::new();
        command(&cfg, cfg.stream_maxlen.to_string().as_bytes(), &r, &mut buf);
        String::from_utf8(buf).unwrap().replace("\r\n", " ")
    }

    #[test]
    fn commands_per_mode() {
        assert_eq!(cmd(RedisMode::List, 0), "*3 $5 LPUSH $5 vigie $2 {} ");
        assert_eq!(cmd(RedisMode::Lpush, 0), "*3 $5 LPUSH $5 vigie $2 {} ");
        assert_eq!(cmd(RedisMode::Rpush, 0), "*3 $5 RPUSH $5 vigie $2 {} ");
        assert_eq!(cmd(RedisMode::Channel, 0), "*3 $7 PUBLISH $5 vigie $2 {} ");
        assert_eq!(
            cmd(RedisMode::Stream, 500),
            "*8 $4 XADD $5 vigie $6 MAXLEN $1 ~ $3 500 $1 * $3 eve $2 {} "
        );
        assert_eq!(cmd(RedisMode::Stream, 0), "*5 $4 XADD $5 vigie $1 * $3 eve $2 {} ");
        let exact = cmd_with(RedisConfig {
            mode: RedisMode::Stream,
            stream_maxlen: 7,
            stream_trim_exact: true,
            ..Default::default()
        });
        assert_eq!(exact, "*8 $4 XADD $5 vigie $6 MAXLEN $1 = $1 7 $1 * $3 eve $2 {} ");
    }

    #[test]
    fn suricata_mode_names_and_no_password_in_debug() {
        let c: RedisConfig = toml::from_str("mode = \"publish\"\npassword = \"s3cret\"").unwrap();
        assert_eq!(c.mode, RedisMode::Channel);
        assert!(!format!("{c:?}").contains("s3cret"));
        let c: RedisConfig = toml::from_str("mode = \"xadd\"").unwrap();
        assert_eq!(c.mode, RedisMode::Stream);
        assert!(toml::from_str::<RedisConfig>("mode = \"sorted_set\"").is_err());
    }

    #[test]
    fn bad_server_refused_at_start() {
        let e = start(&RedisConfig {
            server: "localhost".into(),
            ..Default::default()
        })
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("redis localhost") && e.contains("host:port"), "{e}");
    }
}
