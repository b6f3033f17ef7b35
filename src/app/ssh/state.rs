//! How far one side of an SSH conversation has gone, as the `ssh_state` keyword sees it.

/// Progress of one direction, in order: each state implies the ones before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SshState {
    /// No identification line yet.
    #[default]
    None,
    /// The identification line is complete.
    BannerDone,
    /// SSH_MSG_KEXINIT was sent.
    KexInit,
    /// SSH_MSG_NEWKEYS was sent: what follows is encrypted.
    NewKeys,
}
