//! Rate rules: attacks that show only as a rate (scans, floods,
//! amplification, brute force, tunnelling, bulk transfer). Rules are TOML;
//! the engine keeps bounded per-key sliding windows and raises ordinary
//! alerts. Reads packets, flows and transactions; writes only its own
//! trackers and a few flow markers.

mod distinct;
mod doorkeeper;
mod engine;
mod rule;
mod window;

pub use engine::{Change, Key, RateBatch, RateCounter, RateMatcher, RateOp, RateStats, parent_domain, rate_engine};
pub use rule::{Event, GroupBy, Metric, RateRule, RateRuleError, load_file, load_str};

/// vigie's default rate rules, built into the binary.
pub const BUNDLED_RATE_RULES: &str = include_str!("../../rules/vigie.rate.toml");
pub const BUNDLED_RATE_NAME: &str = "<bundled>/vigie.rate.toml";

/// The rate rules a run uses: `explicit` files, else the configured ones,
/// else the bundled set; none when rate rules are disabled.
pub fn load_configured(
    cfg: &crate::config::Config,
    explicit: &[std::path::PathBuf],
) -> Result<Vec<RateRule>, RateRuleError> {
    if !cfg.rate.enabled {
        return Ok(Vec::new());
    }
    let mut classes = crate::rules::Classifications::default();
    if let Some(path) = &cfg.rules.classification_file {
        classes.load_file(path).map_err(|message| RateRuleError::Syntax {
            path: path.display().to_string(),
            message,
        })?;
    }
    let files: &[std::path::PathBuf] = if explicit.is_empty() { &cfg.rate.files } else { explicit };
    let rules = if files.is_empty() {
        load_str(BUNDLED_RATE_RULES, BUNDLED_RATE_NAME, &cfg.vars, &classes)?
    } else {
        let mut rules = Vec::new();
        for f in files {
            rules.extend(load_file(f, &cfg.vars, &classes)?);
        }
        rules
    };
    rule::check_limits(&rules)?;
    Ok(rules)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_rate_rules_load() {
        let rules = super::load_configured(&crate::config::Config::default(), &[]).unwrap();
        assert!(rules.len() >= 17);
        assert!(rules.iter().all(|r| (9_200_000..9_300_000).contains(&r.sid)));
    }
}
