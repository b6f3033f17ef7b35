//! The engine's direction type, as this protocol's parser sees it.

pub use crate::flow::Direction;
