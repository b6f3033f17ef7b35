//! The engine's direction type, as the HTTP parser sees it.

pub use crate::flow::Direction;
