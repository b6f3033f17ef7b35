//! Drills: replay attack captures through the sensor and check that it
//! raised the expected alerts, against the right hosts, soon enough; the
//! result as JSON for CI and as an HTML report for people.

pub mod html;
pub mod result;
pub mod spec;
mod traffic;

pub use result::{DrillReport, DrillResult};
pub use spec::{DrillSpec, DrillSpecError};

use crate::alert::Alert;
use crate::config::Config;
use crate::detect::{Engine, EngineOptions};
use crate::pipeline::{self, ReplayHooks};
use crate::rules::Classifications;
use crate::rules::sources::load_rules;
use result::{AttackInfo, ExpectationResult, OtherAlerts, Timeline, TimelineAlert};
use spec::Expectation;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use traffic::TrafficRecorder;

#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    #[error(transparent)]
    Spec(#[from] DrillSpecError),
    #[error("{drill}: {message}")]
    Setup { drill: String, message: String },
    #[error("{drill}: {source}")]
    Replay {
        drill: String,
        source: pipeline::ReplayError,
    },
}

/// What the drill needs to know of an alert after the run.
struct SeenAlert {
    t: f64,
    gid: u32,
    sid: u32,
    msg: String,
    category: String,
    src: IpAddr,
    dst: IpAddr,
}

/// Where the sensor's configuration comes from: a file and `--set` overrides
/// (a drill may name its own file and add overrides).
#[derive(Clone, Debug, Default)]
pub struct ConfigSource {
    pub file: Option<PathBuf>,
    pub sets: Vec<String>,
}

