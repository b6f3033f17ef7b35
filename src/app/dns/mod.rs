//! DNS over UDP and TCP: message parsing, per-flow transactions, detection, and EVE logging.
//!
//! Buffers for rules: `dns.query` / `dns_query` inspect each name of [`DnsTx::query_names`]
//! (dotted, no trailing dot, case as sent), to the server only.

pub mod buffers;
pub mod detect;
pub mod direction;
pub mod eve;
pub mod event;
pub mod framing;
pub mod fuzz;
pub mod limits;
pub mod message;
pub mod name;
pub mod parser;
pub mod rdata;
pub mod rrtype;

#[cfg(test)]
mod tests;

pub use detect::{Detection, detect_tcp, detect_udp};
pub use direction::Direction;
pub use eve::{eve_object, eve_object_for};
pub use event::DnsEvent;
pub use fuzz::fuzz_one;
pub use message::{DnsError, DnsHeader, DnsMessage, DnsQuestion, DnsRecord, parse_message};
pub use name::DnsName;
pub use parser::{DnsParser, DnsTx, Transport};
pub use rdata::{RData, Soa, Srv};
