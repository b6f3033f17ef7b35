//! vigie: a network security monitoring sensor. Packets from capture files
//! or live links are decoded, tracked in flows and matched against
//! Suricata-syntax signatures; alerts go to EVE JSON, fast.log and a SQLite
//! store.

// Input reaches almost every function: outside tests, a failure is handled
// or reported, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod alert;
pub mod api;
pub mod app;
pub mod capture;
pub mod config;
pub mod decode;
pub mod defrag;
pub mod detect;
pub mod drill;
pub mod duration;
pub mod flow;
pub mod output;
pub mod pipeline;
pub mod policy;
pub mod privileges;
pub mod rate;
pub mod rules;
pub mod store;
pub mod stream;
pub mod synth;
pub mod timestamp;
