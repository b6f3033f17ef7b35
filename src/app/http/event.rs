//! Anomalies the HTTP parser reports, and their Suricata `app-layer-event:http.*` names.

use super::Direction;

/// Something unusual seen while parsing. Events never stop the parser.
///
/// Events tied to a transaction are stored once each in `HttpTx::events`
/// (in the order of this enum, directions to server first);
/// the others go to the parser's own list (`HttpParser::events`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpEvent {
    /// The request line has no URI, or its method is not a token.
    MalformedRequestLine,
    /// Spaces or tabs before the method.
    RequestLineLeadingWhitespace,
    /// The request line has no protocol (HTTP/0.9 style).
    RequestLineMissingProtocol,
    /// The first line of a response does not start with "HTTP": the response
    /// is taken as a body without headers, up to connection close.
    MalformedStatusLine,
    /// The status line's protocol is not `HTTP/x.y`.
    InvalidResponseProtocol,
    /// The status code is not a number from 100 to 999.
    InvalidStatusCode,
    /// A header line without a colon (kept with an empty name).
    HeaderMissingColon(Direction),
    /// A header name that is empty, has whitespace before the colon, or holds
    /// characters outside the token set.
    InvalidHeaderName(Direction),
    /// A continuation line with no header before it.
    InvalidFolding(Direction),
    /// A line (start line, header field, chunk-size line) longer than
    /// `max_header_line`; it was cut.
    HeaderTooLong(Direction),
    /// More header fields than `max_headers`; the extra ones were dropped.
    TooManyHeaders(Direction),
    /// The header block went past `max_header_block`; the rest was dropped.
    HeaderBlockTooLarge(Direction),
    /// An HTTP/1.1 request without a Host header.
    MissingHost,
    /// The host in an absolute URI differs from the Host header.
    HostAmbiguous,
    /// A Content-Length that is not a plain decimal number, or several that
    /// disagree.
    InvalidContentLength(Direction),
    /// More than one Content-Length value.
    DuplicateContentLength(Direction),
    /// A Transfer-Encoding other than exactly "chunked".
    InvalidTransferEncoding(Direction),
    /// Both Content-Length and chunked Transfer-Encoding (chunked wins).
    AmbiguousBodyLength(Direction),
    /// A chunk-size line with an extension (`;...`).
    ChunkExtension(Direction),
    /// A chunk-size line that is not hexadecimal; the body ends there and the
    /// parser looks for the next message.
    InvalidChunkSize(Direction),
    /// The body was longer than the body limit; the rest was not kept.
    BodyTruncated(Direction),
    /// The compressed body could not be decoded; what was decoded is kept
    /// (or, when nothing could be decoded, the raw bytes are kept instead).
    DecompressionFailed(Direction),
    /// Decompression stopped at `max_decompressed` bytes.
    DecompressionLimit(Direction),
    /// More than three stacked content encodings; the body is kept as is.
    TooManyEncodingLayers(Direction),
    /// A second "100 Continue" for the same request.
    ContinueAlreadySeen,
    /// A response with no request waiting for it.
    UnsolicitedResponse,
    /// Bytes were lost in this direction.
    Gap(Direction),
    /// The flow ended in the middle of this message.
    IncompleteAtEnd(Direction),
    /// The parser held `max_transactions` transactions and dropped the oldest.
    TransactionsDropped,
}

impl HttpEvent {
    /// The name Suricata gives this event in `app-layer-event:http.<name>`,
    /// when it has one.
    pub fn suricata_name(self) -> Option<&'static str> {
        use Direction::{ToClient as C, ToServer as S};
        use HttpEvent::*;
        let name = match self {
            MalformedRequestLine => "request_line_invalid",
            RequestLineLeadingWhitespace => "request_line_leading_whitespace",
            MalformedStatusLine | InvalidResponseProtocol => "response_invalid_protocol",
            InvalidStatusCode => "response_invalid_status",
            HeaderMissingColon(S) => "request_field_missing_colon",
            HeaderMissingColon(C) => "response_field_missing_colon",
            InvalidHeaderName(S) => "request_header_invalid",
            InvalidHeaderName(C) => "response_header_invalid",
            InvalidFolding(S) => "invalid_request_field_folding",
            InvalidFolding(C) => "invalid_response_field_folding",
            HeaderTooLong(S) => "request_field_too_long",
            HeaderTooLong(C) => "response_field_too_long",
            TooManyHeaders(S) => "request_too_many_headers",
            TooManyHeaders(C) => "response_too_many_headers",
            MissingHost => "missing_host_header",
            HostAmbiguous => "host_header_ambiguous",
            InvalidContentLength(S) => "invalid_content_length_field_in_request",
            InvalidContentLength(C) => "invalid_content_length_field_in_response",
            DuplicateContentLength(S) => "duplicate_content_length_field_in_request",
            DuplicateContentLength(C) => "duplicate_content_length_field_in_response",
            InvalidTransferEncoding(S) => "invalid_transfer_encoding_value_in_request",
            InvalidTransferEncoding(C) => "invalid_transfer_encoding_value_in_response",
            ChunkExtension(S) => "request_chunk_extension",
            ChunkExtension(C) => "response_chunk_extension",
            InvalidChunkSize(S) => "invalid_request_chunk_len",
            InvalidChunkSize(C) => "invalid_response_chunk_len",
            DecompressionFailed(_) => "gzip_decompression_failed",
            DecompressionLimit(_) => "compression_bomb",
            TooManyEncodingLayers(_) => "too_many_encoding_layers",
            ContinueAlreadySeen => "100_continue_already_seen",
            UnsolicitedResponse => "unable_to_match_response_to_request",
            RequestLineMissingProtocol
            | HeaderBlockTooLarge(_)
            | AmbiguousBodyLength(_)
            | BodyTruncated(_)
            | Gap(_)
            | IncompleteAtEnd(_)
            | TransactionsDropped => return None,
        };
        Some(name)
    }
}

