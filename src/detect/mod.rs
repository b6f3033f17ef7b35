//! Detection: the compiled rule engine, its prefilter and rule groups, the
//! evaluation of every keyword against packets and flows, and alert rate
//! state. Reads packets and flows; writes only flow variables.

mod address_index;
mod engine;
mod flow_match;
mod packet_match;
pub mod payload;
mod prefilter;
pub mod threshold;

pub use engine::{CompiledRule, DetectCtx, Engine, EngineOptions, EngineStats, StreamWindow, Subject};
