//! The policy file (TOML): protected ranges, and policies that map alert
//! patterns seen N times within a window to a decision. Validated with
//! errors naming the file, the policy and the field.

use crate::rules::Classifications;
use crate::rules::address::IpSet;
use crate::rules::vars::{Resolver, Vars};
use crate::store::decisions::DecisionType;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: {what}: {field}: {message}")]
    Field {
        path: String,
        what: String,
        field: String,
        message: String,
    },
}

/// Which address of the alert a policy counts and decides about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    Src,
    Dst,
}

/// What an alert must show for a policy to count it.
#[derive(Clone, Debug, Default)]
pub struct AlertPattern {
    /// Severity at most this (1 is the most severe).
    pub max_severity: Option<u8>,
    /// EVE categories of the classtypes named in the file.
    pub categories: Vec<String>,
    /// Inclusive sid ranges.
    pub sids: Vec<(u32, u32)>,
    /// Only rate-rule alerts (true) or only signature alerts (false).
    pub rate: Option<bool>,
    /// Metadata key → accepted values (any of them, case-insensitive).
    pub metadata: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    pub pattern: AlertPattern,
    pub track: Track,
    pub count: u32,
    pub window_us: i64,
    pub decision: DecisionType,
    pub duration_us: i64,
    /// Each earlier decision on the same address multiplies the duration.
    pub escalate_factor: u32,
    pub escalate_max_us: i64,
}

#[derive(Clone, Debug)]
pub struct ProtectedRange {
    pub name: String,
    pub set: IpSet,
    pub text: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    pub protected: Vec<ProtectedRange>,
    pub policies: Vec<Policy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    protected: Vec<RawProtected>,
    #[serde(default)]
    policy: Vec<RawPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtected {
    name: String,
    ranges: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "match", default)]
    matches: RawMatch,
    track: Track,
    #[serde(default = "one")]
    count: u32,
    #[serde(default)]
    window: Option<String>,
    decision: String,
    duration: String,
    #[serde(default)]
    escalate: Option<RawEscalate>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    severity: Option<u8>,
    #[serde(default)]
    classtypes: Vec<String>,
    #[serde(default)]
    sids: Vec<String>,
    rate: Option<bool>,
    #[serde(default)]
    metadata: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalate {
    factor: u32,
    max: String,
}

fn parse_sid_range(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("'{s}' is not a sid or a sid range like 9100000-9199999");
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u32, u32) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if a > b {
                return Err(bad());
            }
            Ok((a, b))
        }
        None => {
            let n = s.trim().parse().map_err(|_| bad())?;
            Ok((n, n))
        }
    }
}

