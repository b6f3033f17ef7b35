//! Rule files to a [`RuleSet`]: every rule that parses is kept, every one
//! that does not becomes a diagnostic (`file:line: sid N: reason`), and
//! duplicate signature ids are reported.

use super::classification::Classifications;
use super::flow_keywords::NameTable;
use super::lexer::rule_texts;
use super::parser::{ParseContext, parse_rule};
use super::rule::Rule;
use super::threshold::{ThresholdEntry, parse_threshold_config};
use super::vars::{Resolver, Vars};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The rule was not loaded.
    Rejected,
    /// The rule loaded, but something about it deserves attention.
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: Arc<str>,
    pub line: usize,
    pub sid: Option<u32>,
    pub severity: Severity,
    /// Groups similar reasons in summaries.
    pub class: String,
    pub detail: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        match self.sid {
            Some(sid) => write!(f, "sid {sid}: ")?,
            None => write!(f, "sid ?: ")?,
        }
        f.write_str(&self.detail)
    }
}

/// Loaded rules and what was said about the rest.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub diagnostics: Vec<Diagnostic>,
    pub names: NameTable,
    pub thresholds: Vec<ThresholdEntry>,
}

impl RuleSet {
    pub fn rejected(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Rejected)
            .count()
    }

    /// Rejection counts by reason class, largest first.
    pub fn rejected_by_class(&self) -> Vec<(String, usize)> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for d in self.diagnostics.iter().filter(|d| d.severity == Severity::Rejected) {
            *counts.entry(d.class.as_str()).or_default() += 1;
        }
        let mut v: Vec<(String, usize)> = counts.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read rules: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {reason}")]
    Threshold { path: PathBuf, reason: String },
}

/// Builds a rule set from files or in-memory texts.
pub struct Loader<'a> {
    vars: &'a Vars,
    classifications: &'a Classifications,
    set: RuleSet,
    /// (gid, sid) to index in `set.rules`.
    seen: HashMap<(u32, u32), usize>,
    strings: super::metadata::Interner,
}

impl<'a> Loader<'a> {
    /// Starts from the flowbit and flowint names of an earlier set, so the
    /// same names keep the same ids (a reload under live flows).
    pub fn keep_names(mut self, names: NameTable) -> Self {
        self.set.names = names;
        self
    }

    pub fn new(vars: &'a Vars, classifications: &'a Classifications) -> Self {
        Loader {
            vars,
            classifications,
            set: RuleSet::default(),
            seen: HashMap::new(),
            strings: Default::default(),
        }
    }

    pub fn add_file(&mut self, path: &Path) -> Result<(), LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        // Rule files are text; stray non-UTF-8 bytes in comments must not stop a load.
        let text = String::from_utf8_lossy(&bytes);
        self.add_text(&text, &path.display().to_string());
        Ok(())
    }

    pub fn add_text(&mut self, text: &str, name: &str) {
        let file: Arc<str> = Arc::from(name);
        let mut resolver = Resolver::new(self.vars);
        for rt in rule_texts(text) {
            let mut ctx = ParseContext {
                resolver: &mut resolver,
                classifications: self.classifications,
                names: &mut self.set.names,
                file: file.clone(),
                strings: &mut self.strings,
            };
            match parse_rule(&rt.text, rt.line, &mut ctx) {
                Ok(rule) => self.keep(rule),
                Err(e) => self.set.diagnostics.push(Diagnostic {
                    file: file.clone(),
                    line: rt.line,
                    sid: e.sid,
                    severity: Severity::Rejected,
                    class: e.class,
                    detail: e.detail,
                }),
            }
        }
    }

    /// Keeps the higher revision of a duplicated (gid, sid) and reports the other.
    fn keep(&mut self, rule: Rule) {
        let key = (rule.gid, rule.sid);
        match self.seen.get(&key) {
            Some(&idx) => {
                let kept = &self.set.rules[idx];
                let (detail, replace) = if rule.rev > kept.rev {
                    (
                        format!(
                            "duplicate sid (rev {} replaces rev {} at {})",
                            rule.rev,
                            kept.rev,
                            kept.location()
                        ),
                        true,
                    )
                } else {
                    (
                        format!("duplicate sid (first seen at {}, kept)", kept.location()),
                        false,
                    )
                };
                self.set.diagnostics.push(Diagnostic {
                    file: rule.file.clone(),
                    line: rule.line,
                    sid: Some(rule.sid),
                    severity: Severity::Rejected,
                    class: "duplicate sid".into(),
                    detail,
                });
                if replace {
                    self.set.rules[idx] = rule;
                }
            }
            None => {
                self.seen.insert(key, self.set.rules.len());
                self.set.rules.push(rule);
            }
        }
    }

    pub fn add_threshold_file(&mut self, path: &Path) -> Result<(), LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut resolver = Resolver::new(self.vars);
        let mut resolve = |e: &str| resolver.addresses(e);
        let entries = parse_threshold_config(&text, &mut resolve).map_err(|reason| LoadError::Threshold {
            path: path.to_path_buf(),
            reason,
        })?;
        self.set.thresholds.extend(entries);
        Ok(())
    }

    pub fn finish(self) -> RuleSet {
        self.set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rules_do_not_stop_good_ones() {
        let vars = Vars::default();
        let classes = Classifications::default();
        let mut l = Loader::new(&vars, &classes);
        l.add_text(
            "alert tcp any any -> any any (msg:\"ok\"; content:\"a\"; sid:1; rev:1;)\n\
             alert tcp any any -> any any (msg:\"bad\"; lua:x; sid:2;)\n\
             alert tcp any any -> any any (msg:\"dup\"; sid:1; rev:2;)\n\
             alert tcp any any -> any any (msg:\"older dup\"; sid:1; rev:1;)\n\
             garbage\n",
            "x.rules",
        );
        let set = l.finish();
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].msg, "dup");
        assert_eq!(set.rejected(), 4);
        let lines: Vec<String> = set.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines[0],
            "x.rules:2: sid 2: unsupported keyword 'x'".replace("'x'", "'lua'")
        );
        assert!(lines[1].starts_with("x.rules:3: sid 1: duplicate sid (rev 2 replaces rev 1 at x.rules:1)"));
        assert!(lines[3].starts_with("x.rules:5: sid ?: "));
        let classes = set.rejected_by_class();
        assert_eq!(classes[0], ("duplicate sid".to_string(), 2));
    }

    #[test]
    fn missing_file_is_an_error() {
        let vars = Vars::default();
        let classes = Classifications::default();
        let mut l = Loader::new(&vars, &classes);
        let e = l.add_file(Path::new("/nonexistent.rules")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent.rules"));
    }
}
