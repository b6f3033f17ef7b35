//! Policy decisions: alert patterns seen N times within a window for a
//! source or destination become block, quarantine, step-up or monitor
//! decisions in the store, never for a protected range; the file, the
//! engine that counts, and the runner that reads the store.

pub mod engine;
pub mod file;
pub mod runner;

pub use engine::{AlertFacts, PolicyEngine, PolicyStats, Proposal};
pub use file::{PolicyError, PolicySet};
pub use runner::{PolicyRunner, RunnerStats};

use crate::config::Config;
use crate::rules::Classifications;

/// vigie's default policy, built into the binary.
pub const BUNDLED_POLICY: &str = include_str!("../../rules/policy.toml");
pub const BUNDLED_POLICY_NAME: &str = "<bundled>/policy.toml";

/// The policy a run uses: the configured file, else the bundled one.
pub fn load_configured(cfg: &Config) -> Result<PolicySet, PolicyError> {
    let mut classes = Classifications::default();
    if let Some(path) = &cfg.rules.classification_file {
        classes.load_file(path).map_err(|message| PolicyError::Syntax {
            path: path.display().to_string(),
            message,
        })?;
    }
    match &cfg.policy.file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
                path: path.display().to_string(),
                source,
            })?;
            file::parse(&text, &path.display().to_string(), &cfg.vars, &classes)
        }
        None => file::parse(BUNDLED_POLICY, BUNDLED_POLICY_NAME, &cfg.vars, &classes),
    }
}
