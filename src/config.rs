//! vigie.toml: every setting with its embedded default, loading with errors
//! that name the file and the key, and `--set key=value` overrides
//! (including the Suricata keys rule tests pass).

use crate::decode::ChecksumMode;
use crate::duration::Span;
use crate::flow::FlowTimeouts;
use crate::rules::Vars;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Names this sensor in every record (EVE `host`); default: the host name.
    pub sensor_name: Option<String>,
    /// Worker threads; 0: one per core. One worker inspects inline on the
    /// reading thread.
    pub workers: usize,
    pub vars: Vars,
    pub rules: RulesConfig,
    pub outputs: OutputsConfig,
    pub capture: CaptureConfig,
    pub flow: FlowConfig,
    pub stream: StreamConfig,
    pub defrag: crate::defrag::DefragConfig,
    pub detect: DetectConfig,
    pub rate: RateConfig,
    pub policy: PolicyConfig,
    pub api: ApiConfig,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    pub enabled: bool,
    /// Policy file (none: the bundled rules/policy.toml).
    pub file: Option<PathBuf>,
    /// (policy, address) windows kept at once; the least recently used go first.
    pub max_windows: usize,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            enabled: true,
            file: None,
            max_windows: 100_000,
        }
    }
}

/// Who may call the API with a bearer token, and with what rights.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    pub name: String,
    pub token: String,
    /// `read` (queries, streams, feeds) or `admin` (also adds and revokes decisions).
    pub scope: String,
}

/// A CrowdSec bouncer's key (`X-Api-Key`): decision streams only.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BouncerKey {
    pub name: String,
    pub key: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Address and port; loopback unless you mean otherwise.
    pub listen: String,
    pub tokens: Vec<ApiToken>,
    pub bouncer_keys: Vec<BouncerKey>,
    /// Largest request body accepted.
    pub max_body: ByteSize,
    /// Seconds between keep-alive comments on the alert stream.
    pub heartbeat_secs: u64,
    /// PEM certificate chain (the server's certificate first); with
    /// `tls_key`, the API speaks HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert` (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
}

impl ApiConfig {
    /// The certificate and key files when TLS is configured; both or neither.
    pub fn tls_files(&self) -> Result<Option<(&Path, &Path)>, String> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some((cert, key))),
            (None, None) => Ok(None),
            (Some(_), None) => Err("api.tls_cert is set but api.tls_key is missing: give both or neither".into()),
            (None, Some(_)) => Err("api.tls_key is set but api.tls_cert is missing: give both or neither".into()),
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: "127.0.0.1:8787".into(),
            tokens: Vec::new(),
            bouncer_keys: Vec::new(),
            max_body: ByteSize(64 << 10),
            heartbeat_secs: 15,
            tls_cert: None,
            tls_key: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateConfig {
    pub enabled: bool,
    /// Rate rule files (none: the bundled rules/vigie.rate.toml).
    pub files: Vec<PathBuf>,
    /// Trackers (rule, key) kept at once; the least recently used go first.
    pub max_trackers: usize,
}

