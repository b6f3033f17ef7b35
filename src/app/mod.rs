//! The application layer: which protocol a flow speaks (by content, not
//! port), the parser of each protocol (one folder each: parser, rule
//! buffers, EVE fields), and the inspection points transactions reach.

pub mod dns;
pub mod http;
mod layer;
pub mod ssh;
pub mod tls;

pub use layer::{AppLayer, InspectionPoint};

/// Whether some bytes start a conversation in a protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detection {
    Yes,
    No,
    /// Too few bytes to tell; ask again with more.
    NeedMore,
}
