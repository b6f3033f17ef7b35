//! Recognising SSH from the first bytes of a stream: "SSH-" followed by a version digit.

pub use crate::app::Detection;

const PREFIX: &[u8] = b"SSH-";

/// Do these stream bytes start an SSH identification line?
pub fn detect(data: &[u8]) -> Detection {
    if data.len() <= PREFIX.len() {
        return if PREFIX.starts_with(data) {
            Detection::NeedMore
        } else {
            Detection::No
        };
    }
    if data.starts_with(PREFIX) && data[PREFIX.len()].is_ascii_digit() {
        Detection::Yes
    } else {
        Detection::No
    }
}
