//! Conversations: the flow table, per-flow counters, TCP state and the
//! variables rules keep on a flow (flowbits, flowints).

mod key;
mod table;
pub mod tcp;
mod vars;

pub use key::{Direction, FlowKey, flow_id};
pub use table::{Flow, FlowStats, FlowTable, FlowTimeouts};
pub use tcp::{StreamOptions, TcpState, TcpTracker};
pub use vars::FlowVars;
