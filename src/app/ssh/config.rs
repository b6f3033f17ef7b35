//! Limits of the SSH parser: banner length and slack, pre-banner lines, packet sizes.

/// Longest identification line RFC 4253 allows, CR LF included.
pub const MAX_BANNER_LEN: usize = 255;

/// Tunable bounds of [`super::parser::SshParser`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SshConfig {
    /// Bytes accepted past [`MAX_BANNER_LEN`] before an identification line is cut
    /// (`long_banner` is raised past 255 either way).
    pub banner_slack: usize,
    /// Lines not starting with "SSH-" skipped before the identification line.
    pub max_pre_banner_lines: usize,
    /// Largest `packet_length` accepted before encryption starts.
    pub max_packet_len: u32,
    /// Largest KEXINIT payload kept to read its name-lists.
    pub max_kexinit_len: usize,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            banner_slack: 0,
            max_pre_banner_lines: 32,
            max_packet_len: 256 * 1024,
            max_kexinit_len: 16 * 1024,
        }
    }
}

impl SshConfig {
    /// Longest identification line kept, line ending included.
    pub fn banner_limit(&self) -> usize {
        MAX_BANNER_LEN.saturating_add(self.banner_slack)
    }
}
