//! Destination of body bytes: length accounting, optional decoding, and the bounded body buffer of the transaction.

use super::decompress::Decoder;
use super::event::push_unique;
use super::{Direction, HttpEvent, HttpLimits, HttpTx};

/// The body being received for one message.
#[derive(Debug, Default)]
pub(super) struct BodySink {
    decoder: Option<Decoder>,
    /// Bytes were lost: nothing more is appended to the kept body.
    gap: bool,
}

/// Appends what fits under `limit`; false when something did not fit.
fn append_bounded(body: &mut Vec<u8>, data: &[u8], limit: usize) -> bool {
    let room = limit.saturating_sub(body.len());
    let take = room.min(data.len());
    body.extend_from_slice(data.get(..take).unwrap_or_default());
    take == data.len()
}

impl BodySink {
    pub(super) fn new(decoder: Option<Decoder>) -> Self {
        BodySink { decoder, gap: false }
    }

    /// Takes body bytes as framed on the wire (already de-chunked).
    pub(super) fn push(&mut self, dir: Direction, data: &[u8], tx: Option<&mut HttpTx>, limits: &HttpLimits) {
        let Some(tx) = tx else {
            return;
        };
        if data.is_empty() {
            return;
        }
        tx.add_len_seen(dir, data.len());
        if !self.gap {
            self.deliver(dir, Some(data), tx, limits);
        }
    }

    /// The body ended: input still held by the decoder is decoded.
    pub(super) fn end(&mut self, dir: Direction, tx: Option<&mut HttpTx>, limits: &HttpLimits) {
        if let Some(tx) = tx
            && !self.gap
            && self.decoder.is_some()
        {
            self.deliver(dir, None, tx, limits);
        }
        self.decoder = None;
    }

    /// Appends `data` (or, with `None`, the decoder's held input) to the
    /// kept body, through the decoder when there is one.
    fn deliver(&mut self, dir: Direction, data: Option<&[u8]>, tx: &mut HttpTx, limits: &HttpLimits) {
        let limit = match dir {
            Direction::ToServer => limits.request_body_limit,
            Direction::ToClient => limits.response_body_limit,
        };
        let (body, events) = tx.body_and_events(dir);
        let mut fitted = true;
        match (self.decoder.as_mut(), data) {
            (None, Some(data)) => fitted = append_bounded(body, data, limit),
            (None, None) => {}
            (Some(d), data) => {
                let mut sink = |chunk: &[u8]| {
                    if !append_bounded(body, chunk, limit) {
                        fitted = false;
                    }
                };
                match data {
                    Some(data) => d.push(data, limits.max_decompressed, &mut sink),
                    None => d.end(limits.max_decompressed, &mut sink),
                }
                if d.failed() {
                    push_unique(events, HttpEvent::DecompressionFailed(dir));
                }
                if d.limit_hit() {
                    push_unique(events, HttpEvent::DecompressionLimit(dir));
                }
            }
        }
        if !fitted {
            push_unique(events, HttpEvent::BodyTruncated(dir));
        }
    }

    /// Bytes of the body were lost: the kept body stops here.
    pub(super) fn gap(&mut self) {
        self.gap = true;
        self.decoder = None;
    }
}
