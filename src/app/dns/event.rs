//! Anomalies the DNS parser reports instead of failing: their kinds and rule-language names.

/// Something wrong or unusual in DNS traffic, attached to a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DnsEvent {
    /// The message could not be parsed (header too short, bad question, truncated answers).
    MalformedData,
    /// A message sent to the server had the QR bit set.
    NotARequest,
    /// A message sent to the client had the QR bit clear.
    NotAResponse,
    /// The reserved Z bit of the header was set.
    ZFlagSet,
    /// Too many transactions were pending: older ones were dropped.
    Flooded,
    /// The authority section could not be parsed.
    InvalidAuthorities,
    /// The additional section could not be parsed.
    InvalidAdditionals,
    /// A name was longer than 255 bytes on the wire.
    NameTooLong,
    /// Compression pointers looped or were followed too many times.
    InfiniteLoop,
    /// The message held more entries than are kept; the rest were dropped.
    TooManyRecords,
}

impl DnsEvent {
    /// The name used by `app-layer-event:dns.<name>` in rules.
    pub fn name(self) -> &'static str {
        match self {
            DnsEvent::MalformedData => "malformed_data",
            DnsEvent::NotARequest => "not_a_request",
            DnsEvent::NotAResponse => "not_a_response",
            DnsEvent::ZFlagSet => "z_flag_set",
            DnsEvent::Flooded => "flooded",
            DnsEvent::InvalidAuthorities => "invalid_authorities",
            DnsEvent::InvalidAdditionals => "invalid_additionals",
            DnsEvent::NameTooLong => "name_too_long",
            DnsEvent::InfiniteLoop => "infinite_loop",
            DnsEvent::TooManyRecords => "too_many_records",
        }
    }

    /// Every event, for keyword validation.
    pub const ALL: [DnsEvent; 10] = [
        DnsEvent::MalformedData,
        DnsEvent::NotARequest,
        DnsEvent::NotAResponse,
        DnsEvent::ZFlagSet,
        DnsEvent::Flooded,
        DnsEvent::InvalidAuthorities,
        DnsEvent::InvalidAdditionals,
        DnsEvent::NameTooLong,
        DnsEvent::InfiniteLoop,
        DnsEvent::TooManyRecords,
    ];

    /// The event whose rule-language name is `name`, if any.
    pub fn from_name(name: &str) -> Option<DnsEvent> {
        DnsEvent::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// Adds `event` to `events` unless already there or the list is full.
pub(super) fn push_event(events: &mut Vec<DnsEvent>, event: DnsEvent, cap: usize) {
    if events.len() < cap && !events.contains(&event) {
        events.push(event);
    }
}
