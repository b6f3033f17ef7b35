//! SSH: identification lines, the unencrypted key exchange (KEXINIT, NEWKEYS, HASSH), detection,
//! and EVE logging.
//!
//! Buffers for rules: `ssh.proto` is [`SshBanner::proto_version`] and `ssh.software`
//! [`SshBanner::software_version`] of [`SshParser::banner`] in the packet's direction;
//! `ssh.hassh` / `ssh.hassh.string` are [`SshParser::hassh`] / [`SshParser::hassh_string`] (to the
//! server), `ssh.hassh.server` / `ssh.hassh.server.string` their server counterparts (to the client).

pub mod banner;
pub mod buffers;
pub mod config;
pub mod detect;
pub mod direction;
pub mod eve;
pub mod event;
pub mod fuzz;
pub mod kexinit;
pub mod packet;
pub mod parser;
pub mod state;

#[cfg(test)]
mod tests;

pub use banner::SshBanner;
pub use config::SshConfig;
pub use detect::{Detection, detect};
pub use direction::Direction;
pub use eve::{eve_object, eve_object_with};
pub use event::SshEvent;
pub use fuzz::fuzz_one;
pub use kexinit::{Hassh, KexInit};
pub use parser::SshParser;
pub use state::SshState;
