//! What detection asks of an application transaction: its buffers by id,
//! its TLS facts, and the metadata an alert on it carries. The application
//! layer implements this; detection never sees parser types.

use crate::flow::Direction;
use crate::rules::buffer::{AppProto, BufferId};
use std::borrow::Cow;

pub trait TxBuffers {
    fn proto(&self) -> AppProto;

    /// Appends every instance of `id` the transaction has so far, seen from
    /// `dir` (headers and bodies depend on the direction). Nothing is
    /// appended when the buffer does not exist (yet).
    fn buffers<'s>(&'s self, id: BufferId, dir: Direction, out: &mut Vec<Cow<'s, [u8]>>);

    /// Negotiated TLS version (wire value), TLS only.
    fn tls_version(&self) -> Option<u16> {
        None
    }

    /// `ssl_version` bits (rules::app_checks::version_bit) of the side
    /// sending in `dir`, TLS only.
    fn ssl_versions(&self, _dir: Direction) -> u8 {
        0
    }

    /// `ssl_state` bits seen (rules::app_checks::state_bit), TLS only.
    fn ssl_states(&self) -> u8 {
        0
    }

    /// Whether the parser flagged the transaction with the event of this
    /// Suricata name (`app-layer-event`).
    fn has_event(&self, _name: &str) -> bool {
        false
    }

    /// DNS query types (rate rules filter on them), DNS only.
    fn dns_query_types(&self) -> Vec<u16> {
        Vec::new()
    }

    /// The EVE object an alert on this transaction carries, seen from a
    /// packet travelling `dir`: (key, value), e.g. ("http", {...}).
    fn eve(&self, _dir: Direction) -> Option<(&'static str, serde_json::Value)> {
        None
    }
}

/// One transaction at one inspection point.
pub struct TxSubject<'a> {
    pub tx: &'a dyn TxBuffers,
    pub tx_id: u64,
    /// The flow direction of the point (for `flow:` and alert addresses).
    pub dir: Direction,
    /// The protocol's side of the point (request or response buffers);
    /// differs from `dir` when the capture began with the server talking.
    pub side: Direction,
}
