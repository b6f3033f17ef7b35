//! The SSH binary packet protocol before encryption: walking packet boundaries in a stream and
//! picking out KEXINIT and NEWKEYS.

use super::config::SshConfig;

/// SSH_MSG_KEXINIT.
pub const MSG_KEXINIT: u8 = 20;
/// SSH_MSG_NEWKEYS.
pub const MSG_NEWKEYS: u8 = 21;

/// packet_length, padding_length, message code.
const HEADER_LEN: usize = 6;

/// What the walk noticed.
#[derive(Debug, PartialEq, Eq)]
pub enum Notice {
    /// A complete KEXINIT: its payload after the message code.
    KexInit(Vec<u8>),
    /// A KEXINIT larger than `max_kexinit_len` went by.
    LongKexInit,
    /// NEWKEYS: everything after it is encrypted, the walk has stopped.
    NewKeys,
    /// A packet had an impossible length: the walk has stopped.
    BadLength,
}

/// Walks the unencrypted packets of one direction, across chunks.
/// Only a KEXINIT payload is kept (bounded); other packets are skipped without copying.
#[derive(Debug, Default)]
pub struct PacketWalker {
    header: [u8; HEADER_LEN],
    have: usize,
    /// Bytes of the current packet after its header still to come (rest of payload and padding).
    remaining: usize,
    /// Payload bytes still to keep for the current KEXINIT.
    keep_left: usize,
    kexinit: Option<Vec<u8>>,
    stopped: bool,
}

impl PacketWalker {
    /// Walks `data`; stops at NEWKEYS or at a bad length, after which input is ignored.
    pub fn feed(&mut self, mut data: &[u8], cfg: &SshConfig) -> Vec<Notice> {
        let mut notices = Vec::new();
        while !data.is_empty() && !self.stopped {
            if self.have < HEADER_LEN {
                let take = (HEADER_LEN - self.have).min(data.len());
                self.header[self.have..self.have + take].copy_from_slice(&data[..take]);
                self.have += take;
                data = &data[take..];
                if self.have == HEADER_LEN {
                    self.start_packet(cfg, &mut notices);
                }
                continue;
            }
            let take = self.remaining.min(data.len());
            let keep = self.keep_left.min(take);
            if let Some(buf) = self.kexinit.as_mut() {
                buf.extend_from_slice(&data[..keep]);
            }
            self.keep_left -= keep;
            self.remaining -= take;
            data = &data[take..];
            if self.remaining == 0 {
                self.end_packet(&mut notices);
            }
        }
        notices
    }

    /// True once NEWKEYS or a bad length was met.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    fn start_packet(&mut self, cfg: &SshConfig, notices: &mut Vec<Notice>) {
        let [l0, l1, l2, l3, padding, code] = self.header;
        let packet_len = u32::from_be_bytes([l0, l1, l2, l3]);
        // packet_length covers padding_length, the payload (at least its code) and the padding.
        if packet_len > cfg.max_packet_len || packet_len < u32::from(padding) + 2 {
            notices.push(Notice::BadLength);
            self.stopped = true;
            return;
        }
        let packet_len = packet_len as usize;
        self.remaining = packet_len - 2;
        let payload_rest = packet_len - usize::from(padding) - 2;
        match code {
            MSG_NEWKEYS => {
                notices.push(Notice::NewKeys);
                self.stopped = true;
                return;
            }
            MSG_KEXINIT if payload_rest <= cfg.max_kexinit_len => {
                self.kexinit = Some(Vec::with_capacity(payload_rest));
                self.keep_left = payload_rest;
            }
            MSG_KEXINIT => notices.push(Notice::LongKexInit),
            _ => {}
        }
        if self.remaining == 0 {
            self.end_packet(notices);
        }
    }

    fn end_packet(&mut self, notices: &mut Vec<Notice>) {
        if let Some(payload) = self.kexinit.take() {
            notices.push(Notice::KexInit(payload));
        }
        self.have = 0;
        self.keep_left = 0;
    }
}
