//! The SSH identification line ("SSH-protoversion-softwareversion SP comments CR LF"): finding it
//! in a stream after optional other lines, bounding it, and splitting it into its parts.

use super::config::{MAX_BANNER_LEN, SshConfig};
use super::event::SshEvent;

/// The parts of an identification line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshBanner {
    /// e.g. "2.0", "1.99".
    pub proto_version: Vec<u8>,
    /// e.g. "OpenSSH_8.9p1", comments excluded.
    pub software_version: Vec<u8>,
    /// What follows the first space, if there is one.
    pub comments: Option<Vec<u8>>,
}

impl SshBanner {
    /// Splits a line (without its line ending) that starts with "SSH-".
    /// `None` if it does not, or if the protocol version is empty or not followed by '-'.
    pub fn parse(line: &[u8]) -> Option<SshBanner> {
        let rest = line.strip_prefix(PREFIX)?;
        let dash = rest.iter().position(|&b| b == b'-')?;
        let (proto, rest) = (&rest[..dash], &rest[dash + 1..]);
        if proto.is_empty() || proto.contains(&b' ') {
            return None;
        }
        let (software, comments) = match rest.iter().position(|&b| b == b' ') {
            Some(sp) => (&rest[..sp], Some(rest[sp + 1..].to_vec())),
            None => (rest, None),
        };
        Some(SshBanner {
            proto_version: proto.to_vec(),
            software_version: software.to_vec(),
            comments,
        })
    }

    /// Versions "1.x" other than "1.99" use the SSH-1 packet format, which is not followed.
    pub fn is_ssh2(&self) -> bool {
        !self.proto_version.starts_with(b"1.") || self.proto_version == b"1.99"
    }
}

const PREFIX: &[u8] = b"SSH-";

/// What reading lines produced.
#[derive(Debug, PartialEq, Eq)]
pub enum LineResult {
    /// No identification line yet: all input consumed.
    NeedMore,
    /// An identification line was found, `consumed` input bytes in. `banner` is `None` if it
    /// did not parse. When `cut` is set the line was too long and its end was not reached yet.
    Found {
        banner: Option<SshBanner>,
        consumed: usize,
        cut: bool,
    },
    /// Too many lines before the identification line: give up on this direction.
    GaveUp,
}

/// Collects bytes up to the identification line, across chunks.
#[derive(Debug, Default)]
pub struct BannerReader {
    line: Vec<u8>,
    /// The current line cannot be the identification line (or is too long): drop it up to its LF.
    skipping: bool,
    lines_skipped: usize,
}

impl BannerReader {
    /// Consumes `data` until an identification line is found; raises events into `events`.
    pub fn feed(&mut self, data: &[u8], cfg: &SshConfig, events: &mut Vec<SshEvent>) -> LineResult {
        let limit = cfg.banner_limit();
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' {
                if self.skipping || !self.line.starts_with(PREFIX) {
                    self.skipping = false;
                    self.line.clear();
                    self.lines_skipped += 1;
                    if self.lines_skipped > cfg.max_pre_banner_lines {
                        events.push(SshEvent::TooManyPreBannerLines);
                        return LineResult::GaveUp;
                    }
                    continue;
                }
                let line = std::mem::take(&mut self.line);
                if line.len() + 1 > MAX_BANNER_LEN {
                    events.push(SshEvent::LongBanner);
                }
                let content = line.strip_suffix(b"\r").unwrap_or(&line);
                return LineResult::Found {
                    banner: parse_or_flag(content, events),
                    consumed: i + 1,
                    cut: false,
                };
            }
            if self.skipping {
                continue;
            }
            if self.line.len() >= limit {
                if self.line.starts_with(PREFIX) {
                    events.push(SshEvent::LongBanner);
                    let line = std::mem::take(&mut self.line);
                    return LineResult::Found {
                        banner: parse_or_flag(&line, events),
                        consumed: i,
                        cut: true,
                    };
                }
                self.line.clear();
                self.skipping = true;
                continue;
            }
            self.line.push(b);
            if self.line.len() <= PREFIX.len() && !PREFIX.starts_with(&self.line) {
                // Not an identification line: nothing of it needs keeping.
                self.line.clear();
                self.skipping = true;
            }
        }
        LineResult::NeedMore
    }
}

fn parse_or_flag(content: &[u8], events: &mut Vec<SshEvent>) -> Option<SshBanner> {
    let banner = SshBanner::parse(content);
    if banner.is_none() {
        events.push(SshEvent::InvalidBanner);
    }
    banner
}
