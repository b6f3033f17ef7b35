//! Detection: the compiled rule engine, its prefilters and rule groups, the
//! evaluation of every keyword against packets, streams and application
//! transactions, and alert rate state. Reads packets, flows and
//! transactions; writes only flow variables.

mod address_index;
mod app_pass;
mod engine;
mod fire;
mod flow_match;
mod hashed_bits;
mod packet_match;
mod packet_pass;
pub mod payload;
mod prefilter;
pub mod threshold;
pub mod tx;
pub mod xbits;

pub use engine::{CompiledRule, DetectCtx, Engine, EngineOptions, EngineStats, StreamWindow, Subject};
pub use tx::{TxBuffers, TxSubject};
