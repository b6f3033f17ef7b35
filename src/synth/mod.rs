//! Synthetic traffic: packet builders, capture writers and deterministic demo/test captures.

pub mod attacks;
pub mod bundle;

pub mod dns;
pub mod frame;
pub mod hostile;
pub mod http;
pub mod link;
pub mod ntp;
pub mod packet;
pub mod pcap_writer;
pub mod rng;
pub mod tcp_session;
pub mod tls;
pub mod venue;

#[cfg(test)]
mod test_support;

pub use bundle::write_bundled_captures;
pub use frame::{Frame, FrameTime};
pub use pcap_writer::{Interface, PcapNgWriter, PcapWriter, TsResolution};
pub use rng::Rng;
