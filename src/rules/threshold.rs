//! Alert rate controls: the `threshold` and `detection_filter` keywords and
//! threshold.config files (threshold, event_filter, rate_filter, suppress).

use super::address::IpSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdKind {
    /// Alert on the first `count` matches per period.
    Limit,
    /// Alert on every `count`-th match per period.
    Threshold,
    /// Alert once per period, once `count` matches are seen.
    Both,
    /// Alert on every match after the first `count` in the period.
    DetectionFilter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    BySrc,
    ByDst,
    ByRule,
    ByBoth,
    ByFlow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UniqueOn {
    SrcPort,
    DstPort,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub kind: ThresholdKind,
    pub track: Track,
    pub count: u32,
    pub seconds: u32,
    pub unique_on: Option<UniqueOn>,
}

fn kv_pairs(value: &str) -> Result<Vec<(&str, &str)>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut w = p.split_whitespace();
            match (w.next(), w.next(), w.next()) {
                (Some(k), Some(v), None) => Ok((k, v)),
                _ => Err(format!("'{p}' must be a key and a value")),
            }
        })
        .collect()
}

fn parse_track(v: &str) -> Result<Track, String> {
    Ok(match v {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" => Track::ByFlow,
        other => return Err(format!("unknown track '{other}'")),
    })
}

fn parse_count(v: &str, what: &str) -> Result<u32, String> {
    v.parse().map_err(|_| format!("{what} '{v}' is not a number"))
}

