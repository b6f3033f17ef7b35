//! The drill file (TOML): which captures to replay with which rules, the
//! attack they hold, and the alerts the sensor must raise.
//!
//! ```toml
//! name = "SYN flood on the ticketing API"
//! captures = ["../pcaps/attacks/syn-flood.pcap"]   # relative to this file
//! # rules = ["../rules/vigie.rules"]     # default: configured or bundled
//! # rate_rules = []                      # default: configured or bundled; [] for none
//! # set = ["stream.midstream=true"]
//! max_other_alerts = 0
//!
//! [attack]
//! attacker = "spoofed"          # address, CIDR, list, $VAR, any, spoofed
//! victim = "10.10.0.81"
//! start_offset_secs = 3         # else: the first packet from attacker to victim
//!
//! [[expect]]
//! sid = 9200004                 # or classtype = "attempted-dos"
//! min = 1                       # default 1
//! max = 1
//! within_secs = 5               # of the attack's first packet
//! ```

use crate::rules::address::IpSet;
use crate::rules::vars::{Resolver, Vars};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DrillSpecError {
    pub path: String,
    pub message: String,
}

/// A drill, its paths resolved against the drill file's folder.
#[derive(Clone, Debug)]
pub struct DrillSpec {
    pub file: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub captures: Vec<PathBuf>,
    pub rules: Option<Vec<PathBuf>>,
    pub rate_rules: Option<Vec<PathBuf>>,
    pub config: Option<PathBuf>,
    pub set: Vec<String>,
    pub attack: Attack,
    pub expect: Vec<Expectation>,
    pub max_other_alerts: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Attack {
    pub attacker_text: String,
    pub victim_text: String,
    pub attacker: IpSet,
    pub victim: IpSet,
    /// The attack starts this long after the capture's first packet.
    pub start_offset_secs: Option<f64>,
}

/// One alert the drill requires.
#[derive(Clone, Debug)]
pub struct Expectation {
    pub sid: Option<u32>,
    pub gid: u32,
    pub classtype: Option<String>,
    pub attacker_text: String,
    pub victim_text: String,
    pub attacker: IpSet,
    pub victim: IpSet,
    pub min: u64,
    pub max: Option<u64>,
    pub within_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrill {
    name: Option<String>,
    description: Option<String>,
    captures: Vec<String>,
    rules: Option<Vec<String>>,
    rate_rules: Option<Vec<String>>,
    config: Option<String>,
    #[serde(default)]
    set: Vec<String>,
    attack: RawAttack,
    #[serde(default)]
    expect: Vec<RawExpect>,
    max_other_alerts: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttack {
    attacker: String,
    victim: String,
    start_offset_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    sid: Option<u32>,
    gid: Option<u32>,
    classtype: Option<String>,
    attacker: Option<String>,
    victim: Option<String>,
    min: Option<u64>,
    max: Option<u64>,
    within_secs: Option<f64>,
}

/// The word for an attack whose sources are forged: any source matches.
const SPOOFED: &str = "spoofed";

impl DrillSpec {
    pub fn load(path: &Path, vars: &Vars) -> Result<DrillSpec, DrillSpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| DrillSpecError {
            path: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        DrillSpec::parse(&text, path, vars)
    }

    /// Parses drill text; `path` names it in errors and anchors its relative paths.
    pub fn parse(text: &str, path: &Path, vars: &Vars) -> Result<DrillSpec, DrillSpecError> {
        let fail = |message: String| DrillSpecError {
            path: path.display().to_string(),
            message,
        };
        let raw: RawDrill = toml::from_str(text).map_err(|e| fail(e.to_string().trim().to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |v: &[String]| v.iter().map(|p| tidy(&base.join(p))).collect::<Vec<_>>();
        if raw.captures.is_empty() {
            return Err(fail("captures: at least one capture file is needed".into()));
        }
        if raw.expect.is_empty() {
            return Err(fail("expect: a drill needs at least one [[expect]]".into()));
        }
        let mut resolver = Resolver::new(vars);
        let mut set_of = |text: &str, field: &str| -> Result<IpSet, DrillSpecError> {
            let expr = if text.trim() == SPOOFED { "any" } else { text };
            resolver.addresses(expr).map_err(|e| fail(format!("{field}: {e}")))
        };
        let spoofed = raw.attack.attacker.trim() == SPOOFED;
        if spoofed && raw.attack.start_offset_secs.is_none() {
            return Err(fail(
                "attack.start_offset_secs: needed when the attacker is spoofed (no one address starts the attack)"
                    .into(),
            ));
        }
        if raw
            .attack
            .start_offset_secs
            .is_some_and(|s| !(s.is_finite() && s >= 0.0))
        {
            return Err(fail("attack.start_offset_secs: must be a number of seconds ≥ 0".into()));
        }
        let attack = Attack {
            attacker: set_of(&raw.attack.attacker, "attack.attacker")?,
            victim: set_of(&raw.attack.victim, "attack.victim")?,
            attacker_text: raw.attack.attacker.clone(),
            victim_text: raw.attack.victim.clone(),
            start_offset_secs: raw.attack.start_offset_secs,
        };
        let mut expect = Vec::new();
        for (i, e) in raw.expect.iter().enumerate() {
            let field = |f: &str| format!("expect[{}].{f}", i + 1);
            if e.sid.is_none() == e.classtype.is_none() {
                return Err(fail(format!(
                    "{}: give a sid or a classtype (one of them)",
                    field("sid")
                )));
            }
            let min = e.min.unwrap_or(1);
            if e.max.is_some_and(|m| m < min) {
                return Err(fail(format!("{}: smaller than min ({min})", field("max"))));
            }
            if e.within_secs.is_some_and(|w| !(w.is_finite() && w >= 0.0)) {
                return Err(fail(format!(
                    "{}: must be a number of seconds ≥ 0",
                    field("within_secs")
                )));
            }
            let attacker_text = e.attacker.clone().unwrap_or_else(|| attack.attacker_text.clone());
            let victim_text = e.victim.clone().unwrap_or_else(|| attack.victim_text.clone());
            expect.push(Expectation {
                sid: e.sid,
                gid: e.gid.unwrap_or(1),
                classtype: e.classtype.clone(),
                attacker: set_of(&attacker_text, &field("attacker"))?,
                victim: set_of(&victim_text, &field("victim"))?,
                attacker_text,
                victim_text,
                min,
                max: e.max,
                within_secs: e.within_secs,
            });
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(DrillSpec {
            file: path.to_path_buf(),
            name: raw.name.unwrap_or(stem),
            description: raw.description,
            captures: resolve(&raw.captures),
            rules: raw.rules.as_deref().map(resolve),
            rate_rules: raw.rate_rules.as_deref().map(resolve),
            config: raw.config.map(|c| tidy(&base.join(c))),
            set: raw.set,
            attack,
            expect,
            max_other_alerts: raw.max_other_alerts,
        })
    }
}

/// `drills/../pcaps/x.pcap` → `pcaps/x.pcap`, without touching the file
/// system (a `..` after nothing, or after another `..`, stays).
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DrillSpec, DrillSpecError> {
        DrillSpec::parse(text, Path::new("drills/x.toml"), &Vars::default())
    }

    const GOOD: &str = r#"
captures = ["../pcaps/a.pcap"]
rate_rules = []
[attack]
attacker = "203.0.113.0/24"
victim = "$HOME_NET"
[[expect]]
sid = 9200001
within_secs = 5
[[expect]]
classtype = "attempted-dos"
attacker = "any"
min = 2
max = 3
"#;

    #[test]
    fn a_drill_with_defaults_and_resolved_paths() {
        let d = parse(GOOD).unwrap();
        assert_eq!(d.name, "x");
        assert_eq!(d.captures, vec![PathBuf::from("pcaps/a.pcap")]);
        assert_eq!(tidy(Path::new("../a/./b/../c")), PathBuf::from("../a/c"));
        assert_eq!(d.rate_rules, Some(vec![]));
        assert!(d.rules.is_none());
        assert!(d.attack.attacker.contains("203.0.113.9".parse().unwrap()));
        assert!(d.attack.victim.contains("10.10.0.80".parse().unwrap()));
        let (a, b) = (&d.expect[0], &d.expect[1]);
        assert_eq!(
            (a.sid, a.gid, a.min, a.max, a.within_secs),
            (Some(9200001), 1, 1, None, Some(5.0))
        );
        assert_eq!(a.attacker_text, "203.0.113.0/24");
        assert_eq!(
            (b.classtype.as_deref(), b.min, b.max),
            (Some("attempted-dos"), 2, Some(3))
        );
        assert!(b.attacker.is_any());
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (GOOD.replace("sid = 9200001\n", ""), "expect[1].sid"),
            (GOOD.replace("max = 3", "max = 1"), "expect[2].max"),
            (
                GOOD.replace("victim = \"$HOME_NET\"", "victim = \"10.1.1\""),
                "attack.victim",
            ),
            (GOOD.replace("rate_rules = []", "colour = 1"), "colour"),
            (
                GOOD.replace("attacker = \"203.0.113.0/24\"", "attacker = \"spoofed\""),
                "attack.start_offset_secs",
            ),
            (
                GOOD.replace("within_secs = 5", "within_secs = -1"),
                "expect[1].within_secs",
            ),
            (
                GOOD.replace("captures = [\"../pcaps/a.pcap\"]", "captures = []"),
                "captures",
            ),
        ];
        for (text, field) in cases {
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.starts_with("drills/x.toml: ") && e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn spoofed_attackers_match_anyone() {
        let text = GOOD.replace(
            "attacker = \"203.0.113.0/24\"",
            "attacker = \"spoofed\"\nstart_offset_secs = 3",
        );
        let d = parse(&text).unwrap();
        assert!(d.attack.attacker.is_any());
        assert_eq!(d.attack.start_offset_secs, Some(3.0));
    }
}
