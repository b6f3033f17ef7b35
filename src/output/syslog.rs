//! EVE to syslog: each alert an RFC 5424 message (APP-NAME `vigie`,
//! HOSTNAME the sensor, MSGID `alert`, MSG the EVE JSON) over UDP (one per
//! datagram, RFC 5426), TCP (octet-counting framing, RFC 6587) or a Unix
//! datagram socket such as /dev/log. Owns the config, the header and the
//! framing; delivery is the generic sink's.
//!
//! The severity follows the alert's: 1 → err, 2 → warning, 3 → notice,
//! anything lower → info (emerg, alert and crit are left to the host's own
//! failures), unless the config fixes one. MSG carries no BOM: RFC 5424's
//! MSG-ANY, so a JSON parser reads it as it is.

use super::link::{Endpoint, FramedTransport, check_host_port};
use super::sink::{DEFAULT_QUEUE, Record, Sink, SinkError};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::PathBuf;

/// `[outputs.syslog]`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyslogConfig {
    pub enabled: bool,
    /// Names the sink in the summary, the logs and the metrics (default:
    /// its kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub transport: SyslogTransport,
    /// `host:port` for udp and tcp.
    pub address: String,
    /// The socket for unix.
    pub path: PathBuf,
    pub facility: Facility,
    pub severity: Severity,
    /// Records waiting for the server before new ones are dropped.
    pub queue: usize,
}

impl Default for SyslogConfig {
    fn default() -> Self {
        SyslogConfig {
            enabled: false,
            name: None,
            transport: SyslogTransport::Udp,
            address: "127.0.0.1:514".into(),
            path: PathBuf::from("/dev/log"),
            facility: Facility(LOCAL5),
            severity: Severity(None),
            queue: DEFAULT_QUEUE,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogTransport {
    #[default]
    Udp,
    Tcp,
    Unix,
}

const LOCAL5: u8 = 21;

const FACILITIES: &[(&str, u8)] = &[
    ("kern", 0),
    ("user", 1),
    ("mail", 2),
    ("daemon", 3),
    ("auth", 4),
    ("syslog", 5),
    ("lpr", 6),
    ("news", 7),
    ("uucp", 8),
    ("cron", 9),
    ("authpriv", 10),
    ("ftp", 11),
    ("ntp", 12),
    ("security", 13),
    ("console", 14),
    ("solaris-cron", 15),
    ("local0", 16),
    ("local1", 17),
    ("local2", 18),
    ("local3", 19),
    ("local4", 20),
    ("local5", 21),
    ("local6", 22),
    ("local7", 23),
];

const SEVERITIES: &[(&str, u8)] = &[
    ("emerg", 0),
    ("alert", 1),
    ("crit", 2),
    ("err", 3),
    ("warning", 4),
    ("notice", 5),
    ("info", 6),
    ("debug", 7),
    ("error", 3),
    ("warn", 4),
];

/// A syslog facility, written as its name (`local5`) or number (0-23).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facility(pub u8);

/// The syslog severity: `auto` (from the alert's) or a fixed one, by name
/// (`warning`) or number (0-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Severity(pub Option<u8>);

fn name_of(table: &[(&'static str, u8)], code: u8) -> String {
    table
        .iter()
        .find(|(_, c)| *c == code)
        .map_or_else(|| code.to_string(), |(n, _)| (*n).to_string())
}

/// A name from `table` or a number up to `max`.
fn code_of<'de, D: serde::Deserializer<'de>>(d: D, table: &[(&str, u8)], max: u8, what: &str) -> Result<u8, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    let bad = |v: String| {
        let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
        serde::de::Error::custom(format!("{v} is not a {what}: {} or 0-{max}", names.join(", ")))
    };
    match Raw::deserialize(d)? {
        Raw::Number(n) => u8::try_from(n)
            .ok()
            .filter(|&n| n <= max)
            .ok_or_else(|| bad(n.to_string())),
        Raw::Text(t) => {
            let t = t.trim().to_ascii_lowercase();
            if let Some((_, c)) = table.iter().find(|(n, _)| *n == t) {
                return Ok(*c);
            }
            t.parse::<u8>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| bad(format!("'{t}'")))
        }
    }
}

impl Serialize for Facility {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&name_of(FACILITIES, self.0))
    }
}

impl<'de> Deserialize<'de> for Facility {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        code_of(d, FACILITIES, 23, "syslog facility").map(Facility)
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_str("auto"),
            Some(c) => s.serialize_str(&name_of(SEVERITIES, c)),
        }
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut table = SEVERITIES.to_vec();
        // `auto` is carried as a code past the range and mapped back.
        table.push(("auto", 8));
        code_of(d, &table, 7, "syslog severity").map(|c| Severity((c <= 7).then_some(c)))
    }
}

/// The syslog severity for an alert of severity `alert` (1 is the highest).
pub fn severity_for(alert: u8) -> u8 {
    match alert {
        0 | 1 => 3,
        2 => 4,
        3 => 5,
        _ => 6,
    }
}

/// RFC 5424 HOSTNAME: printable US-ASCII without spaces, at most 255.
fn header_hostname(name: &str) -> String {
    let h: String = name
        .chars()
        .take(255)
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    if h.is_empty() { "-".into() } else { h }
}