impl HttpEvent {
    /// Position in the fixed order of per-transaction event lists.
    fn rank(self) -> u16 {
        use HttpEvent::*;
        let (kind, dir): (u16, Option<Direction>) = match self {
            MalformedRequestLine => (0, None),
            RequestLineLeadingWhitespace => (1, None),
            RequestLineMissingProtocol => (2, None),
            MalformedStatusLine => (3, None),
            InvalidResponseProtocol => (4, None),
            InvalidStatusCode => (5, None),
            HeaderMissingColon(d) => (6, Some(d)),
            InvalidHeaderName(d) => (7, Some(d)),
            InvalidFolding(d) => (8, Some(d)),
            HeaderTooLong(d) => (9, Some(d)),
            TooManyHeaders(d) => (10, Some(d)),
            HeaderBlockTooLarge(d) => (11, Some(d)),
            MissingHost => (12, None),
            HostAmbiguous => (13, None),
            InvalidContentLength(d) => (14, Some(d)),
            DuplicateContentLength(d) => (15, Some(d)),
            InvalidTransferEncoding(d) => (16, Some(d)),
            AmbiguousBodyLength(d) => (17, Some(d)),
            ChunkExtension(d) => (18, Some(d)),
            InvalidChunkSize(d) => (19, Some(d)),
            BodyTruncated(d) => (20, Some(d)),
            DecompressionFailed(d) => (21, Some(d)),
            DecompressionLimit(d) => (22, Some(d)),
            TooManyEncodingLayers(d) => (23, Some(d)),
            ContinueAlreadySeen => (24, None),
            UnsolicitedResponse => (25, None),
            Gap(d) => (26, Some(d)),
            IncompleteAtEnd(d) => (27, Some(d)),
            TransactionsDropped => (28, None),
        };
        kind * 2 + u16::from(dir == Some(Direction::ToClient))
    }
}

/// Adds `ev` to `list` unless it is already there, keeping the list in a
/// fixed order (so it does not depend on how the input was split).
pub(super) fn push_unique(list: &mut Vec<HttpEvent>, ev: HttpEvent) {
    if list.contains(&ev) {
        return;
    }
    let rank = ev.rank();
    let at = list.iter().position(|e| e.rank() > rank).unwrap_or(list.len());
    list.insert(at, ev);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_direction() {
        assert_eq!(
            HttpEvent::InvalidTransferEncoding(Direction::ToServer).suricata_name(),
            Some("invalid_transfer_encoding_value_in_request")
        );
        assert_eq!(
            HttpEvent::HeaderTooLong(Direction::ToClient).suricata_name(),
            Some("response_field_too_long")
        );
        assert_eq!(HttpEvent::Gap(Direction::ToServer).suricata_name(), None);
    }

    #[test]
    fn unique() {
        let mut v = Vec::new();
        push_unique(&mut v, HttpEvent::MissingHost);
        push_unique(&mut v, HttpEvent::MissingHost);
        assert_eq!(v.len(), 1);
        push_unique(&mut v, HttpEvent::Gap(Direction::ToClient));
        push_unique(&mut v, HttpEvent::Gap(Direction::ToServer));
        push_unique(&mut v, HttpEvent::MalformedRequestLine);
        assert_eq!(
            v,
            vec![
                HttpEvent::MalformedRequestLine,
                HttpEvent::MissingHost,
                HttpEvent::Gap(Direction::ToServer),
                HttpEvent::Gap(Direction::ToClient)
            ]
        );
    }

    /// Every event, both ways where it has a direction.
    fn all() -> Vec<HttpEvent> {
        use HttpEvent::*;
        let mut v = vec![
            MalformedRequestLine,
            RequestLineLeadingWhitespace,
            RequestLineMissingProtocol,
            MalformedStatusLine,
            InvalidResponseProtocol,
            InvalidStatusCode,
            MissingHost,
            HostAmbiguous,
            ContinueAlreadySeen,
            UnsolicitedResponse,
            TransactionsDropped,
        ];
        let sided: [fn(Direction) -> HttpEvent; 17] = [
            HeaderMissingColon,
            InvalidHeaderName,
            InvalidFolding,
            HeaderTooLong,
            TooManyHeaders,
            HeaderBlockTooLarge,
            InvalidContentLength,
            DuplicateContentLength,
            InvalidTransferEncoding,
            AmbiguousBodyLength,
            ChunkExtension,
            InvalidChunkSize,
            BodyTruncated,
            DecompressionFailed,
            DecompressionLimit,
            TooManyEncodingLayers,
            Gap,
        ];
        for make in sided {
            v.extend([make(Direction::ToServer), make(Direction::ToClient)]);
        }
        v.push(IncompleteAtEnd(Direction::ToServer));
        v.push(IncompleteAtEnd(Direction::ToClient));
        v
    }

    #[test]
    fn the_rule_vocabulary_is_exactly_the_names_raised() {
        let raised: Vec<&str> = all().into_iter().filter_map(HttpEvent::suricata_name).collect();
        for name in &raised {
            assert!(
                crate::rules::app_events::HTTP_EVENTS.contains(name),
                "{name} missing from the rules"
            );
        }
        for name in crate::rules::app_events::HTTP_EVENTS {
            assert!(raised.contains(name), "rules accept {name}, which is never raised");
        }
    }
}
