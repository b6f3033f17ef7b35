//! The rule language: Suricata 7/8 signature syntax parsed into compiled
//! rules, with variables, classtypes, thresholds and diagnostics. Knows
//! nothing of packets; detection lives in `detect`.

pub mod address;
pub mod app_checks;
pub mod app_events;
pub mod base64;
pub mod buffer;
pub mod bytes;
pub mod classification;
pub mod content;
pub mod fast_pattern;
pub mod flow_keywords;
pub mod header_keywords;
mod keyword_lists;
pub mod lexer;
mod lists;
mod loader;
pub mod metadata;
pub mod numeric;
pub mod parser;
pub mod pcre;
pub mod port;
mod ranges;
pub mod rule;
pub mod sources;
pub mod threshold;
pub mod transform;
pub mod vars;
pub mod xbits;

pub use classification::Classifications;
pub use loader::{Diagnostic, LoadError, Loader, RuleSet, Severity};
pub use rule::{Action, FastPattern, Inspect, Protocol, Rule, Value};
pub use vars::Vars;