/// How records become syslog messages.
#[derive(Clone, Debug)]
pub struct Formatter {
    facility: u8,
    severity: Option<u8>,
    hostname: String,
    pid: u32,
    /// TCP: each message preceded by its length and a space.
    octet_counting: bool,
}

impl Formatter {
    pub fn new(cfg: &SyslogConfig, sensor: &str) -> Formatter {
        Formatter {
            facility: cfg.facility.0,
            severity: cfg.severity.0,
            hostname: header_hostname(sensor),
            pid: std::process::id(),
            octet_counting: cfg.transport == SyslogTransport::Tcp,
        }
    }

    /// Appends the message for `r`, stamped `now`, framed for the transport.
    pub fn frame(&self, r: &Record, now: Timestamp, buf: &mut Vec<u8>) {
        let sev = self.severity.unwrap_or_else(|| severity_for(r.severity));
        let pri = u16::from(self.facility) * 8 + u16::from(sev);
        let header = format!(
            "<{pri}>1 {} {} vigie {} alert - ",
            now.rfc3339(),
            self.hostname,
            self.pid
        );
        if self.octet_counting {
            // Writing to a Vec cannot fail.
            let _ = write!(buf, "{} ", header.len() + r.line.len());
        }
        buf.extend_from_slice(header.as_bytes());
        buf.extend_from_slice(r.line.as_bytes());
    }
}

/// Starts the sink's thread; `sensor` is the HOSTNAME.
pub fn start(cfg: &SyslogConfig, sensor: &str) -> Result<Sink, SinkError> {
    let (endpoint, target) = match cfg.transport {
        SyslogTransport::Udp | SyslogTransport::Tcp => {
            check_host_port(&cfg.address).map_err(|message| SinkError::Config {
                sink: "syslog".into(),
                message: format!("address: {message}"),
            })?;
            if cfg.transport == SyslogTransport::Udp {
                (Endpoint::Udp(cfg.address.clone()), format!("udp {}", cfg.address))
            } else {
                (Endpoint::Tcp(cfg.address.clone()), format!("tcp {}", cfg.address))
            }
        }
        SyslogTransport::Unix => (
            Endpoint::UnixDgram(cfg.path.clone()),
            format!("unix {}", cfg.path.display()),
        ),
    };
    let fmt = Formatter::new(cfg, sensor);
    let frame = move |r: &Record, buf: &mut Vec<u8>| fmt.frame(r, Timestamp::now(), buf);
    let transport = FramedTransport::new(endpoint, format!("syslog {target}"), frame);
    Sink::start("syslog", cfg.name.as_deref(), target, cfg.queue, transport)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn record(severity: u8) -> Record {
        Record {
            line: Arc::from(r#"{"event_type":"alert"}"#),
            severity,
        }
    }

    #[test]
    fn rfc5424_header() {
        let cfg = SyslogConfig::default();
        let f = Formatter::new(&cfg, "gate a");
        let mut buf = Vec::new();
        f.frame(&record(1), Timestamp::new(1_695_017_621, 532_140_000), &mut buf);
        let text = String::from_utf8(buf).unwrap();
        let pid = std::process::id();
        assert_eq!(
            text,
            format!("<171>1 2023-09-18T06:13:41.532140Z gate_a vigie {pid} alert - {{\"event_type\":\"alert\"}}")
        );
    }

    #[test]
    fn tcp_frames_count_octets() {
        let cfg = SyslogConfig {
            transport: SyslogTransport::Tcp,
            severity: Severity(Some(6)),
            facility: Facility(1),
            ..Default::default()
        };
        let f = Formatter::new(&cfg, "s");
        let mut buf = Vec::new();
        f.frame(&record(1), Timestamp::ZERO, &mut buf);
        let text = String::from_utf8(buf).unwrap();
        let (len, msg) = text.split_once(' ').unwrap();
        assert_eq!(len.parse::<usize>().unwrap(), msg.len());
        assert!(msg.starts_with("<14>1 1970-01-01T00:00:00.000000Z s vigie "), "{msg}");
    }

    #[test]
    fn severity_mapping() {
        let mapped: Vec<u8> = (1..=4).map(severity_for).collect();
        assert_eq!(mapped, vec![3, 4, 5, 6]);
    }

    #[test]
    fn facility_and_severity_from_config() {
        #[derive(Deserialize)]
        struct T {
            f: Facility,
            s: Severity,
        }
        let t: T = toml::from_str("f = \"LOCAL7\"\ns = \"auto\"").unwrap();
        assert_eq!((t.f, t.s), (Facility(23), Severity(None)));
        let t: T = toml::from_str("f = 4\ns = \"warning\"").unwrap();
        assert_eq!((t.f, t.s), (Facility(4), Severity(Some(4))));
        let t: T = toml::from_str("f = \"3\"\ns = 0").unwrap();
        assert_eq!((t.f, t.s), (Facility(3), Severity(Some(0))));
        assert!(toml::from_str::<T>("f = 24\ns = \"auto\"").is_err());
        assert!(toml::from_str::<T>("f = \"local9\"\ns = \"auto\"").is_err());
        assert!(toml::from_str::<T>("f = 1\ns = 8").is_err());
        assert!(
            toml::to_string(&SyslogConfig::default())
                .unwrap()
                .contains("facility = \"local5\"")
        );
    }
}