/// Runs the drill in `path`: its outputs (eve.json, fast.log, the store) go
/// to `out_dir`. A drill that cannot be set up (bad file, missing rules) is
/// an error; one that runs always gives a result, passed or not.
pub fn run(path: &Path, base: &ConfigSource, out_dir: &Path) -> Result<DrillResult, DrillError> {
    let setup = |message: String| DrillError::Setup {
        drill: path.display().to_string(),
        message,
    };
    let base_cfg = Config::load(base.file.as_deref(), &base.sets).map_err(|e| setup(e.to_string()))?;
    let spec = DrillSpec::load(path, &base_cfg.vars)?;
    let mut cfg = if spec.config.is_none() && spec.set.is_empty() {
        base_cfg
    } else {
        let file = spec.config.as_deref().or(base.file.as_deref());
        let sets: Vec<String> = base.sets.iter().chain(&spec.set).cloned().collect();
        Config::load(file, &sets).map_err(|e| setup(e.to_string()))?
    };
    cfg.outputs.log_dir = out_dir.to_path_buf();
    let rule_files = spec.rules.clone().unwrap_or_default();
    let set = load_rules(&cfg, &rule_files).map_err(|e| setup(e.to_string()))?;
    let mut errors: Vec<String> = set.diagnostics.iter().map(|d| format!("rule rejected: {d}")).collect();
    let engine = Arc::new(Engine::build(set, EngineOptions::default()));
    let rate_rules = match &spec.rate_rules {
        Some(files) if files.is_empty() => Vec::new(),
        Some(files) => {
            cfg.rate.enabled = true;
            crate::rate::load_configured(&cfg, files).map_err(|e| setup(e.to_string()))?
        }
        None => crate::rate::load_configured(&cfg, &[]).map_err(|e| setup(e.to_string()))?,
    };
    let classes = classifications(&cfg).map_err(setup)?;
    for c in &spec.captures {
        if !c.exists() {
            return Err(setup(format!("capture {} not found", c.display())));
        }
    }

    let mut traffic = TrafficRecorder::new(spec.attack.attacker.clone(), spec.attack.victim.clone());
    let mut seen: Vec<SeenAlert> = Vec::new();
    let mut on_packet = |raw: &crate::capture::RawPacket<'_>| traffic.record(raw);
    let mut on_alert = |a: &Alert| seen.push(SeenAlert::from(a));
    let hooks = ReplayHooks {
        packet: Some(&mut on_packet),
        alert: Some(&mut on_alert),
        ..Default::default()
    };
    let summary =
        pipeline::replay(&cfg, engine, rate_rules, &spec.captures, hooks).map_err(|source| DrillError::Replay {
            drill: path.display().to_string(),
            source,
        })?;
    errors.extend(summary.failed_files.iter().map(|f| format!("capture failed: {f}")));
    errors.extend(
        summary
            .truncated_files
            .iter()
            .map(|f| format!("capture truncated: {f}")),
    );
    seen.sort_by(|a, b| a.t.total_cmp(&b.t));

    let capture_start = traffic.capture_start().map(|t| t.as_secs_f64());
    let (start, start_rule) = match spec.attack.start_offset_secs {
        Some(off) => (
            capture_start.map(|s| s + off),
            format!("{off} s after the capture's first packet"),
        ),
        None => (
            traffic.first_attack_packet().map(|t| t.as_secs_f64()),
            "first packet from attacker to victim".to_string(),
        ),
    };
    let mut claimed = vec![false; seen.len()];
    let expectations: Vec<ExpectationResult> = spec
        .expect
        .iter()
        .map(|e| check(e, &seen, &mut claimed, start, &classes))
        .collect();
    let others = other_alerts(&seen, &claimed);
    let other_total: u64 = others.iter().map(|o| o.count).sum();
    if let Some(max) = spec.max_other_alerts
        && other_total > max
    {
        errors.push(format!(
            "{other_total} alerts matched no expectation; the drill allows {max}"
        ));
    }
    let mut timeline = traffic.timeline();
    fill_alerts(&mut timeline, &seen, &claimed);
    let passed = errors.is_empty() && expectations.iter().all(|e| e.passed);
    Ok(DrillResult {
        name: spec.name.clone(),
        file: path.display().to_string(),
        description: spec.description.clone(),
        passed,
        captures: spec.captures.iter().map(|c| c.display().to_string()).collect(),
        attack: AttackInfo {
            attacker: spec.attack.attacker_text.clone(),
            victim: spec.attack.victim_text.clone(),
            start,
            start_rule,
            capture_start,
            capture_end: traffic.capture_end().map(|t| t.as_secs_f64()),
        },
        packets: summary.packets,
        bytes: summary.bytes,
        alerts: summary.alerts,
        elapsed_secs: summary.elapsed_secs,
        expectations,
        other_alerts: others,
        max_other_alerts: spec.max_other_alerts,
        timeline,
        top_talkers: traffic.top_talkers(10),
        errors,
    })
}

/// A drill that could not run, as a failed result (so one bad file does not
/// hide the others' results).
pub fn failed_setup(path: &Path, error: &DrillError) -> DrillResult {
    DrillResult {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file: path.display().to_string(),
        errors: vec![error.to_string()],
        ..Default::default()
    }
}

/// Runs every drill, each into its own folder of `out_dir`.
pub fn run_all(paths: &[PathBuf], base: &ConfigSource, out_dir: &Path) -> DrillReport {
    let mut report = DrillReport {
        generated: crate::timestamp::Timestamp::now().eve().to_string(),
        ..Default::default()
    };
    for path in paths {
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let result = match run(path, base, &out_dir.join(&slug)) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("{e}");
                failed_setup(path, &e)
            }
        };
        if result.passed {
            report.passed += 1;
        } else {
            report.failed += 1;
        }
        report.drills.push(result);
    }
    report
}

impl From<&Alert> for SeenAlert {
    fn from(a: &Alert) -> Self {
        SeenAlert {
            t: a.ts.as_secs_f64(),
            gid: a.signature.gid,
            sid: a.signature.sid,
            msg: a.signature.msg.clone(),
            category: a.signature.category.clone(),
            src: a.src_ip,
            dst: a.dest_ip,
        }
    }
}

