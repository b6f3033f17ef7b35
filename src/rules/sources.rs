//! Which rules a run loads: the `-S` files, else the config's files, else
//! the bundled starter set; plus the classification and threshold files.

use super::{Classifications, LoadError, Loader, RuleSet};
use crate::config::Config;
use std::path::PathBuf;

/// vigie's own signatures, built into the binary.
pub const BUNDLED_RULES: &str = include_str!("../../rules/vigie.rules");
pub const BUNDLED_NAME: &str = "<bundled>/vigie.rules";

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Classification(String),
}

/// Loads the rule set a run asks for.
pub fn load_rules(cfg: &Config, explicit: &[PathBuf]) -> Result<RuleSet, SourceError> {
    load_rules_keeping(cfg, explicit, None)
}

/// Loads the rule set, flowbit and flowint ids kept from `names` (a reload).
pub fn load_rules_keeping(
    cfg: &Config,
    explicit: &[PathBuf],
    names: Option<&crate::rules::flow_keywords::NameTable>,
) -> Result<RuleSet, SourceError> {
    let mut classes = Classifications::default();
    if let Some(path) = &cfg.rules.classification_file {
        classes.load_file(path).map_err(SourceError::Classification)?;
    }
    let mut loader = Loader::new(&cfg.vars, &classes);
    if let Some(n) = names {
        loader = loader.keep_names(n.clone());
    }
    let files: &[PathBuf] = if explicit.is_empty() {
        &cfg.rules.files
    } else {
        explicit
    };
    if files.is_empty() {
        loader.add_text(BUNDLED_RULES, BUNDLED_NAME);
    }
    for f in files {
        loader.add_file(f)?;
    }
    if let Some(t) = &cfg.rules.threshold_file {
        loader.add_threshold_file(t)?;
    }
    Ok(loader.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_all_load() {
        let set = load_rules(&Config::default(), &[]).unwrap();
        assert!(set.diagnostics.is_empty(), "{:#?}", set.diagnostics);
        assert!(set.rules.len() >= 6);
        assert!(set.rules.iter().all(|r| (9_100_000..9_200_000).contains(&r.sid)));
    }
}