/// Parses and validates a policy file's text; `path` names it in errors.
pub fn parse(text: &str, path: &str, vars: &Vars, classes: &Classifications) -> Result<PolicySet, PolicyError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| PolicyError::Syntax {
        path: path.to_string(),
        message: e.to_string().trim().to_string(),
    })?;
    let mut resolver = Resolver::new(vars);
    let mut set = PolicySet::default();
    for p in raw.protected {
        let fail = |field: &str, message: String| PolicyError::Field {
            path: path.to_string(),
            what: format!("protected {:?}", p.name),
            field: field.to_string(),
            message,
        };
        if p.ranges.is_empty() {
            return Err(fail("ranges", "name at least one address or range".into()));
        }
        let expr = format!("[{}]", p.ranges.join(","));
        let ips = resolver.addresses(&expr).map_err(|e| fail("ranges", e))?;
        set.protected.push(ProtectedRange {
            name: p.name.clone(),
            set: ips,
            text: p.ranges.clone(),
        });
    }
    let mut names = std::collections::HashSet::new();
    for p in raw.policy {
        let fail = |field: &str, message: String| PolicyError::Field {
            path: path.to_string(),
            what: format!("policy {:?}", p.name),
            field: field.to_string(),
            message,
        };
        let _ = &p.description;
        if !names.insert(p.name.clone()) {
            return Err(fail("name", "used by another policy".into()));
        }
        let decision = DecisionType::parse(&p.decision).ok_or_else(|| {
            fail(
                "decision",
                format!("'{}' must be block, quarantine, step_up or monitor", p.decision),
            )
        })?;
        let duration_us = crate::duration::parse_positive(&p.duration).map_err(|e| fail("duration", e))?;
        let window_us = match &p.window {
            Some(w) => crate::duration::parse_positive(w).map_err(|e| fail("window", e))?,
            None if p.count <= 1 => 1,
            None => return Err(fail("window", "needed when count is more than 1".into())),
        };
        if p.count == 0 {
            return Err(fail("count", "must be at least 1".into()));
        }
        let (escalate_factor, escalate_max_us) = match &p.escalate {
            Some(e) if e.factor < 1 => return Err(fail("escalate.factor", "must be at least 1".into())),
            Some(e) => (
                e.factor,
                crate::duration::parse_positive(&e.max).map_err(|m| fail("escalate.max", m))?,
            ),
            None => (1, duration_us),
        };
        let m = &p.matches;
        let mut categories = Vec::new();
        for c in &m.classtypes {
            let class = classes
                .get(c)
                .ok_or_else(|| fail("match.classtypes", format!("unknown classtype '{c}'")))?;
            categories.push(class.category.clone());
        }
        let sids = m
            .sids
            .iter()
            .map(|s| parse_sid_range(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail("match.sids", e))?;
        if m.severity.is_some_and(|s| !(1..=255).contains(&s)) {
            return Err(fail("match.severity", "must be 1 or more".into()));
        }
        set.policies.push(Policy {
            name: p.name.clone(),
            pattern: AlertPattern {
                max_severity: m.severity,
                categories,
                sids,
                rate: m.rate,
                metadata: m.metadata.clone(),
            },
            track: p.track,
            count: p.count,
            window_us,
            decision,
            duration_us,
            escalate_factor,
            escalate_max_us: escalate_max_us.max(duration_us),
        });
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<PolicySet, PolicyError> {
        parse(text, "p.toml", &Vars::default(), &Classifications::default())
    }

    #[test]
    fn the_bundled_policy_loads() {
        let set = load(super::super::BUNDLED_POLICY).unwrap();
        assert!(set.policies.len() >= 5);
        assert!(
            set.protected
                .iter()
                .any(|p| p.set.contains("10.10.0.53".parse().unwrap()))
        );
    }

    #[test]
    fn a_policy_with_every_field() {
        let set = load(
            r#"
[[protected]]
name = "resolvers"
ranges = ["10.10.0.53", "$HOME_NET"]

[[policy]]
name = "web"
match = { severity = 1, classtypes = ["web-application-attack"], sids = ["9100000-9199999", "1"], rate = false, metadata = { signature_severity = ["Major"] } }
track = "src"
count = 3
window = "10m"
decision = "block"
duration = "1h"
escalate = { factor = 4, max = "7d" }
"#,
        )
        .unwrap();
        let p = &set.policies[0];
        assert_eq!((p.count, p.window_us, p.duration_us), (3, 600_000_000, 3_600_000_000));
        assert_eq!(p.pattern.sids, vec![(9_100_000, 9_199_999), (1, 1)]);
        assert_eq!(p.pattern.categories, vec!["Web Application Attack".to_string()]);
        assert_eq!((p.escalate_factor, p.escalate_max_us), (4, 7 * 86_400_000_000));
        assert!(set.protected[0].set.contains("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn mistakes_name_the_policy_and_field() {
        let base = "[[policy]]\nname = \"x\"\ntrack = \"src\"\ndecision = \"block\"\nduration = \"1h\"\n";
        let cases = [
            (base.replace("\"block\"", "\"nuke\""), "policy \"x\": decision"),
            (base.replace("\"1h\"", "\"soon\""), "policy \"x\": duration"),
            (format!("{base}count = 2\n"), "policy \"x\": window"),
            (
                format!("{base}match = {{ classtypes = [\"nope\"] }}\n"),
                "match.classtypes",
            ),
            (format!("{base}match = {{ sids = [\"9-1\"] }}\n"), "match.sids"),
            (base.replace("\"src\"", "\"moon\""), "track"),
            (format!("{base}colour = 1\n"), "colour"),
            (format!("{base}{base}"), "policy \"x\": name"),
            (
                "[[protected]]\nname = \"r\"\nranges = [\"10.1\"]\n".to_string(),
                "protected \"r\": ranges",
            ),
        ];
        for (text, want) in cases {
            let e = load(&text).unwrap_err().to_string();
            assert!(e.starts_with("p.toml: ") && e.contains(want), "{want}: {e}");
        }
    }
}