fn classifications(cfg: &Config) -> Result<Classifications, String> {
    let mut classes = Classifications::default();
    if let Some(path) = &cfg.rules.classification_file {
        classes
            .load_file(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(classes)
}

/// Whether alert `a` is what expectation `e` asks for: the signature (or
/// its class) and the two hosts, in either order (an alert on a reply runs
/// from the victim to the attacker).
fn matches(e: &Expectation, a: &SeenAlert, category: Option<&str>) -> bool {
    let signature = match (e.sid, category) {
        (Some(sid), _) => a.sid == sid && a.gid == e.gid,
        (None, Some(cat)) => a.category == cat,
        (None, None) => false,
    };
    let hosts = (e.attacker.contains(a.src) && e.victim.contains(a.dst))
        || (e.victim.contains(a.src) && e.attacker.contains(a.dst));
    signature && hosts
}

fn check(
    e: &Expectation,
    seen: &[SeenAlert],
    claimed: &mut [bool],
    start: Option<f64>,
    classes: &Classifications,
) -> ExpectationResult {
    let category = e
        .classtype
        .as_deref()
        .and_then(|c| classes.get(c))
        .map(|c| c.category.as_str());
    let mut count = 0u64;
    let mut first: Option<&SeenAlert> = None;
    for (i, a) in seen.iter().enumerate() {
        if matches(e, a, category) {
            count += 1;
            claimed[i] = true;
            first = first.or(Some(a));
        }
    }
    let label = match (e.sid, &e.classtype) {
        (Some(sid), _) => {
            let msg = first.map(|a| format!(" {}", a.msg)).unwrap_or_default();
            format!("sid {}:{sid}{msg}", e.gid)
        }
        (None, Some(c)) => format!("classtype {c}"),
        (None, None) => String::new(),
    };
    let first_alert = first.map(|a| a.t);
    let delay = match (first_alert, start) {
        (Some(f), Some(s)) => Some(f - s),
        _ => None,
    };
    let reason = if e.classtype.is_some() && category.is_none() {
        Some(format!("unknown classtype {:?}", e.classtype.as_deref().unwrap_or("")))
    } else if count < e.min {
        Some(format!("{count} matching alerts, expected at least {}", e.min))
    } else if let Some(max) = e.max.filter(|&m| count > m) {
        Some(format!("{count} matching alerts, expected at most {max}"))
    } else if let Some(within) = e.within_secs {
        match (start, delay) {
            (None, _) => Some("the attack's first packet was not found in the captures".to_string()),
            (Some(_), Some(d)) if d > within => Some(format!("detected after {d:.2} s, expected within {within} s")),
            _ => None,
        }
    } else {
        None
    };
    ExpectationResult {
        label,
        sid: e.sid,
        classtype: e.classtype.clone(),
        attacker: e.attacker_text.clone(),
        victim: e.victim_text.clone(),
        min: e.min,
        max: e.max,
        within_secs: e.within_secs,
        count,
        first_alert,
        delay_secs: delay,
        passed: reason.is_none(),
        reason,
    }
}

fn other_alerts(seen: &[SeenAlert], claimed: &[bool]) -> Vec<OtherAlerts> {
    let mut by_sid: BTreeMap<u32, OtherAlerts> = BTreeMap::new();
    for (a, _) in seen.iter().zip(claimed).filter(|(_, c)| !**c) {
        by_sid
            .entry(a.sid)
            .or_insert_with(|| OtherAlerts {
                sid: a.sid,
                msg: a.msg.clone(),
                count: 0,
            })
            .count += 1;
    }
    by_sid.into_values().collect()
}

fn fill_alerts(timeline: &mut Timeline, seen: &[SeenAlert], claimed: &[bool]) {
    for (a, &expected) in seen.iter().zip(claimed) {
        if timeline.alerts.len() >= Timeline::MAX_ALERTS {
            timeline.alerts_omitted += 1;
            continue;
        }
        timeline.alerts.push(TimelineAlert {
            t: a.t,
            sid: a.sid,
            msg: a.msg.clone(),
            src: a.src.to_string(),
            dst: a.dst.to_string(),
            expected,
        });
    }
}
