//! `app-layer-event:<protocol>.<name>`: a transaction the parser flagged
//! with this anomaly. The names are Suricata's; only those vigie's parsers
//! raise are accepted, so a rule waiting for one that never comes is
//! refused at load rather than silent.

use super::buffer::AppProto;

/// The HTTP events the HTTP parser raises.
pub const HTTP_EVENTS: &[&str] = &[
    "request_line_invalid",
    "request_line_leading_whitespace",
    "response_invalid_protocol",
    "response_invalid_status",
    "request_field_missing_colon",
    "response_field_missing_colon",
    "request_header_invalid",
    "response_header_invalid",
    "invalid_request_field_folding",
    "invalid_response_field_folding",
    "request_field_too_long",
    "response_field_too_long",
    "request_too_many_headers",
    "response_too_many_headers",
    "missing_host_header",
    "host_header_ambiguous",
    "invalid_content_length_field_in_request",
    "invalid_content_length_field_in_response",
    "duplicate_content_length_field_in_request",
    "duplicate_content_length_field_in_response",
    "invalid_transfer_encoding_value_in_request",
    "invalid_transfer_encoding_value_in_response",
    "request_chunk_extension",
    "response_chunk_extension",
    "invalid_request_chunk_len",
    "invalid_response_chunk_len",
    "gzip_decompression_failed",
    "compression_bomb",
    "too_many_encoding_layers",
    "100_continue_already_seen",
    "unable_to_match_response_to_request",
];

/// Parses `http.invalid_transfer_encoding_value_in_request`.
pub fn parse_app_event(value: &str) -> Result<(AppProto, &'static str), String> {
    let value = value.trim();
    let Some((proto, name)) = value.split_once('.') else {
        return Err(format!("'{value}' is not <protocol>.<event>"));
    };
    let known: &[&'static str] = match proto {
        "http" => HTTP_EVENTS,
        other => return Err(format!("events of '{other}' are not supported")),
    };
    match known.iter().find(|n| **n == name) {
        Some(n) => Ok((AppProto::Http, n)),
        None => Err(format!("the {proto} parser does not raise '{name}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_http_events_parse_and_the_rest_are_refused() {
        assert_eq!(
            parse_app_event("http.invalid_transfer_encoding_value_in_request"),
            Ok((AppProto::Http, "invalid_transfer_encoding_value_in_request"))
        );
        for bad in [
            "http",
            "http.no_such_event",
            "smtp.invalid_reply",
            "applayer_mismatch_protocol_both_directions",
        ] {
            assert!(parse_app_event(bad).is_err(), "{bad}");
        }
    }
}
