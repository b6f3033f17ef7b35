//! Synthetic traffic: packet builders, capture writers, deterministic demo/test captures and attack scenarios.

pub mod addresses;
pub mod attacks;
pub mod brute_force;
pub mod bundle;
pub mod cldap;
pub mod dns;
pub mod exfil;
pub mod floods;
pub mod frame;
pub mod hostile;
pub mod http;
pub mod http_conn;
pub mod link;
pub mod memcached;
pub mod ntp;
pub mod pacing;
pub mod packet;
pub mod pcap_writer;
pub mod ports;
pub mod rdp;
pub mod reflection;
pub mod rng;
pub mod scans;
pub mod scenario;
pub mod spoof;
pub mod ssdp;
pub mod ssh;
pub mod stream;
pub mod tcp_session;
pub mod tls;
pub mod tunnel;
pub mod venue;
pub mod web_attacks;

#[cfg(test)]
mod scenario_checks;
#[cfg(test)]
mod test_support;

pub use bundle::{write_bundled_captures, write_scenario_captures};
pub use frame::{Frame, FrameTime};
pub use pcap_writer::{Interface, PcapNgWriter, PcapWriter, TsResolution, write_ethernet_pcap, write_ethernet_pcap_to};
pub use rng::Rng;
pub use scenario::{Scenario, ScenarioInfo, ScenarioOptions, build as build_scenario, scenarios, write_scenario};
pub use stream::syn_flood_stream;
