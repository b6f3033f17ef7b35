//! Memory and work limits of the HTTP parser, with their defaults.

/// Bounds on everything the parser keeps or computes for one flow.
///
/// Input that goes past a limit is never an error: the excess is dropped or
/// cut, an [`HttpEvent`](super::HttpEvent) is raised, and parsing goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Longest line kept: request line, status line, one header field (after
    /// folding), chunk-size line. Longer lines are cut at this length.
    /// Values below 64 are raised to 64.
    pub max_header_line: usize,
    /// Most header fields kept per message (trailers included).
    pub max_headers: usize,
    /// Most bytes kept per message for the raw header block, and separately
    /// for the parsed names and values.
    pub max_header_block: usize,
    /// Most request body bytes kept (after de-chunking and decompression).
    pub request_body_limit: usize,
    /// Most response body bytes kept (after de-chunking and decompression).
    pub response_body_limit: usize,
    /// Most bytes produced by decompression for one body (each layer when
    /// encodings are stacked); inflating stops there.
    pub max_decompressed: u64,
    /// Most transactions held by the parser at once, finished or not; the
    /// oldest is dropped to make room. Values below 1 are raised to 1.
    pub max_transactions: usize,
    /// Most parser-level events kept (events not tied to a transaction).
    pub max_events: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_header_line: 16 * 1024,
            max_headers: 256,
            max_header_block: 128 * 1024,
            request_body_limit: 100 * 1024,
            response_body_limit: 100 * 1024,
            max_decompressed: 1024 * 1024,
            max_transactions: 64,
            max_events: 256,
        }
    }
}

impl HttpLimits {
    /// The same limits with the minimums the parser needs to make progress.
    pub(super) fn sanitized(self) -> Self {
        HttpLimits {
            max_header_line: self.max_header_line.max(64),
            max_transactions: self.max_transactions.max(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let l = HttpLimits::default();
        assert_eq!(l.max_header_line, 16384);
        assert_eq!(l.max_headers, 256);
        assert_eq!(l.request_body_limit, 102400);
        assert_eq!(l.response_body_limit, 102400);
        assert_eq!(l.max_decompressed, 1 << 20);
        assert_eq!(l.max_transactions, 64);
    }

    #[test]
    fn sanitized_minimums() {
        let l = HttpLimits {
            max_header_line: 0,
            max_transactions: 0,
            ..HttpLimits::default()
        }
        .sanitized();
        assert_eq!(l.max_header_line, 64);
        assert_eq!(l.max_transactions, 1);
    }
}