/// `threshold:type limit, track by_src, count 1, seconds 60` or the
/// `detection_filter` form (no type).
pub fn parse_threshold(value: &str, detection_filter: bool) -> Result<Threshold, String> {
    let mut kind = detection_filter.then_some(ThresholdKind::DetectionFilter);
    let (mut track, mut count, mut seconds, mut unique_on) = (None, None, None, None);
    for (k, v) in kv_pairs(value)? {
        match k {
            "type" if !detection_filter => {
                kind = Some(match v {
                    "limit" => ThresholdKind::Limit,
                    "threshold" => ThresholdKind::Threshold,
                    "both" => ThresholdKind::Both,
                    other => return Err(format!("unknown threshold type '{other}'")),
                })
            }
            "track" => track = Some(parse_track(v)?),
            "count" => count = Some(parse_count(v, "count")?),
            "seconds" => seconds = Some(parse_count(v, "seconds")?),
            "unique_on" => {
                unique_on = Some(match v {
                    "dst_port" => UniqueOn::DstPort,
                    "src_port" => UniqueOn::SrcPort,
                    other => return Err(format!("unknown unique_on '{other}'")),
                })
            }
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    let kw = if detection_filter {
        "detection_filter"
    } else {
        "threshold"
    };
    let t = Threshold {
        kind: kind.ok_or_else(|| format!("{kw} needs a type"))?,
        track: track.ok_or_else(|| format!("{kw} needs track"))?,
        count: count.ok_or_else(|| format!("{kw} needs count"))?,
        seconds: seconds.ok_or_else(|| format!("{kw} needs seconds"))?,
        unique_on,
    };
    if t.count == 0 && t.kind != ThresholdKind::DetectionFilter {
        return Err(format!("{kw}: count must be at least 1"));
    }
    if t.unique_on.is_some() && t.kind != ThresholdKind::DetectionFilter {
        return Err("unique_on is only valid in detection_filter".into());
    }
    Ok(t)
}

/// Which signatures a threshold.config line applies to (0 = all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigSelector {
    pub gid: u32,
    pub sid: u32,
}

impl SigSelector {
    pub fn applies(&self, gid: u32, sid: u32) -> bool {
        (self.gid == 0 || self.gid == gid) && (self.sid == 0 || self.sid == sid)
    }

    /// More specific selectors win: exact sid over all-sids.
    pub fn specificity(&self) -> u8 {
        u8::from(self.sid != 0) * 2 + u8::from(self.gid != 0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewAction {
    Alert,
    Drop,
    Pass,
    Reject,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThresholdEntry {
    /// `threshold` or `event_filter`: replaces the rule's own threshold.
    Threshold(SigSelector, Threshold),
    /// `suppress`: no alerts, optionally only for a tracked address set.
    Suppress {
        sel: SigSelector,
        track: Option<(Track, IpSet)>,
    },
    /// `rate_filter`: past `count` in `seconds`, the action becomes `new_action` for `timeout` seconds.
    RateFilter {
        sel: SigSelector,
        track: Track,
        count: u32,
        seconds: u32,
        new_action: NewAction,
        timeout: u32,
    },
}

/// Parses a threshold.config text; errors name the line.
pub fn parse_threshold_config(
    text: &str,
    resolve: &mut dyn FnMut(&str) -> Result<IpSet, String>,
) -> Result<Vec<ThresholdEntry>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = parse_config_line(line, resolve).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push(entry);
    }
    Ok(out)
}

fn parse_config_line(
    line: &str,
    resolve: &mut dyn FnMut(&str) -> Result<IpSet, String>,
) -> Result<ThresholdEntry, String> {
    let (word, rest) = line.split_once(char::is_whitespace).ok_or("incomplete line")?;
    // `ip` may hold a bracketed list with commas: take it out before splitting.
    let (rest, ip_expr) = match rest.find("ip ") {
        Some(at) if word == "suppress" => {
            let expr = rest[at + 3..].trim();
            (rest[..at].trim().trim_end_matches(','), Some(expr))
        }
        _ => (rest, None),
    };
    let pairs = kv_pairs(rest)?;
    let get = |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let sel = SigSelector {
        gid: parse_count(get("gen_id").ok_or("missing gen_id")?, "gen_id")?,
        sid: parse_count(get("sig_id").ok_or("missing sig_id")?, "sig_id")?,
    };
    match word {
        "threshold" | "event_filter" => {
            let body: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| *k != "gen_id" && *k != "sig_id")
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            Ok(ThresholdEntry::Threshold(sel, parse_threshold(&body.join(","), false)?))
        }
        "suppress" => {
            let track = match (get("track"), ip_expr) {
                (Some(t), Some(expr)) => Some((parse_track(t)?, resolve(expr)?)),
                (None, None) => None,
                _ => return Err("suppress needs both track and ip, or neither".into()),
            };
            if let Some((t, _)) = &track
                && !matches!(t, Track::BySrc | Track::ByDst | Track::ByBoth)
            {
                return Err("suppress track must be by_src, by_dst or by_either".into());
            }
            Ok(ThresholdEntry::Suppress { sel, track })
        }
        "rate_filter" => {
            let new_action = match get("new_action").ok_or("missing new_action")? {
                "alert" => NewAction::Alert,
                "drop" => NewAction::Drop,
                "pass" => NewAction::Pass,
                "reject" => NewAction::Reject,
                other => return Err(format!("unknown new_action '{other}'")),
            };
            Ok(ThresholdEntry::RateFilter {
                sel,
                track: parse_track(get("track").ok_or("missing track")?)?,
                count: parse_count(get("count").ok_or("missing count")?, "count")?,
                seconds: parse_count(get("seconds").ok_or("missing seconds")?, "seconds")?,
                new_action,
                timeout: parse_count(get("timeout").ok_or("missing timeout")?, "timeout")?,
            })
        }
        other => Err(format!("unknown directive '{other}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_forms() {
        let t = parse_threshold("type limit, track by_src, count 1, seconds 60", false).unwrap();
        assert_eq!(
            (t.kind, t.track, t.count, t.seconds),
            (ThresholdKind::Limit, Track::BySrc, 1, 60)
        );
        let d = parse_threshold("track by_dst, count 1, seconds 60, unique_on dst_port", true).unwrap();
        assert_eq!(d.kind, ThresholdKind::DetectionFilter);
        assert_eq!(d.unique_on, Some(UniqueOn::DstPort));
        assert!(parse_threshold("type limit, track by_src, count 1", false).is_err());
        assert!(parse_threshold("type sometimes, track by_src, count 1, seconds 1", false).is_err());
        assert!(
            parse_threshold(
                "type limit, track by_src, count 1, seconds 1, unique_on dst_port",
                false
            )
            .is_err()
        );
    }

    #[test]
    fn config_file() {
        let text = "\
# comment
threshold gen_id 1, sig_id 10, type limit, track by_src, count 1, seconds 60
event_filter gen_id 1, sig_id 11, type both, track by_dst, count 2, seconds 10
suppress gen_id 1, sig_id 12
suppress gen_id 1, sig_id 13, track by_src, ip [10.0.0.1,10.0.0.2]
rate_filter gen_id 1, sig_id 14, track by_rule, count 10, seconds 1, new_action pass, timeout 30
";
        let mut resolve =
            |e: &str| IpSet::parse_atom(e.trim_matches(|c| c == '[' || c == ']').split(',').next().unwrap());
        let entries = parse_threshold_config(text, &mut resolve).unwrap();
        assert_eq!(entries.len(), 5);
        assert!(matches!(entries[2], ThresholdEntry::Suppress { track: None, .. }));
        assert!(matches!(
            &entries[3],
            ThresholdEntry::Suppress {
                track: Some((Track::BySrc, _)),
                ..
            }
        ));
        assert!(matches!(
            entries[4],
            ThresholdEntry::RateFilter {
                new_action: NewAction::Pass,
                timeout: 30,
                ..
            }
        ));
        let err = parse_threshold_config("threshold gen_id 1, type limit\n", &mut resolve).unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        assert!(parse_threshold_config("frobnicate gen_id 1, sig_id 1\n", &mut resolve).is_err());
    }
}
