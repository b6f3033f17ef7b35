//! Why a live source could not be opened or read. Every variant names the
//! interface; a failed system call also names the call and its errno.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("{iface}: {call}: {source}")]
    Sys {
        iface: String,
        /// The system call, with the option or request where there is one
        /// (`setsockopt(PACKET_RX_RING)`).
        call: &'static str,
        source: io::Error,
    },
    #[error(
        "{iface}: {call}: {source}: live capture needs root or CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode)"
    )]
    Permission {
        iface: String,
        call: &'static str,
        source: io::Error,
    },
    #[error("{iface}: no such network interface")]
    NoSuchInterface { iface: String },
    #[error("{iface}: the interface was removed while captured")]
    InterfaceGone { iface: String },
    #[error("{iface}: not a valid interface name ({reason})")]
    BadInterfaceName { iface: String, reason: &'static str },
    #[error(
        "{iface}: hardware type {hatype} (ARPHRD) is not supported by the AF_PACKET source; build with --features libpcap and use the libpcap back end"
    )]
    UnsupportedHardware { iface: String, hatype: u16 },
    #[error("{iface}: link type {linktype} is not one vigie decodes")]
    UnsupportedLinkType { iface: String, linktype: u32 },
    #[error("{iface}: invalid capture option: {reason}")]
    InvalidOptions { iface: String, reason: String },
    #[error("{iface}: BPF filter {expr:?} needs libpcap to compile it: build vigie with --features libpcap")]
    FilterNeedsLibpcap { iface: String, expr: String },
    #[error("{iface}: BPF filter {expr:?}: {reason}")]
    Filter {
        iface: String,
        expr: String,
        reason: String,
    },
    #[error("{iface}: {call}: {reason}")]
    Pcap {
        iface: String,
        /// The libpcap function that failed (`pcap_activate`).
        call: &'static str,
        reason: String,
    },
    #[error("{iface}: {reason}")]
    Unsupported { iface: String, reason: String },
}

impl LiveError {
    /// A failed system call, with the errno it left; EPERM and EACCES become
    /// [`LiveError::Permission`], which says what privilege is missing.
    pub(crate) fn sys(iface: &str, call: &'static str, source: io::Error) -> Self {
        let iface = iface.to_string();
        match source.kind() {
            io::ErrorKind::PermissionDenied => LiveError::Permission { iface, call, source },
            _ => LiveError::Sys { iface, call, source },
        }
    }

    /// The interface the error is about.
    pub fn interface(&self) -> &str {
        match self {
            LiveError::Sys { iface, .. }
            | LiveError::Permission { iface, .. }
            | LiveError::NoSuchInterface { iface }
            | LiveError::InterfaceGone { iface }
            | LiveError::BadInterfaceName { iface, .. }
            | LiveError::UnsupportedHardware { iface, .. }
            | LiveError::UnsupportedLinkType { iface, .. }
            | LiveError::InvalidOptions { iface, .. }
            | LiveError::FilterNeedsLibpcap { iface, .. }
            | LiveError::Filter { iface, .. }
            | LiveError::Pcap { iface, .. }
            | LiveError::Unsupported { iface, .. } => iface,
        }
    }
}
