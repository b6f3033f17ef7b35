//! What a drill found: the record written as JSON for CI and rendered as
//! the HTML report.

use serde::{Deserialize, Serialize};

/// Every drill of one `vigie drill` run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DrillReport {
    /// Wall-clock time of the run, RFC 3339.
    pub generated: String,
    pub passed: usize,
    pub failed: usize,
    pub drills: Vec<DrillResult>,
}

/// One drill: its attack, what was expected, what was seen.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DrillResult {
    pub name: String,
    /// The drill file.
    pub file: String,
    pub description: Option<String>,
    pub passed: bool,
    pub captures: Vec<String>,
    pub attack: AttackInfo,
    pub packets: u64,
    pub bytes: u64,
    pub alerts: u64,
    /// Replay wall time.
    pub elapsed_secs: f64,
    pub expectations: Vec<ExpectationResult>,
    /// Alerts no expectation claimed, per signature.
    pub other_alerts: Vec<OtherAlerts>,
    /// `max_other_alerts` of the drill, when set.
    pub max_other_alerts: Option<u64>,
    pub timeline: Timeline,
    /// Sources by bytes sent, largest first.
    pub top_talkers: Vec<Talker>,
    /// Files that could not be read, truncations: the drill fails on them.
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AttackInfo {
    /// As written in the drill (address, CIDR, list, or `spoofed`).
    pub attacker: String,
    pub victim: String,
    /// When the attack's first packet was seen (seconds since the epoch).
    pub start: Option<f64>,
    /// How `start` was found: `first packet from attacker to victim` or
    /// `start_offset_secs after the capture start`.
    pub start_rule: String,
    pub capture_start: Option<f64>,
    pub capture_end: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// `sid 9200004` or `classtype attempted-dos`, with the message when known.
    pub label: String,
    pub sid: Option<u32>,
    pub classtype: Option<String>,
    pub attacker: String,
    pub victim: String,
    pub min: u64,
    pub max: Option<u64>,
    pub within_secs: Option<f64>,
    /// Matching alerts seen.
    pub count: u64,
    /// Time of the first matching alert (seconds since the epoch).
    pub first_alert: Option<f64>,
    /// `first_alert` minus the attack start.
    pub delay_secs: Option<f64>,
    pub passed: bool,
    /// Why it failed, in words.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OtherAlerts {
    pub sid: u32,
    pub msg: String,
    pub count: u64,
}

/// Traffic and alerts over the capture, in equal time bins.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timeline {
    /// Start of the first bin (seconds since the epoch).
    pub start: f64,
    pub bin_secs: f64,
    /// Per bin: all packets, all bytes, and the packets between attacker and victim.
    pub packets: Vec<u64>,
    pub bytes: Vec<u64>,
    pub attack_packets: Vec<u64>,
    /// The first alerts of the run in time order (at most [`Timeline::MAX_ALERTS`]).
    pub alerts: Vec<TimelineAlert>,
    /// Alerts left out of `alerts`.
    pub alerts_omitted: u64,
}

impl Timeline {
    pub const MAX_ALERTS: usize = 500;
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TimelineAlert {
    /// Seconds since the epoch.
    pub t: f64,
    pub sid: u32,
    pub msg: String,
    pub src: String,
    pub dst: String,
    /// Claimed by one of the drill's expectations.
    pub expected: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Talker {
    pub addr: String,
    pub packets: u64,
    pub bytes: u64,
    /// Inside the drill's attacker or victim set.
    pub attacker: bool,
    pub victim: bool,
}