impl Default for RateConfig {
    fn default() -> Self {
        RateConfig {
            enabled: true,
            files: Vec::new(),
            max_trackers: 200_000,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Rule files loaded when no `-S` is given (none: the bundled rules).
    pub files: Vec<PathBuf>,
    pub classification_file: Option<PathBuf>,
    pub threshold_file: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputsConfig {
    pub log_dir: PathBuf,
    pub eve: FileOutput,
    pub fast_log: FileOutput,
    pub store: StoreOutput,
    /// Alerts queued for the output thread before detection waits.
    pub queue: usize,
    /// Reopen eve.json and fast.log on SIGHUP, for logrotate (Unix).
    pub reopen_on_sighup: bool,
    /// EVE to a Unix socket (stream or datagram).
    pub eve_socket: crate::output::UnixSocketConfig,
    /// EVE to syslog (RFC 5424 over UDP, TCP or a Unix socket).
    pub syslog: crate::output::SyslogConfig,
    /// EVE to Redis (list, channel or stream).
    pub redis: crate::output::RedisConfig,
}

impl OutputsConfig {
    /// The enabled network sinks.
    pub fn network_sinks(&self) -> Vec<crate::output::SinkSpec> {
        use crate::output::SinkSpec;
        let mut v = Vec::new();
        if self.eve_socket.enabled {
            v.push(SinkSpec::UnixSocket(self.eve_socket.clone()));
        }
        if self.syslog.enabled {
            v.push(SinkSpec::Syslog(self.syslog.clone()));
        }
        if self.redis.enabled {
            v.push(SinkSpec::Redis(self.redis.clone()));
        }
        v
    }
}

impl Default for OutputsConfig {
    fn default() -> Self {
        OutputsConfig {
            log_dir: PathBuf::from("vigie-logs"),
            eve: FileOutput {
                enabled: true,
                filename: PathBuf::from("eve.json"),
            },
            fast_log: FileOutput {
                enabled: true,
                filename: PathBuf::from("fast.log"),
            },
            store: StoreOutput::default(),
            queue: 65536,
            reopen_on_sighup: true,
            eve_socket: Default::default(),
            syslog: Default::default(),
            redis: Default::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileOutput {
    pub enabled: bool,
    /// Relative names live in `log_dir`.
    pub filename: PathBuf,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreOutput {
    pub enabled: bool,
    /// Relative paths live in `log_dir`.
    pub path: PathBuf,
    /// Alerts older than this (by alert time: packet time in a replay) are
    /// deleted in the background, and ended decisions as old; 0: kept.
    pub max_age: Span,
    /// At most this many alerts, the oldest deleted first; 0: no limit.
    pub max_rows: u64,
}

impl Default for StoreOutput {
    fn default() -> Self {
        StoreOutput {
            enabled: true,
            path: PathBuf::from("vigie.db"),
            max_age: Span::ZERO,
            max_rows: 0,
        }
    }
}

impl StoreOutput {
    pub fn retention(&self) -> crate::store::Retention {
        crate::store::Retention {
            max_age: self.max_age.micros,
            max_rows: self.max_rows,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaptureConfig {
    pub checksum: ChecksumMode,
    /// Live capture on AF_PACKET with several workers: each worker reads a
    /// socket of its own per interface, in a kernel fanout group. Off: one
    /// socket per interface, read by one thread that hands frames out.
    pub fanout: bool,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            checksum: ChecksumMode::default(),
            fanout: true,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowConfig {
    /// Flows tracked at once; beyond it the least recently seen is evicted.
    pub max_flows: usize,
    /// Whether VLAN ids separate flows.
    pub vlan_tracking: bool,
    pub timeouts: FlowTimeouts,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            max_flows: 262_144,
            vlan_tracking: true,
            timeouts: FlowTimeouts::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamConfig {
    pub midstream: bool,
    pub async_oneside: bool,
    /// Bytes reassembled per direction ("1mb", "64kb" or a number; 0: unlimited).
    pub depth: ByteSize,
    /// Out-of-order bytes a direction may hold before a hole is given up.
    pub max_pending: ByteSize,
    /// Which copy of overlapping bytes wins: "first" or "last".
    pub overlap_policy: crate::stream::OverlapPolicy,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            midstream: false,
            async_oneside: false,
            depth: ByteSize(1 << 20),
            max_pending: ByteSize(256 << 10),
            overlap_policy: Default::default(),
        }
    }
}

impl StreamConfig {
    pub fn reassembly_limits(&self) -> crate::stream::ReassemblyLimits {
        crate::stream::ReassemblyLimits {
            depth: self.depth.0,
            max_pending: usize::try_from(self.max_pending.0).unwrap_or(usize::MAX),
            policy: self.overlap_policy,
        }
    }
}

/// A byte count written as a number or with a unit: `1mb`, `64kb`, `512b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let t = s.trim().to_ascii_lowercase();
        let (digits, mult) = if let Some(d) = t.strip_suffix("gb") {
            (d, 1u64 << 30)
        } else if let Some(d) = t.strip_suffix("mb") {
            (d, 1 << 20)
        } else if let Some(d) = t.strip_suffix("kb") {
            (d, 1 << 10)
        } else if let Some(d) = t.strip_suffix('b') {
            (d, 1)
        } else {
            (t.as_str(), 1)
        };
        let n: u64 = digits
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a size like 1mb, 64kb or 4096"))?;
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("'{s}' is too large"))
    }
}

impl Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(t) => ByteSize::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectConfig {
    /// Threshold/detection_filter trackers kept at once.
    pub threshold_trackers: usize,
    /// Content rules go on reading a TLS flow's stream after its
    /// handshake (Suricata's `encryption-handling: full`). Off, as by
    /// default in Suricata: ciphertext holds nothing for them, and the TLS
    /// keywords still see every handshake.
    pub inspect_encrypted: bool,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            threshold_trackers: 65_536,
            inspect_encrypted: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{origin}: key '{key}': {message}")]
    Key {
        origin: String,
        key: String,
        message: String,
    },
    #[error("--set {0}: expected key=value")]
    SetSyntax(String),
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Suricata settings the conformance tests pass that have a vigie meaning.
fn suricata_alias(key: &str, value: &str) -> Option<(String, String)> {
    let truthy = matches!(value, "yes" | "true" | "1" | "on");
    match key {
        "stream.midstream" => Some(("stream.midstream".into(), truthy.to_string())),
        "stream.async-oneside" => Some(("stream.async_oneside".into(), truthy.to_string())),
        "stream.checksum-validation" => Some((
            "capture.checksum".into(),
            if truthy { "\"all\"".into() } else { "\"none\"".into() },
        )),
        "vlan.use-for-tracking" => Some(("flow.vlan_tracking".into(), truthy.to_string())),
        "stream.reassembly.depth" => Some(("stream.depth".into(), format!("\"{value}\""))),
        _ => None,
    }
}

/// Suricata settings with no vigie counterpart yet: accepted, with a warning.
fn suricata_ignored(key: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "app-layer.",
        "stream.",
        "pcap-file.",
        "stats.",
        "outputs.",
        "detect.",
        "ippair.",
        "spm-algo",
        "mpm-algo",
        "exception-policy",
        "runmode",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p))
}

impl Config {
    /// Embedded defaults, then `file` if given, then each `--set`.
    pub fn load(file: Option<&Path>, sets: &[String]) -> Result<Config, ConfigError> {
        let (mut tree, origin) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let value: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string().trim_end().to_string(),
                })?;
                (value, path.display().to_string())
            }
            None => (toml::Table::new(), "defaults".to_string()),
        };
        Self::from_tree(tree.clone(), &origin)?;
        for set in sets {
            let (key, value) = set.split_once('=').ok_or_else(|| ConfigError::SetSyntax(set.clone()))?;
            let (key, value) = (key.trim(), value.trim());
            let (key, value) = match suricata_alias(key, value) {
                Some(kv) => kv,
                None if suricata_ignored(key) && !is_vigie_key(key) => {
                    tracing::warn!(key, "Suricata setting has no effect in vigie; ignored");
                    continue;
                }
                None => (key.to_string(), value.to_string()),
            };
            set_path(&mut tree, &key, parse_value(&value)).map_err(|message| ConfigError::Key {
                origin: format!("--set {set}"),
                key: key.clone(),
                message,
            })?;
            Self::from_tree(tree.clone(), &format!("--set {set}"))?;
        }
        let cfg = Self::from_tree(tree, &origin)?;
        // Settings that only make sense together are checked on the whole.
        cfg.api.tls_files().map_err(|message| ConfigError::Invalid {
            origin: match (file, sets.is_empty()) {
                (Some(_), true) => origin,
                (Some(_), false) => format!("{origin} and --set"),
                (None, _) => "--set".to_string(),
            },
            message,
        })?;
        Ok(cfg)
    }

    fn from_tree(tree: toml::Table, origin: &str) -> Result<Config, ConfigError> {
        let value = toml::Value::Table(tree);
        serde_path_to_error::deserialize(value).map_err(|e| ConfigError::Key {
            origin: origin.to_string(),
            key: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }

    /// Worker threads to run: `workers`, or one per core when 0.
    pub fn worker_count(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    pub fn sensor(&self) -> String {
        if let Some(name) = &self.sensor_name {
            return name.clone();
        }
        std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "vigie".to_string())
    }

    /// A path from the config, relative names resolved inside `log_dir`.
    pub fn in_log_dir(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.outputs.log_dir.join(p)
        }
    }
}

/// Whether `key` names a vigie setting (rule variables may have any name).
fn is_vigie_key(key: &str) -> bool {
    let Ok(toml::Value::Table(defaults)) = toml::Value::try_from(Config::default()) else {
        return false;
    };
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() == 3 && parts[0] == "vars" && matches!(parts[1], "address_groups" | "port_groups") {
        return true;
    }
    let mut table = &defaults;
    for (i, part) in parts.iter().enumerate() {
        match table.get(*part) {
            Some(toml::Value::Table(t)) if i + 1 < parts.len() => table = t,
            Some(_) if i + 1 == parts.len() => return true,
            // Optional settings are absent from the serialised defaults; a
            // misspelt key in a table of vigie's own (`outputs.redis.*`) is
            // vigie's to refuse, not a Suricata setting to pass over.
            None if i + 1 == parts.len() => {
                return i >= 2 || matches!(*part, "sensor_name" | "classification_file" | "threshold_file");
            }
            _ => return false,
        }
    }
    false
}

/// `true`/`yes`, integers and floats keep their type; TOML literals
/// (`"x"`, `[1, 2]`) are parsed; anything else is a string.
fn parse_value(s: &str) -> toml::Value {
    match s {
        "true" | "yes" => return toml::Value::Boolean(true),
        "false" | "no" => return toml::Value::Boolean(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    if let Ok(f) = s.parse::<f64>() {
        return toml::Value::Float(f);
    }
    if let Ok(t) = toml::from_str::<toml::Table>(&format!("v = {s}"))
        && let Some(v) = t.get("v")
    {
        return v.clone();
    }
    toml::Value::String(s.to_string())
}

/// Sets `key` in `tree`. A table the tree lacks starts as its embedded
/// default, so `--set outputs.eve.enabled=false` keeps the default filename.
fn set_path(tree: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err("empty key segment".into());
    }
    let defaults = match toml::Value::try_from(Config::default()) {
        Ok(toml::Value::Table(t)) => Some(t),
        _ => None,
    };
    let mut default = defaults.as_ref();
    let mut table = tree;
    for part in &parts[..parts.len() - 1] {
        default = default.and_then(|d| match d.get(*part) {
            Some(toml::Value::Table(t)) => Some(t),
            _ => None,
        });
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(default.cloned().unwrap_or_default()));
        table = match entry {
            toml::Value::Table(t) => t,
            _ => return Err(format!("'{part}' is not a table")),
        };
    }
    table.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_file() {
        let c = Config::load(None, &[]).unwrap();
        assert_eq!(c.flow.max_flows, 262_144);
        assert!(c.outputs.eve.enabled);
        assert_eq!(c.capture.checksum, ChecksumMode::Auto);
        assert!(c.vars.address_groups.contains_key("HOME_NET"));
    }

    #[test]
    fn set_overrides_and_suricata_keys() {
        let sets = vec![
            "stream.midstream=true".to_string(),
            "stream.async-oneside=yes".to_string(),
            "flow.max_flows=10".to_string(),
            "vars.address_groups.HOME_NET=[10.20.0.0/16]".to_string(),
            "app-layer.protocols.sip.enabled=yes".to_string(),
            "capture.checksum=none".to_string(),
        ];
        let c = Config::load(None, &sets).unwrap();
        assert!(c.stream.midstream && c.stream.async_oneside);
        assert_eq!(c.flow.max_flows, 10);
        assert_eq!(c.vars.address_groups["HOME_NET"], "[10.20.0.0/16]");
        assert_eq!(c.capture.checksum, ChecksumMode::None);
        let c = Config::load(None, &["outputs.eve.enabled=false".to_string()]).unwrap();
        assert!(!c.outputs.eve.enabled);
        assert_eq!(c.outputs.eve.filename, PathBuf::from("eve.json"));
        let c = Config::load(None, &["stream.reassembly.depth=8kb".to_string()]).unwrap();
        assert_eq!(c.stream.depth, ByteSize(8192));
        let c = Config::load(None, &["stream.depth=0".to_string()]).unwrap();
        assert_eq!(c.stream.depth, ByteSize(0));
        assert!(Config::load(None, &["stream.depth=lots".to_string()]).is_err());
    }

    #[test]
    fn network_sinks_from_file_and_set() {
        use crate::output::SinkSpec;
        use crate::output::redis::RedisMode;
        let c = Config::load(None, &[]).unwrap();
        assert!(c.outputs.network_sinks().is_empty());
        assert!(c.outputs.reopen_on_sighup);
        let sets: Vec<String> = [
            "outputs.redis.enabled=true",
            "outputs.redis.server=10.1.2.3:6380",
            "outputs.redis.mode=channel",
            "outputs.redis.password=pw",
            "outputs.redis.db=2",
            "outputs.syslog.enabled=true",
            "outputs.syslog.transport=tcp",
            "outputs.syslog.facility=local3",
            "outputs.eve_socket.enabled=yes",
            "outputs.eve_socket.kind=dgram",
            "outputs.eve_socket.path=/tmp/x.sock",
            "outputs.eve_socket.queue=5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = Config::load(None, &sets).unwrap();
        let r = &c.outputs.redis;
        assert_eq!(
            (r.server.as_str(), r.mode, r.password.as_deref(), r.db),
            ("10.1.2.3:6380", RedisMode::Channel, Some("pw"), 2)
        );
        assert_eq!(c.outputs.syslog.facility.0, 19);
        assert_eq!(c.outputs.eve_socket.queue, 5);
        let kinds: Vec<&str> = c
            .outputs
            .network_sinks()
            .iter()
            .map(|s| match s {
                SinkSpec::UnixSocket(_) => "socket",
                SinkSpec::Syslog(_) => "syslog",
                SinkSpec::Redis(_) => "redis",
            })
            .collect();
        assert_eq!(kinds, ["socket", "syslog", "redis"]);
        let e = Config::load(None, &["outputs.redis.mdoe=list".to_string()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("outputs.redis") && e.contains("mdoe"), "{e}");
        let e = Config::load(None, &["outputs.syslog.facility=local9".to_string()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("outputs.syslog.facility"), "{e}");

        let dir = std::env::temp_dir().join(format!("vigie-cfg-sinks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("sinks.toml");
        std::fs::write(
            &f,
            "[outputs]\nlog_dir = \"/tmp/l\"\nreopen_on_sighup = false\n\
             [outputs.redis]\nenabled = true\nmode = \"stream\"\nstream_maxlen = 1000\n\
             [outputs.syslog]\nenabled = true\ntransport = \"unix\"\nseverity = \"notice\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&f), &["outputs.redis.key=soc".to_string()]).unwrap();
        assert!(!c.outputs.reopen_on_sighup);
        assert_eq!(c.outputs.redis.mode, RedisMode::Stream);
        assert_eq!(
            (c.outputs.redis.stream_maxlen, c.outputs.redis.key.as_str()),
            (1000, "soc")
        );
        assert_eq!(c.outputs.syslog.severity.0, Some(5));
        assert_eq!(c.outputs.network_sinks().len(), 2);
    }

    #[test]
    fn store_retention() {
        let c = Config::load(None, &[]).unwrap();
        assert!(c.outputs.store.retention().is_off());
        let sets = [
            "outputs.store.max_age=30d".to_string(),
            "outputs.store.max_rows=1000".to_string(),
        ];
        let c = Config::load(None, &sets).unwrap();
        assert_eq!(c.outputs.store.max_age.to_string(), "30d");
        assert_eq!(c.outputs.store.retention().max_age, 30 * 86_400_000_000);
        assert_eq!(c.outputs.store.max_rows, 1000);
        assert!(c.outputs.store.enabled);
        let e = Config::load(None, &["outputs.store.max_age=forever".to_string()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("outputs.store.max_age") && e.contains("forever"), "{e}");
    }

    #[test]
    fn unknown_key_names_its_path() {
        let e = Config::load(None, &["flow.timeouts.nwe=3".to_string()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("flow.timeouts"), "{e}");
        assert!(e.contains("nwe"), "{e}");
        let e = Config::load(None, &["bogus=1".to_string()]).unwrap_err().to_string();
        assert!(e.contains("bogus"), "{e}");
        assert!(Config::load(None, &["novalue".to_string()]).is_err());
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("vigie-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[flow]\nmax_flows = \"many\"\n").unwrap();
        let e = Config::load(Some(&bad), &[]).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("flow.max_flows"), "{e}");
        let broken = dir.join("broken.toml");
        std::fs::write(&broken, "[flow\n").unwrap();
        let e = Config::load(Some(&broken), &[]).unwrap_err().to_string();
        assert!(e.contains("broken.toml"), "{e}");
        let good = dir.join("good.toml");
        std::fs::write(&good, "sensor_name = \"gate-a\"\n[stream]\nmidstream = true\n").unwrap();
        let c = Config::load(Some(&good), &[]).unwrap();
        assert_eq!(c.sensor(), "gate-a");
        assert!(c.stream.midstream);
    }
}
