//! Anomalies the SSH parser reports instead of failing: their kinds and rule-language names.

/// Something wrong or unusual in an SSH conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SshEvent {
    /// A line starting with "SSH-" was not "SSH-protoversion-softwareversion".
    InvalidBanner,
    /// The identification line was longer than 255 bytes.
    LongBanner,
    /// A binary packet had an impossible length; the direction is no longer followed.
    InvalidRecordLength,
    /// A KEXINIT was too large to keep; its name-lists (and HASSH) are not available.
    LongKexRecord,
    /// Too many lines came before the identification line; the direction is no longer followed.
    TooManyPreBannerLines,
}

impl SshEvent {
    /// The name used by `app-layer-event:ssh.<name>` in rules.
    pub fn name(self) -> &'static str {
        match self {
            SshEvent::InvalidBanner => "invalid_banner",
            SshEvent::LongBanner => "long_banner",
            SshEvent::InvalidRecordLength => "invalid_record_length",
            SshEvent::LongKexRecord => "long_kex_record",
            SshEvent::TooManyPreBannerLines => "too_many_pre_banner_lines",
        }
    }

    /// Every event, for keyword validation.
    pub const ALL: [SshEvent; 5] = [
        SshEvent::InvalidBanner,
        SshEvent::LongBanner,
        SshEvent::InvalidRecordLength,
        SshEvent::LongKexRecord,
        SshEvent::TooManyPreBannerLines,
    ];

    /// The event whose rule-language name is `name`, if any.
    pub fn from_name(name: &str) -> Option<SshEvent> {
        SshEvent::ALL.into_iter().find(|e| e.name() == name)
    }
}
